#include "engine/recommender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <set>

#include "engine/scoring_config.h"
#include "forwarding_store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

std::shared_ptr<const Taxonomy> LoadTaxonomy() {
  auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
  EXPECT_TRUE(tax.ok()) << tax.status().ToString();
  return std::make_shared<const Taxonomy>(std::move(*tax));
}

std::shared_ptr<const ScoringConfig> LoadScoring(const Taxonomy& tax) {
  auto cfg = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", tax);
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  return *cfg;
}

RecommenderOptions DemoOptions() {
  RecommenderOptions o;
  o.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
  o.vocabulary_dir = kRoot + "/configs/vocabulary";
  o.intent_corpus_dir = kRoot + "/configs/intent";
  return o;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("iisc-recommender-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

class RecommenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    taxonomy_ = LoadTaxonomy();
    scoring_ = LoadScoring(*taxonomy_);
    auto engine = Recommender::Open(NewMemoryStore(), taxonomy_, scoring_, DemoOptions());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  RecommendResponse Ask(const std::string& description, int k = 10) {
    RecommendRequest req;
    req.need.description = description;
    req.k = k;
    auto resp = engine_->Recommend(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : RecommendResponse{};
  }

  static int RankOf(const RecommendResponse& resp, const std::string& capability_id) {
    for (const Recommendation& r : resp.results)
      if (r.capability->id == capability_id) return r.rank;
    return 0;
  }

  std::shared_ptr<const Taxonomy> taxonomy_;
  std::shared_ptr<const ScoringConfig> scoring_;
  std::unique_ptr<Recommender> engine_;
};

TEST_F(RecommenderTest, SeedsTheDemoCatalogIntoAnEmptyStore) {
  auto snap = engine_->Snapshot();
  EXPECT_EQ(engine_->ListComplexes(*snap).size(), 36u);
  const Complex* c = engine_->FindComplex(*snap, "iisc-yueqing-electrical");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->services.size(), 7u);
  EXPECT_EQ(engine_->FindComplex(*snap, "no-such-complex"), nullptr);
}

TEST_F(RecommenderTest, RanksResultsWithExplanations) {
  RecommendResponse resp = Ask("鞋底防滑检测", 5);
  ASSERT_FALSE(resp.results.empty());
  EXPECT_LE(resp.results.size(), 5u);
  EXPECT_EQ(resp.config_version, scoring_->version);
  for (size_t i = 0; i < resp.results.size(); ++i) {
    const Recommendation& r = resp.results[i];
    EXPECT_EQ(r.rank, static_cast<int>(i + 1));
    if (i > 0) {
      EXPECT_LE(r.score, resp.results[i - 1].score);
    }
    for (double c : r.components) {
      EXPECT_GE(c, 0.0);
      EXPECT_LE(c, 1.0);
    }
  }
  const Capability* top = resp.results[0].capability;
  EXPECT_EQ(top->type, "testing");
  EXPECT_NE(std::find(top->fields.begin(), top->fields.end(), "footwear"), top->fields.end());
  // Nothing was given but the text: field and type are inferred and reported.
  EXPECT_EQ(resp.understanding.field.id, "footwear");
  EXPECT_TRUE(resp.understanding.field_inferred);
  ASSERT_FALSE(resp.understanding.service_types.empty());
  EXPECT_EQ(resp.understanding.service_types[0].id, "testing");
}

TEST_F(RecommenderTest, EnglishAndChineseNeedsFindTheSameService) {
  // The EMC / CE / UL export testing station of the Yueqing electrical complex.
  const std::string target = "iisc-yueqing-electrical/testing-2";
  RecommendResponse zh = Ask("我们的断路器要出口欧洲，需要做电磁兼容和CE认证");
  RecommendResponse en = Ask("our circuit breakers go to Europe and need electromagnetic compatibility tests and CE marking");
  int zh_rank = RankOf(zh, target), en_rank = RankOf(en, target);
  EXPECT_GE(zh_rank, 1);
  EXPECT_LE(zh_rank, 3);
  EXPECT_GE(en_rank, 1);
  EXPECT_LE(en_rank, 3);
}

TEST_F(RecommenderTest, TheHelpAskedForOutweighsItsSetting) {
  // "出口欧盟" is where the valves go; the need asks for testing. The pump and
  // valve complex's export service matches the text as well as its lab does.
  RecommendResponse resp = Ask("阀门出口欧盟，要做检测");
  ASSERT_FALSE(resp.understanding.service_types.empty());
  EXPECT_EQ(resp.understanding.service_types[0].id, "testing");
  ASSERT_FALSE(resp.results.empty());
  EXPECT_EQ(resp.results[0].capability->type, "testing");
  EXPECT_EQ(resp.understanding.field.id, "pumps_valves");
}

TEST_F(RecommenderTest, EachSeparateRequestGetsItsServicesNearTheTop) {
  RecommendResponse resp = Ask("做阀门的，想参加展会，另外还想申请贷款", 5);
  std::set<std::string> inferred;
  for (const InferredLabel& t : resp.understanding.service_types) inferred.insert(t.id);
  EXPECT_TRUE(inferred.count("exhibition")) << "exhibition not inferred";
  EXPECT_TRUE(inferred.count("financing")) << "financing not inferred";
  std::set<std::string> top5;
  for (const Recommendation& r : resp.results) top5.insert(r.capability->type);
  EXPECT_TRUE(top5.count("exhibition"));
  EXPECT_TRUE(top5.count("financing"));
}

TEST_F(RecommenderTest, ANeedOfSeveralKindsGetsABundleOfTheBestOfEach) {
  RecommendRequest req;
  req.need.description = "眼镜厂想做新款镜框的外观设计，还要申请外观专利，再找一笔贷款";
  req.need.service_types = {"design", "ipr", "financing"};
  req.k = 1;  // two of the three types lie beyond the list
  auto resp = engine_->Recommend(req);
  ASSERT_TRUE(resp.ok());
  ASSERT_EQ(resp->bundle.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(resp->bundle[i].capability->type, req.need.service_types[i]) << i;
    // The best of its type: the same as a ranking asked for that type alone.
    RecommendRequest alone = req;
    alone.filters.service_types = {req.need.service_types[i]};
    auto best = engine_->Recommend(alone);
    ASSERT_TRUE(best.ok());
    EXPECT_EQ(resp->bundle[i].capability->id, best->results[0].capability->id) << i;
  }
  EXPECT_EQ(resp->bundle[0].rank, resp->results[0].capability->type == "design" ? 1 : 0);

  // A need of one kind gets none, nor one unclear between kinds.
  RecommendRequest single;
  single.need.description = "想申请一项发明专利";
  auto one = engine_->Recommend(single);
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->bundle.empty());
  // Several requests in one text, inferred: a bundle of the kinds asked for.
  RecommendResponse several = Ask("做阀门的，想参加展会，另外还想申请贷款", 5);
  std::set<std::string> bundled;
  for (const Recommendation& r : several.bundle) bundled.insert(r.capability->type);
  EXPECT_EQ(bundled, (std::set<std::string>{"exhibition", "financing"}));
}

