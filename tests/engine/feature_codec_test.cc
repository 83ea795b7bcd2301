#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "engine/store.h"

namespace iisc {
namespace {

FeatureVector SampleVector() {
  return FeatureVector{"text-model-2024.1", {0.5f, -1.25f, 3.0e-8f, 1024.0f}};
}

TEST(FeatureCodecTest, RoundTripKeepsVersionAndValues) {
  const FeatureVector original = SampleVector();
  Result<FeatureVector> decoded = DecodeFeatureVector(EncodeFeatureVector(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->model_version, original.model_version);
  EXPECT_EQ(decoded->values, original.values);
}

TEST(FeatureCodecTest, RoundTripKeepsSpecialFloatsBitForBit) {
  const FeatureVector original{
      "v",
      {-0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min(),
       std::numeric_limits<float>::quiet_NaN()}};
  Result<FeatureVector> decoded = DecodeFeatureVector(EncodeFeatureVector(original));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->values.size(), original.values.size());
  EXPECT_EQ(0, std::memcmp(decoded->values.data(), original.values.data(),
                           original.values.size() * sizeof(float)));
}

TEST(FeatureCodecTest, EmptyVectorAndVersionRoundTrip) {
  Result<FeatureVector> decoded = DecodeFeatureVector(EncodeFeatureVector(FeatureVector{}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->model_version.empty());
  EXPECT_TRUE(decoded->values.empty());
}

TEST(FeatureCodecTest, LayoutIsLittleEndianWithHeader) {
  const std::string bytes = EncodeFeatureVector(FeatureVector{"ab", {1.0f}});
  // "IV1", reserved 0, length 2, "ab", dimension 1, 1.0f = 0x3f800000.
  const std::string expected("IV1\0\x02\0\0\0ab\x01\0\0\0\0\0\x80\x3f", 18);
  EXPECT_EQ(bytes, expected);
}

TEST(FeatureCodecTest, EveryTruncationIsCorruption) {
  const std::string bytes = EncodeFeatureVector(SampleVector());
  for (size_t size = 0; size < bytes.size(); ++size) {
    Result<FeatureVector> decoded = DecodeFeatureVector(std::string_view(bytes).substr(0, size));
    ASSERT_FALSE(decoded.ok()) << "decoded a prefix of " << size << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
}

TEST(FeatureCodecTest, TrailingBytesAreCorruption) {
  Result<FeatureVector> decoded = DecodeFeatureVector(EncodeFeatureVector(SampleVector()) + "x");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(FeatureCodecTest, WrongMagicIsCorruption) {
  std::string bytes = EncodeFeatureVector(SampleVector());
  bytes[2] = '2';
  Result<FeatureVector> decoded = DecodeFeatureVector(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("magic"), std::string::npos);
}

TEST(FeatureCodecTest, NonZeroReservedByteIsCorruption) {
  std::string bytes = EncodeFeatureVector(SampleVector());
  bytes[3] = '\x01';
  Result<FeatureVector> decoded = DecodeFeatureVector(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(FeatureCodecTest, DimensionMismatchIsCorruption) {
  std::string bytes = EncodeFeatureVector(FeatureVector{"ab", {1.0f, 2.0f}});
  const size_t dimension_offset = 4 + 4 + 2;
  bytes[dimension_offset] = '\x03';  // claims 3 values, holds 2
  Result<FeatureVector> decoded = DecodeFeatureVector(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("dimension"), std::string::npos);
}

TEST(FeatureCodecTest, HugeLengthsDoNotOverrun) {
  std::string bytes = EncodeFeatureVector(FeatureVector{"ab", {1.0f}});
  std::string huge_version = bytes;
  huge_version.replace(4, 4, "\xff\xff\xff\xff");
  EXPECT_EQ(DecodeFeatureVector(huge_version).status().code(), StatusCode::kCorruption);
  std::string huge_dimension = bytes;
  huge_dimension.replace(10, 4, "\xff\xff\xff\xff");
  EXPECT_EQ(DecodeFeatureVector(huge_dimension).status().code(), StatusCode::kCorruption);
}


FeatureVector SampleWithTerms() {
  FeatureVector v = SampleVector();
  v.term_ids = {3, 17, 4096};
  v.term_weights = {1.5f, -0.0f, 2.25e-7f};
  return v;
}

TEST(FeatureCodecTest, TermsRoundTrip) {
  const FeatureVector original = SampleWithTerms();
  const std::string bytes = EncodeFeatureVector(original);
  EXPECT_EQ(bytes.substr(0, 3), "IVT");
  Result<FeatureVector> decoded = DecodeFeatureVector(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->model_version, original.model_version);
  EXPECT_EQ(decoded->values, original.values);
  EXPECT_EQ(decoded->term_ids, original.term_ids);
  ASSERT_EQ(decoded->term_weights.size(), 3u);
  EXPECT_EQ(0, std::memcmp(decoded->term_weights.data(), original.term_weights.data(), 3 * sizeof(float)));
}

// The stored bytes of a record with terms, written out: a database written
// before must read back the same.
TEST(FeatureCodecTest, LayoutWithTermsIsLittleEndian) {
  FeatureVector v{"m", {-2.0f}};
  v.term_ids = {1, 258};
  v.term_weights = {0.5f, 1.0f};
  // "IVT", 0, length 1, "m", dimension 1, -2.0f = 0xc0000000, 2 terms,
  // (1, 0.5f = 0x3f000000), (258 = 0x102, 1.0f = 0x3f800000).
  const std::string expected(
      "IVT\0\x01\0\0\0m\x01\0\0\0\0\0\0\xc0\x02\0\0\0"
      "\x01\0\0\0\0\0\0\x3f\x02\x01\0\0\0\0\x80\x3f",
      37);
  EXPECT_EQ(EncodeFeatureVector(v), expected);
  Result<FeatureVector> decoded = DecodeFeatureVector(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->term_ids, v.term_ids);
  EXPECT_EQ(decoded->term_weights, v.term_weights);
}

TEST(FeatureCodecTest, WithoutTermsTheLayoutStaysIV1) {
  EXPECT_EQ(EncodeFeatureVector(SampleVector()).substr(0, 3), "IV1");
  Result<FeatureVector> decoded = DecodeFeatureVector(EncodeFeatureVector(SampleVector()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->term_ids.empty());
}

TEST(FeatureCodecTest, EveryTruncationWithTermsIsCorruption) {
  const std::string bytes = EncodeFeatureVector(SampleWithTerms());
  for (size_t size = 0; size < bytes.size(); ++size) {
    Result<FeatureVector> decoded = DecodeFeatureVector(std::string_view(bytes).substr(0, size));
    ASSERT_FALSE(decoded.ok()) << "decoded a prefix of " << size << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  EXPECT_EQ(DecodeFeatureVector(bytes + "x").status().code(), StatusCode::kCorruption);
}

TEST(FeatureCodecTest, UnorderedOrHugeTermCountsAreCorruption) {
  FeatureVector v = SampleWithTerms();
  v.term_ids = {5, 5, 9};
  EXPECT_EQ(DecodeFeatureVector(EncodeFeatureVector(v)).status().code(), StatusCode::kCorruption);
  std::string bytes = EncodeFeatureVector(SampleWithTerms());
  const size_t count_offset = bytes.size() - 3 * 8 - 4;
  bytes.replace(count_offset, 4, "\xff\xff\xff\xff");
  EXPECT_EQ(DecodeFeatureVector(bytes).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace iisc
