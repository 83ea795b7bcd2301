// Candidate generation (shortlist + term hits + wanted lists, bounded, then
// exact re-scoring) must rank exactly like scoring every row: same services,
// same order, same scores and components to the last bit, same understanding.
#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <limits>
#include <sstream>

#include "bench/catalog_generator.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CandidateGenerationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok()) << tax.status().ToString();
    taxonomy_ = new std::shared_ptr<const Taxonomy>(std::make_shared<const Taxonomy>(std::move(*tax)));
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", **taxonomy_);
    ASSERT_TRUE(scoring.ok()) << scoring.status().ToString();
    scoring_ = new std::shared_ptr<const ScoringConfig>(*scoring);
    // The labeled needs of the relevance evaluation: zh, en, mixed, with and
    // without county, field, types and size.
    // The problem-first ones too: they hedge between types and ask.
    needs_ = new std::vector<Need>;
    std::istringstream lines(ReadFile(kRoot + "/data/eval/public.jsonl") +
                             ReadFile(kRoot + "/data/eval/problem-first.jsonl"));
    simdjson::ondemand::parser parser;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      simdjson::padded_string padded(line);
      simdjson::ondemand::document doc = parser.iterate(padded);
      simdjson::ondemand::value need = doc["need"];
      auto parsed = ParseNeed(need, taxonomy_->get(), NeedLimits{}, "need");
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      needs_->push_back(std::move(*parsed));
    }
    ASSERT_GT(needs_->size(), 50u);
  }
  static void TearDownTestSuite() {
    delete taxonomy_;
    delete scoring_;
    delete needs_;
  }

  // Two engines over the same catalog: one scores every row, one generates candidates.
  void Open(const std::vector<Complex>* catalog, std::shared_ptr<const ScoringConfig> scoring) {
    for (int candidates = 0; candidates < 2; ++candidates) {
      auto store = NewMemoryStore();
      RecommenderOptions options;
      options.vocabulary_dir = kRoot + "/configs/vocabulary";
      options.intent_corpus_dir = kRoot + "/configs/intent";
      if (catalog == nullptr) {
        options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
      } else {
        for (const Complex& c : *catalog) ASSERT_TRUE(store->PutComplex(c).ok());
      }
      options.candidate_generation_min_rows = candidates ? 0 : std::numeric_limits<size_t>::max();
      auto engine = Recommender::Open(std::move(store), *taxonomy_, scoring, options);
      ASSERT_TRUE(engine.ok()) << engine.status().ToString();
      (candidates ? candidates_ : exhaustive_) = std::move(*engine);
    }
  }

  // Asks both engines; expects identical answers. Returns the candidate
  // engine's statistics.
  RecommendStats Compare(const RecommendRequest& req, const std::string& what) {
    auto a = exhaustive_->Recommend(req);
    auto b = candidates_->Recommend(req);
    EXPECT_TRUE(a.ok() && b.ok()) << what;
    if (!a.ok() || !b.ok()) return {};
    EXPECT_FALSE(a->stats.candidate_generation) << what;
    EXPECT_TRUE(b->stats.candidate_generation) << what;
    EXPECT_EQ(a->understanding.field.id, b->understanding.field.id) << what;
    EXPECT_EQ(a->understanding.field.confidence, b->understanding.field.confidence) << what;
    EXPECT_EQ(a->understanding.service_types.size(), b->understanding.service_types.size()) << what;
    EXPECT_EQ(a->results.size(), b->results.size()) << what;
    for (size_t i = 0; i < std::min(a->results.size(), b->results.size()); ++i) {
      const Recommendation& x = a->results[i];
      const Recommendation& y = b->results[i];
      EXPECT_EQ(x.capability->id, y.capability->id) << what << " rank " << i + 1;
      EXPECT_EQ(std::bit_cast<uint64_t>(x.score), std::bit_cast<uint64_t>(y.score)) << what << " rank " << i + 1;
      for (int c = 0; c < kNumComponents; ++c) {
        EXPECT_EQ(x.components[c], y.components[c]) << what << " rank " << i + 1 << " component " << c;
      }
    }
    return b->stats;
  }

  // Every labeled need, at several k, unfiltered and under filters.
  std::vector<RecommendStats> CompareAll() {
    std::vector<RecommendStats> stats;
    for (size_t i = 0; i < needs_->size(); ++i) {
      for (int k : {1, 3, 10, 37}) {
        RecommendRequest req;
        req.need = (*needs_)[i];
        req.k = k;
        stats.push_back(Compare(req, "need " + std::to_string(i) + " k " + std::to_string(k)));
      }
      RecommendRequest req;
      req.need = (*needs_)[i];
      req.filters.counties = {"yueqing", "ruian"};
      Compare(req, "need " + std::to_string(i) + " county filter");
      req.filters = {};
      req.filters.service_types = {"testing"};
      Compare(req, "need " + std::to_string(i) + " type filter");
      req.filters.fields = {"footwear", "electrical"};
      Compare(req, "need " + std::to_string(i) + " type+field filter");
      req.filters = {};
      req.filters.counties = {"taishun"};
      req.filters.fields = {"tea"};
      req.k = 20;
      Compare(req, "need " + std::to_string(i) + " narrow filter");
    }
    return stats;
  }

  static std::shared_ptr<const Taxonomy>* taxonomy_;
  static std::shared_ptr<const ScoringConfig>* scoring_;
  static std::vector<Need>* needs_;
  std::unique_ptr<Recommender> exhaustive_, candidates_;
};

