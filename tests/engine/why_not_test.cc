// Why-not against the ranking it explains: for a set of needs and every
// service of the demo catalog, the rank it reports is the service's place in
// a full recommendation (k = every service); services left out are so for
// the reason given; and each weight change it proposes does bring the
// service into the top k.
#include <gtest/gtest.h>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "engine/why_not.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class WhyNotTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(taxonomy.ok());
    auto shared = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *shared);
    ASSERT_TRUE(scoring.ok());
    RecommenderOptions options;
    options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    options.vocabulary_dir = kRoot + "/configs/vocabulary";
    options.intent_corpus_dir = kRoot + "/configs/intent";
    auto engine = Recommender::Open(NewMemoryStore(), shared, std::move(scoring).value(), options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value().release();
  }
  static void TearDownTestSuite() { delete engine_; }
  static Recommender* engine_;
};
Recommender* WhyNotTest::engine_ = nullptr;

std::vector<RecommendRequest> Needs() {
  std::vector<RecommendRequest> out;
  for (const char* d : {"我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测", "鞋厂想设计新款运动鞋的外观",
                        "眼镜架新款被人抄了", "need a loan to buy new machines", "想给员工做数控机床操作培训"}) {
    RecommendRequest r;
    r.need.description = d;
    r.k = 10;
    out.push_back(r);
  }
  out[1].need.county = "lucheng";
  out[3].filters.counties = {"ruian"};  // a filter leaves services out
  return out;
}

TEST_F(WhyNotTest, TheRankIsThePlaceInTheFullRankingForEveryService) {
  const auto snapshot = engine_->Snapshot();
  std::vector<const Capability*> all;
  for (const Complex* c : engine_->ListComplexes(*snapshot)) {
    for (const Capability& cap : c->services) all.push_back(&cap);
  }
  ASSERT_EQ(all.size(), 177u);
  auto state = engine_->RankingStateFor(nullptr);
  for (const RecommendRequest& need : Needs()) {
    RecommendRequest full = need;
    full.k = static_cast<int>(all.size());
    auto ranked = engine_->RecommendIn(*state, full);
    ASSERT_TRUE(ranked.ok());
    std::map<std::string, int> place;
    for (const Recommendation& r : ranked->results) place[r.capability->id] = r.rank;
    int absent = 0;
    for (const Capability* cap : all) {
      auto report = ExplainWhyNot(*engine_, {need, cap->id, "", /*search_weight_changes=*/false});
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      auto it = place.find(cap->id);
      if (it == place.end()) {
        ++absent;
        EXPECT_EQ(report->rank, 0) << cap->id;
        ASSERT_FALSE(report->reasons.empty()) << cap->id;
      } else {
        EXPECT_EQ(report->rank, it->second) << need.need.description << " " << cap->id;
        EXPECT_EQ(report->in_top_k, it->second <= need.k);
      }
    }
    if (!need.filters.counties.empty()) {
      EXPECT_GT(absent, 0) << "the county filter leaves services out";
    }
  }
}

TEST_F(WhyNotTest, EachProposedWeightChangeBringsTheServiceIntoTheTopK) {
  int checked = 0;
  for (const RecommendRequest& need : Needs()) {
    // The services just below the top k: those a complex asks about.
    RecommendRequest deeper = need;
    deeper.k = need.k + 6;
    auto ranked = engine_->RecommendIn(*engine_->RankingStateFor(nullptr), deeper);
    ASSERT_TRUE(ranked.ok());
    for (size_t i = static_cast<size_t>(need.k); i < ranked->results.size(); ++i) {
      const std::string id = ranked->results[i].capability->id;
      auto report = ExplainWhyNot(*engine_, {need, id, ""});
      ASSERT_TRUE(report.ok()) << id << " " << report.status().ToString();
      EXPECT_EQ(report->rank, static_cast<int>(i) + 1);
      for (const WeightChange& change : report->weight_changes) {
        auto config = std::make_shared<ScoringConfig>(*engine_->scoring_config());
        const std::string name = change.key.substr(change.key.rfind('.') + 1);
        for (int c = 0; c < kNumComponents; ++c) {
          if (name == ComponentName(static_cast<Component>(c))) config->weights[static_cast<size_t>(c)] = change.to;
        }
        auto again = engine_->RecommendIn(*engine_->RankingStateFor(config), need);
        ASSERT_TRUE(again.ok());
        bool inside = false;
        for (const Recommendation& r : again->results) inside = inside || r.capability->id == id;
        EXPECT_TRUE(inside) << id << " with " << change.key << " = " << change.to;
        EXPECT_LE(change.rank_after, need.k);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 0) << "no weight change proposed for any service just below the top k";
}

}  // namespace
}  // namespace iisc
