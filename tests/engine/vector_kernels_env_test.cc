// Run by ctest with IISC_KERNEL=scalar (see CMakeLists.txt): the variable must
// select the kernel variant at start, before any scoring.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "engine/vector_kernels.h"

namespace iisc {
namespace {

TEST(VectorKernelsEnvTest, EnvironmentForcesVariant) {
  const char* forced = std::getenv("IISC_KERNEL");
  ASSERT_NE(forced, nullptr) << "run this test with IISC_KERNEL set (ctest does)";
  EXPECT_EQ(std::string(forced), KernelVariant());
}

}  // namespace
}  // namespace iisc