TEST_F(RecommenderTest, GivenFieldAndTypesAreUsedAsIs) {
  RecommendRequest req;
  req.need.description = "想找人帮忙";
  req.need.field = "eyewear";
  req.need.service_types = {"exhibition"};
  auto resp = engine_->Recommend(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE(resp->understanding.field_inferred);
  EXPECT_EQ(resp->understanding.field.id, "eyewear");
  ASSERT_FALSE(resp->results.empty());
  EXPECT_EQ(resp->results[0].capability->type, "exhibition");
  EXPECT_EQ(resp->results[0].components[kService], 1.0);
}

TEST_F(RecommenderTest, HardFiltersRestrictResults) {
  RecommendRequest req;
  req.need.description = "检测";
  req.k = 100;
  req.filters.counties = {"ruian"};
  req.filters.service_types = {"testing"};
  auto resp = engine_->Recommend(req);
  ASSERT_TRUE(resp.ok());
  ASSERT_FALSE(resp->results.empty());
  for (const Recommendation& r : resp->results) {
    EXPECT_EQ(r.complex->county, "ruian");
    EXPECT_EQ(r.capability->type, "testing");
  }
  req.filters.counties = {"atlantis"};
  auto bad = engine_->Recommend(req);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "filters.counties[0]");
}

TEST_F(RecommenderTest, AtMostNResultsPerComplex) {
  RecommendResponse resp = Ask("电气 检测 研发 设计 标准 培训 融资 展会", 20);
  std::map<std::string, int> per_complex;
  for (const Recommendation& r : resp.results) ++per_complex[r.complex->id];
  for (const auto& [id, n] : per_complex) EXPECT_LE(n, scoring_->max_results_per_complex) << id;
}

