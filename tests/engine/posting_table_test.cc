// The compressed postings: rows and weights come back as written (weights
// to within half a step, identically on every read), byte sizes are those
// of the varint gaps plus two bytes, and a code survives decoding and
// encoding again.
#include "engine/posting_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

namespace iisc {
namespace {

struct Entry {
  uint32_t term;
  uint32_t row;
  float weight;
};

// Builds a table of `entries` (in the order given, which both passes keep).
PostingTable Build(const std::vector<float>& steps, const std::vector<Entry>& entries) {
  PostingTable::Builder builder(steps);
  for (const Entry& e : entries) builder.Count(e.term, e.row);
  builder.Allocate();
  for (const Entry& e : entries) builder.Add(e.term, e.row, e.weight);
  return builder.Finish();
}

std::vector<std::pair<uint32_t, float>> Read(const PostingTable& table, uint32_t term) {
  std::vector<std::pair<uint32_t, float>> out;
  table.ForEach(term, [&](uint32_t row, float weight) { out.emplace_back(row, weight); });
  return out;
}

TEST(PostingTableTest, EmptyTableAndEmptyTermsHaveNoPostings) {
  const PostingTable none;
  EXPECT_EQ(none.num_terms(), 0u);
  EXPECT_TRUE(Read(none, 0).empty());
  EXPECT_TRUE(Read(none, 12345).empty());

  const float step = PostingTable::StepFor(2.f);
  const PostingTable table = Build({step, step, step}, {{1, 7, 1.f}});
  EXPECT_EQ(table.num_terms(), 3u);
  EXPECT_EQ(table.num_postings(), 1u);
  EXPECT_TRUE(Read(table, 0).empty());
  EXPECT_TRUE(Read(table, 2).empty());
  EXPECT_TRUE(Read(table, 3).empty()) << "a term past the table";
  ASSERT_EQ(Read(table, 1).size(), 1u);
  EXPECT_EQ(Read(table, 1)[0].first, 7u);
}

TEST(PostingTableTest, OnePostingOfEachExtremeRow) {
  const float step = PostingTable::StepFor(1.f);
  for (uint32_t row : {0u, 1u, 127u, 128u, 16383u, 16384u, (1u << 21) - 1, 1u << 21, (1u << 28) - 1, 1u << 28,
                       std::numeric_limits<uint32_t>::max()}) {
    const PostingTable table = Build({step}, {{0, row, 0.5f}});
    const auto got = Read(table, 0);
    ASSERT_EQ(got.size(), 1u) << row;
    EXPECT_EQ(got[0].first, row);
    EXPECT_NEAR(got[0].second, 0.5f, step / 2) << row;
  }
}

TEST(PostingTableTest, GapsTakeTheirVarintBytesPlusTwo) {
  const float step = PostingTable::StepFor(1.f);
  struct Case {
    std::vector<uint32_t> rows;
    uint64_t bytes;
  };
  const uint32_t max = std::numeric_limits<uint32_t>::max();
  for (const Case& c : std::vector<Case>{
           {{0}, 3},
           {{127}, 3},
           {{128}, 4},
           {{0, 1, 2, 3}, 12},
           {{5, 5}, 6},  // a repeated row: gap 0
           {{16383}, 4},
           {{16384}, 5},
           {{0, max}, 3 + 7},  // the largest gap: five bytes
           {{max}, 7},
           {{(1u << 28) - 1, max}, 6 + 7},
           {{1u << 28, max}, 7 + 7},
       }) {
    std::vector<Entry> entries;
    for (uint32_t r : c.rows) entries.push_back({0, r, 0.25f});
    const PostingTable table = Build({step}, entries);
    EXPECT_EQ(table.encoded_bytes(), c.bytes) << c.rows.back();
    std::vector<uint32_t> rows;
    for (const auto& [row, weight] : Read(table, 0)) rows.push_back(row);
    EXPECT_EQ(rows, c.rows);
  }
}

TEST(PostingTableTest, WeightZeroBoundAndBeyond) {
  const float bound = 7.3f;
  const float step = PostingTable::StepFor(bound);
  ASSERT_GT(step, 0.f);
  EXPECT_EQ(PostingTable::Encode(0.f, step), 0);
  EXPECT_EQ(PostingTable::Encode(bound, step), PostingTable::kMaxCode);
  EXPECT_EQ(PostingTable::Encode(2 * bound, step), PostingTable::kMaxCode);
  EXPECT_EQ(PostingTable::Encode(std::numeric_limits<float>::infinity(), step), PostingTable::kMaxCode);
  EXPECT_EQ(PostingTable::Encode(-1.f, step), 0);
  EXPECT_EQ(PostingTable::Encode(std::numeric_limits<float>::quiet_NaN(), step), 0);
  // A positive weight, however small, stays a hit.
  EXPECT_EQ(PostingTable::Encode(step / 100, step), 1);
  EXPECT_EQ(PostingTable::Encode(std::numeric_limits<float>::denorm_min(), step), 1);
  EXPECT_EQ(PostingTable::Encode(1.4f * step, step), 1);
  EXPECT_EQ(PostingTable::Encode(1.6f * step, step), 2);

  const PostingTable table = Build({step}, {{0, 3, 0.f}, {0, 4, bound}, {0, 9, 3 * bound}, {0, 10, -2.f}});
  const auto got = Read(table, 0);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].second, 0.f);
  EXPECT_NEAR(got[1].second, bound, bound * 1e-6f);
  EXPECT_EQ(got[2].second, got[1].second) << "clamped to the bound";
  EXPECT_EQ(got[3].second, 0.f);
}

