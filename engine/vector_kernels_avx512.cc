// AVX-512 kernels (F + BW + VNNI), compiled through function-level target
// attributes so the rest of the binary keeps the baseline instruction set;
// Avx512Kernels() hands them out only when the CPU reports the features.
#include "engine/simd_intrinsics.h"

#include <cstring>

#include "engine/vector_kernels_internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define IISC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni,fma")))

namespace iisc::kernels {
namespace {

// Two accumulators (even and odd 16-float chunks) hide the FMA latency. The
// exact operation order is shared by Dot and Dot16 so both give equal bits.
IISC_AVX512 inline float Reduce(__m512 even, __m512 odd) {
  return _mm512_reduce_add_ps(_mm512_add_ps(even, odd));
}

IISC_AVX512 float Dot(const float* a, const float* b, size_t stride) {
  __m512 even = _mm512_setzero_ps(), odd = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= stride; i += 32) {
    even = _mm512_fmadd_ps(_mm512_load_ps(a + i), _mm512_loadu_ps(b + i), even);
    odd = _mm512_fmadd_ps(_mm512_load_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), odd);
  }
  if (i < stride) even = _mm512_fmadd_ps(_mm512_load_ps(a + i), _mm512_loadu_ps(b + i), even);
  return Reduce(even, odd);
}

// Four rows per pass share each query load; eight dependency chains keep
// both FMA pipes busy when the rows are in cache.
IISC_AVX512 void Dot16(const float* rows, const float* query, size_t stride, float* out) {
  for (size_t r = 0; r < kBlockRows; r += 4) {
    const float* r0 = rows + r * stride;
    const float* r1 = r0 + stride;
    const float* r2 = r1 + stride;
    const float* r3 = r2 + stride;
    __m512 e0 = _mm512_setzero_ps(), e1 = e0, e2 = e0, e3 = e0;
    __m512 o0 = e0, o1 = e0, o2 = e0, o3 = e0;
    size_t i = 0;
    for (; i + 32 <= stride; i += 32) {
      const __m512 qe = _mm512_loadu_ps(query + i);
      const __m512 qo = _mm512_loadu_ps(query + i + 16);
      e0 = _mm512_fmadd_ps(_mm512_load_ps(r0 + i), qe, e0);
      e1 = _mm512_fmadd_ps(_mm512_load_ps(r1 + i), qe, e1);
      e2 = _mm512_fmadd_ps(_mm512_load_ps(r2 + i), qe, e2);
      e3 = _mm512_fmadd_ps(_mm512_load_ps(r3 + i), qe, e3);
      o0 = _mm512_fmadd_ps(_mm512_load_ps(r0 + i + 16), qo, o0);
      o1 = _mm512_fmadd_ps(_mm512_load_ps(r1 + i + 16), qo, o1);
      o2 = _mm512_fmadd_ps(_mm512_load_ps(r2 + i + 16), qo, o2);
      o3 = _mm512_fmadd_ps(_mm512_load_ps(r3 + i + 16), qo, o3);
    }
    if (i < stride) {
      const __m512 qe = _mm512_loadu_ps(query + i);
      e0 = _mm512_fmadd_ps(_mm512_load_ps(r0 + i), qe, e0);
      e1 = _mm512_fmadd_ps(_mm512_load_ps(r1 + i), qe, e1);
      e2 = _mm512_fmadd_ps(_mm512_load_ps(r2 + i), qe, e2);
      e3 = _mm512_fmadd_ps(_mm512_load_ps(r3 + i), qe, e3);
    }
    out[r] = Reduce(e0, o0);
    out[r + 1] = Reduce(e1, o1);
    out[r + 2] = Reduce(e2, o2);
    out[r + 3] = Reduce(e3, o3);
  }
}

// The 4 query codes of one group as a 32-bit lane (memcpy: no aliasing UB).
IISC_AVX512 inline __m512i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm512_set1_epi32(v);
}

// One vpdpbusd multiplies 16 rows x 4 dims of unsigned codes with the same 4
// signed query codes (broadcast), accumulating 16 row sums at once. Four
// accumulators break the instruction's latency chain.
IISC_AVX512 uint32_t Compact16(const uint8_t* codes, const float* meta, const CompactQuery& cq,
                               float tau, float* lower, float* upper) {
  const int8_t* q = cq.q8;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  size_t g = 0;
  for (; g + 4 <= cq.groups; g += 4) {
    const uint8_t* p = codes + g * 64;
    a0 = _mm512_dpbusd_epi32(a0, _mm512_load_si512(p), Broadcast4(q + 4 * g));
    a1 = _mm512_dpbusd_epi32(a1, _mm512_load_si512(p + 64), Broadcast4(q + 4 * (g + 1)));
    a2 = _mm512_dpbusd_epi32(a2, _mm512_load_si512(p + 128), Broadcast4(q + 4 * (g + 2)));
    a3 = _mm512_dpbusd_epi32(a3, _mm512_load_si512(p + 192), Broadcast4(q + 4 * (g + 3)));
  }
  for (; g < cq.groups; ++g) {
    a0 = _mm512_dpbusd_epi32(a0, _mm512_load_si512(codes + g * 64), Broadcast4(q + 4 * g));
  }
  const __m512i acc = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
  const __m512i dot = _mm512_sub_epi32(acc, _mm512_set1_epi32(cq.offset_sum));
  const __m512 scale = _mm512_mul_ps(_mm512_load_ps(meta), _mm512_set1_ps(cq.scale));
  const __m512 a = _mm512_mul_ps(_mm512_cvtepi32_ps(dot), scale);
  const __m512 b = _mm512_fmadd_ps(
      _mm512_load_ps(meta + 32), _mm512_set1_ps(cq.q),
      _mm512_fmadd_ps(_mm512_load_ps(meta + 16), _mm512_set1_ps(cq.p), _mm512_set1_ps(cq.eta)));
  const __m512 lo = _mm512_sub_ps(a, b);
  const __m512 hi = _mm512_add_ps(a, b);
  _mm512_storeu_ps(lower, lo);
  _mm512_storeu_ps(upper, hi);
  return _mm512_cmp_ps_mask(hi, _mm512_set1_ps(tau), _CMP_GE_OQ);
}

}  // namespace

const Kernels* Avx512Kernels() {
  static const Kernels* k = []() -> const Kernels* {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("fma")) {
      return nullptr;
    }
    static const Kernels table{"avx512-vnni", Dot, Dot16, Compact16};
    return &table;
  }();
  return k;
}

}  // namespace iisc::kernels

#else  // not GCC/Clang on x86-64

namespace iisc::kernels {
const Kernels* Avx512Kernels() { return nullptr; }
}  // namespace iisc::kernels

#endif