TEST_F(RecommenderTest, KOutOfRangeIsRejected) {
  RecommendRequest req;
  req.need.description = "检测";
  req.k = 0;
  EXPECT_EQ(engine_->Recommend(req).status().code(), StatusCode::kInvalidArgument);
  req.k = 101;
  EXPECT_EQ(engine_->Recommend(req).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RecommenderTest, ScoringConfigSwapChangesVersionAndRanking) {
  RecommendResponse before = Ask("检测", 5);
  auto changed = std::make_shared<ScoringConfig>(*scoring_);
  changed->weights = {};
  changed->weights[kQuality] = 1;  // rank by rating alone
  changed->version = "test@quality-only";
  engine_->SetScoringConfig(changed);
  RecommendResponse after = Ask("检测", 5);
  EXPECT_EQ(after.config_version, "test@quality-only");
  ASSERT_FALSE(after.results.empty());
  double best_rating = 0;
  for (const Complex* c : engine_->ListComplexes(*engine_->Snapshot()))
    for (const Capability& cap : c->services) best_rating = std::max(best_rating, cap.rating);
  EXPECT_EQ(after.results[0].capability->rating, best_rating);
}

TEST_F(RecommenderTest, CatalogWritesAreVisibleToTheNextRequest) {
  Complex c;
  c.id = "iisc-test-ceramics";
  c.name = {"测试陶瓷综合体", "Test Ceramics Complex"};
  c.county = "taishun";
  c.level = "county";
  c.fields = {"crafts_gifts"};
  Capability cap;
  cap.id = "iisc-test-ceramics/testing-1";
  cap.type = "testing";
  cap.institution = {"泰顺陶瓷釉料检测站", "Taishun Ceramic Glaze Lab"};
  cap.fields = {"crafts_gifts"};
  cap.description = {"陶瓷釉料铅镉溶出检测", "Lead and cadmium release tests of ceramic glazes"};
  cap.capacity_per_month = 10;
  cap.rating = 4.0;
  cap.price_level = "subsidized";
  c.services = {cap};
  ASSERT_TRUE(engine_->PutComplex(c).ok());
  RecommendResponse resp = Ask("陶瓷釉料铅镉溶出", 3);
  ASSERT_FALSE(resp.results.empty());
  EXPECT_EQ(resp.results[0].capability->id, "iisc-test-ceramics/testing-1");
  ASSERT_TRUE(engine_->DeleteComplex("iisc-test-ceramics").ok());
  EXPECT_EQ(RankOf(Ask("陶瓷釉料铅镉溶出", 100), "iisc-test-ceramics/testing-1"), 0);
  EXPECT_EQ(engine_->DeleteComplex("iisc-test-ceramics").code(), StatusCode::kNotFound);
}

Complex CeramicsComplex(const std::string& id) {
  Complex c;
  c.id = id;
  c.name = {"测试陶瓷综合体", "Test Ceramics Complex"};
  c.county = "taishun";
  c.level = "county";
  c.fields = {"crafts_gifts"};
  Capability cap;
  cap.id = id + "/testing-1";
  cap.type = "testing";
  cap.institution = {"泰顺陶瓷釉料检测站", "Taishun Ceramic Glaze Lab"};
  cap.fields = {"crafts_gifts"};
  cap.description = {"陶瓷釉料铅镉溶出检测", "Lead and cadmium release tests of ceramic glazes"};
  cap.capacity_per_month = 10;
  cap.rating = 4.0;
  cap.price_level = "subsidized";
  c.services = {cap};
  return c;
}

TEST_F(RecommenderTest, ImportMergesIntoTheCatalogAndCountsWhatChanged) {
  const size_t before = engine_->ListComplexes(*engine_->Snapshot()).size();
  const auto snapshot = engine_->Snapshot();
  const Complex existing = *engine_->ListComplexes(*snapshot).at(0);
  auto imported = engine_->ImportCatalog({CeramicsComplex("iisc-test-a"), existing}, false);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->added, 1);
  EXPECT_EQ(imported->replaced, 1);
  EXPECT_EQ(imported->removed, 0);
  EXPECT_EQ(imported->total, static_cast<int64_t>(before + 1));
  RecommendResponse resp = Ask("陶瓷釉料铅镉溶出", 3);
  ASSERT_FALSE(resp.results.empty());
  EXPECT_EQ(resp.results[0].capability->id, "iisc-test-a/testing-1");
}

