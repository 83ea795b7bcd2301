// Portable kernels: plain C++ at the baseline instruction set. They define
// the results on CPUs without AVX2 and are what IISC_KERNEL=scalar tests.
#include <cmath>

#include "engine/vector_kernels_internal.h"

namespace iisc::kernels {
namespace {

constexpr size_t kLanes = 8;

// Eight independent partial sums (lane j takes elements j, j+8, ...) give the
// compiler a fixed-order reduction it may map onto SSE registers. Not
// inlined: dot16 calls this very function so its scores have the same bits
// whatever the compiler decides about contraction in either caller.
[[gnu::noinline]] float ScalarDot(const float* a, const float* b, size_t stride) {
  float acc[kLanes] = {};
  for (size_t i = 0; i < stride; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void ScalarDot16(const float* rows, const float* query, size_t stride, float* out) {
  for (size_t r = 0; r < kBlockRows; ++r) out[r] = ScalarDot(rows + r * stride, query, stride);
}

uint32_t ScalarCompact16(const uint8_t* codes, const float* meta, const CompactQuery& cq,
                         float tau, float* lower, float* upper) {
  int32_t acc[kBlockRows] = {};
  for (size_t g = 0; g < cq.groups; ++g) {
    const uint8_t* group = codes + g * 64;
    const int8_t* qg = cq.q8 + g * kGroupDims;
    for (size_t r = 0; r < kBlockRows; ++r) {
      int32_t sum = 0;
      for (size_t t = 0; t < kGroupDims; ++t) sum += group[r * kGroupDims + t] * qg[t];
      acc[r] += sum;
    }
  }
  uint32_t mask = 0;
  for (size_t r = 0; r < kBlockRows; ++r) {
    // Same operation sequence as the proof in vector_kernels.cc assumes:
    // three roundings for a, two (fused) for the bound, one each for L and U.
    const float a = static_cast<float>(acc[r] - cq.offset_sum) * (meta[r] * cq.scale);
    const float b = std::fma(meta[32 + r], cq.q, std::fma(meta[16 + r], cq.p, cq.eta));
    lower[r] = a - b;
    upper[r] = a + b;
    if (upper[r] >= tau) mask |= 1u << r;
  }
  return mask;
}

}  // namespace

const Kernels& ScalarKernels() {
  static const Kernels k{"scalar", ScalarDot, ScalarDot16, ScalarCompact16};
  return k;
}

}  // namespace iisc::kernels
