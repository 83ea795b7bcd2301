// The engine with its intent model: needs that name no service, hedging
// between close types, the clarifying question, specialists before
// generalists, and a corpus the bureau grows and retrains from.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = IISC_SOURCE_DIR;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("iisc-intent-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::shared_ptr<const Taxonomy> LoadTaxonomy() {
  auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
  EXPECT_TRUE(tax.ok()) << tax.status().ToString();
  return std::make_shared<const Taxonomy>(std::move(*tax));
}

RecommenderOptions Options(const std::string& corpus_dir) {
  RecommenderOptions o;
  o.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
  o.vocabulary_dir = kRoot + "/configs/vocabulary";
  o.intent_corpus_dir = corpus_dir;
  return o;
}

class IntentUnderstandingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    taxonomy_ = LoadTaxonomy();
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(scoring.ok()) << scoring.status().ToString();
    scoring_ = *scoring;
    auto engine = Recommender::Open(NewMemoryStore(), taxonomy_, scoring_, Options(kRoot + "/configs/intent"));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  static RecommendResponse Ask(const std::string& description, std::vector<std::string> types = {},
                               std::string field = {}) {
    RecommendRequest req;
    req.need.description = description;
    req.need.service_types = std::move(types);
    req.need.field = std::move(field);
    req.k = 10;
    auto resp = engine_->Recommend(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? std::move(*resp) : RecommendResponse{};
  }
  static std::vector<std::string> TopTypes(const RecommendResponse& r, size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < r.results.size() && i < n; ++i) out.push_back(r.results[i].capability->type);
    return out;
  }
  static bool IsGeneral(const Recommendation& r) { return r.capability->fields.size() >= 6; }

  static inline std::shared_ptr<const Taxonomy> taxonomy_;
  static inline std::shared_ptr<const ScoringConfig> scoring_;
  static inline Recommender* engine_ = nullptr;
};

TEST_F(IntentUnderstandingTest, AProblemThatNamesNoServiceGetsTheServiceItImplies) {
  const RecommendResponse r = Ask("新出的镜架款被人抄了咋办");
  ASSERT_FALSE(r.understanding.service_types.empty());
  EXPECT_EQ(r.understanding.service_types[0].id, "ipr");
  EXPECT_TRUE(r.understanding.service_types_inferred);
  EXPECT_EQ(r.understanding.field.id, "eyewear");
  EXPECT_EQ(TopTypes(r, 1), std::vector<std::string>{"ipr"});
  // ... and says why, in the need's own words.
  ASSERT_FALSE(r.understanding.service_types[0].evidence.empty());
  for (const std::string& phrase : r.understanding.service_types[0].evidence) {
    EXPECT_NE(std::string("新出的镜架款被人抄了咋办").find(phrase), std::string::npos) << phrase;
  }
  EXPECT_EQ(r.understanding.language, "zh");
  EXPECT_NE(r.model_version.find("+intent-"), std::string::npos) << r.model_version;
}

TEST_F(IntentUnderstandingTest, TheRequestAtTheEndOfAStoryDecides) {
  const RecommendResponse r = Ask(
      "我们在永嘉做阀门二十年了，检测报告和认证都齐全，去年还参加了好几个展会，"
      "客户反应都不错。今年订单翻了一倍，老厂房根本做不过来。想扩建一条新的生产线，"
      "可是手头的钱远远不够，银行那边也没什么门路。");
  ASSERT_FALSE(r.understanding.service_types.empty());
  EXPECT_EQ(r.understanding.service_types[0].id, "financing");
  EXPECT_EQ(TopTypes(r, 1), std::vector<std::string>{"financing"});
}

// A need that could be R&D or design to a reader, and is to the model too
// (about 0.51 against 0.46; the bare "产品想改一改" is read as R&D 0.62
// against design 0.30 since the corpus's design examples speak of the look).
TEST_F(IntentUnderstandingTest, CloseTypesAreHedgedAndAsked) {
  const RecommendResponse r = Ask("产品想改一改，找谁");
  ASSERT_GE(r.understanding.clarify_between.size(), 2u);
  ASSERT_GE(r.understanding.hedged_types.size(), 2u);
  // The best service of each hedged type is in the top 5.
  const std::vector<std::string> top5 = TopTypes(r, 5);
  for (const std::string& t : r.understanding.hedged_types) {
    EXPECT_NE(std::find(top5.begin(), top5.end(), t), top5.end()) << t;
  }
  // The SME's answer re-ranks: services of the chosen type first, no question.
  const std::string chosen = r.understanding.clarify_between[1];
  const RecommendResponse answered = Ask("产品想改一改，找谁", {chosen});
  EXPECT_TRUE(answered.understanding.clarify_between.empty());
  EXPECT_FALSE(answered.understanding.service_types_inferred);
  for (const std::string& t : TopTypes(answered, 3)) EXPECT_EQ(t, chosen);
}

TEST_F(IntentUnderstandingTest, SeparateRequestsAreNotAQuestion) {
  const RecommendResponse r = Ask("新招的工人不会用新机器，另外资金也周转不过来");
  EXPECT_TRUE(r.understanding.clarify_between.empty());
  const std::vector<std::string> top5 = TopTypes(r, 5);
  EXPECT_NE(std::find(top5.begin(), top5.end(), "training"), top5.end());
  EXPECT_NE(std::find(top5.begin(), top5.end(), "financing"), top5.end());
}

