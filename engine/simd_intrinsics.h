// <immintrin.h> for the SIMD kernels and their benchmarks.
// GCC 12 flags the deliberately undefined registers inside its own intrinsic
// headers (_mm512_undefined_ps behind the reductions) as uninitialized when
// inlined at -O3: a false positive located in the header, silenced there only.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
