#include "engine/vector_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

// Counts heap allocations so the test can check that a warmed-up scratch
// makes queries allocation-free.
static std::atomic<long> g_allocations{0};
// Out of line, like the deletes below, so GCC does not see malloc inlined
// into a `new` whose pointer later reaches a sized delete, and warn.
[[gnu::noinline]] void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace iisc {
namespace {

VectorMatrix RandomMatrix(size_t rows, size_t dim, std::mt19937_64& rng) {
  std::normal_distribution<float> normal;
  VectorMatrix m(dim);
  std::vector<float> row(dim);
  for (size_t r = 0; r < rows; ++r) {
    for (float& v : row) v = normal(rng);
    m.Append(row);
  }
  return m;
}

std::vector<float> RandomVector(size_t dim, std::mt19937_64& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dim);
  for (float& x : v) x = normal(rng);
  return v;
}

std::vector<uint64_t> RandomBitmap(size_t rows, double density, std::mt19937_64& rng) {
  std::bernoulli_distribution keep(density);
  std::vector<uint64_t> bits((rows + 63) / 64 + 1, 0);
  for (size_t r = 0; r < rows; ++r) {
    if (keep(rng)) bits[r / 64] |= uint64_t{1} << (r % 64);
  }
  // Bits past the last row must be ignored; set some to make sure they are.
  bits[rows / 64] |= ~uint64_t{0} << (rows % 64);
  return bits;
}

bool Allowed(const uint64_t* bits, size_t r) {
  return bits == nullptr || ((bits[r / 64] >> (r % 64)) & 1) != 0;
}

// Reference: every allowed row scored by DotAll, sorted (score desc, row asc).
std::vector<ScoredRow> ReferenceTopK(const VectorMatrix& m, const float* q, const uint64_t* bits,
                                     size_t k) {
  std::vector<float> scores(m.rows());
  DotAll(m, q, scores.data());
  std::vector<ScoredRow> all;
  for (size_t r = 0; r < m.rows(); ++r) {
    if (Allowed(bits, r)) all.push_back({scores[r], static_cast<uint32_t>(r)});
  }
  std::sort(all.begin(), all.end(), [](const ScoredRow& a, const ScoredRow& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  });
  all.resize(std::min(all.size(), k));
  return all;
}

void ExpectSame(const std::vector<ScoredRow>& want, const std::vector<ScoredRow>& got,
                const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].row, got[i].row) << what << " rank " << i;
    // Bit equality, not closeness: the re-rank must reproduce exact scores.
    EXPECT_EQ(want[i].score, got[i].score) << what << " rank " << i;
  }
}

TEST(VectorMatrixTest, RowsAreAlignedPaddedAndZeroFilled) {
  for (size_t dim : {1u, 15u, 16u, 17u, 100u, 256u}) {
    VectorMatrix m(dim);
    EXPECT_EQ(m.stride() % 16, 0u);
    EXPECT_GE(m.stride(), dim);
    EXPECT_LT(m.stride(), dim + 16);
    std::vector<float> row(dim, 1.5f);
    for (size_t r = 0; r < 40; ++r) {
      row[0] = static_cast<float>(r);
      EXPECT_EQ(m.Append(row), r);
    }
    for (size_t r = 0; r < m.rows(); ++r) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(m.row(r)) % 64, 0u);
      EXPECT_EQ(m.row(r)[0], static_cast<float>(r));  // survived growth
      for (size_t j = dim; j < m.stride(); ++j) EXPECT_EQ(m.row(r)[j], 0.0f);
    }
    row.assign(dim, -2.0f);
    m.Set(3, row);
    EXPECT_EQ(m.row(3)[dim - 1], -2.0f);
    VectorMatrix moved(std::move(m));
    EXPECT_EQ(moved.rows(), 40u);
    EXPECT_EQ(moved.row(3)[0], -2.0f);
  }
}

TEST(VectorKernelsTest, UnknownVariantIsRejected) {
  const std::string before = KernelVariant();
  EXPECT_FALSE(SetKernelVariant("no-such-cpu"));
  EXPECT_EQ(before, KernelVariant());
}