TEST_F(RecommenderTest, ImportWithReplaceAllBecomesTheWholeCatalog) {
  auto imported = engine_->ImportCatalog(
      {CeramicsComplex("iisc-test-a"), CeramicsComplex("iisc-test-b")}, true);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->added, 2);
  EXPECT_GT(imported->removed, 10);
  EXPECT_EQ(imported->total, 2);
  const auto snapshot = engine_->Snapshot();
  ASSERT_EQ(engine_->ListComplexes(*snapshot).size(), 2u);
  for (const Recommendation& r : Ask("检测", 10).results) {
    EXPECT_TRUE(r.complex->id == "iisc-test-a" || r.complex->id == "iisc-test-b") << r.complex->id;
  }
}

TEST_F(RecommenderTest, ImportListingAComplexTwiceChangesNothing) {
  const size_t before = engine_->ListComplexes(*engine_->Snapshot()).size();
  auto imported = engine_->ImportCatalog(
      {CeramicsComplex("iisc-test-a"), CeramicsComplex("iisc-test-a")}, true);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->ListComplexes(*engine_->Snapshot()).size(), before);
}

// A stored need's matches (for the feeds and the planner) are its ranking
// stored_matches deep, ranked on the features of its answer: the same
// services and scores as asking for that many.
TEST(RecommenderDurabilityTest, StoredMatchesAreTheNeedRankedThatDeep) {
  TempDir dir;
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoring(*taxonomy);
  RecommenderOptions options = DemoOptions();
  options.stored_matches = 30;
  // Several wanted types and a generalist-prone need: the top-5 rules apply.
  const std::vector<std::string> descriptions = {"眼镜架外观设计", "新产品要检测，还想申请专利，再贷一笔款",
                                                 "we need a test report for our valves and a booth at a fair"};
  std::vector<std::string> ids;
  std::vector<std::vector<std::pair<std::string, double>>> expected;
  {
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    for (const std::string& description : descriptions) {
      RecommendRequest deep;
      deep.need.description = description;
      deep.k = options.stored_matches;
      auto ranked = (*engine)->Recommend(deep);
      ASSERT_TRUE(ranked.ok()) << ranked.status().ToString();
      std::vector<std::pair<std::string, double>> want;
      for (const Recommendation& r : ranked->results) want.emplace_back(r.capability->id, r.score);
      expected.push_back(std::move(want));
      Need need;
      need.description = description;
      std::promise<Result<SubmittedNeed>> done;
      (*engine)->SubmitNeed(need, [&](Result<SubmittedNeed> r) { done.set_value(std::move(r)); });
      auto submitted = done.get_future().get();
      ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
      ids.push_back(submitted->id);
    }
  }
  auto store = OpenRocksStore(dir.path(), StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (size_t i = 0; i < ids.size(); ++i) {
    auto stored = (*store)->GetNeed(ids[i]);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    ASSERT_EQ(stored->matches.size(), expected[i].size()) << descriptions[i];
    ASSERT_GT(stored->matches.size(), 10u);
    for (size_t j = 0; j < expected[i].size(); ++j) {
      EXPECT_EQ(stored->matches[j].capability_id, expected[i][j].first) << descriptions[i] << " #" << j;
      EXPECT_DOUBLE_EQ(stored->matches[j].score, expected[i][j].second) << descriptions[i] << " #" << j;
    }
  }
}

TEST(RecommenderDurabilityTest, SubmittedNeedSurvivesReopen) {
  TempDir dir;
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoring(*taxonomy);
  std::string id, token;
  {
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, DemoOptions());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    Need need;
    need.description = "眼镜架外观设计";
    need.county = "ouhai";
    std::promise<Result<SubmittedNeed>> done;
    (*engine)->SubmitNeed(need, [&](Result<SubmittedNeed> r) { done.set_value(std::move(r)); });
    auto submitted = done.get_future().get();
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
    id = submitted->id;
    token = submitted->access_token;
    EXPECT_GE(token.size(), 32u);
    EXPECT_FALSE(submitted->recommendations.results.empty());
  }
  {
    // The need's dense vector is stored beside it, with the model version.
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto vector = (*store)->GetFeatures("need/" + id);
    ASSERT_TRUE(vector.ok()) << vector.status().ToString();
    ASSERT_TRUE(vector->has_value());
    EXPECT_FALSE((*vector)->model_version.empty());
    EXPECT_FALSE((*vector)->values.empty());
    auto model = (*store)->GetMeta("model_version");
    ASSERT_TRUE(model.ok() && model->has_value());
    EXPECT_EQ((*vector)->model_version, **model);
  }
  auto store = OpenRocksStore(dir.path(), StoreOptions{});
  ASSERT_TRUE(store.ok());
  auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, DemoOptions());
  ASSERT_TRUE(engine.ok());
  auto stored = (*engine)->GetNeed(id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->need.description, "眼镜架外观设计");
  EXPECT_EQ(stored->need.county, "ouhai");
  EXPECT_FALSE(stored->recommended_capability_ids.empty());
  // No field given: the one the engine understood is kept, with its confidence.
  EXPECT_EQ(stored->inferred_field, "eyewear");
  EXPECT_GT(stored->inferred_field_confidence, 0.35);
  EXPECT_LE(stored->inferred_field_confidence, 1.0);
  EXPECT_TRUE((*engine)->GetNeedWithToken(id, token).ok());
  EXPECT_EQ((*engine)->GetNeedWithToken(id, token.substr(1) + "0").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ((*engine)->GetNeedWithToken(id, "").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*engine)->GetNeedWithToken("need-unknown", token).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ((*engine)->GetNeed("need-unknown").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*engine)->Demand().total_needs, 1);
}