TEST(PostingTableTest, StepsThatCannotRoundTripAreZero) {
  EXPECT_EQ(PostingTable::StepFor(0.f), 0.f);
  EXPECT_EQ(PostingTable::StepFor(-1.f), 0.f);
  EXPECT_EQ(PostingTable::StepFor(std::numeric_limits<float>::infinity()), 0.f);
  EXPECT_EQ(PostingTable::StepFor(std::numeric_limits<float>::quiet_NaN()), 0.f);
  EXPECT_EQ(PostingTable::StepFor(1e-36f), 0.f);
  EXPECT_EQ(PostingTable::Encode(1.f, 0.f), 0);
  EXPECT_FLOAT_EQ(PostingTable::StepFor(65535.f), 1.f);
}

// What a compaction relies on: weights read back as floats and written again
// are the same codes, for every code.
TEST(PostingTableTest, EveryCodeSurvivesDecodingAndEncodingAgain) {
  for (float bound : {1e-30f, 0.013f, 1.f, 2.2f, 3.14159f, 27.5f, 1e6f, 3e38f}) {
    const float step = PostingTable::StepFor(bound);
    ASSERT_GT(step, 0.f) << bound;
    for (uint32_t code = 0; code <= PostingTable::kMaxCode; ++code) {
      const auto c = static_cast<uint16_t>(code);
      ASSERT_EQ(PostingTable::Encode(PostingTable::Decode(c, step), step), c) << bound << " code " << code;
    }
  }
}

// Many terms, added interleaved row by row as a catalog build does, against
// a plain copy: rows exact, weights within half a step (and at most one
// step of the bound for any weight up to it), the same on every read.
TEST(PostingTableTest, RandomTablesRoundTrip) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    const size_t num_terms = 1 + rng() % 50;
    std::vector<float> bounds(num_terms), steps(num_terms);
    for (size_t t = 0; t < num_terms; ++t) {
      bounds[t] = std::uniform_real_distribution<float>(0.01f, 40.f)(rng);
      steps[t] = PostingTable::StepFor(bounds[t]);
    }
    std::vector<Entry> entries;
    std::vector<std::vector<std::pair<uint32_t, float>>> expected(num_terms);
    uint32_t row = 0;
    const uint32_t max_gap = round % 3 == 0 ? 3 : round % 3 == 1 ? 5000 : 400'000'000;
    for (int r = 0; r < 300; ++r) {
      const uint64_t next = uint64_t{row} + 1 + rng() % max_gap;
      if (next > std::numeric_limits<uint32_t>::max()) break;
      row = static_cast<uint32_t>(next);
      for (size_t t = 0; t < num_terms; ++t) {
        if (rng() % 4 != 0) continue;
        const float w = std::uniform_real_distribution<float>(0.f, bounds[t])(rng);
        entries.push_back({static_cast<uint32_t>(t), row, w});
        expected[t].emplace_back(row, w);
      }
    }
    const PostingTable table = Build(steps, entries);
    EXPECT_EQ(table.num_postings(), entries.size());
    for (size_t t = 0; t < num_terms; ++t) {
      const auto got = Read(table, static_cast<uint32_t>(t));
      ASSERT_EQ(got.size(), expected[t].size()) << "term " << t;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].first, expected[t][i].first) << "term " << t << " #" << i;
        const float w = expected[t][i].second;
        EXPECT_EQ(got[i].second, PostingTable::Decode(PostingTable::Encode(w, steps[t]), steps[t]));
        EXPECT_LE(std::fabs(got[i].second - w), steps[t] * 0.5001f + bounds[t] * 1e-7f) << "term " << t;
      }
      EXPECT_EQ(Read(table, static_cast<uint32_t>(t)), got) << "a second read";
      std::vector<std::pair<uint32_t, uint16_t>> codes;
      table.ForEachCode(static_cast<uint32_t>(t), [&](uint32_t r, uint16_t c) { codes.emplace_back(r, c); });
      ASSERT_EQ(codes.size(), got.size());
      for (size_t i = 0; i < codes.size(); ++i)
        EXPECT_EQ(PostingTable::Decode(codes[i].second, steps[t]), got[i].second);
    }
  }
}

// A table rebuilt from another's codes (a merge) holds the same bytes as the
// original, and its postings read the same.
TEST(PostingTableTest, CopyingCodesRebuildsTheSameTable) {
  std::mt19937 rng(5);
  const std::vector<float> steps = {PostingTable::StepFor(3.f), PostingTable::StepFor(0.5f)};
  std::vector<Entry> entries;
  for (uint32_t row = 0; row < 2000; row += 1 + rng() % 300)
    entries.push_back({static_cast<uint32_t>(rng() % 2), row, std::uniform_real_distribution<float>(0.f, 0.5f)(rng)});
  const PostingTable original = Build(steps, entries);
  PostingTable::Builder builder(steps);
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t t = 0; t < 2; ++t) {
      original.ForEachCode(t, [&](uint32_t row, uint16_t code) {
        if (pass == 0) {
          builder.Count(t, row);
        } else {
          builder.AddCode(t, row, code);
        }
      });
    }
    if (pass == 0) builder.Allocate();
  }
  const PostingTable copy = builder.Finish();
  EXPECT_EQ(copy.encoded_bytes(), original.encoded_bytes());
  for (uint32_t t = 0; t < 2; ++t) EXPECT_EQ(Read(copy, t), Read(original, t));
}

}  // namespace
}  // namespace iisc
