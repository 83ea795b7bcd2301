// Engine benchmarks on the real code paths:
//   Featurize           a need's text into BM25 terms and the latent vector
//   ParseRequest        a POST /v1/recommendations body (server/request_parser)
//   SerializeResponse   a 10-result answer (server/response_writer)
//   Recommend/<N>       in-process Recommender::Recommend over the labeled
//                       needs of data/eval, with p50/p90/p99 per repetition
//   PostingScan/<N>/<flat>  the BM25 accumulation over the postings alone,
//                       compressed (0) or a plain 8-byte copy (1)
//   ColdStart           RocksDB data directory to a ready engine (and the
//                       resident memory of the ready engine against the raw
//                       float bytes of its vectors)
//
// Catalogs: N = 177 is the demo catalog; larger N are generated (seed 1)
// into an in-memory store, or read from IISC_BENCH_DATA_<N> (a directory made
// by iisc-gen-catalog --data-dir) when set. ColdStart needs IISC_BENCH_COLD_DIR.
// IISC_BENCH_EXHAUSTIVE=1 scores every row (no candidate generation).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "bench/bench_support.h"
#include "bench/catalog_generator.h"
#include "engine/catalog_snapshot.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/intent_model.h"
#include "models/text_model.h"
#include "server/request_parser.h"
#include "server/response_writer.h"

namespace {

using namespace iisc;

const std::string kRoot = IISC_SOURCE_DIR;

struct Fixture {
  std::shared_ptr<const Taxonomy> taxonomy;
  std::shared_ptr<const ScoringConfig> scoring;
  std::vector<Complex> demo;
  std::vector<Need> needs;             // the labeled needs of public.jsonl and problem-first.jsonl
  std::vector<std::string> bodies;     // the same needs as request bodies
};

const Fixture& GetFixture() {
  static const Fixture* f = [] {
    auto* fx = new Fixture;
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    if (!tax.ok()) Die(tax.status().ToString());
    fx->taxonomy = std::make_shared<const Taxonomy>(std::move(*tax));
    auto scoring = LoadScoringConfigFile(kRoot + "/configs/scoring.toml", *fx->taxonomy);
    if (!scoring.ok()) Die(scoring.status().ToString());
    fx->scoring = *scoring;
    auto demo = ParseCatalogJsonl(ReadFile(kRoot + "/data/demo-catalog.jsonl"), fx->taxonomy.get());
    if (!demo.ok()) Die(demo.status().ToString());
    fx->demo = std::move(*demo);
    // Needs in the catalog's words and needs that only tell a problem (these
    // hedge between types and ask): the mix a portal sees.
    std::istringstream lines(ReadFile(kRoot + "/data/eval/public.jsonl") +
                             ReadFile(kRoot + "/data/eval/problem-first.jsonl"));
    simdjson::dom::parser parser;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      simdjson::dom::element doc;
      if (parser.parse(line).get(doc)) Die("bad eval line");
      const std::string need_json = simdjson::minify(doc["need"]);
      auto need = ParseNeedJson(need_json, fx->taxonomy.get(), NeedLimits{});
      if (!need.ok()) Die(need.status().ToString());
      fx->needs.push_back(std::move(*need));
      fx->bodies.push_back("{\"need\":" + need_json + ",\"k\":10}");
    }
    return fx;
  }();
  return *f;
}

RecommenderOptions EngineOptions() {
  RecommenderOptions o;
  o.vocabulary_dir = kRoot + "/configs/vocabulary";
  // For comparison: the engine without its intent model (IISC_BENCH_NO_INTENT=1).
  if (std::getenv("IISC_BENCH_NO_INTENT") == nullptr) o.intent_corpus_dir = kRoot + "/configs/intent";
  return o;
}

// One engine at a time (a large catalog is big); built on first use per N.
Recommender& GetEngine(size_t n) {
  static size_t current = 0;
  static std::unique_ptr<Recommender> engine;
  if (engine && current == n) return *engine;
  engine.reset();
  const Fixture& fx = GetFixture();
  RecommenderOptions options = EngineOptions();
  // For comparison: every row scored, as before candidate generation.
  if (std::getenv("IISC_BENCH_EXHAUSTIVE") != nullptr) options.candidate_generation_min_rows = SIZE_MAX;
  std::unique_ptr<Store> store;
  const std::string env = "IISC_BENCH_DATA_" + std::to_string(n);
  if (const char* dir = std::getenv(env.c_str())) {
    auto rocks = OpenRocksStore(dir, StoreOptions{});
    if (!rocks.ok()) Die(rocks.status().ToString());
    store = std::move(*rocks);
  } else {
    store = NewMemoryStore();
    if (n == 177) {
      options.seed_catalog_path = kRoot + "/data/demo-catalog.jsonl";
    } else {
      CatalogGeneratorOptions gen;
      gen.capabilities = n;
      Status st = GenerateCatalog(*fx.taxonomy, fx.demo, gen, [&](Complex&& c) { return store->PutComplex(c); });
      if (!st.ok()) Die(st.ToString());
    }
  }
  auto opened = Recommender::Open(std::move(store), fx.taxonomy, fx.scoring, options);
  if (!opened.ok()) Die(opened.status().ToString());
  engine = std::move(*opened);
  current = n;
  return *engine;
}