// Counts the scans of the stored needs.
class NeedScanCountingStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Status ScanNeeds(const std::function<Status(const StoredNeed&)>& visit) const override {
    ++scans;
    return ForwardingStore::ScanNeeds(visit);
  }
  mutable std::atomic<int> scans{0};
};

// The capacity component counts the needs routed to a service in the
// calendar month (UTC) of now; at the month's end the count starts again, in
// the running engine as after a restart.
TEST(RecommenderDemandTest, CapacityCountsTheNeedsOfTheCurrentMonthOnly) {
  constexpr int64_t kJanuary31At2330 = 1706743800000;  // 2024-01-31T23:30:00Z
  constexpr int64_t kFebruary1 = 1706745600000;        // 2024-02-01T00:00:00Z
  const std::string kService = "iisc-test-ceramics/testing-1";  // capacity 10 a month
  const std::string kNeed = "陶瓷釉料铅镉溶出检测";
  TempDir dir;
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoring(*taxonomy);
  auto now = std::make_shared<std::atomic<int64_t>>(kJanuary31At2330);
  RecommenderOptions options = DemoOptions();
  options.intent_corpus_dir.clear();  // not what this is about, and it costs a training
  options.now_unix_ms = [now] { return now->load(); };
  auto open = [&]() -> std::unique_ptr<Recommender> {
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  };
  // The service's capacity component in a ranking now; -1 when not ranked.
  auto capacity = [&](const Recommender& engine) {
    RecommendRequest req;
    req.need.description = kNeed;
    req.k = 10;
    auto resp = engine.Recommend(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    if (resp.ok()) {
      for (const Recommendation& r : resp->results) {
        if (r.capability->id == kService) return r.components[kCapacity];
      }
    }
    return -1.0;
  };
  auto submit = [&](Recommender& engine) {
    Need need;
    need.description = kNeed;
    std::promise<Result<SubmittedNeed>> done;
    engine.SubmitNeed(need, [&](Result<SubmittedNeed> r) { done.set_value(std::move(r)); });
    auto submitted = done.get_future().get();
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
    // Each need loads its top 3 services; the test needs this one among them.
    ASSERT_FALSE(submitted->recommendations.results.empty());
    EXPECT_EQ(submitted->recommendations.results[0].capability->id, kService);
  };

  std::unique_ptr<Recommender> engine = open();
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->PutComplex(CeramicsComplex("iisc-test-ceramics")).ok());
  EXPECT_DOUBLE_EQ(capacity(*engine), 1.0);
  for (int i = 0; i < 4; ++i) ASSERT_NO_FATAL_FAILURE(submit(*engine));
  EXPECT_NEAR(capacity(*engine), 0.6, 1e-12);

  // February: January's needs no longer load the service, before any
  // February need arrives.
  now->store(kFebruary1 + 1);
  EXPECT_DOUBLE_EQ(capacity(*engine), 1.0);
  ASSERT_NO_FATAL_FAILURE(submit(*engine));
  EXPECT_NEAR(capacity(*engine), 0.9, 1e-12);
  // A catalog write rebuilds the snapshot from the month's counts.
  ASSERT_TRUE(engine->PutComplex(CeramicsComplex("iisc-test-ceramics")).ok());
  EXPECT_NEAR(capacity(*engine), 0.9, 1e-12);
  // A restart in February counts the same from the stored needs, read once
  // for the demand and the workflow alike.
  engine.reset();
  auto store = OpenRocksStore(dir.path(), StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto counting = std::make_unique<NeedScanCountingStore>(std::move(*store));
  const std::atomic<int>& scans = counting->scans;
  auto reopened = Recommender::Open(std::move(counting), taxonomy, scoring, options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  engine = std::move(*reopened);
  EXPECT_EQ(scans.load(), 1);
  EXPECT_NEAR(capacity(*engine), 0.9, 1e-12);
  EXPECT_EQ(engine->Demand().total_needs, 5);
}

// A store whose catalog writes stop working after `budget` complexes, as if
// the process had been killed there: a batch that would cross the budget
// fails whole, as an unsynced RocksDB batch does when killed.
class DyingStore final : public testing::ForwardingStore {
 public:
  DyingStore(std::unique_ptr<Store> inner, int budget)
      : ForwardingStore(std::move(inner)), budget_(budget) {}
  Status PutComplex(const Complex& c) override {
    if (budget_-- <= 0) return Status::IOError("killed");
    return ForwardingStore::PutComplex(c);
  }
  Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                      const std::vector<std::pair<std::string, FeatureVector>>& features) override {
    budget_ -= static_cast<int>(put.size());
    if (budget_ < 0) return Status::IOError("killed");
    return ForwardingStore::WriteCatalog(put, remove, features);
  }

 private:
  int budget_;
};

// The first start writes the demo catalog; a kill in the middle must not
// leave a partial catalog that later starts take for the whole one.
TEST(RecommenderDurabilityTest, AnInterruptedSeedIsCompletedAtTheNextStart) {
  TempDir dir;
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoring(*taxonomy);
  {
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto engine = Recommender::Open(std::make_unique<DyingStore>(std::move(*store), 10), taxonomy,
                                    scoring, DemoOptions());
    ASSERT_FALSE(engine.ok());
  }
  auto store = OpenRocksStore(dir.path(), StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, DemoOptions());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->ListComplexes(*(*engine)->Snapshot()).size(), 36u);

  // A catalog the bureau changed after a complete seed is left as it is.
  ASSERT_TRUE((*engine)->DeleteComplex("iisc-yueqing-electrical").ok());
  engine->reset();
  auto reopened_store = OpenRocksStore(dir.path(), StoreOptions{});
  ASSERT_TRUE(reopened_store.ok());
  auto reopened = Recommender::Open(std::move(*reopened_store), taxonomy, scoring, DemoOptions());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->ListComplexes(*(*reopened)->Snapshot()).size(), 35u);
}