TEST_F(IntentUnderstandingTest, EveryTypeTheSmeGivesIsInTheTopFive) {
  const RecommendResponse r = Ask("电气企业", {"testing", "training", "financing"}, "electrical");
  const std::vector<std::string> top5 = TopTypes(r, 5);
  for (const char* t : {"testing", "training", "financing"}) {
    EXPECT_NE(std::find(top5.begin(), top5.end(), t), top5.end()) << t;
  }
  // Sorted by score all the same.
  for (size_t i = 1; i < r.results.size(); ++i) EXPECT_LE(r.results[i].score, r.results[i - 1].score);
}

TEST_F(IntentUnderstandingTest, SpecialistsComeBeforeGeneralists) {
  for (const auto& [description, field, type] :
       {std::tuple{"断路器要做型式试验", "electrical", "testing"}, std::tuple{"鞋底防滑检测", "footwear", "testing"},
        std::tuple{"想找人设计新的眼镜款式", "eyewear", "design"}}) {
    const RecommendResponse r = Ask(description, {type}, field);
    ASSERT_FALSE(r.results.empty());
    EXPECT_FALSE(IsGeneral(r.results[0])) << description << ": " << r.results[0].capability->id;
    // A second general in the top 5 only once no fitting specialist is left.
    int generals = 0;
    for (size_t i = 0; i < r.results.size() && i < 5; ++i) generals += IsGeneral(r.results[i]);
    if (generals > scoring_->max_general_in_top5) {
      for (size_t i = 5; i < r.results.size(); ++i) {
        const Capability& c = *r.results[i].capability;
        const bool fitting = !IsGeneral(r.results[i]) && c.type == type &&
                             std::find(c.fields.begin(), c.fields.end(), field) != c.fields.end();
        EXPECT_FALSE(fitting) << description << ": " << c.id << " waits behind " << generals << " generals";
      }
    }
  }
}

TEST_F(IntentUnderstandingTest, EnglishNeedsAreAnsweredInEnglish) {
  const RecommendResponse r = Ask("we want make our product better");
  EXPECT_EQ(r.understanding.language, "en");
}

// The bureau grows the corpus: examples of a phrasing the model has never
// seen, a retrain, and needs in that phrasing are understood. The model is
// stored with the catalog and reused when nothing changed.
TEST(IntentRetrainTest, NewExamplesOfAPhrasingChangeWhatItMeans) {
  TempDir corpus, data;
  for (const auto& entry : fs::directory_iterator(kRoot + "/configs/intent")) {
    if (entry.path().extension() == ".jsonl") fs::copy_file(entry.path(), fs::path(corpus.path()) / entry.path().filename());
  }
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy);
  ASSERT_TRUE(scoring.ok());
  const std::string need = "厂里想办个飞鸽证，找谁弄";
  const auto understood = [&](Recommender& engine) {
    RecommendRequest req;
    req.need.description = need;
    auto r = engine.Recommend(req);
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->understanding.service_types.empty() ? r->understanding.service_types[0].id : std::string();
  };

  std::string before;
  {
    auto store = OpenRocksStore(data.path(), StoreOptions{});
    ASSERT_TRUE(store.ok());
    auto engine = Recommender::Open(std::move(*store), taxonomy, *scoring, Options(corpus.path()));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    before = understood(**engine);
    ASSERT_NE(before, "incubation");

    // Unchanged corpus: the stored model, not a new fit.
    auto same = (*engine)->RetrainIntentModel();
    ASSERT_TRUE(same.ok()) << same.status().ToString();
    EXPECT_FALSE(same->trained_now);

    std::ofstream extra(fs::path(corpus.path()) / "90-bureau.jsonl");
    extra << "# added by the bureau\n";
    for (const char* text : {"想办个飞鸽证", "飞鸽证怎么办下来", "我们要申请飞鸽证", "飞鸽证找谁", "办飞鸽证",
                             "刚开的小公司想办飞鸽证", "飞鸽证有人帮忙吗", "where to get feige certificate",
                             "feige certificate for our start-up", "飞鸽证的事情谁管", "年轻人创业办飞鸽证",
                             "飞鸽证要多久"}) {
      extra << "{\"text\": \"" << text << "\", \"field\": \"digital_economy\", \"service_types\": [\"incubation\"]}\n";
    }
    extra.close();
    auto retrained = (*engine)->RetrainIntentModel();
    ASSERT_TRUE(retrained.ok()) << retrained.status().ToString();
    EXPECT_TRUE(retrained->trained_now);
    EXPECT_EQ(understood(**engine), "incubation");

    // A broken corpus file is refused and the model in use keeps serving.
    std::ofstream(fs::path(corpus.path()) / "91-broken.jsonl") << "{\"text\": \"x\"\n";
    auto refused = (*engine)->RetrainIntentModel();
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("91-broken.jsonl:1"), std::string::npos) << refused.status().message();
    EXPECT_EQ((*engine)->intent_model_info().version, retrained->version);
    fs::remove(fs::path(corpus.path()) / "91-broken.jsonl");
  }
  // A restart on the same data and corpus reuses the stored model.
  auto store = OpenRocksStore(data.path(), StoreOptions{});
  ASSERT_TRUE(store.ok());
  auto engine = Recommender::Open(std::move(*store), taxonomy, *scoring, Options(corpus.path()));
  ASSERT_TRUE(engine.ok());
  EXPECT_EQ(understood(**engine), "incubation");
  auto again = (*engine)->RetrainIntentModel();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->trained_now);
}

}  // namespace
}  // namespace iisc
