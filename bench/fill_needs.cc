// iisc-fill-needs: fills a new data directory with N stored needs and a
// share of them taken through the lifecycle, for measuring the bureau's
// supply-demand map (bench/map_load.mjs) at scale.
//
// The needs carry real rankings: the 501 labeled needs of data/eval are
// ranked once against the demo catalog (50 deep, as at submission, with the
// field the engine infers), and the N needs cycle through them with their own
// ids, a county (theirs, else one drawn with the weights below) and a time in
// the last 12 months; they are written straight into RocksDB (unsynced) in
// batches. Then the engine opens the directory as the server does and about
// --request-share of the needs request their best service through the
// Workflow (on a clock set to a few days after each need): most are
// accepted, started, completed and rated, some declined or left waiting.
//
//   iisc-fill-needs --data-dir var/bench/map-100k --needs 100000
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/command_line.h"

namespace {

using namespace iisc;

int Fail(const std::string& what) {
  std::fprintf(stderr, "iisc-fill-needs: %s\n", what.c_str());
  return 1;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Ranked {
  Need need;
  std::vector<StoredNeed::Match> matches;
  std::vector<std::string> recommended;
  std::string inferred_field;
  double inferred_confidence = 0;
};

std::vector<Need> LabeledNeeds(const std::string& root) {
  std::vector<Need> out;
  simdjson::dom::parser parser;
  for (const char* name : {"public", "heldout", "blind", "blind-problem", "problem-first"}) {
    std::ifstream in(root + "/data/eval/" + name + ".jsonl");
    std::string line;
    while (std::getline(in, line)) {
      simdjson::dom::element e;
      if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
      simdjson::dom::element n;
      if (e["need"].get(n) != simdjson::SUCCESS) continue;
      Need need;
      std::string_view s;
      if (n["description"].get_string().get(s) != simdjson::SUCCESS) continue;
      need.description = std::string(s);
      if (n["county"].get_string().get(s) == simdjson::SUCCESS) need.county = std::string(s);
      if (n["field"].get_string().get(s) == simdjson::SUCCESS) need.field = std::string(s);
      if (n["size"].get_string().get(s) == simdjson::SUCCESS) need.size = std::string(s);
      simdjson::dom::array types;
      if (n["service_types"].get_array().get(types) == simdjson::SUCCESS) {
        for (auto t : types) {
          if (t.get_string().get(s) == simdjson::SUCCESS) need.service_types.emplace_back(s);
        }
      }
      out.push_back(std::move(need));
    }
  }
  return out;
}

template <typename Fn>
auto Wait(Fn&& start) {
  using R = Result<WriteOutcome>;
  std::promise<R> done;
  start([&](R r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = IISC_SOURCE_DIR;
  std::string data_dir;
  size_t needs = 100000;
  double request_share = 0.08;
  unsigned seed = 1;
  CommandLine app("iisc-fill-needs",
                  "Fills a new data directory with stored needs, a share of them taken through the\n"
                  "lifecycle, for the map's load benchmark (bench/map_load.mjs).");
  app.add_option("--data-dir", data_dir, "a new RocksDB data directory (must not exist)")
      ->type_name("DIR")
      ->required()
      ->check(kNonEmpty);
  app.add_option("--needs", needs, "stored needs to write")->type_name("N")->check(kPositiveCount);
  app.add_option("--request-share", request_share, "share of the needs that request their best service")
      ->type_name("S")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "random seed");
  if (auto exit_code = app.Parse(argc, argv)) return *exit_code;
  if (std::filesystem::exists(data_dir)) return Fail(data_dir + " exists; give a new directory");

  auto taxonomy = Taxonomy::FromFile(root + "/data/taxonomy.json");
  if (!taxonomy.ok()) return Fail(taxonomy.status().ToString());
  auto shared = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
  auto scoring = LoadScoringConfigFile(root + "/configs/scoring.toml", *shared);
  if (!scoring.ok()) return Fail(scoring.status().ToString());
  RecommenderOptions options;
  options.vocabulary_dir = root + "/configs/vocabulary";
  options.intent_corpus_dir = root + "/configs/intent";
  options.seed_catalog_path = root + "/data/demo-catalog.jsonl";

  // 1. Real rankings (and inferred fields) of the labeled needs.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Ranked> ranked;
  {
    auto ranker = Recommender::Open(NewMemoryStore(), shared, *scoring, options);
    if (!ranker.ok()) return Fail(ranker.status().ToString());
    for (Need& need : LabeledNeeds(root)) {
      RecommendRequest req;
      req.need = need;
      req.k = 50;
      auto resp = (*ranker)->Recommend(req);
      if (!resp.ok()) return Fail(resp.status().ToString());
      Ranked r;
      r.need = std::move(need);
      for (const Recommendation& rec : resp->results) {
        r.matches.push_back({rec.capability->id, rec.score});
        if (r.recommended.size() < 10) r.recommended.push_back(rec.capability->id);
      }
      if (resp->understanding.field_inferred) {
        r.inferred_field = resp->understanding.field.id;
        r.inferred_confidence = resp->understanding.field.confidence;
      }
      ranked.push_back(std::move(r));
    }
  }
  if (ranked.empty()) return Fail("no labeled needs read from data/eval");
  std::fprintf(stderr, "ranked %zu labeled needs in %.1f s\n", ranked.size(), SecondsSince(t0));

  // 2. The stored needs, straight into RocksDB.
  t0 = std::chrono::steady_clock::now();
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t year_ms = int64_t{365} * 24 * 3600 * 1000;
  std::mt19937_64 random(seed);
  // Counties of needs that name none, weighted roughly by enterprises.
  const std::vector<std::pair<const char*, int>> counties = {
      {"lucheng", 14}, {"longwan", 10}, {"ouhai", 12}, {"dongtou", 1}, {"yongjia", 8}, {"pingyang", 7},
      {"cangnan", 6},  {"wencheng", 2}, {"taishun", 2}, {"ruian", 16}, {"yueqing", 18}, {"longgang", 4}};
  std::vector<int> weights;
  for (const auto& c : counties) weights.push_back(c.second);
  std::discrete_distribution<size_t> pick_county(weights.begin(), weights.end());
  std::vector<std::pair<std::string, int64_t>> written;  // id, created
  {
    StoreOptions store_options;
    store_options.sync_need_writes = false;
    auto store = OpenRocksStore(data_dir, store_options);
    if (!store.ok()) return Fail(store.status().ToString());
    std::vector<StoredNeed> batch;
    for (size_t i = 0; i < needs; ++i) {
      const Ranked& r = ranked[i % ranked.size()];
      StoredNeed n;
      char id[32];
      std::snprintf(id, sizeof id, "need-%012zu", i);
      n.id = id;
      n.need = r.need;
      if (n.need.county.empty()) n.need.county = counties[pick_county(random)].first;
      n.need.enterprise_name = "企业 " + std::to_string(i);
      // More needs lately: the service is growing.
      const double age = std::pow(std::uniform_real_distribution<double>(0, 1)(random), 1.4);
      n.created_unix_ms = now - static_cast<int64_t>(age * static_cast<double>(year_ms));
      n.access_token_sha256 = std::string(64, '0');
      n.config_version = "fill";
      n.matches = r.matches;
      n.recommended_capability_ids = r.recommended;
      n.inferred_field = r.inferred_field;
      n.inferred_field_confidence = r.inferred_confidence;
      written.emplace_back(n.id, n.created_unix_ms);
      batch.push_back(std::move(n));
      if (batch.size() == 2000) {
        if (Status s = (*store)->PutNeeds(batch); !s.ok()) return Fail(s.ToString());
        batch.clear();
      }
    }
    if (Status s = (*store)->PutNeeds(batch); !s.ok()) return Fail(s.ToString());
  }
  std::fprintf(stderr, "wrote %zu needs in %.1f s\n", needs, SecondsSince(t0));

  // 3. Requests through the lifecycle, on a clock a few days after each need.
  t0 = std::chrono::steady_clock::now();
  std::atomic<int64_t> clock{now};
  options.workflow.now_unix_ms = [&clock] { return clock.load(); };
  options.workflow.request_expiry_ms = int64_t{30} * 24 * 3600 * 1000;
  StoreOptions store_options;
  store_options.sync_need_writes = false;
  auto store = OpenRocksStore(data_dir, store_options);
  if (!store.ok()) return Fail(store.status().ToString());
  auto engine = Recommender::Open(std::move(store).value(), shared, std::move(scoring).value(), options);
  if (!engine.ok()) return Fail(engine.status().ToString());
  Workflow& workflow = (*engine)->workflow();
  std::uniform_real_distribution<double> u(0, 1);
  size_t requested = 0, completed = 0, rated = 0;
  for (const auto& [id, created] : written) {
    if (u(random) >= request_share) continue;
    const Ranked& r = ranked[std::stoul(id.substr(5)) % ranked.size()];
    if (r.matches.empty()) continue;
    const std::string& service = r.matches.front().capability_id;
    const Principal sme{Principal::Kind::kSme, id};
    const Principal complex{Principal::Kind::kComplex, service.substr(0, service.find('/'))};
    int64_t at = created + static_cast<int64_t>(u(random) * 3 * 24 * 3600 * 1000);
    auto step = [&](int64_t days) {
      at += static_cast<int64_t>(days * u(random) * 24 * 3600 * 1000) + 60'000;
      clock = std::min(at, now);
    };
    step(0);
    auto made = Wait([&](WriteDone done) { workflow.RequestServices(id, {service}, "", {}, std::move(done)); });
    if (!made.ok()) return Fail("request for " + id + ": " + made.status().ToString());
    ++requested;
    const std::string rid = made->requests.at(0).id;
    auto act = [&](const Principal& who, RequestAction action, ActionInput input = {}) {
      auto done = Wait([&](WriteDone d) { workflow.Act(who, rid, action, std::move(input), {}, std::move(d)); });
      if (!done.ok()) std::fprintf(stderr, "%s %s: %s\n", rid.c_str(), std::string(RequestActionName(action)).c_str(),
                                   done.status().ToString().c_str());
      return done.ok();
    };
    const double fate = u(random);
    if (fate < 0.12 || at >= now) continue;  // still waiting for an answer
    step(4);
    if (fate < 0.22) {
      ActionInput why;
      why.reason = "本月排期已满";
      act(complex, RequestAction::kDecline, why);
      continue;
    }
    if (!act(complex, RequestAction::kAccept) || at >= now) continue;
    step(5);
    if (fate < 0.30 || !act(complex, RequestAction::kStart) || at >= now) continue;
    step(20);
    if (fate < 0.42 || at >= now || !act(complex, RequestAction::kComplete)) continue;
    ++completed;
    step(7);
    if (fate < 0.55 || at >= now) continue;
    ActionInput rating;
    rating.rating = u(random) < 0.55 ? 5 : (u(random) < 0.7 ? 4 : 3);
    if (act(sme, RequestAction::kRate, rating)) ++rated;
  }
  (*engine)->Flush();
  std::fprintf(stderr, "%zu requests (%zu completed, %zu rated) in %.1f s\n", requested, completed, rated,
               SecondsSince(t0));
  std::printf("%s: %zu needs, %zu requests\n", data_dir.c_str(), needs, requested);
  return 0;
}