// Every test below runs once per kernel variant this CPU supports, so the
// scalar path is always covered.
class KernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    previous_ = KernelVariant();
    ASSERT_TRUE(SetKernelVariant(GetParam()));
  }
  void TearDown() override { SetKernelVariant(previous_); }

 private:
  std::string previous_;
};

std::vector<std::string> SupportedVariants() {
  const std::string keep = KernelVariant();
  std::vector<std::string> names;
  for (const char* name : {"scalar", "avx2", "avx512-vnni"}) {
    if (SetKernelVariant(name)) names.push_back(name);
  }
  SetKernelVariant(keep);
  return names;
}

TEST_P(KernelTest, DotAllMatchesDoublePrecision) {
  std::mt19937_64 rng(7);
  for (size_t dim : {1u, 3u, 16u, 17u, 100u, 256u}) {
    for (size_t rows : {0u, 1u, 15u, 16u, 33u, 200u}) {
      VectorMatrix m = RandomMatrix(rows, dim, rng);
      std::vector<float> q = RandomVector(dim, rng);
      std::vector<float> out(rows);
      DotAll(m, q.data(), out.data());
      for (size_t r = 0; r < rows; ++r) {
        double want = 0.0, mag = 0.0;
        for (size_t j = 0; j < dim; ++j) {
          want += double{m.row(r)[j]} * q[j];
          mag += std::fabs(double{m.row(r)[j]} * q[j]);
        }
        EXPECT_NEAR(out[r], want, 1e-6 * mag + 1e-30) << "dim " << dim << " row " << r;
      }
    }
  }
}

TEST_P(KernelTest, DotRowsEqualsDotAllBitForBit) {
  std::mt19937_64 rng(5);
  for (size_t dim : {1u, 7u, 16u, 100u, 128u, 256u}) {
    VectorMatrix m = RandomMatrix(53, dim, rng);
    std::vector<float> q = RandomVector(dim, rng);
    std::vector<float> all(m.rows());
    DotAll(m, q.data(), all.data());
    // Rows in any order and repeated, across full blocks and the tail.
    std::vector<uint32_t> rows = {52, 0, 17, 17, 31, 48, 1, 15, 16, 32, 47};
    std::vector<float> some(rows.size());
    DotRows(m, q.data(), rows, some.data());
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(std::bit_cast<uint32_t>(some[i]), std::bit_cast<uint32_t>(all[rows[i]]))
          << "dim " << dim << " row " << rows[i];
    }
  }
}

TEST_P(KernelTest, ExactTopKMatchesReference) {
  std::mt19937_64 rng(11);
  TopKScratch scratch;
  std::vector<ScoredRow> got;
  for (size_t dim : {1u, 7u, 16u, 17u, 64u, 100u}) {
    for (size_t rows : {0u, 1u, 5u, 16u, 63u, 64u, 65u, 130u, 1000u}) {
      VectorMatrix m = RandomMatrix(rows, dim, rng);
      std::vector<float> q = RandomVector(dim, rng);
      for (double density : {-1.0, 0.0, 0.03, 0.5, 1.0}) {
        std::vector<uint64_t> bits = RandomBitmap(rows, std::max(density, 0.0), rng);
        const uint64_t* filter = density < 0 ? nullptr : bits.data();
        for (size_t k : {1u, 3u, 10u, 2000u}) {
          ExactTopK(m, q.data(), filter, k, &scratch, &got);
          ExpectSame(ReferenceTopK(m, q.data(), filter, k), got,
                     "dim " + std::to_string(dim) + " rows " + std::to_string(rows) + " k " +
                         std::to_string(k) + " density " + std::to_string(density));
        }
      }
    }
  }
}

