#include "models/byte_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace iisc::byte_codec {
namespace {

TEST(ByteCodecTest, WritesLittleEndian) {
  std::string out;
  PutU32(&out, 0x01020304u);
  PutF32(&out, 1.0f);  // 0x3f800000
  PutString(&out, "ab");
  const std::vector<float> floats = {-2.0f};  // 0xc0000000
  PutFloats(&out, floats);
  const std::vector<uint64_t> words = {0x0102030405060708ull};
  PutU64s(&out, words);
  EXPECT_EQ(out, std::string("\x04\x03\x02\x01"
                             "\0\0\x80\x3f"
                             "\x02\0\0\0ab"
                             "\0\0\0\xc0"
                             "\x08\x07\x06\x05\x04\x03\x02\x01",
                             26));
}

TEST(ByteCodecTest, ReadsBackAndNeverPastTheEnd) {
  std::string bytes;
  PutU32(&bytes, 7);
  PutString(&bytes, "xyz");
  const std::vector<float> floats = {0.5f, -1.5f};
  PutFloats(&bytes, floats);
  Reader in(bytes);
  uint32_t n = 0;
  std::string s;
  std::vector<float> back(2);
  ASSERT_TRUE(in.U32(&n));
  ASSERT_TRUE(in.String(&s));
  ASSERT_TRUE(in.Floats(back.data(), back.size()));
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(s, "xyz");
  EXPECT_EQ(back, floats);
  EXPECT_TRUE(in.AtEnd());
  EXPECT_FALSE(in.U32(&n));
  uint64_t word = 0;
  EXPECT_FALSE(Reader(std::string(7, '\0')).U64s(&word, 1));
  std::string too_long;
  PutU32(&too_long, 100);
  EXPECT_FALSE(Reader(too_long + "abc").String(&s));
}

}  // namespace
}  // namespace iisc::byte_codec
