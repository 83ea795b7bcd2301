// Catalog writes at scale, on a RocksDB store (temp directory):
//   PutComplex/<N>            PUT of one complex (changed descriptions) into
//                             a catalog of N services: p50/p99 over 200 writes (IISC_BENCH_WRITES)
//   DeleteComplex/<N>         DELETE of one complex, then its PUT back: p50/p99
//   RecommendDuringImport/<N> Recommend p50/p99 while a 10k-service import
//                             runs, against the same engine idle just before
// The catalog is generated (seed 1, bench/catalog_generator.h), written in
// batches, and the engine opened once per N (featurizing every service).
// IISC_BENCH_TMP sets the parent of the temporary data directory.
// IISC_BENCH_DATA_DIR names a data directory made by an earlier run (its
// features stored): it is checkpointed (hard links) into the temporary one
// and opened from there, instead of generating and featurizing anew.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "bench/bench_support.h"
#include "bench/catalog_generator.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"

namespace {

using namespace iisc;
using Clock = std::chrono::steady_clock;

const std::string kRoot = IISC_SOURCE_DIR;

// Writes per measurement: IISC_BENCH_WRITES, default `fallback` (a build
// whose writes take seconds needs fewer).
int Writes(int fallback) {
  const char* env = std::getenv("IISC_BENCH_WRITES");
  return env != nullptr ? std::max(1, std::atoi(env)) : fallback;
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Bench {
  std::shared_ptr<const Taxonomy> taxonomy;
  std::shared_ptr<const ScoringConfig> scoring;
  std::vector<Complex> demo;
  std::filesystem::path dir;
  std::unique_ptr<Recommender> engine;
  std::vector<std::string> complex_ids;  // generated complexes to write over
  size_t n = 0;          // services in the catalog
  size_t requested = 0;  // the size asked for (the benchmark's argument)
};

// Complexes of a catalog of `services` generated with `seed`, ids prefixed.
std::vector<Complex> Generate(const Bench& b, size_t services, uint64_t seed, const std::string& prefix) {
  std::vector<Complex> out;
  CatalogGeneratorOptions gen;
  gen.capabilities = services;
  gen.seed = seed;
  Status st = GenerateCatalog(*b.taxonomy, b.demo, gen, [&](Complex&& c) {
    if (!prefix.empty()) {
      c.id = prefix + c.id;
      for (Capability& cap : c.services) {
        cap.id = prefix + cap.id;
        cap.complex_id = c.id;
      }
    }
    out.push_back(std::move(c));
    return Status::Ok();
  });
  if (!st.ok()) Die(st.ToString());
  return out;
}

Bench& OpenEngine(Bench& b, std::unique_ptr<Store> store, size_t n);

// Closed by main before exit: RocksDB's own statics must outlive the store.
Bench& TheBench() {
  static Bench b;
  return b;
}

Bench& GetBench(size_t n) {
  Bench& b = TheBench();
  if (b.engine && b.requested == n) return b;
  const size_t asked = n;
  b.engine.reset();
  if (!b.taxonomy) {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    if (!tax.ok()) Die(tax.status().ToString());
    b.taxonomy = std::make_shared<const Taxonomy>(std::move(*tax));
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *b.taxonomy);
    if (!scoring.ok()) Die(scoring.status().ToString());
    b.scoring = *scoring;
    auto demo = ParseCatalogJsonl(ReadFile(kRoot + "/data/demo-catalog.jsonl"), b.taxonomy.get());
    if (!demo.ok()) Die(demo.status().ToString());
    b.demo = std::move(*demo);
  }
  const char* tmp = std::getenv("IISC_BENCH_TMP");
  b.dir = std::filesystem::path(tmp != nullptr ? tmp : std::filesystem::temp_directory_path().string()) /
          ("iisc-catalog-write-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(b.dir);
  b.complex_ids.clear();
  if (const char* from = std::getenv("IISC_BENCH_DATA_DIR")) {
    {
      auto source = OpenRocksStore(from, StoreOptions{});
      if (!source.ok()) Die(source.status().ToString());
      Status st = (*source)->Checkpoint(b.dir.string());
      if (!st.ok()) Die(st.ToString());
    }
    auto store = OpenRocksStore(b.dir.string(), StoreOptions{});
    if (!store.ok()) Die(store.status().ToString());
    auto listed = (*store)->ListComplexes();
    if (!listed.ok()) Die(listed.status().ToString());
    for (const Complex& c : *listed)
      if (c.id.rfind("iisc-", 0) != 0 && c.id.rfind("imp-", 0) != 0) b.complex_ids.push_back(c.id);
    n = 0;
    for (const Complex& c : *listed) n += c.services.size();
    OpenEngine(b, std::move(*store), n);
    b.requested = asked;
    return b;
  }
  auto store = OpenRocksStore(b.dir.string(), StoreOptions{});
  if (!store.ok()) Die(store.status().ToString());
  std::vector<Complex> catalog = Generate(b, n, 1, "");
  for (size_t i = 0; i < catalog.size(); i += 2000) {
    std::vector<Complex> batch(catalog.begin() + static_cast<ptrdiff_t>(i),
                               catalog.begin() + static_cast<ptrdiff_t>(std::min(catalog.size(), i + 2000)));
    Status st = (*store)->WriteCatalog(batch, {}, {});
    if (!st.ok()) Die(st.ToString());
  }
  for (size_t i = b.demo.size(); i < catalog.size(); ++i) b.complex_ids.push_back(catalog[i].id);
  catalog.clear();
  OpenEngine(b, std::move(*store), n);
  b.requested = asked;
  return b;
}

Bench& OpenEngine(Bench& b, std::unique_ptr<Store> store, size_t n) {
  RecommenderOptions options;
  options.vocabulary_dir = kRoot + "/configs/vocabulary";
  options.intent_corpus_dir = kRoot + "/configs/intent";
  const auto start = Clock::now();
  auto opened = Recommender::Open(std::move(store), b.taxonomy, b.scoring, options);
  if (!opened.ok()) Die(opened.status().ToString());
  std::fprintf(stderr, "catalog_write_bench: %zu services open in %.1f s\n", n, MsSince(start) / 1000);
  b.engine = std::move(*opened);
  b.n = n;
  return b;
}

void BM_PutComplex(benchmark::State& state) {
  Bench& b = GetBench(static_cast<size_t>(state.range(0)));
  std::mt19937_64 rng(11);
  std::vector<double> ms;
  for (auto _ : state) {
    for (int i = 0, writes = Writes(200); i < writes; ++i) {
      const auto snapshot = b.engine->Snapshot();
      const Complex* found = b.engine->FindComplex(*snapshot, b.complex_ids[rng() % b.complex_ids.size()]);
      if (found == nullptr) Die("complex missing");
      Complex c = *found;
      for (Capability& cap : c.services) cap.description.en += " (revised " + std::to_string(i) + ")";
      const auto start = Clock::now();
      Status st = b.engine->PutComplex(c);
      ms.push_back(MsSince(start));
      if (!st.ok()) Die(st.ToString());
    }
  }
  state.counters["p50_ms"] = Percentile(ms, 0.5);
  state.counters["p99_ms"] = Percentile(ms, 0.99);
  state.counters["writes"] = static_cast<double>(ms.size());
}

void BM_DeleteComplex(benchmark::State& state) {
  Bench& b = GetBench(static_cast<size_t>(state.range(0)));
  std::mt19937_64 rng(12);
  std::vector<double> del_ms, put_ms;
  for (auto _ : state) {
    for (int i = 0, writes = Writes(100); i < writes; ++i) {
      const auto snapshot = b.engine->Snapshot();
      const Complex* found = b.engine->FindComplex(*snapshot, b.complex_ids[rng() % b.complex_ids.size()]);
      if (found == nullptr) Die("complex missing");
      const Complex c = *found;
      auto start = Clock::now();
      Status st = b.engine->DeleteComplex(c.id);
      del_ms.push_back(MsSince(start));
      if (!st.ok()) Die(st.ToString());
      start = Clock::now();
      st = b.engine->PutComplex(c);
      put_ms.push_back(MsSince(start));
      if (!st.ok()) Die(st.ToString());
    }
  }
  state.counters["delete_p50_ms"] = Percentile(del_ms, 0.5);
  state.counters["delete_p99_ms"] = Percentile(del_ms, 0.99);
  state.counters["put_new_p50_ms"] = Percentile(put_ms, 0.5);
  state.counters["put_new_p99_ms"] = Percentile(put_ms, 0.99);
}

void BM_RecommendDuringImport(benchmark::State& state) {
  Bench& b = GetBench(static_cast<size_t>(state.range(0)));
  const char* const needs[] = {"鞋底防滑检测", "CE marking and EMC tests for our circuit breakers",
                               "阀门密封件寿命试验", "我们的新产品被人仿冒了怎么办", "need a loan to buy new machines",
                               "眼镜框设计，想找人做新款式", "how to take our pumps to a trade fair abroad"};
  std::vector<Complex> import = Generate(b, 10000 + b.demo.size(), 2, "imp-");
  import.erase(import.begin(), import.begin() + static_cast<ptrdiff_t>(b.demo.size()));
  size_t services = 0;
  for (const Complex& c : import) services += c.services.size();
  std::vector<double> idle, during;
  double import_s = 0;
  for (auto _ : state) {
    std::atomic<int> phase{0};  // 0 idle, 1 importing, 2 done
    std::thread client([&] {
      size_t i = 0;
      while (phase.load() != 2) {
        RecommendRequest req;
        req.need.description = needs[i++ % std::size(needs)];
        const int at_start = phase.load();
        const auto start = Clock::now();
        auto resp = b.engine->Recommend(req);
        const double took = MsSince(start);
        if (!resp.ok()) Die(resp.status().ToString());
        // Only requests wholly inside one phase count for it.
        if (phase.load() == at_start) (at_start == 0 ? idle : during).push_back(took);
      }
    });
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the idle baseline: a fixed stretch of requests
    phase.store(1);
    const auto start = Clock::now();
    auto imported = b.engine->ImportCatalog(import, false);
    import_s = MsSince(start) / 1000;
    phase.store(2);
    client.join();
    if (!imported.ok()) Die(imported.status().ToString());
  }
  state.counters["idle_p50_ms"] = Percentile(idle, 0.5);
  state.counters["idle_p99_ms"] = Percentile(idle, 0.99);
  state.counters["import_p50_ms"] = Percentile(during, 0.5);
  state.counters["import_p99_ms"] = Percentile(during, 0.99);
  state.counters["p99_ratio"] = Percentile(during, 0.99) / std::max(1e-9, Percentile(idle, 0.99));
  state.counters["import_s"] = import_s;
  state.counters["import_services"] = static_cast<double>(services);
  state.counters["requests_during"] = static_cast<double>(during.size());
}

// Sizes from IISC_BENCH_SIZES (comma-separated), default 100000.
void Sizes(benchmark::internal::Benchmark* bm) {
  const char* env = std::getenv("IISC_BENCH_SIZES");
  std::stringstream ss(env != nullptr ? env : "100000");
  for (std::string item; std::getline(ss, item, ',');) bm->Arg(std::stoll(item));
}

BENCHMARK(BM_PutComplex)->Apply(Sizes)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DeleteComplex)->Apply(Sizes)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecommendDuringImport)->Apply(Sizes)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  TheBench().engine.reset();
  return 0;
}
