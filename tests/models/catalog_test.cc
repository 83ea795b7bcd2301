#include "models/catalog.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace iisc {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

const Taxonomy& RealTaxonomy() {
  static const Taxonomy* taxonomy = [] {
    auto loaded = Taxonomy::FromFile(std::string(IISC_SOURCE_DIR) + "/data/taxonomy.json");
    if (!loaded.ok()) ADD_FAILURE() << loaded.status().ToString();
    return new Taxonomy(std::move(loaded).value());
  }();
  return *taxonomy;
}

const std::string& DemoCatalog() {
  static const std::string text = ReadFile(std::string(IISC_SOURCE_DIR) + "/data/demo-catalog.jsonl");
  return text;
}

// One valid record; each invalid case below changes one thing in it.
constexpr std::string_view kValidComplex = R"({
  "id": "iisc-x", "name": {"zh": "综合体", "en": "Complex"}, "county": "yueqing",
  "level": "county", "provincial_listed": true, "fields": ["electrical", "smart_equipment"],
  "description": {"zh": "描述"},
  "services": [
    {"id": "iisc-x/testing-1", "type": "testing", "institution": {"zh": "中心", "en": "Center"},
     "fields": ["electrical"], "description": {"zh": "检测", "en": "Tests"},
     "capacity_per_month": 60, "rating": 4.7, "price_level": "subsidized"},
    {"id": "iisc-x/rnd-1", "type": "rnd", "institution": {"zh": "研究院"},
     "fields": ["electrical"], "description": {"zh": "研发"},
     "capacity_per_month": 0, "rating": 0, "price_level": "free"}
  ]})";

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t pos = out.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) out.replace(pos, from.size(), to);
  return out;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

TEST(CatalogTest, ParsesTheDemoCatalog) {
  auto catalog = ParseCatalogJsonl(DemoCatalog(), &RealTaxonomy());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  EXPECT_EQ(catalog->size(), 36u);
  size_t services = 0;
  std::set<std::string> ids;
  for (const Complex& complex : *catalog) {
    for (const Capability& c : complex.services) {
      EXPECT_EQ(c.complex_id, complex.id);
      EXPECT_TRUE(ids.insert(c.id).second) << c.id;
      ++services;
    }
  }
  EXPECT_EQ(services, 177u);

  const Complex& first = catalog->front();
  EXPECT_EQ(first.id, "iisc-yueqing-electrical");
  EXPECT_EQ(first.name.zh, "乐清电气产业创新服务综合体");
  EXPECT_EQ(first.county, "yueqing");
  EXPECT_EQ(first.level, "county");
  EXPECT_TRUE(first.provincial_listed);
  EXPECT_EQ(first.fields, (std::vector<std::string>{"electrical", "smart_equipment"}));
  const Capability& testing = first.services.front();
  EXPECT_EQ(testing.id, "iisc-yueqing-electrical/testing-1");
  EXPECT_EQ(testing.type, "testing");
  EXPECT_EQ(testing.institution.en, "Yueqing Low-Voltage Apparatus Testing Center");
  EXPECT_EQ(testing.capacity_per_month, 60);
  EXPECT_DOUBLE_EQ(testing.rating, 4.7);
  EXPECT_EQ(testing.price_level, "subsidized");
  // A service described only in Chinese.
  EXPECT_TRUE(first.services[2].description.en.empty());
  EXPECT_FALSE(first.services[2].description.zh.empty());
}

TEST(CatalogTest, ParsesWithoutTaxonomy) {
  auto catalog = ParseCatalogJsonl(DemoCatalog(), nullptr);
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  EXPECT_EQ(catalog->size(), 36u);
}

TEST(CatalogTest, EveryDemoComplexRoundTrips) {
  auto catalog = ParseCatalogJsonl(DemoCatalog(), &RealTaxonomy());
  ASSERT_TRUE(catalog.ok());
  for (const Complex& complex : *catalog) {
    const std::string json = ComplexToJson(complex);
    auto again = ParseComplexJson(json, &RealTaxonomy());
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json;
    EXPECT_TRUE(*again == complex) << complex.id;
    // Serialization is canonical: a second round gives the same bytes.
    EXPECT_EQ(ComplexToJson(*again), json);
  }
}

