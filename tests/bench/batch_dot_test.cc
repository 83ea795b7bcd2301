#include "bench/batch_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace iisc {
namespace {

// Under every kernel variant this CPU runs: BatchDot takes Eigen's AVX-512
// GEMM under the AVX-512 one.
TEST(BatchDotTest, EqualsDotAllUnderEveryVariant) {
  const std::string keep = KernelVariant();
  for (const char* variant : {"scalar", "avx2", "avx512-vnni"}) {
    if (!SetKernelVariant(variant)) continue;
    SCOPED_TRACE(variant);
    std::mt19937_64 rng(21);
    std::normal_distribution<float> normal;
    for (size_t dim : {1u, 17u, 256u}) {
      for (size_t rows : {0u, 1u, 37u, 500u}) {
        VectorMatrix m(dim);
        std::vector<float> row(dim);
        for (size_t r = 0; r < rows; ++r) {
          for (float& v : row) v = normal(rng);
          m.Append(row);
        }
        for (size_t nq : {1u, 3u, 32u}) {
          std::vector<float> queries(nq * dim);
          for (float& v : queries) v = normal(rng);
          std::vector<float> batch(nq * rows, -1.0f), single(rows);
          BatchDot(m, queries.data(), nq, batch.data());
          for (size_t i = 0; i < nq; ++i) {
            DotAll(m, queries.data() + i * dim, single.data());
            for (size_t r = 0; r < rows; ++r) {
              // GEMM sums in another order: equal up to float rounding.
              double mag = 0.0;
              for (size_t j = 0; j < dim; ++j) mag += std::fabs(m.row(r)[j] * queries[i * dim + j]);
              EXPECT_NEAR(batch[i * rows + r], single[r], 2e-6 * mag + 1e-30);
            }
          }
        }
      }
    }
  }
  SetKernelVariant(keep);
}

}  // namespace
}  // namespace iisc
