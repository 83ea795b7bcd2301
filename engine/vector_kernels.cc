// Matrix storage, variant dispatch and top-k selection. The arithmetic inner
// loops live in vector_kernels_{scalar,avx2,avx512}.cc; this file only decides
// which rows to score and which to keep.
#include "engine/vector_kernels.h"

#include <Eigen/Core>
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

template <typename T>
T* AlignedZeroAlloc(size_t count) {
  if (count == 0) return nullptr;
  const size_t bytes = RoundUp(count * sizeof(T), kAlign);
  void* p = std::aligned_alloc(kAlign, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return static_cast<T*>(p);
}

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

VectorMatrix::VectorMatrix(size_t dim)
    : dim_(dim), stride_(std::max(kStrideFloats, RoundUp(dim, kStrideFloats))) {}

VectorMatrix::VectorMatrix(VectorMatrix&& o) noexcept
    : dim_(o.dim_), stride_(o.stride_), rows_(o.rows_), capacity_(o.capacity_), data_(o.data_) {
  o.rows_ = o.capacity_ = 0;
  o.data_ = nullptr;
}

VectorMatrix& VectorMatrix::operator=(VectorMatrix&& o) noexcept {
  if (this != &o) {
    std::free(data_);
    dim_ = o.dim_;
    stride_ = o.stride_;
    rows_ = o.rows_;
    capacity_ = o.capacity_;
    data_ = o.data_;
    o.rows_ = o.capacity_ = 0;
    o.data_ = nullptr;
  }
  return *this;
}

VectorMatrix::~VectorMatrix() { std::free(data_); }

void VectorMatrix::Reserve(size_t rows) {
  // Whole 16-row blocks, zeroed, so 16-row kernels never read past the end.
  const size_t cap = RoundUp(rows, kBlockRows);
  if (cap <= capacity_) return;
  float* fresh = AlignedZeroAlloc<float>(cap * stride_);
  if (rows_ > 0) std::memcpy(fresh, data_, rows_ * stride_ * sizeof(float));
  std::free(data_);
  data_ = fresh;
  capacity_ = cap;
}

size_t VectorMatrix::Append(std::span<const float> row) {
  if (rows_ == capacity_) Reserve(std::max<size_t>(kBlockRows, capacity_ * 2));
  ++rows_;
  Set(rows_ - 1, row);
  return rows_ - 1;
}

void VectorMatrix::Set(size_t row, std::span<const float> values) {
  // Padding lanes were zeroed at allocation and are never written.
  std::memcpy(data_ + row * stride_, values.data(), std::min(values.size(), dim_) * sizeof(float));
}

// ---------------------------------------------------------------- QuantizedMatrix

struct QuantizedMatrix::Impl {
  size_t rows = 0, dim = 0, groups = 0, blocks = 0;
  // blocks x groups x 64 bytes: byte (4 * r + t) of group g of block b is
  // code(row 16b + r, dim 4g + t) + 128. Padding codes are 128 (value 0).
  std::unique_ptr<uint8_t, FreeDeleter> codes;
  // blocks x 48 floats: scale[16], ||x - s x8||[16], ||s x8||[16].
  std::unique_ptr<float, FreeDeleter> meta;
};

QuantizedMatrix QuantizedMatrix::FromFloat(const VectorMatrix& m) {
  auto impl = std::make_shared<Impl>();
  impl->rows = m.rows();
  impl->dim = m.dim();
  impl->groups = std::max<size_t>(1, (m.dim() + kGroupDims - 1) / kGroupDims);
  impl->blocks = (m.rows() + kBlockRows - 1) / kBlockRows;
  const size_t block_bytes = impl->groups * 64;
  impl->codes.reset(AlignedZeroAlloc<uint8_t>(std::max<size_t>(1, impl->blocks * block_bytes)));
  impl->meta.reset(AlignedZeroAlloc<float>(std::max<size_t>(1, impl->blocks * 48)));
  std::memset(impl->codes.get(), 128, impl->blocks * block_bytes);
  std::vector<int8_t> row_codes(impl->groups * kGroupDims, 0);
  for (size_t r = 0; r < m.rows(); ++r) {
    const Quantized qr = QuantizeVector(m.row(r), m.dim(), row_codes.data());
    const size_t b = r / kBlockRows, lane = r % kBlockRows;
    uint8_t* block = impl->codes.get() + b * block_bytes;
    for (size_t j = 0; j < m.dim(); ++j) {
      block[(j / kGroupDims) * 64 + lane * kGroupDims + j % kGroupDims] =
          static_cast<uint8_t>(row_codes[j] + 128);
    }
    float* meta = impl->meta.get() + b * 48;
    meta[lane] = qr.scale;
    meta[16 + lane] = RoundUpToFloat(qr.err);
    meta[32 + lane] = RoundUpToFloat(qr.hat);
  }
  QuantizedMatrix q;
  q.impl = std::move(impl);
  return q;
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
                 RowBitmap allowed, size_t k, TopKScratch* scratch, std::vector<ScoredRow>* out) {
  out->clear();
  if (k == 0 || m.rows() == 0) return;
  if (q.impl == nullptr || q.rows() != m.rows() || m.dim() > kMaxCompactDim) {
    ExactTopK(m, query, allowed, k, scratch, out);
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
    uint32_t hits = kern.compact16(qi.codes.get() + block * block_bytes,
                                   qi.meta.get() + block * 48, cq, tau, lower, upper);
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

void BatchDot(const VectorMatrix& m, const float* queries, size_t num_queries, float* out) {
  if (m.rows() == 0 || num_queries == 0) return;
#if defined(IISC_HAVE_GEMM_AVX512)
  if (&Active() == kernels::Avx512Kernels()) {
    kernels::BatchDotAvx512(m.data(), m.rows(), m.dim(), m.stride(), queries, num_queries, out);
    return;
  }
#endif
  // Portable path: Eigen at the baseline instruction set. The map types here
  // deliberately differ from the AVX-512 unit's (alignment option, stride
  // type, index type) so no template instantiation is shared between the two.
  using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajorF, Eigen::Aligned16, Eigen::OuterStride<>> rows(
      m.data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.dim()),
      Eigen::OuterStride<>(static_cast<Eigen::Index>(m.stride())));
  const Eigen::Map<const RowMajorF> q(queries, static_cast<Eigen::Index>(num_queries),
                                      static_cast<Eigen::Index>(m.dim()));
  Eigen::Map<RowMajorF> result(out, static_cast<Eigen::Index>(num_queries),
                               static_cast<Eigen::Index>(m.rows()));
  result.noalias() = q * rows.transpose();
}

const char* KernelVariant() { return Active().name; }

bool SetKernelVariant(std::string_view name) {
  const Kernels* k = VariantByName(name);
  if (k == nullptr) return false;
  ActiveSlot().store(k, std::memory_order_release);
  return true;
}

}  // namespace iisc