TEST(CatalogTest, ComplexWithoutServicesRoundTrips) {
  auto complex = ParseComplexJson(kValidComplex, nullptr);
  ASSERT_TRUE(complex.ok()) << complex.status().ToString();
  const std::string json = ComplexToJson(*complex, /*include_services=*/false);
  EXPECT_EQ(json.find("services"), std::string::npos);
  auto again = ParseComplexJson(json, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Complex expected = *complex;
  expected.services.clear();
  EXPECT_TRUE(*again == expected);
}

TEST(CatalogTest, CapabilityRoundTripsOnItsOwn) {
  auto complex = ParseComplexJson(kValidComplex, &RealTaxonomy());
  ASSERT_TRUE(complex.ok()) << complex.status().ToString();
  for (const Capability& capability : complex->services) {
    const std::string json = CapabilityToJson(capability);
    auto again = ParseCapabilityJson(json, &RealTaxonomy());
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json;
    EXPECT_TRUE(*again == capability);
    EXPECT_EQ(again->complex_id, "iisc-x");
  }
}

TEST(CatalogTest, StandaloneCapabilityTakesItsComplexFromTheId) {
  auto capability = ParseCapabilityJson(
      R"({"id": "iisc-y/design-2", "type": "design", "institution": {"zh": "设计"},
          "fields": [], "description": {"zh": "外观"}, "capacity_per_month": 3,
          "price_level": "market"})",
      &RealTaxonomy());
  ASSERT_TRUE(capability.ok()) << capability.status().ToString();
  EXPECT_EQ(capability->complex_id, "iisc-y");
  EXPECT_EQ(capability->rating, 0);  // unrated
}

TEST(CatalogTest, IgnoresUnknownMembersAndKeepsValues) {
  auto complex = ParseComplexJson(
      Replace(kValidComplex, R"("level": "county")", R"("level": "county", "extra": {"a": [1, 2]})"),
      &RealTaxonomy());
  ASSERT_TRUE(complex.ok()) << complex.status().ToString();
  EXPECT_EQ(complex->services.size(), 2u);
  EXPECT_EQ(complex->description.zh, "描述");
  EXPECT_TRUE(complex->description.en.empty());
}

TEST(CatalogTest, EqualityNoticesEveryMember) {
  auto parsed = ParseComplexJson(kValidComplex, nullptr);
  ASSERT_TRUE(parsed.ok());
  const Complex base = *parsed;
  Complex changed = base;
  changed.services[1].rating = 1;
  EXPECT_FALSE(changed == base);
  changed = base;
  changed.description.en = "x";
  EXPECT_FALSE(changed == base);
  changed = base;
  changed.services[0].fields.push_back("apparel");
  EXPECT_FALSE(changed == base);
  changed = base;
  changed.provincial_listed = false;
  EXPECT_FALSE(changed == base);
  EXPECT_TRUE(base == Complex(base));
}

struct InvalidCase {
  std::string_view from;
  std::string_view to;
  std::string_view field;
};

