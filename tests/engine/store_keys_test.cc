#include "engine/store_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace iisc::store_keys {
namespace {

TEST(SequenceKeyTest, IsTwentyDigitsAfterThePrefix) {
  EXPECT_EQ(SequenceKey("event/", 42), "event/00000000000000000042");
  EXPECT_EQ(SequenceKey("audit/", 0), "audit/00000000000000000000");
  EXPECT_EQ(SequenceKey("", std::numeric_limits<uint64_t>::max()), "18446744073709551615");
}

TEST(SequenceKeyTest, SortsBytewiseAsTheNumbers) {
  const std::vector<uint64_t> numbers = {0, 1, 9, 10, 99, 100, 255, 256, 65535, 65536,
                                         uint64_t{1} << 40, std::numeric_limits<uint64_t>::max()};
  std::vector<std::string> keys;
  for (uint64_t n : numbers) keys.push_back(SequenceKey("config/", n));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(SequenceKeyTest, ParsesOnlyItsOwnKeys) {
  EXPECT_EQ(ParseSequenceKey(SequenceKey("event/", 7), "event/"), 7u);
  EXPECT_EQ(ParseSequenceKey(SequenceKey("event/", std::numeric_limits<uint64_t>::max()), "event/"),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ParseSequenceKey("event/7", "event/"), std::nullopt);
  EXPECT_EQ(ParseSequenceKey("audit/00000000000000000007", "event/"), std::nullopt);
  EXPECT_EQ(ParseSequenceKey("event/0000000000000000000x", "event/"), std::nullopt);
  EXPECT_EQ(ParseSequenceKey("event/99999999999999999999", "event/"), std::nullopt);  // > 2^64
}

}  // namespace
}  // namespace iisc::store_keys
