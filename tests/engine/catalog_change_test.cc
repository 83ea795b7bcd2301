// Catalog writes change the snapshot incrementally (new rows appended, old
// ones retired, postings and retired rows compacted now and then). Whatever
// the sequence of writes, the engine must rank exactly as a fresh start over
// the same store does: same services, same scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "engine/catalog_snapshot.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

const char* const kNeeds[] = {
    "鞋底防滑检测", "CE marking and EMC tests for our circuit breakers", "阀门密封件寿命试验",
    "我们想申请发明专利，怎么保护新设计的外观", "need a loan to buy new machines",
    "眼镜框设计，想找人做新款式", "陶瓷釉料铅镉溶出", "how to take our pumps to a trade fair abroad",
    "员工数控培训", "买一项现成的技术，不想自己研发", "汽摩配件材料疲劳测试", "服装面料色牢度",
};

struct Ranked {
  std::string id;
  double score;
  bool operator==(const Ranked&) const = default;
};

std::vector<std::vector<Ranked>> RankAll(const Recommender& engine) {
  std::vector<std::vector<Ranked>> out;
  for (const char* need : kNeeds) {
    RecommendRequest req;
    req.need.description = need;
    req.k = 30;
    auto resp = engine.Recommend(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    std::vector<Ranked> list;
    if (resp.ok()) {
      for (const Recommendation& r : resp->results) list.push_back({r.capability->id, r.score});
    }
    // Equal scores may come in another order: rows are numbered differently.
    std::sort(list.begin(), list.end(),
              [](const Ranked& a, const Ranked& b) { return a.score != b.score ? a.score > b.score : a.id < b.id; });
    out.push_back(std::move(list));
  }
  return out;
}

// The score of one service in the need's ranking 100 deep, or -1.
double ScoreOf(const Recommender& engine, const char* need, const std::string& id) {
  RecommendRequest req;
  req.need.description = need;
  req.k = 100;
  auto resp = engine.Recommend(req);
  EXPECT_TRUE(resp.ok()) << resp.status().ToString();
  if (resp.ok()) {
    for (const Recommendation& r : resp->results) {
      if (r.capability->id == id) return r.score;
    }
  }
  return -1;
}

class CatalogChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("iisc-catalog-change-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok());
    taxonomy_ = std::make_shared<const Taxonomy>(std::move(*tax));
    auto cfg = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(cfg.ok());
    scoring_ = *cfg;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Recommender> Open() {
    auto store = OpenRocksStore(dir_.string(), StoreOptions{});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    RecommenderOptions o;
    o.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    o.vocabulary_dir = kRoot + "/configs/vocabulary";
    o.intent_corpus_dir = kRoot + "/configs/intent";
    // Small, so that a few dozen writes merge postings and compact rows.
    o.compaction.min_tail_rows_to_merge = 24;
    o.compaction.min_retired_rows_to_compact = 40;
    auto engine = Recommender::Open(std::move(*store), taxonomy_, scoring_, o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  std::filesystem::path dir_;
  std::shared_ptr<const Taxonomy> taxonomy_;
  std::shared_ptr<const ScoringConfig> scoring_;
};

TEST_F(CatalogChangeTest, IncrementalWritesRankAsAFreshStartDoes) {
  std::mt19937 rng(7);
  int next_id = 0;
  int compactions = 0, merges = 0;
  for (int round = 0; round < 3; ++round) {
    auto engine = Open();
    ASSERT_NE(engine, nullptr);
    size_t last_size = 0;
    uint32_t last_tail = 0;
    for (int op = 0; op < 25; ++op) {
      const auto snapshot = engine->Snapshot();
      if (op > 0 && snapshot->size() < last_size) ++compactions;
      if (op > 0 && snapshot->tail_first_row != last_tail) ++merges;
      last_size = snapshot->size();
      last_tail = snapshot->tail_first_row;
      const std::vector<const Complex*> complexes = engine->ListComplexes(*snapshot);
      ASSERT_FALSE(complexes.empty());
      Complex c = *complexes[rng() % complexes.size()];
      switch (rng() % 5) {
        case 0:  // delete one
          {
            const Status del = engine->DeleteComplex(c.id);
            ASSERT_TRUE(del.ok()) << del.ToString();
          }
          break;
        case 1: {  // a new complex, a copy of another under a new id
          const std::string id = "iisc-copy-" + std::to_string(next_id++);
          for (Capability& cap : c.services) {
            cap.id = id + cap.id.substr(cap.id.find('/'));
            cap.complex_id = id;
          }
          c.id = id;
          {
            const Status put = engine->PutComplex(c);
            ASSERT_TRUE(put.ok()) << put.ToString();
          }
          break;
        }
        case 2:  // the same complex with another description and one service less
          if (c.services.size() > 1) c.services.pop_back();
          for (Capability& cap : c.services) cap.description.en += " precision moulds and tooling";
          {
            const Status put = engine->PutComplex(c);
            ASSERT_TRUE(put.ok()) << put.ToString();
          }
          break;
        case 3: {  // an import of two: one replaced, one new
          Complex fresh = *complexes[rng() % complexes.size()];
          const std::string id = "iisc-import-" + std::to_string(next_id++);
          for (Capability& cap : fresh.services) {
            cap.id = id + cap.id.substr(cap.id.find('/'));
            cap.complex_id = id;
          }
          fresh.id = id;
          for (Capability& cap : c.services) cap.rating = 5.0;
          auto imported = engine->ImportCatalog({c, fresh}, false);
          ASSERT_TRUE(imported.ok()) << imported.status().ToString();
          break;
        }
        default:  // unchanged, written again
          {
            const Status put = engine->PutComplex(c);
            ASSERT_TRUE(put.ok()) << put.ToString();
          }
      }
    }
    const auto live = RankAll(*engine);
    const auto snapshot = engine->Snapshot();
    size_t services = 0;
    for (const Complex* c : engine->ListComplexes(*snapshot)) services += c->services.size();
    EXPECT_EQ(snapshot->live_rows, services);
    // Retired rows are bounded by the compaction policy (plus a block's padding).
    EXPECT_LE(snapshot->size() - snapshot->live_rows, std::max<size_t>(40, snapshot->size() / 4) + 16);
    const std::string version = snapshot->model->version();
    engine.reset();

    auto restarted = Open();
    ASSERT_NE(restarted, nullptr);
    EXPECT_EQ(restarted->Snapshot()->model->version(), version) << "a restart keeps the text model";
    const auto fresh = RankAll(*restarted);
    for (size_t i = 0; i < std::size(kNeeds); ++i) {
      ASSERT_EQ(live[i].size(), fresh[i].size()) << kNeeds[i];
      ASSERT_FALSE(live[i].empty()) << kNeeds[i];
      // Services tied with the last place may be cut in another way (ties go
      // by row, and rows are numbered differently): their ids are compared as
      // tied services, every score as it is.
      const double last = live[i].back().score;
      for (size_t j = 0; j < live[i].size(); ++j) {
        EXPECT_EQ(live[i][j].score, fresh[i][j].score) << kNeeds[i] << " #" << j;
        if (live[i][j].score != last) {
          EXPECT_EQ(live[i][j].id, fresh[i][j].id) << kNeeds[i] << " #" << j;
        } else {
          EXPECT_EQ(ScoreOf(*restarted, kNeeds[i], live[i][j].id), last) << kNeeds[i] << " #" << j;
        }
      }
    }
  }
  // The sequence went through both kinds of tidying up.
  EXPECT_GT(compactions, 0);
  EXPECT_GT(merges, compactions);
}

TEST_F(CatalogChangeTest, ARefitFeaturizesEveryServiceWithTheNewModel) {
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  const std::string before = engine->Snapshot()->model->version();
  // Unchanged catalog: a fit gives the model in use.
  auto same = engine->RefitTextModel();
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_FALSE(same->refitted);
  EXPECT_EQ(same->version, before);
  // A catalog half replaced: the model in use stays until the refit.
  const auto snapshot = engine->Snapshot();
  const auto complexes = engine->ListComplexes(*snapshot);
  for (size_t i = 0; i < complexes.size(); i += 2) ASSERT_TRUE(engine->DeleteComplex(complexes[i]->id).ok());
  EXPECT_EQ(engine->Snapshot()->model->version(), before);
  auto refit = engine->RefitTextModel();
  ASSERT_TRUE(refit.ok()) << refit.status().ToString();
  EXPECT_TRUE(refit->refitted);
  EXPECT_EQ(refit->previous_version, before);
  EXPECT_NE(refit->version, before);
  EXPECT_EQ(engine->Snapshot()->model->version(), refit->version);
  const auto live = RankAll(*engine);
  engine.reset();
  auto restarted = Open();
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->Snapshot()->model->version(), refit->version);
  EXPECT_EQ(RankAll(*restarted), live);
}

}  // namespace
}  // namespace iisc