std::shared_ptr<const Taxonomy>* CandidateGenerationTest::taxonomy_ = nullptr;
std::shared_ptr<const ScoringConfig>* CandidateGenerationTest::scoring_ = nullptr;
std::vector<Need>* CandidateGenerationTest::needs_ = nullptr;

TEST_F(CandidateGenerationTest, EqualsExhaustiveScoringOnTheDemoCatalog) {
  Open(nullptr, *scoring_);
  CompareAll();
}

TEST_F(CandidateGenerationTest, EqualsExhaustiveScoringOnAGeneratedCatalog) {
  auto demo = ParseCatalogJsonl(ReadFile(kRoot + "/data/demo-catalog.jsonl"), taxonomy_->get());
  ASSERT_TRUE(demo.ok());
  CatalogGeneratorOptions gen;
  gen.capabilities = 4000;
  auto catalog = GenerateCatalogVector(**taxonomy_, *demo, gen);
  ASSERT_TRUE(catalog.ok());
  Open(&*catalog, *scoring_);
  std::vector<RecommendStats> stats = CompareAll();
  // And it is worth it: unfiltered, most needs are answered from a pool a
  // small fraction of the catalog, without the full scan.
  size_t scored = 0, rows = 0, full_scans = 0;
  for (const RecommendStats& s : stats) {
    scored += s.rows_scored;
    rows += s.rows;
    full_scans += s.full_scan;
  }
  // Rows are bounded by their own vector score from the compact scan and
  // decided best bound first, so a twentieth of the rows is scored.
  EXPECT_LT(scored * 20, rows) << "scored " << scored << " of " << rows;
  EXPECT_LT(full_scans * 5, stats.size()) << full_scans << " full scans";
}

TEST_F(CandidateGenerationTest, EqualsExhaustiveScoringUnderOtherWeights) {
  // The bounds follow the configuration: field counted for every type,
  // municipal services not general, heavy region and price, no diversity.
  auto demo = ParseCatalogJsonl(ReadFile(kRoot + "/data/demo-catalog.jsonl"), taxonomy_->get());
  ASSERT_TRUE(demo.ok());
  CatalogGeneratorOptions gen;
  gen.capabilities = 2500;
  gen.seed = 17;
  auto catalog = GenerateCatalogVector(**taxonomy_, *demo, gen);
  ASSERT_TRUE(catalog.ok());
  auto config = std::make_shared<ScoringConfig>(**scoring_);
  config->field_counts_only_for_wanted_types = false;
  config->municipal_services_general = false;
  config->weights[kRegion] = 3.0;
  config->weights[kPrice] = 2.0;
  config->weights[kText] = 0.1;
  config->max_results_per_complex = 0;
  config->version += "+test";
  Open(&*catalog, config);
  CompareAll();
}

}  // namespace
}  // namespace iisc
