#include "models/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace iisc {
namespace {

TEST(HexTest, EncodesLowerCaseTwoDigitsAByte) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  std::string out = "x";
  AppendHexByte(&out, 0x1f);
  EXPECT_EQ(out, "x1f");
  EXPECT_EQ(HexU64(0), "0000000000000000");
  EXPECT_EQ(HexU64(0x0123456789abcdefULL), "0123456789abcdef");
}

TEST(HexTest, DecodesEitherCaseAndRefusesWhatIsNotHex) {
  EXPECT_EQ(HexDecode("000fa0ff"), std::string("\x00\x0f\xa0\xff", 4));
  EXPECT_EQ(HexDecode("A0Ff"), std::string("\xa0\xff", 2));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_FALSE(HexDecode("abc").has_value());  // odd length
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_FALSE(HexDecode("0g").has_value());
  const std::string bytes("\x00\x01\x7f\x80\xfe\xff", 6);
  EXPECT_EQ(HexDecode(HexEncode(bytes)), bytes);
  EXPECT_EQ(HexDigitValue('7'), 7);
  EXPECT_EQ(HexDigitValue('b'), 11);
  EXPECT_EQ(HexDigitValue('B'), 11);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('%'), -1);
}

// The published FNV-1a 64 test vectors: stored checksums depend on them.
TEST(Fnv1a64Test, MatchesTheReferenceValues) {
  EXPECT_EQ(Fnv1a64::Of(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64::Of("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64::Of("foobar"), 0x85944171f73967e8ULL);
  // Continuing from a state is hashing the concatenation.
  EXPECT_EQ(Fnv1a64::Of("bar", Fnv1a64::Of("foo")), Fnv1a64::Of("foobar"));
}

TEST(Fnv1a64Test, UpdateSeparatesItsParts) {
  Fnv1a64 ab_c, a_bc;
  ab_c.Update("ab");
  ab_c.Update("c");
  a_bc.Update("a");
  a_bc.Update("bc");
  EXPECT_NE(ab_c.value(), a_bc.value());
  Fnv1a64 one;
  one.Update("foobar");
  EXPECT_EQ(one.value(), Fnv1a64::Of("\xff", Fnv1a64::Of("foobar")));
  EXPECT_EQ(one.Hex(), HexU64(one.value()));
}

}  // namespace
}  // namespace iisc
