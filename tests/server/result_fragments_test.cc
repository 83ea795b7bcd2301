// The per-snapshot table of result fragments: answers copied from it are the
// bytes the writer produces without it, and a catalog write shows in the
// next answer.
#include <gtest/gtest.h>

#include <string>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "server/response_writer.h"
#include "server/result_fragments.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class ResultFragmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto taxonomy = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status().ToString();
    taxonomy_ = std::make_shared<const Taxonomy>(std::move(*taxonomy));
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(scoring.ok()) << scoring.status().ToString();
    RecommenderOptions o;
    o.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    o.vocabulary_dir = kRoot + "/configs/vocabulary";
    auto engine = Recommender::Open(NewMemoryStore(), taxonomy_, *scoring, o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  RecommendResponse Ask(const std::string& description) {
    RecommendRequest req;
    req.need.description = description;
    req.k = 10;
    auto response = engine_->Recommend(req);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return std::move(*response);
  }

  // The answer written without any table: every fragment built on the spot.
  std::string Uncached(const RecommendResponse& response) {
    RecommendResponse copy = response;
    copy.snapshot = nullptr;
    return RecommendationsJson(copy, *taxonomy_);
  }

  std::shared_ptr<const Taxonomy> taxonomy_;
  std::unique_ptr<Recommender> engine_;
};

TEST_F(ResultFragmentsTest, CopiedFragmentsAreTheWrittenBytes) {
  for (const std::string need :
       {"我们是柳市做小型断路器的，想做温升和寿命试验", "need UL certification for our chargers",
        "做滑梯的，想找中东的采购商，再去参加个博览会", "\"quoted\" \\ text\twith\ncontrols"}) {
    const RecommendResponse response = Ask(need);
    ASSERT_NE(response.snapshot, nullptr);
    const std::string expected = Uncached(response);
    EXPECT_EQ(RecommendationsJson(response, *taxonomy_), expected) << need;  // builds fragments
    EXPECT_EQ(RecommendationsJson(response, *taxonomy_), expected) << need;  // copies them
    auto table = FragmentTableFor(response.snapshot, *taxonomy_);
    ASSERT_NE(table, nullptr);
    EXPECT_GE(table->size(), response.results.size() > 0 ? size_t{1} : size_t{0});
  }
}

TEST_F(ResultFragmentsTest, OneTablePerSnapshot) {
  const RecommendResponse a = Ask("想做EMC检测");
  const RecommendResponse b = Ask("need a patent lawyer");
  ASSERT_EQ(a.snapshot, b.snapshot);
  EXPECT_EQ(FragmentTableFor(a.snapshot, *taxonomy_), FragmentTableFor(b.snapshot, *taxonomy_));
  EXPECT_EQ(FragmentTableFor(nullptr, *taxonomy_), nullptr);
}

TEST_F(ResultFragmentsTest, CatalogWriteShowsInTheNextAnswer) {
  const std::string need = "我们是柳市做小型断路器的，想做温升和寿命试验";
  const RecommendResponse before = Ask(need);
  ASSERT_FALSE(before.results.empty());
  const std::string before_json = RecommendationsJson(before, *taxonomy_);  // fills the table
  const Complex* top = before.results[0].complex;
  ASSERT_NE(top, nullptr);

  Complex changed = *top;
  changed.name.zh += "（新名称）";
  changed.name.en = "Renamed \"complex\"";
  for (Capability& cap : changed.services) cap.institution.zh += "（改）";
  ASSERT_TRUE(engine_->PutComplex(changed).ok());

  const RecommendResponse after = Ask(need);
  ASSERT_NE(after.snapshot, before.snapshot);
  const std::string after_json = RecommendationsJson(after, *taxonomy_);
  EXPECT_EQ(after_json, Uncached(after));
  bool found = false;
  for (const Recommendation& r : after.results) found = found || r.complex->id == changed.id;
  ASSERT_TRUE(found) << "the renamed complex left the top 10";
  EXPECT_NE(after_json.find("（新名称）"), std::string::npos);
  EXPECT_NE(after_json.find("Renamed \\\"complex\\\""), std::string::npos);
  EXPECT_NE(after_json.find("（改）"), std::string::npos);
  EXPECT_EQ(before_json.find("（新名称）"), std::string::npos);
  // The answer ranked on the old snapshot still writes the old text.
  EXPECT_EQ(RecommendationsJson(before, *taxonomy_), before_json);
}

}  // namespace
}  // namespace iisc
