// The bureau's desk at scale: the what-if replay of a draft over 10k stored
// needs, and weights learned from a synthetic month of outcomes with the
// replay of the learned draft.
//
// The month: 10k needs (the public labeled needs, cycled, with their county)
// stored through the engine; for 30% of them the SME takes up one of its top
// 10 services, chosen by a hidden preference the active weights do not have:
// the best one in the SME's own county when there is one (else its first). The
// complex accepts, serves and completes; the SME rates 4 or 5. The learned
// draft should move toward that preference (the region weight up).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

#include "bench/bench_support.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "engine/what_if.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;
constexpr size_t kNeeds = 10000;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Month {
  std::string dir;
  std::unique_ptr<Recommender> engine;
  std::string toml;
  size_t outcomes = 0;
};

template <typename T>
T Wait(const std::function<void(std::function<void(T)>)>& start) {
  std::promise<T> p;
  start([&](T v) { p.set_value(std::move(v)); });
  return p.get_future().get();
}

Month month;  // the one month of this run

Month& GetMonth() {
  if (month.engine) return month;
  auto taxonomy = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
  if (!taxonomy.ok()) Die(taxonomy.status().ToString());
  auto shared = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
  month.toml = ReadText(kRoot + "/configs/scoring.toml");
  auto scoring = ParseScoringConfig(month.toml, "scoring", *shared);
  if (!scoring.ok()) Die(scoring.status().ToString());
  char tmpl[] = "/tmp/iisc-desk-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  month.dir = tmpl;
  StoreOptions store_options;
  store_options.sync_need_writes = false;  // setup speed; the replay reads
  auto store = OpenRocksStore(month.dir, store_options);
  if (!store.ok()) Die(store.status().ToString());
  RecommenderOptions options;
  options.vocabulary_dir = kRoot + "/configs/vocabulary";
  options.intent_corpus_dir = kRoot + "/configs/intent";
  options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
  auto engine = Recommender::Open(std::move(store).value(), shared, *scoring, options);
  if (!engine.ok()) Die(engine.status().ToString());
  month.engine = std::move(engine).value();
  Recommender& e = *month.engine;

  std::vector<Need> sources;
  {
    std::ifstream in(kRoot + "/data/eval/public.jsonl");
    simdjson::dom::parser parser;
    std::string line;
    while (std::getline(in, line)) {
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc) != simdjson::SUCCESS) continue;
      Need n;
      std::string_view v;
      if (doc["need"]["description"].get_string().get(v) != simdjson::SUCCESS) continue;
      n.description = std::string(v);
      if (doc["need"]["county"].get_string().get(v) == simdjson::SUCCESS) n.county = std::string(v);
      sources.push_back(std::move(n));
    }
  }
  std::mt19937 random(11);
  const auto snapshot = e.Snapshot();
  for (size_t i = 0; i < kNeeds; ++i) {
    const Need need = sources[i % sources.size()];
    auto submitted = Wait<Result<SubmittedNeed>>([&](auto done) { e.SubmitNeed(need, done); });
    if (!submitted.ok()) Die(submitted.status().ToString());
    if (random() % 10 >= 3) continue;
    // The hidden preference: own county first, then the score.
    const auto& results = submitted->recommendations.results;
    const Recommendation* taken = nullptr;
    double best = -1;
    for (size_t r = 0; r < results.size() && r < 10; ++r) {
      const double utility = results[r].score + (results[r].complex->county == need.county ? 1.0 : 0.0);
      if (utility > best) best = utility, taken = &results[r];
    }
    if (taken == nullptr) continue;
    auto requested = Wait<Result<WriteOutcome>>([&](auto done) {
      e.workflow().RequestServices(submitted->id, {taken->capability->id}, "", {}, done);
    });
    if (!requested.ok()) Die(requested.status().ToString());
    const std::string rid = requested->requests[0].id;
    const Principal complex{Principal::Kind::kComplex, taken->complex->id};
    for (RequestAction a : {RequestAction::kAccept, RequestAction::kStart, RequestAction::kComplete}) {
      auto r = Wait<Result<WriteOutcome>>([&](auto done) { e.workflow().Act(complex, rid, a, {}, {}, done); });
      if (!r.ok()) Die(r.status().ToString());
    }
    ActionInput rating;
    rating.rating = 4 + static_cast<int>(random() % 2);
    auto r = Wait<Result<WriteOutcome>>([&](auto done) {
      e.workflow().Act({Principal::Kind::kSme, submitted->id}, rid, RequestAction::kRate, rating, {}, done);
    });
    if (!r.ok()) Die(r.status().ToString());
    ++month.outcomes;
  }
  std::atexit([] {
    month.engine.reset();  // closed before its files go
    std::filesystem::remove_all(month.dir);
  });
  return month;
}

