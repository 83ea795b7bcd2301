// Scores of a batch of needs against every row as one matrix product (Eigen's
// GEMM): what the service would do if it ranked needs in batches. Only the
// vector benchmark uses it, against OpenBLAS sgemm; the service scores one
// need at a time with the kernels of engine/vector_kernels.h.
#pragma once

#include <cstddef>

#include "engine/vector_kernels.h"

namespace iisc {

// `queries` is row-major, `num_queries` x dim (stride = dim); out is
// num_queries x rows, row-major. A blocked GEMM: scores may differ from
// DotAll in the last bits. With the AVX-512 kernel variant active (and the
// build able to generate AVX-512 code) Eigen runs its AVX-512 GEMM.
void BatchDot(const VectorMatrix& m, const float* queries, size_t num_queries, float* out);

}  // namespace iisc
