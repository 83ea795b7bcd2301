#include "engine/what_if.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace iisc {

namespace {

// The needs of the window with their stored text, and the services their
// SME took up (capability id -> gain).
struct ReplayNeed {
  RecommendRequest request;
  std::unordered_map<std::string, double> taken;
};

Result<std::vector<ReplayNeed>> LoadWindow(const Recommender& engine, const ReplayWindow& window) {
  std::vector<ReplayNeed> needs;
  for (const std::string& id :
       engine.workflow().NeedsCreatedBetween(window.from_unix_ms, window.to_unix_ms, window.last_n)) {
    auto stored = engine.GetNeed(id);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) continue;
      return stored.status();
    }
    if (stored->erased_unix_ms != 0) continue;  // nothing left to rank
    ReplayNeed n;
    n.request.need = std::move(stored->need);
    n.request.k = 5;
    for (const ServiceRequest& r : engine.workflow().NeedRequests(id)) {
      const bool taken = r.state == RequestState::kAccepted || r.state == RequestState::kInService ||
                         r.state == RequestState::kCompleted || r.state == RequestState::kRated;
      if (taken) n.taken[r.capability_id] = r.rating > 0 ? r.rating : 3;
    }
    needs.push_back(std::move(n));
  }
  return needs;
}

double Ndcg5(const RecommendResponse& response, const std::unordered_map<std::string, double>& taken) {
  double dcg = 0;
  for (size_t i = 0; i < response.results.size() && i < 5; ++i) {
    auto it = taken.find(response.results[i].capability->id);
    if (it != taken.end()) dcg += it->second / std::log2(static_cast<double>(i) + 2);
  }
  std::vector<double> gains;
  for (const auto& [id, gain] : taken) gains.push_back(gain);
  std::sort(gains.rbegin(), gains.rend());
  double ideal = 0;
  for (size_t i = 0; i < gains.size() && i < 5; ++i) ideal += gains[i] / std::log2(static_cast<double>(i) + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

// Runs `work(i)` for i in [0, n) on `threads` threads; the first error wins.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t)>& work) {
  const size_t t = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), n));
  std::vector<Status> status(t);
  std::vector<std::thread> pool;
  for (size_t w = 0; w < t; ++w) {
    pool.emplace_back([&, w] {
      for (size_t i = w; i < n; i += t) {
        Status s = work(i);
        if (!s.ok()) {
          status[w] = s;
          return;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (Status& s : status) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<ExposureShift> Shifts(const std::map<std::string, std::pair<int64_t, int64_t>>& counts) {
  std::vector<ExposureShift> out;
  for (const auto& [id, c] : counts) {
    if (c.first != c.second) out.push_back({id, c.first, c.second});
  }
  std::stable_sort(out.begin(), out.end(), [](const ExposureShift& a, const ExposureShift& b) {
    return std::llabs(a.draft - a.active) > std::llabs(b.draft - b.active);
  });
  return out;
}

// Mean nDCG@5 over the needs with outcomes, ranked in `state`.
Result<double> MeanNdcg(const Recommender& engine, const EngineState& state,
                        const std::vector<const ReplayNeed*>& needs, int threads) {
  std::vector<double> ndcg(needs.size(), 0);
  IISC_RETURN_IF_ERROR(ParallelFor(needs.size(), threads, [&](size_t i) {
    auto ranked = engine.RecommendIn(state, needs[i]->request);
    if (!ranked.ok()) return ranked.status();
    ndcg[i] = Ndcg5(*ranked, needs[i]->taken);
    return Status::Ok();
  }));
  double sum = 0;
  for (double v : ndcg) sum += v;
  return needs.empty() ? 0.0 : sum / static_cast<double>(needs.size());
}

}  // namespace

Result<WhatIfReport> ReplayNeeds(const Recommender& engine, std::shared_ptr<const ScoringConfig> draft,
                                 const ReplayWindow& window, int threads) {
  const auto start = std::chrono::steady_clock::now();
  auto active_state = engine.RankingStateFor(nullptr);
  auto draft_state = engine.RankingStateFor(draft);
  auto needs = LoadWindow(engine, window);
  if (!needs.ok()) return needs.status();
  struct Compared {
    RecommendResponse ra, rb;
  };
  std::vector<Compared> compared(needs->size());
  IISC_RETURN_IF_ERROR(ParallelFor(needs->size(), threads, [&](size_t i) {
    auto a = engine.RecommendIn(*active_state, (*needs)[i].request);
    if (!a.ok()) return a.status();
    auto b = engine.RecommendIn(*draft_state, (*needs)[i].request);
    if (!b.ok()) return b.status();
    compared[i].ra = std::move(a).value();
    compared[i].rb = std::move(b).value();
    return Status::Ok();
  }));
  WhatIfReport report;
  report.active_version = engine.scoring_config()->version;
  report.draft_version = draft->version;
  report.needs = static_cast<int64_t>(needs->size());
  std::map<std::string, std::pair<int64_t, int64_t>> by_complex, by_county;
  double changed = 0, overlap = 0, ndcg_a = 0, ndcg_b = 0;
  for (size_t i = 0; i < compared.size(); ++i) {
    const RecommendResponse& a = compared[i].ra;
    const RecommendResponse& b = compared[i].rb;
    const std::string top_a = a.results.empty() ? "" : a.results[0].capability->id;
    const std::string top_b = b.results.empty() ? "" : b.results[0].capability->id;
    changed += top_a != top_b;
    std::set<std::string> ids_a;
    for (const Recommendation& r : a.results) {
      ids_a.insert(r.capability->id);
      ++by_complex[r.complex->id].first;
      ++by_county[r.complex->county].first;
    }
    int common = 0;
    for (const Recommendation& r : b.results) {
      common += ids_a.count(r.capability->id) > 0;
      ++by_complex[r.complex->id].second;
      ++by_county[r.complex->county].second;
    }
    overlap += common / 5.0;
    if (!(*needs)[i].taken.empty()) {
      ++report.needs_with_outcomes;
      ndcg_a += Ndcg5(a, (*needs)[i].taken);
      ndcg_b += Ndcg5(b, (*needs)[i].taken);
    }
  }
  if (report.needs > 0) {
    report.top1_changed_share = changed / static_cast<double>(report.needs);
    report.mean_overlap_at5 = overlap / static_cast<double>(report.needs);
  }
  if (report.needs_with_outcomes > 0) {
    report.ndcg5_active = ndcg_a / static_cast<double>(report.needs_with_outcomes);
    report.ndcg5_draft = ndcg_b / static_cast<double>(report.needs_with_outcomes);
  }
  report.complexes = Shifts(by_complex);
  report.counties = Shifts(by_county);
  report.seconds = Seconds(start);
  return report;
}

std::string ReplaceWeights(const std::string& toml, const ComponentWeights& weights) {
  std::istringstream in(toml);
  std::string out, line;
  bool in_weights = false;
  while (std::getline(in, line)) {
    const size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '[') {
      in_weights = line.compare(first, 9, "[weights]") == 0;
    } else if (in_weights && first != std::string::npos && line[first] != '#') {
      for (int c = 0; c < kNumComponents; ++c) {
        const std::string name = ComponentName(static_cast<Component>(c));
        if (line.compare(first, name.size(), name) != 0) continue;
        const size_t eq = line.find('=', first + name.size());
        if (eq == std::string::npos || line.find_first_not_of(" \t", first + name.size()) != eq) continue;
        std::ostringstream value;
        value.precision(4);
        value << weights[static_cast<size_t>(c)];
        std::string number = value.str();
        if (number.find_first_of(".e") == std::string::npos) number += ".0";
        const size_t comment = line.find('#', eq);
        line = line.substr(0, first) + name + " = " + number +
               (comment == std::string::npos ? "" : "  " + line.substr(comment));
      }
    }
    out += line;
    out += '\n';
  }
  return out;
}

Result<LearnedWeights> LearnWeights(const Recommender& engine, const std::string& active_toml,
                                    const ReplayWindow& window, int rounds, int threads) {
  const auto start = std::chrono::steady_clock::now();
  auto needs = LoadWindow(engine, window);
  if (!needs.ok()) return needs.status();
  std::vector<const ReplayNeed*> training;
  for (const ReplayNeed& n : *needs) {
    if (!n.taken.empty()) training.push_back(&n);
  }
  if (training.empty()) {
    return Status::InvalidArgument("no need in the window has an outcome (a service taken up) to learn from");
  }
  const auto active = engine.scoring_config();
  LearnedWeights learned;
  learned.training_needs = static_cast<int64_t>(training.size());
  auto evaluate = [&](const ComponentWeights& w) -> Result<double> {
    auto config = std::make_shared<ScoringConfig>(*active);
    config->weights = w;
    config->version = "learning";
    ++learned.evaluations;
    return MeanNdcg(engine, *engine.RankingStateFor(config), training, threads);
  };
  ComponentWeights best = active->weights;
  auto base = evaluate(best);
  if (!base.ok()) return base.status();
  double best_score = *base;
  learned.ndcg5_before = best_score;
  for (int round = 0; round < rounds; ++round) {
    bool improved = false;
    for (int c = 0; c < kNumComponents; ++c) {
      const double current = best[static_cast<size_t>(c)];
      std::vector<double> candidates =
          current > 0 ? std::vector<double>{0, current * 0.5, current * 0.8, current * 1.25, current * 2}
                      : std::vector<double>{0.25, 0.5, 1.0};
      for (double v : candidates) {
        ComponentWeights trial = best;
        trial[static_cast<size_t>(c)] = std::min(10.0, std::round(v * 1000) / 1000);
        double total = 0;
        for (double x : trial) total += x;
        if (total <= 0) continue;
        auto score = evaluate(trial);
        if (!score.ok()) return score.status();
        if (*score > best_score + 1e-9) {
          best_score = *score;
          best = trial;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  learned.weights = best;
  learned.ndcg5_after = best_score;
  learned.toml = ReplaceWeights(active_toml, best);
  auto parsed = ParseScoringConfig(learned.toml, "scoring", engine.taxonomy());
  if (!parsed.ok()) return parsed.status();
  learned.config = std::move(parsed).value();
  learned.seconds = Seconds(start);
  return learned;
}

}  // namespace iisc
