// Dense vector scoring kernels: the hot path of retrieval. Pure functions
// over contiguous, aligned row-major matrices; no allocation per call when
// the caller reuses a TopKScratch. The CPU variant (AVX-512 VNNI/BF16, AVX2,
// scalar) is chosen once at run time, so a portable build runs anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace iisc {

// Rows of `dim` floats, each row starting on a 64-byte boundary; the stride
// is dim rounded up to 16 floats, padding zeroed. Not thread-safe for
// writes; concurrent reads are fine.
class VectorMatrix {
 public:
  explicit VectorMatrix(size_t dim);
  VectorMatrix(VectorMatrix&&) noexcept;
  VectorMatrix& operator=(VectorMatrix&&) noexcept;
  ~VectorMatrix();

  size_t dim() const { return dim_; }
  size_t stride() const { return stride_; }
  size_t rows() const { return rows_; }
  void Reserve(size_t rows);
  // Returns the new row's index.
  size_t Append(std::span<const float> row);
  void Set(size_t row, std::span<const float> values);
  const float* row(size_t i) const { return data_ + i * stride_; }
  const float* data() const { return data_; }

 private:
  size_t dim_, stride_, rows_ = 0, capacity_ = 0;
  float* data_ = nullptr;
};

// A compact int8 copy of a VectorMatrix (symmetric per-row scale) used to
// scan fast; ExactTopK-identical results come from re-ranking a shortlist
// with the float rows, using the per-row error bound to size the shortlist.
class QuantizedMatrix {
 public:
  static QuantizedMatrix FromFloat(const VectorMatrix& m);
  size_t rows() const;
  size_t dim() const;
  size_t bytes() const;  // bytes of the scanned representation
  // opaque layout, defined in vector_kernels.cc
  struct Impl;
  std::shared_ptr<const Impl> impl;
};

struct ScoredRow {
  float score;
  uint32_t row;
};

// Reusable per-thread buffers so a query allocates nothing.
struct TopKScratch {
  std::vector<float> scores;
  std::vector<ScoredRow> heap;
  std::vector<int8_t> query_i8;
};

// Row filter: bit i set = row i may be returned. nullptr = all rows.
using RowBitmap = const uint64_t*;

// Exact top-k by inner product, best first; ties broken by lower row index.
void ExactTopK(const VectorMatrix& m, const float* query, RowBitmap allowed, size_t k,
               TopKScratch* scratch, std::vector<ScoredRow>* out);

// Same results as ExactTopK (identical rows and float scores), scanning the
// int8 representation and re-ranking a shortlist exactly.
void CompactTopK(const QuantizedMatrix& q, const VectorMatrix& m, const float* query,
                 RowBitmap allowed, size_t k, TopKScratch* scratch, std::vector<ScoredRow>* out);

// Inner products of one query with every row: out[i] = <row i, query>.
void DotAll(const VectorMatrix& m, const float* query, float* out);

// Scores of a batch of queries (row-major, `num_queries` x dim, stride = dim)
// against every row as one matrix product: out is num_queries x rows, row-major.
void BatchDot(const VectorMatrix& m, const float* queries, size_t num_queries, float* out);

// Name of the kernel variant chosen for this CPU ("avx512-vnni", "avx2", "scalar").
const char* KernelVariant();

}  // namespace iisc
