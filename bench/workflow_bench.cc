// The lifecycle's read path at scale: a complex's reverse feed
// (Workflow::Feed, what GET /v1/complexes/{id}/needs runs) over 100k stored
// needs in RocksDB, with p50/p90/p99 per repetition.
//
// The stored needs carry real matches: the labeled needs of data/eval are
// ranked once against the demo catalog (50 deep, as at submission), and the
// 100k needs cycle through those rankings with their own ids and times.
// Queries: a random complex; half filtered by a random service type; a third
// ask for the second page.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "bench/bench_support.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

std::vector<Need> EvalNeeds(const Taxonomy& taxonomy) {
  std::ifstream in(kRoot + "/data/eval/public.jsonl");
  std::vector<Need> needs;
  std::string line;
  simdjson::dom::parser parser;
  NeedLimits limits;
  while (std::getline(in, line)) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
    std::string_view description;
    if (e["need"]["description"].get_string().get(description) != simdjson::SUCCESS &&
        e["description"].get_string().get(description) != simdjson::SUCCESS) {
      continue;
    }
    Need need;
    need.description = std::string(description);
    needs.push_back(std::move(need));
  }
  (void)taxonomy;
  if (needs.empty()) Die("no needs read from data/eval/public.jsonl");
  return needs;
}

struct Fixture {
  std::string dir;
  std::unique_ptr<Recommender> engine;
  std::vector<std::string> complexes;
  std::vector<std::string> types;
  size_t stored = 0;
};

Fixture the_fixture;  // built once per run

Fixture& GetFixture(size_t needs) {
  Fixture& fx = the_fixture;
  if (fx.engine) return fx;
  auto taxonomy = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
  if (!taxonomy.ok()) Die(taxonomy.status().ToString());
  auto shared = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
  auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *shared);
  if (!scoring.ok()) Die(scoring.status().ToString());
  RecommenderOptions options;
  options.vocabulary_dir = kRoot + "/configs/vocabulary";
  options.intent_corpus_dir = kRoot + "/configs/intent";
  options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";

  // 1. Real rankings of the labeled needs, from an engine over a memory store.
  std::vector<std::vector<StoredNeed::Match>> rankings;
  std::vector<Need> sources = EvalNeeds(*shared);
  {
    auto ranker = Recommender::Open(NewMemoryStore(), shared, *scoring, options);
    if (!ranker.ok()) Die(ranker.status().ToString());
    for (const Need& need : sources) {
      RecommendRequest req;
      req.need = need;
      req.k = 50;
      auto resp = (*ranker)->Recommend(req);
      if (!resp.ok()) Die(resp.status().ToString());
      std::vector<StoredNeed::Match> matches;
      for (const Recommendation& r : resp->results) matches.push_back({r.capability->id, r.score});
      rankings.push_back(std::move(matches));
    }
    const auto snapshot = (*ranker)->Snapshot();
    for (const Complex* c : (*ranker)->ListComplexes(*snapshot)) fx.complexes.push_back(c->id);
  }
  for (const ServiceTypeInfo& t : shared->service_types()) fx.types.push_back(t.id);

  // 2. The stored needs, written straight into RocksDB.
  char tmpl[] = "/tmp/iisc-workflow-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  fx.dir = tmpl;
  StoreOptions store_options;
  store_options.sync_need_writes = false;  // setup only
  {
    auto store = OpenRocksStore(fx.dir, store_options);
    if (!store.ok()) Die(store.status().ToString());
    std::vector<StoredNeed> batch;
    const int64_t t0 = 1'790'000'000'000;
    for (size_t i = 0; i < needs; ++i) {
      StoredNeed n;
      char id[32];
      std::snprintf(id, sizeof id, "need-%012zu", i);
      n.id = id;
      n.need = sources[i % sources.size()];
      n.need.enterprise_name = "企业 " + std::to_string(i);
      n.created_unix_ms = t0 + static_cast<int64_t>(i) * 1000;
      n.access_token_sha256 = std::string(64, '0');
      n.config_version = "bench";
      n.matches = rankings[i % rankings.size()];
      for (size_t m = 0; m < 10 && m < n.matches.size(); ++m) {
        n.recommended_capability_ids.push_back(n.matches[m].capability_id);
      }
      batch.push_back(std::move(n));
      if (batch.size() == 1000) {
        if (Status s = (*store)->PutNeeds(batch); !s.ok()) Die(s.ToString());
        batch.clear();
      }
    }
    if (Status s = (*store)->PutNeeds(batch); !s.ok()) Die(s.ToString());
  }
  // 3. The engine over it, as the server opens it.
  auto store = OpenRocksStore(fx.dir, StoreOptions{});
  if (!store.ok()) Die(store.status().ToString());
  auto engine = Recommender::Open(std::move(store).value(), shared, std::move(scoring).value(), options);
  if (!engine.ok()) Die(engine.status().ToString());
  fx.engine = std::move(engine).value();
  fx.stored = needs;
  std::atexit([] {
    the_fixture.engine.reset();  // closed before its files go
    std::filesystem::remove_all(the_fixture.dir);
  });
  return fx;
}

void BM_ComplexFeed(benchmark::State& state) {
  Fixture& fx = GetFixture(static_cast<size_t>(state.range(0)));
  const Workflow& workflow = fx.engine->workflow();
  std::mt19937 random(7);
  std::vector<double> micros;
  size_t items = 0, queries = 0;
  for (auto _ : state) {
    FeedQuery q;
    q.complex_id = fx.complexes[random() % fx.complexes.size()];
    if (random() % 2 == 0) q.service_type = fx.types[random() % fx.types.size()];
    const bool second_page = random() % 3 == 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto page = workflow.Feed(q);
    if (page.ok() && second_page && !page->next_cursor.empty()) {
      q.cursor = page->next_cursor;
      page = workflow.Feed(q);
    }
    const auto t1 = std::chrono::steady_clock::now();
    if (!page.ok()) Die(page.status().ToString());
    items += page->items.size();
    ++queries;
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  state.counters["stored_needs"] = static_cast<double>(fx.stored);
  state.counters["items_per_page"] = static_cast<double>(items) / static_cast<double>(std::max<size_t>(queries, 1));
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p90_us"] = Percentile(micros, 0.90);
  state.counters["p99_us"] = Percentile(micros, 0.99);
}
BENCHMARK(BM_ComplexFeed)->Arg(100000)->Unit(benchmark::kMicrosecond)->Iterations(2000);

}  // namespace
}  // namespace iisc

BENCHMARK_MAIN();
