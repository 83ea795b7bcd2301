#include "models/taxonomy.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace iisc {
namespace {

const std::string kTaxonomyPath = std::string(IISC_SOURCE_DIR) + "/data/taxonomy.json";

// A taxonomy small enough to break one piece at a time.
std::string MiniTaxonomy(std::string_view fields = R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}}])",
                         std::string_view counties =
                             R"([{"id": "k1", "name": {"zh": "县"}, "lat": 28.0, "lon": 120.6}])") {
  std::string json = R"({"schema": "iisc-taxonomy/1",
    "categories": [{"id": "c1", "name": {"zh": "类", "en": "Category"}}],
    "fields": )";
  json += fields;
  json += R"(, "service_types": [{"id": "s1", "name": {"zh": "服务"}}], "counties": )";
  json += counties;
  json += R"(, "enterprise_sizes": ["micro", "small"]})";
  return json;
}

class RealTaxonomyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Taxonomy::FromFile(kTaxonomyPath);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    taxonomy_ = new Taxonomy(std::move(loaded).value());
  }
  static void TearDownTestSuite() {
    delete taxonomy_;
    taxonomy_ = nullptr;
  }
  static const Taxonomy* taxonomy_;
};
const Taxonomy* RealTaxonomyTest::taxonomy_ = nullptr;

TEST_F(RealTaxonomyTest, HasTheDocumentedSizes) {
  EXPECT_EQ(taxonomy_->categories().size(), 4u);
  EXPECT_EQ(taxonomy_->fields().size(), 35u);
  EXPECT_EQ(taxonomy_->service_types().size(), 11u);
  EXPECT_EQ(taxonomy_->counties().size(), 12u);
  EXPECT_EQ(taxonomy_->enterprise_sizes(), (std::vector<std::string>{"micro", "small", "medium"}));
}

TEST_F(RealTaxonomyTest, IndicesMatchPositions) {
  for (size_t i = 0; i < taxonomy_->fields().size(); ++i) {
    EXPECT_EQ(taxonomy_->FieldIndex(taxonomy_->fields()[i].id), static_cast<int>(i));
  }
  for (size_t i = 0; i < taxonomy_->service_types().size(); ++i) {
    EXPECT_EQ(taxonomy_->ServiceTypeIndex(taxonomy_->service_types()[i].id), static_cast<int>(i));
  }
  for (size_t i = 0; i < taxonomy_->counties().size(); ++i) {
    EXPECT_EQ(taxonomy_->CountyIndex(taxonomy_->counties()[i].id), static_cast<int>(i));
  }
  EXPECT_EQ(taxonomy_->CategoryIndex("traditional"), 0);
  EXPECT_EQ(taxonomy_->SizeIndex("medium"), 2);
}

TEST_F(RealTaxonomyTest, UnknownIdsAreMinusOne) {
  EXPECT_EQ(taxonomy_->FieldIndex("nonexistent"), -1);
  EXPECT_EQ(taxonomy_->FieldIndex(""), -1);
  EXPECT_EQ(taxonomy_->ServiceTypeIndex("Testing"), -1);  // ids are case-sensitive
  EXPECT_EQ(taxonomy_->CountyIndex("wenzhou"), -1);
  EXPECT_EQ(taxonomy_->SizeIndex("large"), -1);
}

TEST_F(RealTaxonomyTest, ReadsFieldDetails) {
  const int electrical = taxonomy_->FieldIndex("electrical");
  ASSERT_GE(electrical, 0);
  const FieldInfo& field = taxonomy_->fields()[electrical];
  EXPECT_EQ(field.name.zh, "电气");
  EXPECT_EQ(field.name.en, "Electrical equipment");
  EXPECT_EQ(field.priority, FieldPriority::kLeading);
  EXPECT_EQ(taxonomy_->categories()[field.category].id, "traditional");
  EXPECT_FALSE(field.keywords.zh.empty());
  EXPECT_FALSE(field.keywords.en.empty());
  EXPECT_EQ(field.keywords.zh.front(), "低压电器");
}

