#include "models/need.h"

#include <string>

#include <gtest/gtest.h>

namespace iisc {
namespace {

const Taxonomy& RealTaxonomy() {
  static const Taxonomy* taxonomy = [] {
    auto loaded = Taxonomy::FromFile(std::string(IISC_SOURCE_DIR) + "/data/taxonomy.json");
    if (!loaded.ok()) ADD_FAILURE() << loaded.status().ToString();
    return new Taxonomy(std::move(loaded).value());
  }();
  return *taxonomy;
}

Result<Need> Parse(std::string_view json, const NeedLimits& limits = {}) {
  return ParseNeedJson(json, &RealTaxonomy(), limits);
}

void ExpectInvalid(std::string_view json, std::string_view field) {
  auto need = Parse(json);
  ASSERT_FALSE(need.ok()) << json;
  EXPECT_EQ(need.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(need.status().field(), field) << need.status().ToString() << "\n" << json;
}

TEST(NeedTest, ParsesTheContractExample) {
  auto need = Parse(R"({
    "description": "我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测",
    "county": "yueqing", "field": "electrical", "service_types": ["testing", "intl_coop"],
    "size": "small", "enterprise": {"name": "乐清某电器有限公司", "contact": "..."}})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->description, "我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测");
  EXPECT_EQ(need->county, "yueqing");
  EXPECT_EQ(need->field, "electrical");
  EXPECT_EQ(need->service_types, (std::vector<std::string>{"testing", "intl_coop"}));
  EXPECT_EQ(need->size, "small");
  EXPECT_EQ(need->enterprise_name, "乐清某电器有限公司");
  EXPECT_EQ(need->enterprise_contact, "...");
}

TEST(NeedTest, OnlyADescriptionIsRequired) {
  auto need = Parse(R"({"description": "need UL certification for LED drivers"})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->description, "need UL certification for LED drivers");
  EXPECT_TRUE(need->county.empty());
  EXPECT_TRUE(need->service_types.empty());
  EXPECT_TRUE(need->enterprise_name.empty());
}

TEST(NeedTest, NullMeansAbsent) {
  auto need = Parse(R"({"description": "鞋底防滑检测", "county": null, "field": null,
                       "service_types": null, "size": null, "enterprise": null})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_TRUE(need->county.empty());
  EXPECT_TRUE(need->field.empty());
  auto with_nulls_inside = Parse(R"({"description": "x", "enterprise": {"name": null, "contact": "c"}})");
  ASSERT_TRUE(with_nulls_inside.ok()) << with_nulls_inside.status().ToString();
  EXPECT_TRUE(with_nulls_inside->enterprise_name.empty());
  EXPECT_EQ(with_nulls_inside->enterprise_contact, "c");
}

// On-demand parsing tells a value's type by its first character; "nul&l"
// or "nullx" must not pass for null (found by the need_request fuzzer).
TEST(NeedTest, OnlyTheExactAtomNullMeansAbsent) {
  for (const char* member : {"county", "field", "size", "service_types", "enterprise"}) {
    for (const char* broken : {"nul&l", "nullx", "nul", "n"}) {
      const std::string json =
          std::string(R"({"description": "x", ")") + member + R"(": )" + broken + "}";
      auto need = Parse(json);
      ASSERT_FALSE(need.ok()) << json;
      EXPECT_EQ(need.status().code(), StatusCode::kInvalidArgument) << json;
    }
  }
  auto inside = Parse(R"({"description": "x", "enterprise": {"name": nulll}})");
  EXPECT_FALSE(inside.ok());
  auto description = Parse(R"({"description": nul1})");
  EXPECT_FALSE(description.ok());
}

TEST(NeedTest, EmptyIdsMeanNotGiven) {
  auto need = Parse(R"({"description": "x", "county": "", "field": "", "size": ""})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_TRUE(need->county.empty());
}

TEST(NeedTest, IgnoresUnknownMembers) {
  auto need = Parse(R"({"budget": {"max": [1, 2, {"a": null}]}, "description": "模具设计",
                       "urgent": true, "enterprise": {"name": "n", "employees": 12}})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->description, "模具设计");
  EXPECT_EQ(need->enterprise_name, "n");
}

TEST(NeedTest, MalformedJsonInUnknownMembersIsRejected) {
  for (std::string_view json : {R"({"description": "x", "junk": [1,,2]})",
                                R"({"junk": tru, "description": "x"})",
                                R"({"junk": {"a" 1}, "description": "x"})",
                                R"({"description": "x", "junk": 01})",
                                R"({"description": "x", "junk": "\q"})",
                                R"({"description": "x", "enterprise": {"size": [}]}})"}) {
    auto need = Parse(json);
    ASSERT_FALSE(need.ok()) << json;
    EXPECT_EQ(need.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NeedTest, RemovesDuplicateServiceTypesKeepingOrder) {
  auto need = Parse(R"({"description": "x", "service_types": ["ipr", "testing", "ipr", "testing", "rnd"]})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->service_types, (std::vector<std::string>{"ipr", "testing", "rnd"}));
}

TEST(NeedTest, DescriptionIsRequiredAndNotBlank) {
  ExpectInvalid(R"({})", "need.description");
  ExpectInvalid(R"({"county": "yueqing"})", "need.description");
  ExpectInvalid(R"({"description": null})", "need.description");
  ExpectInvalid(R"({"description": ""})", "need.description");
  ExpectInvalid(R"({"description": " \t\n "})", "need.description");
  ExpectInvalid(R"({"description": "\u3000\u00a0\u200b"})", "need.description");
  ExpectInvalid(R"({"description": 42})", "need.description");
  ExpectInvalid(R"({"description": ["a"]})", "need.description");
}

TEST(NeedTest, DescriptionRefusesControlCharacters) {
  ExpectInvalid(R"({"description": "a\u0000b"})", "need.description");
  ExpectInvalid(R"({"description": "\u001b[31mred"})", "need.description");
  ExpectInvalid(R"({"description": "del\u007f"})", "need.description");
  EXPECT_TRUE(Parse(R"({"description": "line one\nline two\tand a tab\r\n"})").ok());
  NeedLimits stored;
  stored.allow_control_characters = true;
  EXPECT_TRUE(Parse(R"({"description": "a\u0000b"})", stored).ok());
}

TEST(NeedTest, DescriptionLengthCountsCodePoints) {
  std::string chinese;
  for (int i = 0; i < 4000; ++i) chinese += "检";  // 12000 bytes, 4000 code points
  auto at_limit = Parse(R"({"description": ")" + chinese + "\"}");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  ExpectInvalid(R"({"description": ")" + chinese + "a\"}", "need.description");

  NeedLimits small;
  small.max_description_chars = 3;
  EXPECT_TRUE(Parse(R"({"description": "检测站"})", small).ok());
  EXPECT_FALSE(Parse(R"({"description": "检测站a"})", small).ok());
}

TEST(NeedTest, WrongTypesNameTheMember) {
  ExpectInvalid(R"({"description": "x", "county": 3})", "need.county");
  ExpectInvalid(R"({"description": "x", "field": ["electrical"]})", "need.field");
  ExpectInvalid(R"({"description": "x", "size": true})", "need.size");
  ExpectInvalid(R"({"description": "x", "service_types": "testing"})", "need.service_types");
  ExpectInvalid(R"({"description": "x", "service_types": ["testing", 1]})", "need.service_types");
  ExpectInvalid(R"({"description": "x", "service_types": [null]})", "need.service_types");
  ExpectInvalid(R"({"description": "x", "enterprise": "乐清某电器"})", "need.enterprise");
  ExpectInvalid(R"({"description": "x", "enterprise": {"name": 5}})", "need.enterprise.name");
  ExpectInvalid(R"({"description": "x", "enterprise": {"contact": {}}})", "need.enterprise.contact");
}

TEST(NeedTest, UnknownIdsNameTheMember) {
  ExpectInvalid(R"({"description": "x", "county": "hangzhou"})", "need.county");
  ExpectInvalid(R"({"description": "x", "field": "steel"})", "need.field");
  ExpectInvalid(R"({"description": "x", "size": "large"})", "need.size");
  ExpectInvalid(R"({"description": "x", "service_types": ["testing", "consulting"]})",
                "need.service_types");
  auto need = Parse(R"({"description": "x", "county": "Yueqing"})");
  ASSERT_FALSE(need.ok());
  EXPECT_NE(need.status().message().find("Yueqing"), std::string::npos);
}

TEST(NeedTest, WithoutTaxonomyIdsAreNotChecked) {
  auto need = ParseNeedJson(R"({"description": "x", "county": "hangzhou", "service_types": ["a"]})",
                            nullptr, NeedLimits{});
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->county, "hangzhou");
}

TEST(NeedTest, RepeatedMembersAreRejected) {
  ExpectInvalid(R"({"description": "x", "county": "yueqing", "county": "ouhai"})", "need.county");
}

TEST(NeedTest, RejectsDocumentsThatAreNotOneObject) {
  ExpectInvalid(R"("just text")", "need");
  ExpectInvalid(R"([{"description": "x"}])", "need");
  ExpectInvalid(R"(42)", "need");
  for (std::string_view json : {"", "   ", "{", R"({"description": "x")", R"({"description": "x"} x)",
                                R"({"description": "x"} {"description": "y"})", R"({"description": x})"}) {
    auto need = Parse(json);
    ASSERT_FALSE(need.ok()) << json;
    EXPECT_EQ(need.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NeedTest, RejectsInvalidUtf8) {
  for (std::string_view json : {std::string_view("{\"description\": \"\xE6\xA3\"}"),
                                std::string_view("{\"description\": \"ok\", \"x\": \"\xFF\"}"),
                                std::string_view("{\"description\": \"\xED\xA0\x80\"}")}) {
    auto need = Parse(json);
    ASSERT_FALSE(need.ok()) << json;
    EXPECT_NE(need.status().message().find("UTF-8"), std::string::npos) << need.status().ToString();
  }
}

TEST(NeedTest, EscapedSurrogatePairsAreAccepted) {
  auto need = Parse(R"({"description": "\ud83d\ude00 \u68c0\u6d4b"})");
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->description, "😀 检测");
}

TEST(NeedTest, RoundTripsThroughCanonicalJson) {
  Need need;
  need.description = "Need \"CE\" marking\nfor 断路器 \\ tools";
  need.county = "yueqing";
  need.field = "electrical";
  need.service_types = {"testing", "intl_coop"};
  need.size = "micro";
  need.enterprise_name = "某公司";
  need.enterprise_contact = "+86 577";
  const std::string json = NeedToJson(need);
  auto again = Parse(json);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json;
  EXPECT_TRUE(*again == need);
  EXPECT_EQ(NeedToJson(*again), json);

  Need minimal;
  minimal.description = "x";
  EXPECT_EQ(NeedToJson(minimal), R"({"description":"x"})");
  auto minimal_again = Parse(NeedToJson(minimal));
  ASSERT_TRUE(minimal_again.ok());
  EXPECT_TRUE(*minimal_again == minimal);
  EXPECT_FALSE(*minimal_again == need);
}

TEST(NeedTest, ParseNeedUsesTheCallersPrefix) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string body(std::string_view(R"({"need": {"description": "x", "size": "huge"}, "k": 5})"));
  simdjson::ondemand::document doc;
  ASSERT_EQ(parser.iterate(body).get(doc), simdjson::SUCCESS);
  simdjson::ondemand::value value;
  ASSERT_EQ(doc["need"].get(value), simdjson::SUCCESS);
  auto need = ParseNeed(value, &RealTaxonomy(), NeedLimits{}, "request.need.");
  ASSERT_FALSE(need.ok());
  EXPECT_EQ(need.status().field(), "request.need.size");
}

}  // namespace
}  // namespace iisc
