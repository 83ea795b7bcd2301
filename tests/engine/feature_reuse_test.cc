// Opening a stored catalog reuses the stored features: vectors and lexical
// terms come from the store, so a restart analyzes no text; records without
// terms (written before terms were stored) are completed and written back.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/text_model.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class FeatureReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok());
    taxonomy_ = std::make_shared<const Taxonomy>(std::move(*tax));
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(scoring.ok());
    scoring_ = *scoring;
    dir_ = std::filesystem::temp_directory_path() / ("iisc-feature-reuse-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Recommender> OpenEngine() {
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    RecommenderOptions options;
    options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    options.vocabulary_dir = kRoot + "/configs/vocabulary";
    auto engine = Recommender::Open(std::move(*store), taxonomy_, scoring_, options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static std::vector<std::pair<std::string, double>> Ask(Recommender& engine, const std::string& text) {
    RecommendRequest req;
    req.need.description = text;
    auto resp = engine.Recommend(req);
    EXPECT_TRUE(resp.ok());
    std::vector<std::pair<std::string, double>> out;
    for (const Recommendation& r : resp->results) out.emplace_back(r.capability->id, r.components[kText]);
    return out;
  }

  std::shared_ptr<const Taxonomy> taxonomy_;
  std::shared_ptr<const ScoringConfig> scoring_;
  std::filesystem::path dir_;
};

const char* kCapability = "iisc-yueqing-electrical/testing-1";
const char* kNeed = "断路器温升试验";

TEST_F(FeatureReuseTest, StoresTermsBesideVectors) {
  OpenEngine().reset();
  auto store = OpenRocksStore(dir_.string(), StoreOptions{});
  ASSERT_TRUE(store.ok());
  size_t capabilities = 0;
  ASSERT_TRUE((*store)->ScanFeatures([&](std::string_view key, const FeatureVector& v) {
    if (key.rfind("need/", 0) == 0) return Status::Ok();
    ++capabilities;
    EXPECT_FALSE(v.term_ids.empty()) << key;
    EXPECT_EQ(v.term_ids.size(), v.term_weights.size()) << key;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(capabilities, 177u);
}

TEST_F(FeatureReuseTest, ReopeningUsesTheStoredTermsWithoutAnalyzingAgain) {
  std::vector<std::pair<std::string, double>> before;
  {
    auto engine = OpenEngine();
    before = Ask(*engine, kNeed);
  }
  // A result whose text matches less than the best one's.
  std::string target;
  double text_before = 0;
  for (const auto& [id, text] : before) {
    if (text > 0 && text < 0.8) {
      target = id;
      text_before = text;
      break;
    }
  }
  ASSERT_FALSE(target.empty());
  {
    // Raise its stored weights: if the engine analyzed its text again, its
    // text component would not move.
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    auto stored = (*store)->GetFeatures(target);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    FeatureVector v = **stored;
    for (float& w : v.term_weights) w *= 1.2f;
    ASSERT_TRUE((*store)->PutFeatures({{target, v}}).ok());
  }
  auto engine = OpenEngine();
  double text_after = -1;
  for (const auto& [id, text] : Ask(*engine, kNeed))
    if (id == target) text_after = text;
  EXPECT_GT(text_after, text_before) << target;
}

TEST_F(FeatureReuseTest, RecordsWithoutTermsAreCompletedAndRankTheSame) {
  std::vector<std::pair<std::string, double>> before;
  {
    auto engine = OpenEngine();
    before = Ask(*engine, kNeed);
  }
  {
    // As an older version wrote it: the vector alone.
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    auto stored = (*store)->GetFeatures(kCapability);
    ASSERT_TRUE(stored.ok() && stored->has_value());
    FeatureVector v{(*stored)->model_version, (*stored)->values};
    ASSERT_TRUE((*store)->PutFeatures({{kCapability, v}}).ok());
  }
  {
    auto engine = OpenEngine();
    EXPECT_EQ(Ask(*engine, kNeed), before);
  }
  auto store = OpenRocksStore(dir_.string(), StoreOptions{});
  ASSERT_TRUE(store.ok());
  auto stored = (*store)->GetFeatures(kCapability);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->term_ids.empty());
}

TEST_F(FeatureReuseTest, TheFirstStartAfterSeedingFitsTheModelOfEveryLaterStart) {
  // Seeding reads the catalog file (services in file order); later starts
  // read the store (services in id order). Both must rank the same catalog
  // with the same model, or the first start's vectors are thrown away.
  std::string version;
  std::vector<std::pair<std::string, double>> first;
  {
    auto engine = OpenEngine();
    RecommendRequest req;
    req.need.description = kNeed;
    auto resp = engine->Recommend(req);
    ASSERT_TRUE(resp.ok());
    version = resp->model_version;
    first = Ask(*engine, kNeed);
  }
  auto engine = OpenEngine();
  RecommendRequest req;
  req.need.description = kNeed;
  auto resp = engine->Recommend(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->model_version, version);
  EXPECT_EQ(Ask(*engine, kNeed), first);
}

TEST_F(FeatureReuseTest, ReopeningUsesTheStoredModel) {
  double semantic_before = 0;
  {
    auto engine = OpenEngine();
    RecommendRequest req;
    req.need.description = kNeed;
    auto resp = engine->Recommend(req);
    ASSERT_TRUE(resp.ok());
    semantic_before = resp->results[0].components[kSemantic];
  }
  ASSERT_GT(semantic_before, 0.1);
  {
    // Negate the stored model's projection (the floats at the end of the
    // record): if the engine fitted again, nothing would change; with the
    // stored model, queries point away from every service.
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    auto blob = (*store)->GetMeta("text_model");
    ASSERT_TRUE(blob.ok() && blob->has_value());
    std::string bytes = **blob;
    auto analyzer = Analyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    auto vocabulary = Vocabulary::Load(kRoot + "/configs/vocabulary", *taxonomy_);
    ASSERT_TRUE(vocabulary.ok());
    auto model = TextModel::Restore(bytes, *taxonomy_, *vocabulary, std::shared_ptr<const Analyzer>(std::move(*analyzer)));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const size_t floats = (*model)->num_terms() * static_cast<size_t>((*model)->dim());
    for (size_t i = bytes.size() - 4 * floats + 3; i < bytes.size(); i += 4) bytes[i] ^= '\x80';
    ASSERT_TRUE((*store)->PutMeta("text_model", bytes).ok());
  }
  {
    auto engine = OpenEngine();
    RecommendRequest req;
    req.need.description = kNeed;
    auto resp = engine->Recommend(req);
    ASSERT_TRUE(resp.ok());
    for (const Recommendation& r : resp->results) EXPECT_EQ(r.components[kSemantic], 0.0) << r.capability->id;
  }
}

TEST_F(FeatureReuseTest, ADamagedStoredModelIsFittedAgain) {
  std::string version;
  {
    auto engine = OpenEngine();
    RecommendRequest req;
    req.need.description = kNeed;
    version = engine->Recommend(req)->model_version;
  }
  {
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutMeta("text_model", "ITM1 not a model").ok());
  }
  auto engine = OpenEngine();
  RecommendRequest req;
  req.need.description = kNeed;
  EXPECT_EQ(engine->Recommend(req)->model_version, version);
  engine.reset();
  auto store = OpenRocksStore(dir_.string(), StoreOptions{});
  ASSERT_TRUE(store.ok());
  auto blob = (*store)->GetMeta("text_model");
  ASSERT_TRUE(blob.ok() && blob->has_value());
  EXPECT_GT((*blob)->size(), 1000u);
}

}  // namespace
}  // namespace iisc