void BM_WhatIfReplay(benchmark::State& state) {
  Month& m = GetMonth();
  const std::string draft_toml = ReplaceWeights(m.toml, [&] {
    ComponentWeights w = m.engine->scoring_config()->weights;
    w[kRegion] = 1.5;
    return w;
  }());
  auto draft = ParseScoringConfig(draft_toml, "draft", m.engine->taxonomy());
  if (!draft.ok()) Die(draft.status().ToString());
  WhatIfReport report;
  for (auto _ : state) {
    auto r = ReplayNeeds(*m.engine, *draft, ReplayWindow{0, 0, static_cast<int64_t>(kNeeds)},
                         static_cast<int>(state.range(0)));
    if (!r.ok()) Die(r.status().ToString());
    report = std::move(r).value();
  }
  state.counters["needs"] = static_cast<double>(report.needs);
  state.counters["seconds"] = report.seconds;
  state.counters["top1_changed"] = report.top1_changed_share;
  state.counters["overlap5"] = report.mean_overlap_at5;
  state.counters["ndcg5_active"] = report.ndcg5_active;
  state.counters["ndcg5_draft"] = report.ndcg5_draft;
}
BENCHMARK(BM_WhatIfReplay)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);

void BM_LearnedWeights(benchmark::State& state) {
  Month& m = GetMonth();
  LearnedWeights learned;
  WhatIfReport report;
  for (auto _ : state) {
    auto l = LearnWeights(*m.engine, m.toml, ReplayWindow{0, 0, static_cast<int64_t>(kNeeds)});
    if (!l.ok()) Die(l.status().ToString());
    learned = std::move(l).value();
    auto r = ReplayNeeds(*m.engine, learned.config, ReplayWindow{0, 0, static_cast<int64_t>(kNeeds)});
    if (!r.ok()) Die(r.status().ToString());
    report = std::move(r).value();
  }
  std::printf("learned weights:");
  for (int c = 0; c < kNumComponents; ++c) {
    std::printf(" %s=%g", ComponentName(static_cast<Component>(c)), learned.weights[static_cast<size_t>(c)]);
  }
  std::printf("\nreplay of the learned draft: needs %lld, top-1 changed %.3f, overlap@5 %.3f, nDCG@5 %.4f -> %.4f on %lld needs with outcomes\n",
              static_cast<long long>(report.needs), report.top1_changed_share, report.mean_overlap_at5,
              report.ndcg5_active, report.ndcg5_draft, static_cast<long long>(report.needs_with_outcomes));
  for (size_t i = 0; i < report.counties.size() && i < 5; ++i) {
    std::printf("  county %s: %lld -> %lld top-5 places\n", report.counties[i].id.c_str(),
                static_cast<long long>(report.counties[i].active), static_cast<long long>(report.counties[i].draft));
  }
  state.counters["outcomes"] = static_cast<double>(m.outcomes);
  state.counters["training_needs"] = static_cast<double>(learned.training_needs);
  state.counters["ndcg5_before"] = learned.ndcg5_before;
  state.counters["ndcg5_after"] = learned.ndcg5_after;
  state.counters["evaluations"] = learned.evaluations;
  state.counters["learn_seconds"] = learned.seconds;
}
BENCHMARK(BM_LearnedWeights)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace iisc

BENCHMARK_MAIN();