TEST_P(KernelTest, KZeroOrEmptyFilterReturnsNothing) {
  std::mt19937_64 rng(3);
  VectorMatrix m = RandomMatrix(100, 20, rng);
  QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
  std::vector<float> q = RandomVector(20, rng);
  std::vector<uint64_t> none(2, 0);
  TopKScratch scratch;
  std::vector<ScoredRow> out = {{1.0f, 1}};
  ExactTopK(m, q.data(), nullptr, 0, &scratch, &out);
  EXPECT_TRUE(out.empty());
  CompactTopK(qm, m, q.data(), none.data(), 5, &scratch, &out);
  EXPECT_TRUE(out.empty());
}

TEST_P(KernelTest, TiesGoToTheLowerRow) {
  VectorMatrix m(5);
  const std::vector<float> a = {1, 2, 3, 4, 5}, b = {5, 4, 3, 2, 1};
  for (int i = 0; i < 40; ++i) m.Append(i % 3 == 0 ? a : b);
  const std::vector<float> q = {1, 1, 1, 1, 1};  // every row scores 15
  QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
  TopKScratch scratch;
  std::vector<ScoredRow> exact, compact;
  ExactTopK(m, q.data(), nullptr, 7, &scratch, &exact);
  CompactTopK(qm, m, q.data(), nullptr, 7, &scratch, &compact);
  ASSERT_EQ(exact.size(), 7u);
  for (uint32_t i = 0; i < 7; ++i) EXPECT_EQ(exact[i].row, i);
  ExpectSame(exact, compact, "ties");
}

// And the scan's bound of every allowed row is at least that row's exact
// score (DotAll's, bit-identical to what re-scoring computes), so a ranker
// may discard rows on it; rows outside the filter are left untouched.
TEST_P(KernelTest, CompactTopKIsIdenticalAndBoundsEveryRowOnRandomData) {
  TopKScratch scratch;
  std::vector<ScoredRow> exact, compact;
  for (uint64_t seed = 0; seed < 120; ++seed) {
    std::mt19937_64 rng(seed);
    const size_t dims[] = {1, 5, 16, 31, 64, 128, 256, 300};
    const size_t dim = dims[seed % 8];
    const size_t rows = std::uniform_int_distribution<size_t>(0, 3000)(rng);
    VectorMatrix m = RandomMatrix(rows, dim, rng);
    QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
    std::vector<float> q = RandomVector(dim, rng);
    std::vector<uint64_t> bits = RandomBitmap(rows, seed % 3 == 0 ? 0.1 : 0.7, rng);
    const uint64_t* filter = seed % 2 == 0 ? nullptr : bits.data();
    std::vector<float> scores(rows);
    DotAll(m, q.data(), scores.data());
    for (size_t k : {1u, 10u, 100u}) {
      std::vector<float> upper(rows, -7.f);
      ExactTopK(m, q.data(), filter, k, &scratch, &exact);
      CompactTopK(qm, m, q.data(), filter, k, &scratch, &compact, upper.data());
      const std::string where = "seed " + std::to_string(seed) + " k " + std::to_string(k);
      ExpectSame(exact, compact, where);
      for (size_t r = 0; r < rows; ++r) {
        const bool allowed = filter == nullptr || (filter[r / 64] >> (r % 64) & 1) != 0;
        if (!allowed) {
          EXPECT_EQ(upper[r], -7.f) << where << " row " << r;
        } else {
          ASSERT_GE(upper[r], scores[r]) << where << " row " << r;
        }
      }
    }
  }
}

// Scores that differ by less than the quantization error: the shortlist must
// grow to keep every contender, and the exact re-rank must sort it out.
TEST_P(KernelTest, CompactTopKIsIdenticalOnNearTies) {
  TopKScratch scratch;
  std::vector<ScoredRow> exact, compact;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(1000 + seed);
    const size_t dim = seed % 2 == 0 ? 256 : 37;
    std::vector<float> base = RandomVector(dim, rng);
    std::normal_distribution<float> tiny(0.0f, seed % 4 < 2 ? 1e-6f : 1e-3f);
    VectorMatrix m(dim);
    for (size_t r = 0; r < 2000; ++r) {
      std::vector<float> row = base;
      for (float& v : row) v += tiny(rng);
      if (r % 7 == 0) row = base;  // exact duplicates: ties by row index
      m.Append(row);
    }
    QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
    std::vector<float> q = RandomVector(dim, rng);
    std::vector<uint64_t> bits = RandomBitmap(m.rows(), 0.5, rng);
    const uint64_t* filters[] = {nullptr, bits.data()};
    for (const uint64_t* filter : filters) {
      for (size_t k : {1u, 10u, 50u}) {
        ExactTopK(m, q.data(), filter, k, &scratch, &exact);
        CompactTopK(qm, m, q.data(), filter, k, &scratch, &compact);
        ExpectSame(exact, compact, "near ties seed " + std::to_string(seed));
      }
    }
  }
}