// ---------------------------------------------------------------- benchmarks

void BM_Featurize(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  // The demo catalog's model, as the server fits it.
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) Die(analyzer.status().ToString());
  std::shared_ptr<const Analyzer> shared(std::move(*analyzer));
  auto vocab = Vocabulary::Load(kRoot + "/configs/vocabulary", *fx.taxonomy);
  if (!vocab.ok()) Die(vocab.status().ToString());
  std::vector<TrainingDocument> docs;
  for (const Complex& c : fx.demo) {
    for (const Capability& cap : c.services) {
      TrainingDocument d;
      d.text = CapabilityText(cap, c, *fx.taxonomy);
      docs.push_back(std::move(d));
    }
  }
  auto model = TextModel::Fit(docs, *fx.taxonomy, *vocab, shared);
  if (!model.ok()) Die(model.status().ToString());
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& text = fx.needs[i++ % fx.needs.size()].description;
    bytes += text.size();
    TextFeatures f = (*model)->FeaturizeQuery(text);
    benchmark::DoNotOptimize(f.vector.data());
  }
  state.counters["needs_per_s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// The intent model's reading of a need: features, both outputs, a long
// need's request sentences and each separate request.
void BM_IntentPredict(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  auto corpus = LoadIntentCorpus(kRoot + "/configs/intent", *fx.taxonomy);
  if (!corpus.ok()) Die(corpus.status().ToString());
  auto model = IntentModel::Train(*corpus, *fx.taxonomy);
  if (!model.ok()) Die(model.status().ToString());
  size_t i = 0;
  for (auto _ : state) {
    IntentPrediction p = (*model)->Predict(fx.needs[i++ % fx.needs.size()].description);
    benchmark::DoNotOptimize(p.types.data());
  }
  state.counters["needs_per_s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}

// Training the intent model on the shipped corpus, calibration included:
// what a start on a new corpus, or a retrain, costs.
void BM_IntentTrain(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  auto corpus = LoadIntentCorpus(kRoot + "/configs/intent", *fx.taxonomy);
  if (!corpus.ok()) Die(corpus.status().ToString());
  IntentOptions options;
  for (auto _ : state) {
    ++options.seed;  // a fit of its own each time, not the process's cached model
    auto model = IntentModel::Train(*corpus, *fx.taxonomy, options);
    if (!model.ok()) Die(model.status().ToString());
    benchmark::DoNotOptimize(model->get());
  }
}

void BM_ParseRequest(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  RequestLimits limits;
  std::vector<std::string> bodies = fx.bodies;
  // Some with filters, as the portal sends them.
  for (size_t i = 0; i < bodies.size(); i += 3) {
    bodies[i].pop_back();
    bodies[i] += ",\"filters\":{\"counties\":[\"yueqing\",\"lucheng\"],\"service_types\":[\"testing\"]}}";
  }
  size_t i = 0, bytes = 0;
  std::string body;
  for (auto _ : state) {
    body = bodies[i++ % bodies.size()];  // the parser may grow the body's capacity
    bytes += body.size();
    auto req = ParseRecommendRequest(body, *fx.taxonomy, limits);
    if (!req.ok()) Die(req.status().ToString());
    benchmark::DoNotOptimize(req->k);
  }
  state.counters["requests_per_s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_SerializeResponse(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  Recommender& engine = GetEngine(177);
  std::vector<RecommendResponse> answers;
  for (const Need& n : fx.needs) {
    RecommendRequest req;
    req.need = n;
    auto resp = engine.Recommend(req);
    if (!resp.ok()) Die(resp.status().ToString());
    answers.push_back(std::move(*resp));
  }
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string json = RecommendationsJson(answers[i++ % answers.size()], *fx.taxonomy);
    bytes += json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["responses_per_s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["avg_bytes"] = benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(i, 1)));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// Each iteration is one Recommend; the percentiles of the iterations'
// latencies are reported as counters (microseconds).
void BM_Recommend(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  Recommender& engine = GetEngine(static_cast<size_t>(state.range(0)));
  std::vector<double> micros;
  micros.reserve(1 << 16);
  size_t i = 0, scored = 0, bounded = 0, full = 0, rows = 0;
  for (auto _ : state) {
    RecommendRequest req;
    req.need = fx.needs[i++ % fx.needs.size()];
    const auto t0 = std::chrono::steady_clock::now();
    auto resp = engine.Recommend(req);
    const auto t1 = std::chrono::steady_clock::now();
    if (!resp.ok()) Die(resp.status().ToString());
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    scored += resp->stats.rows_scored;
    bounded += resp->stats.rows_bounded;
    full += resp->stats.full_scan;
    rows = resp->stats.rows;
  }
  const double n = static_cast<double>(std::max<size_t>(i, 1));
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p90_us"] = Percentile(micros, 0.90);
  state.counters["p99_us"] = Percentile(micros, 0.99);
  state.counters["rows_scored"] = static_cast<double>(scored) / n;
  state.counters["rows_bounded"] = static_cast<double>(bounded) / n;
  state.counters["full_scans"] = static_cast<double>(full) / n;
  state.counters["catalog_rows"] = static_cast<double>(rows);
  state.counters["needs_per_s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}

// The ranker's BM25 accumulation alone (AccumulateText's loop) over the
// postings of each need's query terms. Arg 1: 0 reads the snapshot's
// compressed postings, 1 a copy of the same postings in the plain 8-byte
// layout they replaced (row, float weight), as a reference for the cost of
// decoding. Needs cycle as in Recommend; ns_per_posting is per posting read.
void BM_PostingScan(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  Recommender& engine = GetEngine(static_cast<size_t>(state.range(0)));
  const bool flat = state.range(1) != 0;
  const auto snap = engine.Snapshot();
  const size_t n = snap->size(), num_terms = snap->model->num_terms();
  struct Plain {
    uint32_t row;
    float weight;
  };
  std::vector<uint64_t> offsets(num_terms + 1, 0);
  std::vector<Plain> plain;
  if (flat) {
    for (size_t t = 0; t < num_terms; ++t) {
      snap->ForEachPosting(static_cast<uint32_t>(t), [&](uint32_t row, float w) { plain.push_back({row, w}); });
      offsets[t + 1] = plain.size();
    }
  }
  std::vector<SparseVector> queries;
  for (const Need& need : fx.needs) queries.push_back(snap->model->FeaturizeQuery(need.description).terms);
  std::vector<float> text(n, 0.f);
  std::vector<uint32_t> touched;
  size_t i = 0, postings = 0;
  for (auto _ : state) {
    const SparseVector& q = queries[i++ % queries.size()];
    for (size_t j = 0; j < q.ids.size(); ++j) {
      const uint32_t term = q.ids[j];
      const float qw = q.weights[j];
      auto add = [&](uint32_t row, float weight) {
        if (text[row] == 0.f) touched.push_back(row);
        text[row] += qw * weight;
      };
      if (flat) {
        if (term >= num_terms) continue;
        for (uint64_t k = offsets[term]; k < offsets[term + 1]; ++k) add(plain[k].row, plain[k].weight);
      } else {
        snap->ForEachPosting(term, add);
      }
    }
    benchmark::DoNotOptimize(text.data());
    for (uint32_t r : touched) text[r] = 0.f;
    postings += touched.size();
    touched.clear();
  }
  size_t read = 0;
  for (size_t k = 0; k < queries.size(); ++k)
    for (uint32_t term : queries[k].ids) snap->ForEachPosting(term, [&](uint32_t, float) { ++read; });
  const double per_need = static_cast<double>(read) / static_cast<double>(queries.size());
  state.counters["postings_per_need"] = per_need;
  state.counters["rows_touched_per_need"] = static_cast<double>(postings) / static_cast<double>(std::max<size_t>(i, 1));
  state.counters["ns_per_posting"] = benchmark::Counter(per_need * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                                                          benchmark::Counter::kInvert);
}

size_t StringBytes(const std::string& s) {
  return sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
}

// Where the memory of a snapshot goes (heap bytes of its parts; the records
// are estimated from their strings' capacities).
std::map<std::string, double> MemoryParts(const CatalogSnapshot& snap) {
  std::map<std::string, double> parts;
  parts["vectors"] = static_cast<double>(snap.vectors.rows() * snap.vectors.stride() * sizeof(float));
  parts["compact"] = static_cast<double>(snap.compact.bytes());
  double postings = 0;
  for (const PostingTable* table : {snap.base_postings.get(), snap.tail_postings.get()}) {
    postings += static_cast<double>(table->bytes());
  }
  parts["postings"] = postings;
  double index = static_cast<double>(snap.rows.capacity() * sizeof(CapabilityRow) +
                                     snap.capabilities.capacity() * sizeof(void*) + snap.size() * 8);
  for (const auto* family : {&snap.by_county, &snap.by_type, &snap.by_field})
    for (const RowBits& b : *family) index += static_cast<double>(b.capacity() * 8);
  for (const auto& per_type : snap.type_field_rows)
    for (const auto& list : per_type) index += static_cast<double>(list.capacity() * 4);
  parts["rows_filters_lists"] = index;
  double records = 0;
  for (const Complex* complex : snap.Complexes()) {
    const Complex& c = *complex;
    records += sizeof(Complex) + StringBytes(c.id) + StringBytes(c.name.zh) + StringBytes(c.name.en) +
               StringBytes(c.county) + StringBytes(c.level) + StringBytes(c.description.zh) +
               StringBytes(c.description.en);
    for (const std::string& f : c.fields) records += StringBytes(f);
    for (const Capability& cap : c.services) {
      records += sizeof(Capability) + StringBytes(cap.id) + StringBytes(cap.complex_id) + StringBytes(cap.type) +
                 StringBytes(cap.institution.zh) + StringBytes(cap.institution.en) +
                 StringBytes(cap.description.zh) + StringBytes(cap.description.en) + StringBytes(cap.price_level);
      for (const std::string& f : cap.fields) records += StringBytes(f);
    }
  }
  parts["records"] = records;
  return parts;
}

size_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

// RocksDB directory to a ready engine, then one request (the first answer is
// part of being ready). Run it in a process of its own (--benchmark_filter)
// so the resident memory is the engine's alone.
void BM_ColdStart(benchmark::State& state) {
  const Fixture& fx = GetFixture();
  const char* dir = std::getenv("IISC_BENCH_COLD_DIR");
  if (dir == nullptr) {
    state.SkipWithError("set IISC_BENCH_COLD_DIR to a directory made by iisc-gen-catalog --data-dir");
    return;
  }
  const size_t rss_before = ResidentBytes();
  size_t rss = 0, rows = 0, dim = 0;
  uint64_t postings = 0, posting_bytes = 0;
  std::map<std::string, double> parts;
  for (auto _ : state) {
    auto store = OpenRocksStore(dir, StoreOptions{});
    if (!store.ok()) Die(store.status().ToString());
    auto engine = Recommender::Open(std::move(*store), fx.taxonomy, fx.scoring, EngineOptions());
    if (!engine.ok()) Die(engine.status().ToString());
    RecommendRequest req;
    req.need = fx.needs[0];
    auto resp = (*engine)->Recommend(req);
    if (!resp.ok()) Die(resp.status().ToString());
    state.PauseTiming();
    // A few more answers so the serving scratch is in place, then measure.
    for (size_t i = 0; i < fx.needs.size(); ++i) {
      req.need = fx.needs[i];
      auto more = (*engine)->Recommend(req);
      if (!more.ok()) Die(more.status().ToString());
    }
    rss = ResidentBytes();
    rows = resp->stats.rows;
    dim = (*engine)->Snapshot()->vectors.dim();
    parts = MemoryParts(*(*engine)->Snapshot());
    for (const PostingTable* table : {(*engine)->Snapshot()->base_postings.get(),
                                      (*engine)->Snapshot()->tail_postings.get()}) {
      postings += table->num_postings();
      posting_bytes += table->encoded_bytes();
    }
    engine->reset();
    state.ResumeTiming();
  }
  const double raw = static_cast<double>(rows) * static_cast<double>(dim) * sizeof(float);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rss_MB"] = static_cast<double>(rss) / 1e6;
  state.counters["rss_before_MB"] = static_cast<double>(rss_before) / 1e6;
  state.counters["raw_float_MB"] = raw / 1e6;
  // The budget: 1.5x the raw float bytes plus 100 MB.
  state.counters["budget_MB"] = (1.5 * raw + 100e6) / 1e6;
  for (const auto& [name, bytes] : parts) state.counters[name + "_MB"] = bytes / 1e6;
  state.counters["postings_M"] = static_cast<double>(postings) / 1e6;
  state.counters["bytes_per_posting"] = static_cast<double>(posting_bytes) / static_cast<double>(std::max<uint64_t>(postings, 1));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("Featurize", BM_Featurize)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("IntentPredict", BM_IntentPredict)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("IntentTrain", BM_IntentTrain)->Unit(benchmark::kMillisecond)->Iterations(3);
  benchmark::RegisterBenchmark("ParseRequest", BM_ParseRequest)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("SerializeResponse", BM_SerializeResponse)->Unit(benchmark::kMicrosecond);
  for (int64_t n : {177, 10'000, 100'000}) {
    benchmark::RegisterBenchmark("Recommend", BM_Recommend)
        ->Arg(n)
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(n >= 100'000 ? 5.0 : 2.0)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("PostingScan", BM_PostingScan)
      ->Args({100'000, 0})
      ->Args({100'000, 1})
      ->Unit(benchmark::kMicrosecond)
      ->MinTime(2.0);
  benchmark::RegisterBenchmark("ColdStart", BM_ColdStart)
      ->Unit(benchmark::kSecond)
      ->Iterations(1)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
