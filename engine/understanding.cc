#include "engine/understanding.h"

#include <algorithm>
#include <numeric>

namespace iisc {
namespace {

// Shares of vocabulary evidence against the votes of the best-matching
// services. Field words are specific ("断路器" says electrical), so they weigh
// more; service-type words are often context ("出口" in "出口欧盟做检测" asks
// for testing, not export help), so the services the text matches decide more.
constexpr float kFieldKeywordShare = 0.7f;
constexpr float kTypeKeywordShare = 0.25f;

// Mixes vocabulary evidence and feedback votes into a distribution. Either
// source may be silent; then the other decides alone.
std::vector<float> Mix(const std::vector<float>& keyword, const std::vector<float>& votes,
                       float keyword_share) {
  float ks = std::accumulate(keyword.begin(), keyword.end(), 0.f);
  float vs = std::accumulate(votes.begin(), votes.end(), 0.f);
  std::vector<float> p(keyword.size(), 0.f);
  float total = (ks > 0 ? keyword_share : 0.f) + (vs > 0 ? 1 - keyword_share : 0.f);
  if (total <= 0) return p;
  for (size_t i = 0; i < p.size(); ++i) {
    float k = ks > 0 ? keyword[i] / ks : 0.f;
    float v = vs > 0 ? votes[i] / vs : 0.f;
    p[i] = (keyword_share * k + (1 - keyword_share) * v) / total;
  }
  return p;
}

size_t ArgMax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

Understanding UnderstandNeed(const Need& need, const ConceptHits& concepts,
                             std::span<const FirstStageHit> top_hits,
                             std::span<const CapabilityRow> rows, const Taxonomy& taxonomy,
                             const ScoringConfig& config) {
  const size_t num_fields = taxonomy.fields().size();
  const size_t num_types = taxonomy.service_types().size();
  Understanding u;
  NeedSignals& s = u.signals;
  s.county = need.county.empty() ? -1 : taxonomy.CountyIndex(need.county);
  s.size = need.size.empty() ? -1 : taxonomy.SizeIndex(need.size);

  // Votes of the best matching services, weighted by how well they match.
  std::vector<float> field_votes(num_fields, 0.f), type_votes(num_types, 0.f);
  for (const FirstStageHit& hit : top_hits) {
    const CapabilityRow& r = rows[hit.row];
    // Cubed, so the best match dominates: the other services of its complex
    // match the need's words too (same complex name, same fields), and their
    // types must not pass for what the need asks.
    const float vote = hit.relevance * hit.relevance * hit.relevance;
    if (r.num_fields > 0) {
      float share = vote / r.num_fields;
      for (size_t f = 0; f < num_fields; ++f)
        if (r.field_bits >> f & 1) field_votes[f] += share;
    }
    if (r.service_type >= 0) type_votes[r.service_type] += vote;
  }

  if (!need.field.empty()) {
    s.field_weight.assign(num_fields, 0.f);
    int f = taxonomy.FieldIndex(need.field);
    if (f >= 0) s.field_weight[f] = 1.f;
    u.report.field = {need.field, 1.0};
  } else {
    std::vector<float> keyword(concepts.fields);
    keyword.resize(num_fields, 0.f);
    s.field_weight = Mix(keyword, field_votes, kFieldKeywordShare);
    size_t best = ArgMax(s.field_weight);
    if (s.field_weight[best] > 0) {
      u.report.field = {taxonomy.fields()[best].id, s.field_weight[best]};
      u.report.field_inferred = true;
    }
  }
  {
    size_t best = ArgMax(s.field_weight);
    if (s.field_weight[best] >= config.inference_min_confidence) {
      s.category = taxonomy.fields()[best].category;
    }
  }

  if (!need.service_types.empty()) {
    s.type_weight.assign(num_types, 0.f);
    for (const std::string& t : need.service_types) {
      int idx = taxonomy.ServiceTypeIndex(t);
      if (idx >= 0) s.type_weight[idx] = 1.f;
      u.report.service_types.push_back({t, 1.0});
    }
  } else {
    std::vector<float> keyword(concepts.service_types);
    keyword.resize(num_types, 0.f);
    std::vector<float> p = Mix(keyword, type_votes, kTypeKeywordShare);
    // Several types may be wanted at once: each keeps its strength relative
    // to the strongest, and weak ones are dropped.
    s.type_weight.assign(num_types, 0.f);
    float top = p[ArgMax(p)];
    std::vector<std::pair<float, size_t>> ranked;
    for (size_t t = 0; t < num_types; ++t) {
      if (top > 0 && p[t] >= config.inference_min_confidence * top) {
        s.type_weight[t] = p[t] / top;
        ranked.emplace_back(p[t], t);
      }
    }
    std::sort(ranked.rbegin(), ranked.rend());
    for (const auto& [conf, t] : ranked) {
      u.report.service_types.push_back({taxonomy.service_types()[t].id, conf});
    }
    u.report.service_types_inferred = !ranked.empty();
  }
  s.SetFieldSupport();
  return u;
}

}  // namespace iisc
