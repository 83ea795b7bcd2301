// AVX2 + FMA kernels for x86-64 CPUs without AVX-512, compiled through
// function-level target attributes like the AVX-512 ones.
#include "engine/simd_intrinsics.h"

#include <cstring>

#include "engine/vector_kernels_internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define IISC_AVX2 __attribute__((target("avx2,fma")))

namespace iisc::kernels {
namespace {

IISC_AVX2 inline float Reduce(__m256 even, __m256 odd) {
  const __m256 s = _mm256_add_ps(even, odd);
  __m128 v = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_movehdup_ps(v));
  return _mm_cvtss_f32(v);
}

// Even and odd 8-float chunks in two accumulators; Dot16 repeats exactly
// these operations per row so both give the same bits.
IISC_AVX2 float Dot(const float* a, const float* b, size_t stride) {
  __m256 even = _mm256_setzero_ps(), odd = _mm256_setzero_ps();
  for (size_t i = 0; i < stride; i += 16) {
    even = _mm256_fmadd_ps(_mm256_load_ps(a + i), _mm256_loadu_ps(b + i), even);
    odd = _mm256_fmadd_ps(_mm256_load_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), odd);
  }
  return Reduce(even, odd);
}

IISC_AVX2 void Dot16(const float* rows, const float* query, size_t stride, float* out) {
  for (size_t r = 0; r < kBlockRows; r += 4) {
    const float* r0 = rows + r * stride;
    const float* r1 = r0 + stride;
    const float* r2 = r1 + stride;
    const float* r3 = r2 + stride;
    __m256 e0 = _mm256_setzero_ps(), e1 = e0, e2 = e0, e3 = e0;
    __m256 o0 = e0, o1 = e0, o2 = e0, o3 = e0;
    for (size_t i = 0; i < stride; i += 16) {
      const __m256 qe = _mm256_loadu_ps(query + i);
      const __m256 qo = _mm256_loadu_ps(query + i + 8);
      e0 = _mm256_fmadd_ps(_mm256_load_ps(r0 + i), qe, e0);
      e1 = _mm256_fmadd_ps(_mm256_load_ps(r1 + i), qe, e1);
      e2 = _mm256_fmadd_ps(_mm256_load_ps(r2 + i), qe, e2);
      e3 = _mm256_fmadd_ps(_mm256_load_ps(r3 + i), qe, e3);
      o0 = _mm256_fmadd_ps(_mm256_load_ps(r0 + i + 8), qo, o0);
      o1 = _mm256_fmadd_ps(_mm256_load_ps(r1 + i + 8), qo, o1);
      o2 = _mm256_fmadd_ps(_mm256_load_ps(r2 + i + 8), qo, o2);
      o3 = _mm256_fmadd_ps(_mm256_load_ps(r3 + i + 8), qo, o3);
    }
    out[r] = Reduce(e0, o0);
    out[r + 1] = Reduce(e1, o1);
    out[r + 2] = Reduce(e2, o2);
    out[r + 3] = Reduce(e3, o3);
  }
}

// Without VNNI the u8 x s8 product is done in 16 bits: codes are widened
// (vpmaddubsw would saturate at 255 * 127 * 2), multiplied by the group's 4
// query codes with vpmaddwd, and the pair sums folded once at the end.
IISC_AVX2 uint32_t Compact16(const uint8_t* codes, const float* meta, const CompactQuery& cq,
                             float tau, float* lower, float* upper) {
  __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                    _mm256_setzero_si256()};
  for (size_t g = 0; g < cq.groups; ++g) {
    int16_t q4[4];
    for (size_t t = 0; t < 4; ++t) q4[t] = cq.q8[g * kGroupDims + t];
    int64_t packed;
    std::memcpy(&packed, q4, sizeof(packed));
    const __m256i qv = _mm256_set1_epi64x(packed);
    const uint8_t* p = codes + g * 64;
    for (size_t c = 0; c < 4; ++c) {
      const __m256i x = _mm256_cvtepu8_epi16(
          _mm_load_si128(reinterpret_cast<const __m128i*>(p + 16 * c)));
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(x, qv));
    }
  }
  // hadd leaves rows as [0 1 4 5 | 2 3 6 7]; the permutation restores order.
  const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
  const __m256i offset = _mm256_set1_epi32(cq.offset_sum);
  uint32_t mask = 0;
  for (size_t h = 0; h < 2; ++h) {
    const __m256i sums =
        _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(acc[2 * h], acc[2 * h + 1]), order);
    const __m256i dot = _mm256_sub_epi32(sums, offset);
    const float* mh = meta + 8 * h;
    const __m256 scale = _mm256_mul_ps(_mm256_load_ps(mh), _mm256_set1_ps(cq.scale));
    const __m256 a = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), scale);
    const __m256 b = _mm256_fmadd_ps(
        _mm256_load_ps(mh + 32), _mm256_set1_ps(cq.q),
        _mm256_fmadd_ps(_mm256_load_ps(mh + 16), _mm256_set1_ps(cq.p), _mm256_set1_ps(cq.eta)));
    const __m256 hi = _mm256_add_ps(a, b);
    _mm256_storeu_ps(lower + 8 * h, _mm256_sub_ps(a, b));
    _mm256_storeu_ps(upper + 8 * h, hi);
    const auto bits = static_cast<uint32_t>(
        _mm256_movemask_ps(_mm256_cmp_ps(hi, _mm256_set1_ps(tau), _CMP_GE_OQ)));
    mask |= bits << (8 * h);
  }
  return mask;
}

}  // namespace

const Kernels* Avx2Kernels() {
  static const Kernels* k = []() -> const Kernels* {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return nullptr;
    static const Kernels table{"avx2", Dot, Dot16, Compact16};
    return &table;
  }();
  return k;
}

}  // namespace iisc::kernels

#else  // not GCC/Clang on x86-64

namespace iisc::kernels {
const Kernels* Avx2Kernels() { return nullptr; }
}  // namespace iisc::kernels

#endif