// Rows in increasing score order defeat the running threshold (every row
// looks like a candidate when scanned); values over many magnitudes, zero
// rows, a zero query and subnormal products probe the bound's edges.
TEST_P(KernelTest, CompactTopKIsIdenticalOnAdversarialData) {
  TopKScratch scratch;
  std::vector<ScoredRow> exact, compact;
  std::mt19937_64 rng(99);
  const size_t dim = 48;
  std::vector<float> q = RandomVector(dim, rng);
  std::vector<float> zero(dim, 0.0f);
  for (float magnitude : {1e-22f, 1e-3f, 1.0f, 1e6f}) {
    VectorMatrix m(dim);
    for (size_t r = 0; r < 500; ++r) {
      std::vector<float> row = q;
      for (float& v : row) v *= magnitude * static_cast<float>(r) / 500.0f;
      row[r % dim] += magnitude * 1e-3f;  // break exact proportionality
      if (r % 50 == 0) row = zero;
      m.Append(row);
    }
    QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
    for (const std::vector<float>* query : {&q, &zero}) {
      for (size_t k : {1u, 10u, 600u}) {
        ExactTopK(m, query->data(), nullptr, k, &scratch, &exact);
        CompactTopK(qm, m, query->data(), nullptr, k, &scratch, &compact);
        ExpectSame(exact, compact, "magnitude " + std::to_string(magnitude));
      }
    }
  }
}

TEST_P(KernelTest, CompactScanKeepsTheShortlistSmall) {
  std::mt19937_64 rng(5);
  VectorMatrix m = RandomMatrix(20000, 256, rng);
  QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
  EXPECT_EQ(qm.rows(), 20000u);
  EXPECT_EQ(qm.dim(), 256u);
  EXPECT_GE(qm.bytes(), 20000u * 256u);
  std::vector<float> q = RandomVector(256, rng);
  TopKScratch scratch;
  std::vector<ScoredRow> out;
  CompactTopK(qm, m, q.data(), nullptr, 10, &scratch, &out);
  // A useful bound keeps a small fraction of rows for the float re-rank.
  EXPECT_LT(scratch.shortlist.size(), 1000u);
}

TEST_P(KernelTest, WarmScratchMakesQueriesAllocationFree) {
  std::mt19937_64 rng(8);
  VectorMatrix m = RandomMatrix(5000, 64, rng);
  QuantizedMatrix qm = QuantizedMatrix::FromFloat(m);
  std::vector<std::vector<float>> queries;
  for (int i = 0; i < 20; ++i) queries.push_back(RandomVector(64, rng));
  TopKScratch scratch;
  std::vector<ScoredRow> out;
  out.reserve(10);
  // Two warm-up passes let every buffer reach its high-water mark.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& q : queries) {
      ExactTopK(m, q.data(), nullptr, 10, &scratch, &out);
      CompactTopK(qm, m, q.data(), nullptr, 10, &scratch, &out);
    }
  }
  const long before = g_allocations.load();
  for (const auto& q : queries) {
    ExactTopK(m, q.data(), nullptr, 10, &scratch, &out);
    CompactTopK(qm, m, q.data(), nullptr, 10, &scratch, &out);
  }
  EXPECT_EQ(g_allocations.load(), before);
}

INSTANTIATE_TEST_SUITE_P(Variants, KernelTest, ::testing::ValuesIn(SupportedVariants()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace iisc
