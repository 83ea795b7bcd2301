#include "bench/catalog_generator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class CatalogGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok()) << tax.status().ToString();
    taxonomy_ = std::make_shared<const Taxonomy>(std::move(*tax));
    std::ifstream in(kRoot + "/data/demo-catalog.jsonl", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto demo = ParseCatalogJsonl(text.str(), taxonomy_.get());
    ASSERT_TRUE(demo.ok()) << demo.status().ToString();
    demo_ = std::move(*demo);
  }

  std::vector<Complex> Generate(size_t capabilities, uint64_t seed) {
    CatalogGeneratorOptions options;
    options.capabilities = capabilities;
    options.seed = seed;
    auto out = GenerateCatalogVector(*taxonomy_, demo_, options);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? std::move(*out) : std::vector<Complex>{};
  }

  static size_t Capabilities(const std::vector<Complex>& catalog) {
    size_t n = 0;
    for (const Complex& c : catalog) n += c.services.size();
    return n;
  }

  static std::string Jsonl(const std::vector<Complex>& catalog) {
    std::string out;
    for (const Complex& c : catalog) out += ComplexToJson(c) + "\n";
    return out;
  }

  std::shared_ptr<const Taxonomy> taxonomy_;
  std::vector<Complex> demo_;
};

TEST_F(CatalogGeneratorTest, HitsTheRequestedSizeExactly) {
  for (size_t n : {size_t{1}, size_t{50}, size_t{177}, size_t{178}, size_t{1000}, size_t{2503}}) {
    EXPECT_EQ(Capabilities(Generate(n, 7)), n) << n;
  }
}

TEST_F(CatalogGeneratorTest, StartsWithTheDemoCatalogUnchanged) {
  std::vector<Complex> catalog = Generate(1000, 7);
  ASSERT_GT(catalog.size(), demo_.size());
  for (size_t i = 0; i < demo_.size(); ++i) EXPECT_EQ(catalog[i], demo_[i]) << demo_[i].id;
}

TEST_F(CatalogGeneratorTest, IsDeterministicPerSeed) {
  EXPECT_EQ(Jsonl(Generate(1500, 3)), Jsonl(Generate(1500, 3)));
  EXPECT_NE(Jsonl(Generate(1500, 3)), Jsonl(Generate(1500, 4)));
}

TEST_F(CatalogGeneratorTest, RecordsPassTheCatalogValidation) {
  std::vector<Complex> catalog = Generate(3000, 11);
  // The JSONL parser checks every id, field, type, county, range and the
  // uniqueness of service ids inside a complex; complex ids must be unique too.
  auto parsed = ParseCatalogJsonl(Jsonl(catalog), taxonomy_.get());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, catalog);
  std::set<std::string> ids;
  for (const Complex& c : catalog) EXPECT_TRUE(ids.insert(c.id).second) << c.id;
}

TEST_F(CatalogGeneratorTest, LooksLikeTheDemoCatalog) {
  std::vector<Complex> catalog = Generate(5000, 5);
  std::set<std::string> types, counties, fields;
  size_t with_en = 0, total = 0, general = 0, municipal = 0;
  for (size_t i = demo_.size(); i < catalog.size(); ++i) {
    const Complex& c = catalog[i];
    counties.insert(c.county);
    municipal += c.level == "municipal";
    EXPECT_FALSE(c.name.zh.empty());
    EXPECT_FALSE(c.name.en.empty());
    EXPECT_GE(c.services.size(), 1u);
    EXPECT_LE(c.services.size(), 7u);
    for (const Capability& s : c.services) {
      ++total;
      types.insert(s.type);
      for (const std::string& f : s.fields) fields.insert(f);
      EXPECT_FALSE(s.institution.zh.empty()) << s.id;
      EXPECT_FALSE(s.description.zh.empty()) << s.id;
      with_en += !s.description.en.empty();
      EXPECT_GT(s.capacity_per_month, 0) << s.id;
      if (s.fields.size() >= 6) {
        ++general;
      } else {
        // A specialist serves its complex's main field.
        EXPECT_EQ(s.fields[0], c.fields[0]) << s.id;
      }
    }
  }
  EXPECT_EQ(types.size(), taxonomy_->service_types().size());
  EXPECT_EQ(counties.size(), taxonomy_->counties().size());
  EXPECT_EQ(fields.size(), taxonomy_->fields().size());
  // Bilingual like the demo (a third of its descriptions have English), with
  // some general services of municipal complexes.
  EXPECT_GT(with_en, total / 5);
  EXPECT_LT(with_en, total);
  EXPECT_GT(general, 0u);
  EXPECT_GT(municipal, 0u);
}

TEST_F(CatalogGeneratorTest, RewritesTheTemplateForTheNewField) {
  // A footwear testing lab must not read like the electrical template it came
  // from: the template's field words are swapped for the new field's.
  std::vector<Complex> catalog = Generate(20000, 9);
  size_t footwear_specialists = 0, mentions_breakers = 0;
  for (size_t i = demo_.size(); i < catalog.size(); ++i) {
    for (const Capability& s : catalog[i].services) {
      if (s.fields.size() >= 6 || s.fields[0] != "footwear") continue;
      ++footwear_specialists;
      mentions_breakers += s.description.zh.find("断路器") != std::string::npos;
    }
  }
  ASSERT_GT(footwear_specialists, 100u);
  EXPECT_EQ(mentions_breakers, 0u);
}

TEST_F(CatalogGeneratorTest, LoadsThroughTheStoreAndServes) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("iisc-gen-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::vector<Complex> catalog = Generate(1200, 2);
  {
    auto store = OpenRocksStore(dir.string(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (const Complex& c : catalog) ASSERT_TRUE((*store)->PutComplex(c).ok()) << c.id;
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(scoring.ok());
    RecommenderOptions options;
    options.vocabulary_dir = kRoot + "/configs/vocabulary";
    auto engine = Recommender::Open(std::move(*store), taxonomy_, *scoring, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    auto snapshot = (*engine)->Snapshot();
    EXPECT_EQ((*engine)->ListComplexes(*snapshot).size(), catalog.size());
    RecommendRequest req;
    req.need.description = "鞋底防滑检测";
    auto resp = (*engine)->Recommend(req);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    ASSERT_EQ(resp->results.size(), 10u);
    EXPECT_EQ(resp->results[0].capability->type, "testing");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace iisc