// A store that counts the writes reaching it and can lose power: after
// CutPowerAfter(n), the first n writes still go through and every later one
// fails, as if the machine went down right after the n-th synced write.
class PowerCutStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void CutPowerAfter(int writes) { budget_ = writes; }
  int writes() const { return writes_; }
  void ResetCount() { writes_ = 0; }

  Status PutComplex(const Complex& c) override {
    return Admit() ? ForwardingStore::PutComplex(c) : PowerIsOff();
  }
  Status DeleteComplex(std::string_view id) override {
    return Admit() ? ForwardingStore::DeleteComplex(id) : PowerIsOff();
  }
  Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                      const std::vector<std::pair<std::string, FeatureVector>>& features) override {
    return Admit() ? ForwardingStore::WriteCatalog(put, remove, features) : PowerIsOff();
  }
  Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>& batch) override {
    return Admit() ? ForwardingStore::PutFeatures(batch) : PowerIsOff();
  }
  Status Write(const DurableWrite& write) override {
    return Admit() ? ForwardingStore::Write(write) : PowerIsOff();
  }
  Status PutMeta(std::string_view key, std::string_view value) override {
    return Admit() ? ForwardingStore::PutMeta(key, value) : PowerIsOff();
  }

 private:
  bool Admit() {
    ++writes_;
    return budget_ < 0 || budget_-- > 0;
  }
  static Status PowerIsOff() { return Status::IOError("the power is off"); }

  std::atomic<int> writes_{0};
  std::atomic<int> budget_{-1};  // -1: the power stays on
};

