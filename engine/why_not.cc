#include "engine/why_not.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/catalog_snapshot.h"

namespace iisc {

namespace {

// The target's best place in `response`: index into results, or -1.
int PlaceOf(const RecommendResponse& response, const WhyNotQuery& q) {
  for (size_t i = 0; i < response.results.size(); ++i) {
    const Recommendation& r = response.results[i];
    if (q.capability_id.empty() ? r.complex->id == q.complex_id : r.capability->id == q.capability_id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool Contains(const std::vector<std::string>& list, const std::string& id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

}  // namespace

Result<WhyNotReport> ExplainWhyNot(const Recommender& engine, const WhyNotQuery& q) {
  const auto snapshot = engine.Snapshot();
  const std::string complex_id =
      q.capability_id.empty() ? q.complex_id : q.capability_id.substr(0, q.capability_id.find('/'));
  const Complex* complex = engine.FindComplex(*snapshot, complex_id);
  if (complex == nullptr) return Status::NotFound("no complex with id " + complex_id);
  const Capability* target = nullptr;
  if (!q.capability_id.empty()) {
    for (const Capability& c : complex->services) {
      if (c.id == q.capability_id) target = &c;
    }
    if (target == nullptr) return Status::NotFound("no service with id " + q.capability_id);
  } else if (complex->services.empty()) {
    return Status::NotFound("complex " + complex_id + " offers no service");
  }
  if (q.request.k < 1 || q.request.k > 100) return Status::InvalidArgument("k must be between 1 and 100", "k");

  WhyNotReport report;
  report.complex_id = complex_id;
  report.k = q.request.k;
  const size_t catalog = snapshot->size();
  RecommendRequest full = q.request;
  full.k = static_cast<int>(std::max<size_t>(catalog, 1));
  auto active = engine.RankingStateFor(nullptr);
  auto ranked = engine.RecommendIn(*active, full);
  if (!ranked.ok()) return ranked.status();
  if (ranked->results.size() >= static_cast<size_t>(q.request.k)) {
    const Recommendation& kth = ranked->results[static_cast<size_t>(q.request.k) - 1];
    report.kth_capability_id = kth.capability->id;
    report.kth_score = kth.score;
    report.kth_components = kth.components;
  }
  const int place = PlaceOf(*ranked, q);
  if (place >= 0) {
    const Recommendation& r = ranked->results[static_cast<size_t>(place)];
    report.capability_id = r.capability->id;
    report.rank = place + 1;
    report.in_top_k = report.rank <= q.request.k;
    report.score = r.score;
    report.components = r.components;
    report.scored = true;
  } else {
    // Left out entirely: by the request's own filters, by the diversity limit, or
    // because it serves no field the taxonomy knows.
    const Capability& probe = target != nullptr ? *target : complex->services.front();
    const Filters& f = q.request.filters;
    if (!f.counties.empty() && !Contains(f.counties, complex->county)) report.reasons.push_back("filter:counties");
    if (!f.service_types.empty() && !Contains(f.service_types, probe.type)) {
      report.reasons.push_back("filter:service_types");
    }
    if (!f.fields.empty() && std::none_of(probe.fields.begin(), probe.fields.end(),
                                          [&](const std::string& id) { return Contains(f.fields, id); })) {
      report.reasons.push_back("filter:fields");
    }
    report.capability_id = probe.id;
    if (report.reasons.empty()) {
      auto unlimited = std::make_shared<ScoringConfig>(*engine.scoring_config());
      unlimited->max_results_per_complex = 0;
      auto again = engine.RecommendIn(*engine.RankingStateFor(unlimited), full);
      if (!again.ok()) return again.status();
      const int freed = PlaceOf(*again, q);
      if (freed >= 0) {
        const Recommendation& r = again->results[static_cast<size_t>(freed)];
        report.reasons.push_back("diversity_limit");
        report.capability_id = r.capability->id;
        report.score = r.score;
        report.components = r.components;
        report.scored = true;
      } else {
        report.reasons.push_back("not_eligible");
      }
    }
  }
  if (report.in_top_k || !report.scored || report.kth_capability_id.empty()) return report;

  const auto& c = report.components;
  const auto& k = report.kth_components;
  if (c[kService] < k[kService]) report.reasons.push_back("type_mismatch");
  if (c[kField] < k[kField] && c[kField] == 0) report.reasons.push_back("field_mismatch");
  if (c[kCapacity] == 0) report.reasons.push_back("no_capacity_left");
  if (report.score < report.kth_score) report.reasons.push_back("outscored");
  // Diversity keeps it out whatever the weights: no single weight helps.
  if (Contains(report.reasons, "diversity_limit") || !q.search_weight_changes) return report;

  // Single weight changes: the weighted means cross where
  // (S_s + d c_s) = (S_k + d c_k), S = score x sum of weights; each found
  // change is checked by ranking again, and pushed further when the rest of
  // the ranking moved too.
  const std::shared_ptr<const ScoringConfig> config = engine.scoring_config();
  int category = -1;
  if (!ranked->understanding.field.id.empty()) {
    const int field = engine.taxonomy().FieldIndex(ranked->understanding.field.id);
    if (field >= 0) category = engine.taxonomy().fields()[static_cast<size_t>(field)].category;
  }
  const ComponentWeights effective = config->WeightsFor(category);
  double total = 0;
  for (double w : effective) total += w;
  RecommendRequest top = q.request;
  for (int i = 0; i < kNumComponents; ++i) {
    const double diff = c[static_cast<size_t>(i)] - k[static_cast<size_t>(i)];
    if (std::abs(diff) < 1e-9) continue;
    const double w = effective[static_cast<size_t>(i)];
    const double d0 = (report.kth_score - report.score) * total / diff;  // > 0 raises, < 0 lowers
    const bool overridden = category >= 0 && static_cast<size_t>(category) < config->category_overrides.size() &&
                            config->category_overrides[static_cast<size_t>(category)][static_cast<size_t>(i)];
    for (double stretch : {1.05, 1.5, 2.5, 4.0, 8.0, 16.0, 1e9}) {
      double to = w + d0 * stretch + (d0 > 0 ? 1e-3 : -1e-3);
      // Beyond the weights' range: the range's end is the last try.
      const bool at_end = to <= 0 || to >= 10;
      to = std::clamp(std::round(to * 1000) / 1000, 0.0, 10.0);
      if (to == w) break;
      auto changed = std::make_shared<ScoringConfig>(*config);
      if (overridden) {
        changed->category_overrides[static_cast<size_t>(category)][static_cast<size_t>(i)] = to;
      } else {
        changed->weights[static_cast<size_t>(i)] = to;
      }
      double sum = 0;
      for (double x : changed->WeightsFor(category)) sum += x;
      if (sum <= 0) break;
      auto again = engine.RecommendIn(*engine.RankingStateFor(changed), top);
      if (!again.ok()) return again.status();
      const int now = PlaceOf(*again, q);
      if (now >= 0) {
        const std::string name = ComponentName(static_cast<Component>(i));
        const std::string key = overridden ? "weights.category." + engine.taxonomy().categories()[static_cast<size_t>(category)].id + "." + name
                                           : "weights." + name;
        report.weight_changes.push_back({key, w, to, now + 1});
        break;
      }
      if (at_end) break;
    }
  }
  std::sort(report.weight_changes.begin(), report.weight_changes.end(), [](const WeightChange& a, const WeightChange& b) {
    return std::abs(a.to - a.from) / std::max(a.from, 0.1) < std::abs(b.to - b.from) / std::max(b.from, 0.1);
  });
  return report;
}

}  // namespace iisc