TEST(CatalogTest, InvalidRecordsNameTheMember) {
  const InvalidCase cases[] = {
      {R"("id": "iisc-x", )", "", "id"},
      {R"("id": "iisc-x", )", R"("id": "", )", "id"},
      {R"("id": "iisc-x", )", R"("id": 7, )", "id"},
      {R"("name": {"zh": "综合体", "en": "Complex"})", R"("name": {"en": "Complex"})", "name.zh"},
      {R"("name": {"zh": "综合体", "en": "Complex"})", R"("name": "综合体")", "name"},
      {R"("county": "yueqing")", R"("county": "hangzhou")", "county"},
      {R"("level": "county")", R"("level": "national")", "level"},
      {R"("provincial_listed": true)", R"("provincial_listed": "yes")", "provincial_listed"},
      {R"(["electrical", "smart_equipment"])", R"(["electrical", "steel"])", "fields[1]"},
      {R"(["electrical", "smart_equipment"])", R"(["electrical", "electrical"])", "fields[1]"},
      {R"(["electrical", "smart_equipment"])", R"("electrical")", "fields"},
      {R"("description": {"zh": "描述"})", R"("description": {"zh": "描述", "en": 3})", "description.en"},
      {R"("services": [)", R"("services": [1, )", "services[0]"},
      {R"("services": [)", R"("services": {"a": [)", ""},  // malformed JSON
      {R"("id": "iisc-x/rnd-1")", R"("id": "iisc-x/testing-1")", "services[1].id"},
      {R"("id": "iisc-x/rnd-1")", R"("id": "other/rnd-1")", "services[1].id"},
      {R"("id": "iisc-x/rnd-1")", R"("id": "iisc-x/")", "services[1].id"},
      {R"("type": "rnd")", R"("type": "consulting")", "services[1].type"},
      {R"("type": "rnd")", R"("type": null)", "services[1].type"},
      {R"("institution": {"zh": "研究院"})", R"("institution": {"zh": ""})", "services[1].institution.zh"},
      {R"("capacity_per_month": 0)", R"("capacity_per_month": -1)", "services[1].capacity_per_month"},
      {R"("capacity_per_month": 0)", R"("capacity_per_month": 2.5)", "services[1].capacity_per_month"},
      {R"("capacity_per_month": 0)", R"("capacity_per_month": 99999999999)", "services[1].capacity_per_month"},
      {R"("capacity_per_month": 0, )", "", "services[1].capacity_per_month"},
      {R"("rating": 0)", R"("rating": 5.5)", "services[1].rating"},
      {R"("rating": 0)", R"("rating": -0.1)", "services[1].rating"},
      {R"("rating": 0)", R"("rating": "4")", "services[1].rating"},
      {R"("price_level": "free")", R"("price_level": "cheap")", "services[1].price_level"},
      {R"("fields": ["electrical"], "description": {"zh": "研发"})",
       R"("fields": ["electrical", "tea_leaves"], "description": {"zh": "研发"})", "services[1].fields[1]"},
      {R"("description": {"zh": "研发"})", "\"description\": {\"zh\": \"\xE7\xA0\"}", ""},  // invalid UTF-8
  };
  for (const InvalidCase& c : cases) {
    const std::string json = Replace(kValidComplex, c.from, c.to);
    auto complex = ParseComplexJson(json, &RealTaxonomy());
    ASSERT_FALSE(complex.ok()) << json;
    EXPECT_EQ(complex.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(complex.status().field(), c.field) << complex.status().ToString() << "\n" << json;
  }
}

TEST(CatalogTest, InvalidUtf8IsReportedAsSuch) {
  auto complex = ParseComplexJson(
      Replace(kValidComplex, R"("zh": "描述")", "\"zh\": \"\xFF\""), &RealTaxonomy());
  ASSERT_FALSE(complex.ok());
  EXPECT_NE(complex.status().message().find("UTF-8"), std::string::npos)
      << complex.status().ToString();
}

TEST(CatalogTest, TaxonomyChecksAreSkippedWithoutTaxonomy) {
  auto complex = ParseComplexJson(Replace(kValidComplex, R"("type": "rnd")", R"("type": "consulting")"),
                                  nullptr);
  ASSERT_TRUE(complex.ok()) << complex.status().ToString();
  EXPECT_EQ(complex->services[1].type, "consulting");
}

TEST(CatalogTest, RejectsNonObjects) {
  for (std::string_view json : {"", "[]", "\"complex\"", "{", "{} {}"}) {
    auto complex = ParseComplexJson(json, nullptr);
    EXPECT_FALSE(complex.ok()) << json;
  }
}

TEST(CatalogTest, JsonlErrorsNameTheLine) {
  std::string lines(kValidComplex);
  for (char& c : lines) {
    if (c == '\n') c = ' ';
  }
  const std::string second = ReplaceAll(lines, "iisc-x", "iisc-z");
  const std::string broken = Replace(ReplaceAll(lines, "iisc-x", "iisc-w"), "\"level\": \"county\"", "\"level\": 3");

  auto ok = ParseCatalogJsonl(lines + "\n\n  \r\n" + second + "\n", &RealTaxonomy());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 2u);

  auto bad = ParseCatalogJsonl(lines + "\n\n" + broken + "\n", &RealTaxonomy());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "level");
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().ToString();

  auto duplicate = ParseCatalogJsonl(lines + "\n" + lines, &RealTaxonomy());
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.status().message().find("line 2"), std::string::npos)
      << duplicate.status().ToString();

  auto empty = ParseCatalogJsonl("", &RealTaxonomy());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace iisc
