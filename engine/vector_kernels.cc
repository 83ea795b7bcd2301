// Matrix storage, variant dispatch and top-k selection. The arithmetic inner
// loops live in vector_kernels_{scalar,avx2,avx512}.cc; this file only decides
// which rows to score and which to keep.
#include "engine/vector_kernels.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "engine/vector_kernels_internal.h"

namespace iisc {
namespace {

using kernels::CompactQuery;
using kernels::kBlockRows;
using kernels::kGroupDims;
using kernels::Kernels;

constexpr size_t kAlign = 64;
constexpr size_t kStrideFloats = 16;
// Bound for the 32-bit integer dot: every code is at most 255 in magnitude and
// every query code at most 127, so sums of up to 2^31 / (255 * 127) terms are
// exact. Wider rows fall back to the float scan (same results, slower).
constexpr size_t kMaxCompactDim = 66000;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// ---------------------------------------------------------------- dispatch

const Kernels* VariantByName(std::string_view name) {
  if (name == "scalar") return &kernels::ScalarKernels();
  if (name == "avx2") return kernels::Avx2Kernels();
  if (name == "avx512-vnni") return kernels::Avx512Kernels();
  return nullptr;
}

std::atomic<const Kernels*>& ActiveSlot() {
  static std::atomic<const Kernels*> slot = [] {
    const Kernels* best = kernels::Avx512Kernels();
    if (best == nullptr) best = kernels::Avx2Kernels();
    if (best == nullptr) best = &kernels::ScalarKernels();
    // The override exists so CI can exercise the portable path on a machine
    // that would otherwise always pick the widest variant.
    if (const char* forced = std::getenv("IISC_KERNEL")) {
      if (const Kernels* k = VariantByName(forced)) best = k;
    }
    return best;
  }();
  return slot;
}

const Kernels& Active() { return *ActiveSlot().load(std::memory_order_acquire); }

// ---------------------------------------------------------------- top-k

// a ranks before b: higher score, then lower row index.
bool Better(const ScoredRow& a, const ScoredRow& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// A bounded heap whose front is the worst kept row, so a candidate is
// compared against one element and the heap is touched only on improvement.
class TopKHeap {
 public:
  TopKHeap(std::vector<ScoredRow>* storage, size_t k) : h_(*storage), k_(k) { h_.clear(); }
  void Offer(float score, uint32_t row) {
    const ScoredRow c{score, row};
    if (h_.size() < k_) {
      h_.push_back(c);
      std::push_heap(h_.begin(), h_.end(), Better);
    } else if (Better(c, h_.front())) {
      std::pop_heap(h_.begin(), h_.end(), Better);
      h_.back() = c;
      std::push_heap(h_.begin(), h_.end(), Better);
    }
  }
  void Emit(std::vector<ScoredRow>* out) {
    out->assign(h_.begin(), h_.end());
    std::sort(out->begin(), out->end(), Better);
  }

 private:
  std::vector<ScoredRow>& h_;
  size_t k_;
};

// Visits the allowed rows as 16-row blocks: fn(block index, 16-bit mask).
// Whole zero 64-bit words of the filter are skipped without touching data.
template <typename Fn>
void ForEachAllowedBlock(size_t rows, RowBitmap allowed, Fn&& fn) {
  const size_t words = (rows + 63) / 64;
  for (size_t w = 0; w < words; ++w) {
    uint64_t bits = allowed != nullptr ? allowed[w] : ~uint64_t{0};
    if (w + 1 == words && rows % 64 != 0) bits &= (uint64_t{1} << (rows % 64)) - 1;
    if (bits == 0) continue;
    for (size_t sub = 0; sub < 4; ++sub) {
      const auto mask = static_cast<uint32_t>((bits >> (16 * sub)) & 0xFFFF);
      if (mask != 0) fn(w * 4 + sub, mask);
    }
  }
}

// Rounds a non-negative double up to the next float, so a bound computed in
// double stays a bound after narrowing.
float RoundUpToFloat(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// Inflation for norms computed in double: their relative error is below
// dim * 2^-53 < 1e-11 for any dim the compact scan accepts.
constexpr double kDoubleSlack = 1.0 + 1e-9;

struct Quantized {
  float scale;     // s = max|x| / 127 (0 for a zero vector)
  double err;      // ||x - s * x8||, rounded up
  double hat;      // ||s * x8||, rounded up
  double norm;     // ||x||, rounded up
};

// Symmetric int8 quantization of one vector. The norms are computed from the
// codes actually stored, so the bound below holds whatever rounding produced
// them.
Quantized QuantizeVector(const float* x, size_t dim, int8_t* codes) {
  float amax = 0.0f;
  for (size_t j = 0; j < dim; ++j) amax = std::max(amax, std::fabs(x[j]));
  Quantized r{amax / 127.0f, 0.0, 0.0, 0.0};
  double err2 = 0.0, hat2 = 0.0, norm2 = 0.0;
  for (size_t j = 0; j < dim; ++j) {
    long c = 0;
    if (r.scale > 0.0f) c = std::clamp(std::lround(x[j] / r.scale), -127L, 127L);
    codes[j] = static_cast<int8_t>(c);
    const double hat = static_cast<double>(r.scale) * static_cast<double>(c);
    const double err = static_cast<double>(x[j]) - hat;
    err2 += err * err;
    hat2 += hat * hat;
    norm2 += static_cast<double>(x[j]) * static_cast<double>(x[j]);
  }
  r.err = std::sqrt(err2) * kDoubleSlack;
  r.hat = std::sqrt(hat2) * kDoubleSlack;
  r.norm = std::sqrt(norm2) * kDoubleSlack;
  return r;
}

// Kernels read whole 16-float chunks, but the caller's query holds only dim
// floats: when the stride is wider, score a zero-padded copy instead of
// reading past its end (0 * garbage may be NaN).
const float* PaddedQuery(const VectorMatrix& m, const float* query, std::vector<float>* buffer) {
  if (m.stride() == m.dim()) return query;
  buffer->assign(m.stride(), 0.0f);
  std::memcpy(buffer->data(), query, m.dim() * sizeof(float));
  return buffer->data();
}

}  // namespace

// ---------------------------------------------------------------- VectorMatrix

// Invariant: zeroed up to the 16-row block holding the last row ever written
// (high_water), so kernels reading whole blocks see zeros past the rows, and
// growing writes only blocks no existing matrix reads.
struct VectorMatrix::Storage {
  float* data = nullptr;
  size_t capacity = 0;    // rows, a multiple of 16
  size_t high_water = 0;  // rows any matrix over this storage has
  ~Storage() { std::free(data); }
};

VectorMatrix::VectorMatrix(size_t dim)
    : dim_(dim), stride_(std::max(kStrideFloats, RoundUp(dim, kStrideFloats))) {}

VectorMatrix::~VectorMatrix() = default;

void VectorMatrix::Reserve(size_t rows) {
  const size_t cap = RoundUp(rows, kBlockRows);
  if (storage_ && cap <= storage_->capacity) return;
  auto fresh = std::make_shared<Storage>();
  const size_t bytes = RoundUp(cap * stride_ * sizeof(float), kAlign);
  fresh->data = static_cast<float*>(std::aligned_alloc(kAlign, std::max(bytes, kAlign)));
  if (fresh->data == nullptr) throw std::bad_alloc();
  fresh->capacity = cap;
  fresh->high_water = rows_;
  const size_t zeroed = RoundUp(rows_, kBlockRows);
  if (rows_ > 0) std::memcpy(fresh->data, data_, rows_ * stride_ * sizeof(float));
  std::memset(fresh->data + rows_ * stride_, 0, (zeroed - rows_) * stride_ * sizeof(float));
  storage_ = std::move(fresh);
  data_ = storage_->data;
}

size_t VectorMatrix::Append(std::span<const float> row) {
  if (!storage_ || rows_ == storage_->capacity) {
    Reserve(std::max<size_t>(kBlockRows, (storage_ ? storage_->capacity : 0) * 2));
  }
  if (rows_ % kBlockRows == 0) {
    // A fresh block: zero it whole (its later rows are padding until written).
    std::memset(data_ + rows_ * stride_, 0, kBlockRows * stride_ * sizeof(float));
  }
  ++rows_;
  storage_->high_water = rows_;
  Set(rows_ - 1, row);
  return rows_ - 1;
}

void VectorMatrix::Set(size_t row, std::span<const float> values) {
  // Padding lanes were zeroed with their block and are never written.
  std::memcpy(data_ + row * stride_, values.data(), std::min(values.size(), dim_) * sizeof(float));
}

size_t VectorMatrix::GrownFirstRow() const { return RoundUp(rows_, kBlockRows); }

VectorMatrix VectorMatrix::Grown(const float* values, size_t count) const {
  const size_t first = GrownFirstRow(), rows = first + count;
  VectorMatrix out(dim_);
  if (storage_ && storage_->high_water == rows_ && RoundUp(rows, kBlockRows) <= storage_->capacity) {
    out.storage_ = storage_;  // rows past ours were never handed out: extend in place
    out.data_ = data_;
    out.rows_ = rows_;
  } else {
    out = *this;
    out.storage_.reset();
    out.Reserve(rows + rows / 4);
  }
  // Rows rows_..first are already zero (the block invariant); new blocks are
  // zeroed before rows land in them.
  for (size_t i = 0; i < count; ++i) {
    const size_t r = first + i;
    if (r % kBlockRows == 0) std::memset(out.data_ + r * stride_, 0, kBlockRows * stride_ * sizeof(float));
    std::memcpy(out.data_ + r * stride_, values + i * dim_, dim_ * sizeof(float));
  }
  out.rows_ = rows;
  out.storage_->high_water = rows;
  return out;
}

// ---------------------------------------------------------------- QuantizedMatrix

// Codes and per-row terms of up to `capacity` blocks; blocks up to
// high_water are written (those past any matrix's rows hold zero rows).
struct QuantizedStorage {
  size_t capacity = 0, high_water = 0;  // blocks
  std::unique_ptr<uint8_t, FreeDeleter> codes;
  std::unique_ptr<float, FreeDeleter> meta;
};

struct QuantizedMatrix::Impl {
  size_t rows = 0, dim = 0, groups = 0, blocks = 0;
  // blocks x groups x 64 bytes: byte (4 * r + t) of group g of block b is
  // code(row 16b + r, dim 4g + t) + 128. Padding codes are 128 (value 0).
  const uint8_t* codes = nullptr;
  // blocks x 48 floats: scale[16], ||x - s x8||[16], ||s x8||[16].
  const float* meta = nullptr;
  std::shared_ptr<QuantizedStorage> storage;
};

namespace {

std::shared_ptr<QuantizedStorage> NewQuantizedStorage(size_t capacity_blocks, size_t groups) {
  auto s = std::make_shared<QuantizedStorage>();
  s->capacity = std::max<size_t>(1, capacity_blocks);
  const size_t code_bytes = RoundUp(s->capacity * groups * 64, kAlign);
  s->codes.reset(static_cast<uint8_t*>(std::aligned_alloc(kAlign, code_bytes)));
  s->meta.reset(static_cast<float*>(std::aligned_alloc(kAlign, RoundUp(s->capacity * 48 * sizeof(float), kAlign))));
  if (!s->codes || !s->meta) throw std::bad_alloc();
  return s;
}

// Quantizes rows [first_block * 16, m.rows()) into blocks first_block.. of
// `s` (every lane of those blocks written: padding lanes get the zero row).
void QuantizeBlocks(const VectorMatrix& m, size_t groups, size_t first_block, QuantizedStorage* s) {
  const size_t block_bytes = groups * 64, blocks = (m.rows() + kBlockRows - 1) / kBlockRows;
  if (blocks <= first_block) return;
  std::memset(s->codes.get() + first_block * block_bytes, 128, (blocks - first_block) * block_bytes);
  std::memset(s->meta.get() + first_block * 48, 0, (blocks - first_block) * 48 * sizeof(float));
  std::vector<int8_t> row_codes(groups * kGroupDims, 0);
  for (size_t r = first_block * kBlockRows; r < m.rows(); ++r) {
    const Quantized qr = QuantizeVector(m.row(r), m.dim(), row_codes.data());
    const size_t b = r / kBlockRows, lane = r % kBlockRows;
    uint8_t* block = s->codes.get() + b * block_bytes;
    for (size_t j = 0; j < m.dim(); ++j) {
      block[(j / kGroupDims) * 64 + lane * kGroupDims + j % kGroupDims] =
          static_cast<uint8_t>(row_codes[j] + 128);
    }
    float* meta = s->meta.get() + b * 48;
    meta[lane] = qr.scale;
    meta[16 + lane] = RoundUpToFloat(qr.err);
    meta[32 + lane] = RoundUpToFloat(qr.hat);
  }
  s->high_water = blocks;
}

QuantizedMatrix MakeQuantized(const VectorMatrix& m, size_t groups, std::shared_ptr<QuantizedStorage> storage) {
  auto impl = std::make_shared<QuantizedMatrix::Impl>();
  impl->rows = m.rows();
  impl->dim = m.dim();
  impl->groups = groups;
  impl->blocks = (m.rows() + kBlockRows - 1) / kBlockRows;
  impl->codes = storage->codes.get();
  impl->meta = storage->meta.get();
  impl->storage = std::move(storage);
  QuantizedMatrix q;
  q.impl = std::move(impl);
  return q;
}

}  // namespace

QuantizedMatrix QuantizedMatrix::FromFloat(const VectorMatrix& m) {
  const size_t groups = std::max<size_t>(1, (m.dim() + kGroupDims - 1) / kGroupDims);
  const size_t blocks = (m.rows() + kBlockRows - 1) / kBlockRows;
  auto storage = NewQuantizedStorage(blocks + blocks / 4, groups);
  QuantizeBlocks(m, groups, 0, storage.get());
  return MakeQuantized(m, groups, std::move(storage));
}

QuantizedMatrix QuantizedMatrix::Grown(const VectorMatrix& grown) const {
  if (!impl) return FromFloat(grown);
  const Impl& old = *impl;
  const size_t blocks = (grown.rows() + kBlockRows - 1) / kBlockRows;
  std::shared_ptr<QuantizedStorage> storage = old.storage;
  if (storage->high_water != old.blocks || blocks > storage->capacity) {
    storage = NewQuantizedStorage(blocks + blocks / 4, old.groups);
    std::memcpy(storage->codes.get(), old.codes, old.blocks * old.groups * 64);
    std::memcpy(storage->meta.get(), old.meta, old.blocks * 48 * sizeof(float));
    storage->high_water = old.blocks;
  }
  // Grown rows start on a block boundary, so the blocks written are past
  // every block an existing matrix reads.
  QuantizeBlocks(grown, old.groups, old.blocks, storage.get());
  return MakeQuantized(grown, old.groups, std::move(storage));
}

size_t QuantizedMatrix::rows() const { return impl ? impl->rows : 0; }
size_t QuantizedMatrix::dim() const { return impl ? impl->dim : 0; }
size_t QuantizedMatrix::bytes() const {
  return impl ? impl->blocks * (impl->groups * 64 + 48 * sizeof(float)) : 0;
}

// ---------------------------------------------------------------- scoring

void ExactTopK(const VectorMatrix& m, const float* query, RowBitmap allowed, size_t k,
               TopKScratch* scratch, std::vector<ScoredRow>* out) {
  out->clear();
  if (k == 0 || m.rows() == 0) return;
  const Kernels& kern = Active();
  query = PaddedQuery(m, query, &scratch->query);
  scratch->scores.resize(kBlockRows);
  float* block_scores = scratch->scores.data();
  TopKHeap top(&scratch->heap, k);
  ForEachAllowedBlock(m.rows(), allowed, [&](size_t block, uint32_t mask) {
    const size_t first = block * kBlockRows;
    if (std::popcount(mask) <= 4) {
      // A sparse filter: scoring rows one at a time reads only those rows.
      for (uint32_t bits = mask; bits != 0; bits &= bits - 1) {
        const size_t r = first + static_cast<size_t>(std::countr_zero(bits));
        top.Offer(kern.dot(m.row(r), query, m.stride()), static_cast<uint32_t>(r));
      }
      return;
    }
    kern.dot16(m.row(first), query, m.stride(), block_scores);
    for (uint32_t bits = mask; bits != 0; bits &= bits - 1) {
      const int j = std::countr_zero(bits);
      top.Offer(block_scores[j], static_cast<uint32_t>(first + j));
    }
  });
  top.Emit(out);
}

// Why the shortlist of CompactTopK is exact.
//
// Notation: x a row, q the query, e = <x, q> in real arithmetic, f the float
// score ExactTopK computes (the same kernel call, so the same bits), u = 2^-24,
// n = stride (terms of the float dot), g_m = m u / (1 - m u).
// Quantization: x = s_x x8 + dx, q = s_q q8 + dq (reals; s_x, s_q floats,
// x8, q8 integers), with xh = s_x x8. The integer dot D = <x8, q8> is exact in
// int32 (the codes are <= 255 and <= 127 in magnitude, dim <= kMaxCompactDim).
// The scan computes a = fl(fl(D) * fl(s_x s_q)) = s_x s_q D (1 + t), |t| <= g_3.
//   e - s_x s_q D = <dx, q> + <xh, dq>, so by Cauchy-Schwarz
//   |e - s_x s_q D| <= ||dx|| ||q|| + ||xh|| ||dq||.
//   |f - e| <= g_n sum |x_j q_j| <= g_n (||xh|| + ||dx||) ||q||      (any order, FMA or not)
//   |a - s_x s_q D| <= g_3 ||xh|| ||q8 s_q|| <= g_3 ||xh|| (||q|| + ||dq||)
// Hence |f - a| <= ||dx|| ||q|| + ||xh|| ||dq|| + (g_n + g_3)(||xh|| + ||dx||)(||q|| + ||dq||).
// The kernel uses B = fma(nxh, Q, fma(ndx, P, eta)) with, all rounded up,
//   ndx >= ||dx||, nxh >= ||xh||, P = (||q|| + c S)(1 + 2^-20), Q = (||dq|| + c S)(1 + 2^-20),
//   S = ||q|| + ||dq||, c = 2 (n + 8) u >= g_n + g_3 + (n + 13) u.
// Call B* the right-hand side above. All terms of B are >= 0, so its two
// roundings cost at most 2.01u B; the factor 2^-20 = 16u leaves B >= B* (1 + 13u).
// The spare (n + 13) u ||xh|| S in c is >= 12u |a| (as |a| <= ||xh|| S (1 + g_3)).
// Rounding L = fl(a - B) and U = fl(a + B) moves them by at most
// u (|a| + B) <= u |a| + 1.01u B, which those two spares (13u B* and 12u |a|)
// cover. eta = (n + 16) 2^-149 covers underflow (a subnormal result loses at
// most 2^-150 per operation). If the compiler fuses the multiply into the
// subtraction or addition, there are fewer roundings and the bound still holds.
// So, in float, L(x) <= f(x) <= U(x) for every row.
// Selection: let tau be the k-th largest L over the allowed rows (-inf if
// fewer than k). Rows r_1..r_k with L >= tau have f(r_i) >= L(r_i) >= tau, so
// a row with U < tau has f < tau <= f(r_i): k rows beat it strictly, it is not
// in the exact top-k whatever the tie rule. The shortlist {U >= tau} thus
// contains the exact top-k, and ranking it by (f desc, row asc) with f from
// the same kernel yields exactly ExactTopK's rows and scores.
// Streaming: the running k-th best L only grows towards tau, so a row whose U
// is below the running value is below tau and can be dropped at once; the
// survivors are filtered against the final tau before the re-rank.
void CompactTopK(const QuantizedMatrix& q, const VectorMatrix& m, const float* query,
                 RowBitmap allowed, size_t k, TopKScratch* scratch, std::vector<ScoredRow>* out,
                 float* upper_bounds) {
  out->clear();
  if (m.rows() == 0) return;
  if (k == 0 || q.impl == nullptr || q.rows() != m.rows() || m.dim() > kMaxCompactDim) {
    // No scan to learn from: no row is bounded.
    if (upper_bounds != nullptr) std::fill(upper_bounds, upper_bounds + m.rows(), std::numeric_limits<float>::infinity());
    if (k > 0) ExactTopK(m, query, allowed, k, scratch, out);
    return;
  }
  const Kernels& kern = Active();
  const QuantizedMatrix::Impl& qi = *q.impl;
  query = PaddedQuery(m, query, &scratch->query);

  scratch->query_i8.assign(qi.groups * kGroupDims, 0);
  const Quantized qq = QuantizeVector(query, m.dim(), scratch->query_i8.data());
  int32_t code_sum = 0;
  for (int8_t c : scratch->query_i8) code_sum += c;
  const double n = static_cast<double>(m.stride());
  const double u = std::ldexp(1.0, -24);
  const double c = 2.0 * (n + 8.0) * u;
  const double s = qq.norm + qq.err;
  const double inflate = 1.0 + std::ldexp(1.0, -20);
  const CompactQuery cq{
      scratch->query_i8.data(),
      qi.groups,
      128 * code_sum,
      qq.scale,
      RoundUpToFloat((qq.norm + c * s) * inflate),
      RoundUpToFloat((qq.err + c * s) * inflate),
      static_cast<float>(std::ldexp(n + 16.0, -149)),
  };

  const float kNoBound = -std::numeric_limits<float>::infinity();
  std::vector<float>& lower_heap = scratch->lower_heap;  // min-heap of the k best L
  std::vector<ScoredRow>& shortlist = scratch->shortlist;
  lower_heap.clear();
  shortlist.clear();
  const size_t block_bytes = qi.groups * 64;
  float lower[kBlockRows], upper[kBlockRows];
  ForEachAllowedBlock(m.rows(), allowed, [&](size_t block, uint32_t mask) {
    const float tau = lower_heap.size() < k ? kNoBound : lower_heap.front();
    uint32_t hits = kern.compact16(qi.codes + block * block_bytes,
                                   qi.meta + block * 48, cq, tau, lower, upper);
    if (upper_bounds != nullptr && mask == 0xFFFF) {
      std::memcpy(upper_bounds + block * kBlockRows, upper, sizeof(float) * kBlockRows);
    } else if (upper_bounds != nullptr) {
      for (uint32_t bits = mask; bits != 0; bits &= bits - 1) {
        const int j = std::countr_zero(bits);
        upper_bounds[block * kBlockRows + static_cast<size_t>(j)] = upper[j];
      }
    }
    for (hits &= mask; hits != 0; hits &= hits - 1) {
      const int j = std::countr_zero(hits);
      shortlist.push_back({upper[j], static_cast<uint32_t>(block * kBlockRows + j)});
      if (lower_heap.size() < k) {
        lower_heap.push_back(lower[j]);
        std::push_heap(lower_heap.begin(), lower_heap.end(), std::greater<float>());
      } else if (lower[j] > lower_heap.front()) {
        std::pop_heap(lower_heap.begin(), lower_heap.end(), std::greater<float>());
        lower_heap.back() = lower[j];
        std::push_heap(lower_heap.begin(), lower_heap.end(), std::greater<float>());
      }
    }
  });

  const float tau = lower_heap.size() < k ? kNoBound : lower_heap.front();
  TopKHeap top(&scratch->heap, k);
  for (const ScoredRow& cand : shortlist) {
    if (cand.score < tau) continue;
    top.Offer(kern.dot(m.row(cand.row), query, m.stride()), cand.row);
  }
  top.Emit(out);
}

void DotAll(const VectorMatrix& m, const float* query, float* out) {
  const Kernels& kern = Active();
  // Per thread, so repeated calls allocate only when the stride grows.
  thread_local std::vector<float> padded;
  query = PaddedQuery(m, query, &padded);
  const size_t full = m.rows() / kBlockRows * kBlockRows;
  for (size_t r = 0; r < full; r += kBlockRows) kern.dot16(m.row(r), query, m.stride(), out + r);
  for (size_t r = full; r < m.rows(); ++r) out[r] = kern.dot(m.row(r), query, m.stride());
}

void DotRows(const VectorMatrix& m, const float* query, std::span<const uint32_t> rows, float* out) {
  if (rows.empty()) return;
  const Kernels& kern = Active();
  thread_local std::vector<float> padded;
  query = PaddedQuery(m, query, &padded);
  for (size_t i = 0; i < rows.size(); ++i) out[i] = kern.dot(m.row(rows[i]), query, m.stride());
}

const char* KernelVariant() { return Active().name; }

bool SetKernelVariant(std::string_view name) {
  const Kernels* k = VariantByName(name);
  if (k == nullptr) return false;
  ActiveSlot().store(k, std::memory_order_release);
  return true;
}

}  // namespace iisc