// A store that counts the reads of stored needs.
class NeedReadCountingStore final : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  int reads() const { return reads_; }
  void ResetCount() { reads_ = 0; }
  Result<StoredNeed> GetNeed(std::string_view id) const override {
    ++reads_;
    return ForwardingStore::GetNeed(id);
  }

 private:
  mutable std::atomic<int> reads_{0};
};

TEST(RecommenderNeedTokenTest, ANeedIsReadWithItsTokenInOneStoreRead) {
  auto taxonomy = LoadTaxonomy();
  auto store = std::make_unique<NeedReadCountingStore>(NewMemoryStore());
  NeedReadCountingStore* counted = store.get();
  RecommenderOptions options = DemoOptions();
  options.intent_corpus_dir.clear();  // not what this is about; faster
  auto engine = Recommender::Open(std::move(store), taxonomy, LoadScoring(*taxonomy), options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto submit = [&](const std::string& description) {
    Need need;
    need.description = description;
    std::promise<Result<SubmittedNeed>> done;
    (*engine)->SubmitNeed(need, [&](Result<SubmittedNeed> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto mine = submit("眼镜架外观设计");
  auto other = submit("断路器CE认证检测");
  ASSERT_TRUE(mine.ok() && other.ok());

  counted->ResetCount();
  auto read = (*engine)->GetNeedWithToken(mine->id, mine->access_token);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(counted->reads(), 1);
  EXPECT_EQ(read->id, mine->id);
  EXPECT_EQ(read->need.description, "眼镜架外观设计");

  counted->ResetCount();
  EXPECT_EQ((*engine)->GetNeedWithToken(mine->id, other->access_token).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(counted->reads(), 1);
  EXPECT_EQ((*engine)->GetNeedWithToken(mine->id, "").status().code(),
            StatusCode::kPermissionDenied);
  // Unknown ids are not found whatever the token, so a token never tells
  // whether a need exists.
  EXPECT_EQ((*engine)->GetNeedWithToken("need-unknown", mine->access_token).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ((*engine)->GetNeedWithToken("need-unknown", "").status().code(), StatusCode::kNotFound);
}

// What the engine would store for a service's text: a restart reuses stored
// vectors as they are, so they must be those of the stored text.
struct StoredFeatures {
  std::string model_version;
  std::vector<float> values;
  std::vector<uint32_t> term_ids;
  std::vector<float> term_weights;
  bool operator==(const StoredFeatures&) const = default;
};
std::map<std::string, StoredFeatures> FeaturesOf(const Store& store, const Complex& complex) {
  std::map<std::string, StoredFeatures> out;
  for (const Capability& cap : complex.services) {
    auto f = store.GetFeatures(cap.id);
    EXPECT_TRUE(f.ok() && f->has_value()) << cap.id;
    if (f.ok() && f->has_value()) {
      out[cap.id] = {(*f)->model_version, (*f)->values, (*f)->term_ids, (*f)->term_weights};
    }
  }
  return out;
}

TEST(RecommenderDurabilityTest, EachCatalogWriteIsOneStoreWrite) {
  auto taxonomy = LoadTaxonomy();
  auto store = std::make_unique<PowerCutStore>(NewMemoryStore());
  PowerCutStore* counted = store.get();
  auto engine = Recommender::Open(std::move(store), taxonomy, LoadScoring(*taxonomy), DemoOptions());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  Complex changed = *(*engine)->ListComplexes(*(*engine)->Snapshot()).at(0);
  changed.services.at(0).description.zh += "（新）";

  counted->ResetCount();
  ASSERT_TRUE((*engine)->PutComplex(changed).ok());
  EXPECT_EQ(counted->writes(), 1) << "PUT of a complex";
  counted->ResetCount();
  ASSERT_TRUE((*engine)->ImportCatalog({CeramicsComplex("iisc-test-a"), CeramicsComplex("iisc-test-b")}, false).ok());
  EXPECT_EQ(counted->writes(), 1) << "import";
  counted->ResetCount();
  ASSERT_TRUE((*engine)->DeleteComplex("iisc-test-a").ok());
  EXPECT_EQ(counted->writes(), 1) << "DELETE of a complex";
  EXPECT_EQ((*engine)->DeleteComplex("iisc-test-a").code(), StatusCode::kNotFound);
}

// A catalog write stores the complex and its services' vectors together: a
// power cut anywhere in it leaves either the old text with the old vectors or
// the new text with the new ones, never the new text with the old vectors
// (which every later start would reuse, ranking the service by what it no
// longer says).
TEST(RecommenderDurabilityTest, APowerCutNeverLeavesAComplexWithAnotherTextsVectors) {
  auto taxonomy = LoadTaxonomy();
  auto scoring = LoadScoring(*taxonomy);
  RecommenderOptions options = DemoOptions();
  options.intent_corpus_dir.clear();  // not what this is about; faster
  for (int cut = 0; cut <= 2; ++cut) {
    SCOPED_TRACE("power cut after " + std::to_string(cut) + " writes");
    TempDir dir;
    Complex changed;
    {
      auto store = OpenRocksStore(dir.path(), StoreOptions{});
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      auto owned = std::make_unique<PowerCutStore>(std::move(*store));
      PowerCutStore* power = owned.get();
      auto engine = Recommender::Open(std::move(owned), taxonomy, scoring, options);
      ASSERT_TRUE(engine.ok()) << engine.status().ToString();
      changed = *(*engine)->FindComplex(*(*engine)->Snapshot(), "iisc-yueqing-electrical");
      for (Capability& cap : changed.services) {
        cap.description = {"陶瓷釉料铅镉溶出检测", "Lead and cadmium release tests of ceramic glazes"};
      }
      power->CutPowerAfter(cut);
      (void)(*engine)->PutComplex(changed);  // fails when the power goes first
    }
    // What the restart finds: a complex, and vectors that a fresh
    // featurization of its text reproduces.
    auto store = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto found = (*store)->GetComplex(changed.id);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    const auto after_cut = FeaturesOf(**store, *found);
    auto engine = Recommender::Open(std::move(*store), taxonomy, scoring, options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_TRUE((*engine)->PutComplex(*found).ok());  // featurizes the stored text anew
    engine->reset();
    auto reread = OpenRocksStore(dir.path(), StoreOptions{});
    ASSERT_TRUE(reread.ok()) << reread.status().ToString();
    EXPECT_TRUE(FeaturesOf(**reread, *found) == after_cut)
        << "the stored vectors are not those of the stored text \""
        << found->services.at(0).description.en << "\"";
  }
}

}  // namespace
}  // namespace iisc
