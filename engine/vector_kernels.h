// Dense vector scoring kernels: the hot path of retrieval. Pure functions
// over contiguous, aligned row-major matrices; no allocation per call when
// the caller reuses a TopKScratch. The CPU variant (AVX-512 VNNI/BF16, AVX2,
// scalar) is chosen once at run time, so a portable build runs anywhere.
//
// REQUIRES for every function: finite inputs whose squared norms do not
// overflow a float. Scores are float inner products computed in a fixed order
// per variant, so the same row and query always give the same bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace iisc {

// Rows of `dim` floats, each row starting on a 64-byte boundary; the stride
// is dim rounded up to 16 floats, padding zeroed. Storage is also padded to a
// whole number of 16-row blocks (zeroed), so kernels may read 16 rows at a
// time. Copies share the rows: a catalog snapshot grows from the one before
// it (Grown) without copying a million rows. Writes (Reserve, Append, Set)
// only while this matrix is the storage's sole user; concurrent reads are fine.
class VectorMatrix {
 public:
  explicit VectorMatrix(size_t dim);
  VectorMatrix(const VectorMatrix&) = default;
  VectorMatrix& operator=(const VectorMatrix&) = default;
  VectorMatrix(VectorMatrix&&) noexcept = default;
  VectorMatrix& operator=(VectorMatrix&&) noexcept = default;
  ~VectorMatrix();

  size_t dim() const { return dim_; }
  size_t stride() const { return stride_; }
  size_t rows() const { return rows_; }
  void Reserve(size_t rows);
  // Returns the new row's index. REQUIRES: row.size() == dim().
  size_t Append(std::span<const float> row);
  // REQUIRES: row < rows(), values.size() == dim().
  void Set(size_t row, std::span<const float> values);
  const float* row(size_t i) const { return data_ + i * stride_; }
  const float* data() const { return data_; }

  // A matrix of this one's rows, zero rows up to the next multiple of 16
  // (GrownFirstRow), then `count` rows from `values` (packed, dim floats
  // each). It shares this matrix's storage when that has room and nothing has
  // grown from this matrix before; it never writes a row an existing matrix
  // can read. Calls must not run concurrently with each other.
  VectorMatrix Grown(const float* values, size_t count) const;
  size_t GrownFirstRow() const;

 private:
  struct Storage;
  size_t dim_, stride_, rows_ = 0;
  std::shared_ptr<Storage> storage_;
  float* data_ = nullptr;  // storage_'s rows
};

// A compact copy of a VectorMatrix used to scan fast; ExactTopK-identical
// results come from re-ranking a shortlist with the float rows, using a
// rigorous per-row error bound to size the shortlist.
//
// Representation: each row x is quantized symmetrically, x ~= s * x8 with
// s = max|x| / 127 and x8 in [-127, 127], stored as the unsigned byte x8 + 128
// so that one AVX-512 VNNI instruction (u8 x s8 -> s32) multiplies it with an
// int8 query. Rows are interleaved in blocks of 16 (4 dims x 16 rows per 64
// bytes) so one instruction yields 16 row sums with no horizontal reduction.
// Per row it keeps s, ||x - s*x8|| and ||s*x8|| (rounded up), from which the
// error bound of the approximate score follows (see vector_kernels.cc).
// Immutable after FromFloat; a snapshot: later edits of the VectorMatrix are
// not reflected (rebuild it, or Grown for rows added by VectorMatrix::Grown).
// Safe to share between threads.
class QuantizedMatrix {
 public:
  static QuantizedMatrix FromFloat(const VectorMatrix& m);
  // The compact copy of `grown`, a VectorMatrix::Grown of the matrix this
  // one was built from: only the new rows are quantized, the others shared
  // as VectorMatrix::Grown shares them. Calls must not run concurrently.
  QuantizedMatrix Grown(const VectorMatrix& grown) const;
  size_t rows() const;
  size_t dim() const;
  size_t bytes() const;  // bytes of the scanned representation (codes + per-row terms)
  // opaque layout, defined in vector_kernels.cc
  struct Impl;
  std::shared_ptr<const Impl> impl;
};

struct ScoredRow {
  float score;
  uint32_t row;
};

// Reusable per-thread buffers so a query allocates nothing once they have
// grown to the sizes the workload needs.
struct TopKScratch {
  std::vector<float> scores;       // ExactTopK: scores of one 16-row block
  std::vector<float> query;        // the query zero-padded to the stride
  std::vector<ScoredRow> heap;     // the running top-k
  std::vector<int8_t> query_i8;    // CompactTopK: the quantized query
  std::vector<float> lower_heap;   // CompactTopK: k best lower bounds
  std::vector<ScoredRow> shortlist;  // CompactTopK: (upper bound, row) candidates
};

// Row filter: bit i set = row i may be returned. nullptr = all rows.
// REQUIRES: at least ceil(rows / 64) words; bits past the last row are ignored.
using RowBitmap = const uint64_t*;

// Exact top-k by inner product, best first; ties broken by lower row index.
// Returns min(k, allowed rows) rows.
void ExactTopK(const VectorMatrix& m, const float* query, RowBitmap allowed, size_t k,
               TopKScratch* scratch, std::vector<ScoredRow>* out);

// Same results as ExactTopK (identical rows and float scores), scanning the
// compact representation and re-ranking a shortlist exactly.
// If `upper_bounds` is not null it receives, for every allowed row i, a
// bound upper_bounds[i] >= the exact score of row i (what the scan learned
// of every row, for bounding rows outside the top k); other entries are
// left as they were.
// REQUIRES: q was built from m and m has not changed since; upper_bounds,
// if given, holds m.rows() floats.
void CompactTopK(const QuantizedMatrix& q, const VectorMatrix& m, const float* query,
                 RowBitmap allowed, size_t k, TopKScratch* scratch, std::vector<ScoredRow>* out,
                 float* upper_bounds = nullptr);

// Inner products of one query with every row: out[i] = <row i, query>,
// bit-identical to the scores ExactTopK returns.
void DotAll(const VectorMatrix& m, const float* query, float* out);

// Inner products of one query with the listed rows: out[i] = <row rows[i],
// query>, bit-identical to DotAll's out[rows[i]]. For re-scoring candidates.
// REQUIRES: every rows[i] < m.rows().
void DotRows(const VectorMatrix& m, const float* query, std::span<const uint32_t> rows, float* out);

// Name of the kernel variant chosen for this CPU ("avx512-vnni", "avx2", "scalar").
// The IISC_KERNEL environment variable, read once, can force a lesser variant
// (e.g. IISC_KERNEL=scalar) so tests cover the portable path.
const char* KernelVariant();

// Forces a variant by name for the whole process; returns false (and changes
// nothing) if the name is unknown or this CPU cannot run it. For tests and
// benchmarks; not safe to call while other threads are scoring.
bool SetKernelVariant(std::string_view name);

}  // namespace iisc
