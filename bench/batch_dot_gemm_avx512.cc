// BatchDot through Eigen's GEMM generated for AVX-512. Eigen chooses its SIMD
// width from compile-time macros only, so this one file is compiled with
// -mavx512f (bench/CMakeLists.txt) and is entered only after the run-time
// check in batch_dot.cc has found the AVX-512 variant active.
//
// Keeping AVX-512 code out of the rest of the program: template code
// instantiated here must not be merged with the baseline copies of other
// files, or the linker could hand a baseline caller an AVX-512 body. So this
// file uses its own index type (long long; everywhere else Eigen::Index is
// long) and its own map types (Aligned64 + OuterStride, unlike
// batch_dot.cc), which gives every Eigen instantiation here a distinct
// symbol. It includes nothing but Eigen/Core.
#define EIGEN_DEFAULT_DENSE_INDEX_TYPE long long
// GCC 12 reports the deliberately undefined registers inside its own AVX-512
// intrinsics (_mm512_undefined_ps) as uninitialized once Eigen's kernels are
// inlined; a false positive, silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>

#if !defined(__AVX512F__)
#error "batch_dot_gemm_avx512.cc must be compiled with AVX-512 code generation"
#endif

namespace iisc {

void BatchDotAvx512(const float* matrix, size_t rows, size_t dim, size_t stride,
                    const float* queries, size_t num_queries, float* out) {
  using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Index = long long;
  // Every row starts on a 64-byte boundary (VectorMatrix guarantees it).
  const Eigen::Map<const RowMajorF, Eigen::Aligned64, Eigen::OuterStride<>> m(
      matrix, static_cast<Index>(rows), static_cast<Index>(dim),
      Eigen::OuterStride<>(static_cast<Index>(stride)));
  const Eigen::Map<const RowMajorF, Eigen::Unaligned, Eigen::OuterStride<>> q(
      queries, static_cast<Index>(num_queries), static_cast<Index>(dim),
      Eigen::OuterStride<>(static_cast<Index>(dim)));
  Eigen::Map<RowMajorF, Eigen::Unaligned, Eigen::OuterStride<>> result(
      out, static_cast<Index>(num_queries), static_cast<Index>(rows),
      Eigen::OuterStride<>(static_cast<Index>(rows)));
  result.noalias() = q * m.transpose();
}

}  // namespace iisc