TEST_F(RealTaxonomyTest, CountyDistancesArePlausible) {
  const int yueqing = taxonomy_->CountyIndex("yueqing");
  const int lucheng = taxonomy_->CountyIndex("lucheng");
  ASSERT_GE(yueqing, 0);
  ASSERT_GE(lucheng, 0);
  const double d = taxonomy_->CountyDistanceKm(yueqing, lucheng);
  EXPECT_GT(d, 30);
  EXPECT_LT(d, 40);
  EXPECT_DOUBLE_EQ(d, taxonomy_->CountyDistanceKm(lucheng, yueqing));
  EXPECT_EQ(taxonomy_->CountyDistanceKm(yueqing, yueqing), 0);
  // Taishun is the far south-west corner of Wenzhou.
  EXPECT_GT(taxonomy_->CountyDistanceKm(yueqing, taxonomy_->CountyIndex("taishun")), 100);
}

TEST_F(RealTaxonomyTest, DistanceToAnUnknownCountyIsInfinite) {
  EXPECT_TRUE(std::isinf(taxonomy_->CountyDistanceKm(-1, 0)));
  EXPECT_TRUE(std::isinf(taxonomy_->CountyDistanceKm(0, 12)));
}

TEST_F(RealTaxonomyTest, KeepsTheSourceJson) {
  auto again = Taxonomy::FromJson(taxonomy_->source_json());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->source_json(), taxonomy_->source_json());
  EXPECT_NE(taxonomy_->source_json().find("\"iisc-taxonomy/1\""), std::string::npos);
}

TEST(TaxonomyTest, CopiesKeepWorkingIndices) {
  auto loaded = Taxonomy::FromJson(MiniTaxonomy());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Taxonomy copy = *loaded;
  loaded = Status::Internal("drop the original");
  EXPECT_EQ(copy.FieldIndex("f1"), 0);
  EXPECT_EQ(copy.CountyIndex("k1"), 0);
  EXPECT_EQ(copy.SizeIndex("small"), 1);
}

TEST(TaxonomyTest, MissingFileIsAnIOError) {
  auto loaded = Taxonomy::FromFile("/nonexistent/taxonomy.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kIOError);
}

void ExpectInvalid(const std::string& json, const std::string& field) {
  auto loaded = Taxonomy::FromJson(json);
  ASSERT_FALSE(loaded.ok()) << json;
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(loaded.status().field(), field) << loaded.status().ToString();
}

TEST(TaxonomyTest, RejectsBrokenDocuments) {
  ExpectInvalid("", "");
  ExpectInvalid("[1, 2]", "");
  ExpectInvalid("{\"schema\": \"iisc-taxonomy/1\"", "");
  std::string wrong_schema = MiniTaxonomy();
  wrong_schema.replace(wrong_schema.find("iisc-taxonomy/1"), 15, "iisc-taxonomy/2");
  ExpectInvalid(wrong_schema, "schema");
}

TEST(TaxonomyTest, RejectsDuplicateIds) {
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}},
                                 {"id": "f1", "category": "c1", "name": {"zh": "二"}}])"),
                "fields[1].id");
}

TEST(TaxonomyTest, RejectsUnknownCategory) {
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "nope", "name": {"zh": "一"}}])"),
                "fields[0].category");
}

TEST(TaxonomyTest, RejectsBadMembers) {
  ExpectInvalid(MiniTaxonomy(R"([{"category": "c1", "name": {"zh": "一"}}])"), "fields[0].id");
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"en": "One"}}])"),
                "fields[0].name.zh");
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}, "priority": "top"}])"),
                "fields[0].priority");
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}, "keywords": {"zh": [1]}}])"),
                "fields[0].keywords.zh[0]");
  ExpectInvalid(MiniTaxonomy(R"(["f1"])"), "fields[0]");
  ExpectInvalid(MiniTaxonomy(R"({})"), "fields");
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}}])",
                             R"([{"id": "k1", "name": {"zh": "县"}, "lat": 128.0, "lon": 120.6}])"),
                "counties[0].lat");
  ExpectInvalid(MiniTaxonomy(R"([{"id": "f1", "category": "c1", "name": {"zh": "一"}}])",
                             R"([{"id": "k1", "name": {"zh": "县"}, "lat": "28", "lon": 120.6}])"),
                "counties[0].lat");
}

}  // namespace
}  // namespace iisc
