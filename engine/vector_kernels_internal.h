// Per-CPU kernel tables behind vector_kernels.h. Private to the kernels
// library: each variant lives in its own file, compiled with function-level
// target attributes, and vector_kernels.cc picks one table at run time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace iisc::kernels {

constexpr size_t kBlockRows = 16;  // rows scored per kernel call
constexpr size_t kGroupDims = 4;   // dims per 32-bit lane of the compact layout

// Per-query constants of the compact scan (see the proof in vector_kernels.cc).
struct CompactQuery {
  const int8_t* q8;     // quantized query, groups * 4 bytes, zero padded
  size_t groups;        // ceil(dim / 4)
  int32_t offset_sum;   // 128 * sum(q8): removes the +128 bias of the stored codes
  float scale;          // query scale s_q
  float p, q;           // bound = ndx * p + nxh * q + eta
  float eta;            // absolute slack for underflow
};

struct Kernels {
  const char* name;
  // <a, b> over `stride` floats (a multiple of 16) in this variant's fixed
  // order. dot16 must give, for each of 16 rows, exactly the bits of dot.
  float (*dot)(const float* a, const float* b, size_t stride);
  void (*dot16)(const float* rows, const float* query, size_t stride, float* out);
  // Scores one 16-row block of the compact layout. `codes` is the block's
  // groups * 64 bytes, `meta` its 48 floats (scale, ndx, nxh, 16 each).
  // Writes the lower and upper bounds of the 16 exact scores and returns the
  // mask of rows whose upper bound is >= tau.
  uint32_t (*compact16)(const uint8_t* codes, const float* meta, const CompactQuery& cq,
                        float tau, float* lower, float* upper);
};

const Kernels& ScalarKernels();
// nullptr when the CPU (or the compiler) cannot run the variant.
const Kernels* Avx2Kernels();
const Kernels* Avx512Kernels();

}  // namespace iisc::kernels
