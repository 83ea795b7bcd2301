#include "bench/batch_dot.h"

#include <Eigen/Core>
#include <string_view>

namespace iisc {

#if defined(IISC_HAVE_GEMM_AVX512)
// bench/batch_dot_gemm_avx512.cc, compiled with AVX-512 code generation.
void BatchDotAvx512(const float* matrix, size_t rows, size_t dim, size_t stride, const float* queries,
                    size_t num_queries, float* out);
#endif

void BatchDot(const VectorMatrix& m, const float* queries, size_t num_queries, float* out) {
  if (m.rows() == 0 || num_queries == 0) return;
#if defined(IISC_HAVE_GEMM_AVX512)
  if (std::string_view(KernelVariant()) == "avx512-vnni" && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    BatchDotAvx512(m.data(), m.rows(), m.dim(), m.stride(), queries, num_queries, out);
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

}  // namespace iisc
