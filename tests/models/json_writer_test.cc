#include "models/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "models/utf8.h"

namespace iisc {
namespace {

std::string Quoted(std::string_view value) {
  std::string out;
  AppendJsonString(&out, value);
  return out;
}

TEST(JsonWriterTest, RawMembersJoinTheOpenObject) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().RawMembers("\"a\":1,\"b\":[2]");
  w.Key("c").Int(3).RawMembers("").RawMembers("\"d\":{}").EndObject();
  EXPECT_EQ(out, "{\"a\":1,\"b\":[2],\"c\":3,\"d\":{}}");
  std::string empty;
  JsonWriter e(&empty);
  e.BeginObject().RawMembers("").Key("x").Null().EndObject();
  EXPECT_EQ(empty, "{\"x\":null}");
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("line\nnext\ttab\r\b\f"), "\"line\\nnext\\ttab\\r\\b\\f\"");
  EXPECT_EQ(Quoted(std::string_view("\x01\x1f\0", 3)), "\"\\u0001\\u001f\\u0000\"");
  // DEL and '/' need no escaping.
  EXPECT_EQ(Quoted("\x7f/"), "\"\x7f/\"");
}

TEST(AppendJsonStringTest, KeepsValidUtf8AsIs) {
  EXPECT_EQ(Quoted("检测认证 ＣＥ 😀"), "\"检测认证 ＣＥ 😀\"");
}

TEST(AppendJsonStringTest, ReplacesInvalidUtf8WithReplacementCharacter) {
  // A lone continuation byte, a truncated 3-byte sequence, an overlong '/',
  // an encoded surrogate and a byte that never appears in UTF-8.
  EXPECT_EQ(Quoted("a\x80z"), "\"a\uFFFDz\"");
  EXPECT_EQ(Quoted("\xE6\xA3"), "\"\uFFFD\"");
  EXPECT_EQ(Quoted("\xE6\xA3x"), "\"\uFFFDx\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\uFFFD\uFFFD\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\uFFFD\uFFFD\uFFFD\"");
  EXPECT_EQ(Quoted("\xFF"), "\"\uFFFD\"");
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), "\"\uFFFD\uFFFD\uFFFD\uFFFD\"");
}

TEST(AppendJsonStringTest, OutputIsValidJsonForArbitraryBytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string json = Quoted(bytes);
  simdjson::dom::parser parser;
  std::string_view parsed;
  ASSERT_EQ(parser.parse(simdjson::padded_string(json)).get(parsed), simdjson::SUCCESS);
  EXPECT_EQ(parsed.substr(0, 128), std::string_view(bytes).substr(0, 128));
}

// Byte-at-a-time escaping, the definition the fast paths must match.
std::string ReferenceQuoted(std::string_view value) {
  std::string out = "\"";
  for (size_t pos = 0; pos < value.size();) {
    const auto c = static_cast<unsigned char>(value[pos]);
    if (c >= 0x80) {
      const size_t start = pos;
      if (utf8::Decode(value, &pos) == utf8::kInvalid) {
        utf8::Append(&out, utf8::kReplacement);
      } else {
        out.append(value.substr(start, pos - start));
      }
      continue;
    }
    ++pos;
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      const char* named = c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : nullptr;
      if (named != nullptr) {
        out += named;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      }
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

TEST(AppendJsonStringTest, MatchesByteAtATimeEscapingAtEveryOffset) {
  // Every byte that needs attention at every position of runs long enough for
  // the eight-byte fast path, among ASCII and multi-byte text.
  const std::string specials[] = {"\"", "\\", std::string(1, '\0'), "\x1f", "\n", "\x7f",
                                  "\x80", "\xE6\xA3", "检", "\xF0\x9F\x98\x80", " ", "~"};
  for (const std::string& special : specials) {
    for (size_t at = 0; at < 24; ++at) {
      for (const char* filler : {"abcdefghijklmnopqrstuvwxyz0123", "检测认证服务中心面向中小企业"}) {
        std::string text(filler);
        text.insert(std::min(at, text.size()), special);
        EXPECT_EQ(Quoted(text), ReferenceQuoted(text)) << "special at " << at;
      }
    }
  }
  std::string all;
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>((i * 37 + round) & 0xff));
  EXPECT_EQ(Quoted(all), ReferenceQuoted(all));
}

TEST(JsonWriterTest, WritesNestedStructuresWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Key("id").String("x")
      .Key("list").BeginArray().Int(1).Int(-2).BeginObject().EndObject().BeginArray().EndArray().EndArray()
      .Key("ok").Bool(true)
      .Key("none").Null()
      .Key("raw").Raw("{\"a\":1}")
      .Key("f").Bool(false)
      .EndObject();
  EXPECT_EQ(out, R"({"id":"x","list":[1,-2,{},[]],"ok":true,"none":null,"raw":{"a":1},"f":false})");
}

TEST(JsonWriterTest, TopLevelValuesAfterEachOtherAreSeparated) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray().String("a").Number(1.5).EndArray();
  EXPECT_EQ(out, R"(["a",1.5])");
}

TEST(JsonWriterTest, EscapesKeys) {
  std::string out;
  JsonWriter(&out).BeginObject().Key("a\"b").Int(0).EndObject();
  EXPECT_EQ(out, R"({"a\"b":0})");
}

TEST(JsonWriterTest, NumbersUseShortestRoundTripForm) {
  const auto write = [](double value) {
    std::string out;
    JsonWriter(&out).Number(value);
    return out;
  };
  EXPECT_EQ(write(4.7), "4.7");
  EXPECT_EQ(write(0.1), "0.1");
  EXPECT_EQ(write(5), "5");
  EXPECT_EQ(write(-0.25), "-0.25");
  EXPECT_EQ(write(1e300), "1e+300");
  for (double value : {0.1 + 0.2, 1.0 / 3, 2.5e-8, 123456789.123456789,
                       std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    const std::string text = write(value);
    double parsed = 0;
    ASSERT_EQ(std::from_chars(text.data(), text.data() + text.size(), parsed).ec, std::errc());
    EXPECT_EQ(parsed, value) << text;
  }
}

TEST(JsonWriterTest, NonFiniteNumbersBecomeNull) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray()
      .Number(std::numeric_limits<double>::quiet_NaN())
      .Number(std::numeric_limits<double>::infinity())
      .Number(-std::numeric_limits<double>::infinity())
      .EndArray();
  EXPECT_EQ(out, "[null,null,null]");
}

TEST(JsonWriterTest, IntCoversTheWholeRange) {
  std::string out;
  JsonWriter(&out).BeginArray().Int(INT64_MIN).Int(INT64_MAX).Int(0).EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807,0]");
}

TEST(JsonWriterTest, AppendsToExistingContent) {
  std::string out = "prefix:";
  JsonWriter(&out).String("v");
  EXPECT_EQ(out, "prefix:\"v\"");
}

}  // namespace
}  // namespace iisc
