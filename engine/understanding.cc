#include "engine/understanding.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace iisc {
namespace {

// Share of vocabulary evidence against the votes of the best-matching
// services for the field. Field words are specific ("断路器" says
// electrical), so they weigh more than type words do
// (ScoringConfig::inference_type_word_share).
constexpr float kFieldWordShare = 0.7f;
// Weak words ("出口", "包装": the setting or the object of a need rather than
// its subject) count this much of a word, however many there are.
constexpr float kWeakWord = 0.5f;
// ... and weak field words this much more again when another field has a word
// of its own: "礼盒包装" in a tea grower's need is about tea.
constexpr float kWeakFieldBesideNamed = 0.2f;
// Votes for a type the need names no word of, when it names another: product
// nouns make all services of one complex match, whatever their type, and
// must not outvote what the need asks for. Not zero: the vocabulary misses
// many ways of asking.
constexpr float kUnnamedTypeVotes = 0.6f;

// Evidence of n distinct words of a field or type: more words, surer, with
// diminishing returns.
float WordEvidence(float n) { return n > 0 ? std::sqrt(n) : 0.f; }

float Sum(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.f); }

size_t ArgMax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<float> Resized(const std::vector<float>& v, size_t n) {
  std::vector<float> out(v);
  out.resize(n, 0.f);
  return out;
}

// The intent model's distribution `model` (normalized here) joins `p` with
// `share`; when the rule is silent the model decides alone.
void BlendModel(const std::vector<float>& model, float share, std::vector<float>* p) {
  const float sum = Sum(model);
  const bool rule_silent = Sum(*p) <= 0;
  for (size_t i = 0; i < p->size() && i < model.size(); ++i) {
    const float m = sum > 0 ? model[i] / sum : 0.f;
    (*p)[i] = rule_silent ? m : (1 - share) * (*p)[i] + share * m;
  }
}

}  // namespace

double IntentShare(const std::vector<float>& model, const ScoringConfig& config) {
  if (model.empty()) return 0.0;
  const double sure = *std::max_element(model.begin(), model.end());
  const double lo = config.inference_intent_unsure_probability, hi = config.inference_intent_sure_probability;
  const double x = hi > lo ? std::clamp((sure - lo) / (hi - lo), 0.0, 1.0) : (sure >= hi ? 1.0 : 0.0);
  return config.inference_intent_type_share_unsure +
         (config.inference_intent_type_share_sure - config.inference_intent_type_share_unsure) * x;
}

std::vector<float> MixEvidence(const std::vector<float>& words, const std::vector<float>& votes,
                               float word_share) {
  float ws = Sum(words), vs = Sum(votes);
  std::vector<float> p(words.size(), 0.f);
  float total = (ws > 0 ? word_share : 0.f) + (vs > 0 ? 1 - word_share : 0.f);
  if (total <= 0) return p;
  for (size_t i = 0; i < p.size(); ++i) {
    float w = ws > 0 ? words[i] / ws : 0.f;
    float v = vs > 0 && i < votes.size() ? votes[i] / vs : 0.f;
    p[i] = (word_share * w + (1 - word_share) * v) / total;
  }
  return p;
}

bool AsksSeparately(std::span<const uint32_t> type_parts) {
  uint32_t seen = 0;
  for (uint32_t parts : type_parts) {
    if (parts == 0) continue;
    // A type in a part no earlier type is in, or missing from one they are in.
    if (seen != 0 && ((parts & ~seen) != 0 || (seen & ~parts) != 0)) return true;
    seen |= parts;
  }
  return false;
}

std::vector<float> FieldWordEvidence(const ConceptHits& concepts, size_t num_fields) {
  std::vector<float> strong = Resized(concepts.fields, num_fields);
  std::vector<float> weak = Resized(concepts.weak_fields, num_fields);
  size_t named = static_cast<size_t>(std::count_if(strong.begin(), strong.end(), [](float n) { return n > 0; }));
  std::vector<float> evidence(num_fields, 0.f);
  for (size_t f = 0; f < num_fields; ++f) {
    bool other_named = named > (strong[f] > 0 ? 1u : 0u);
    float weak_weight = kWeakWord * (other_named ? kWeakFieldBesideNamed : 1.f);
    evidence[f] = WordEvidence(strong[f]) + weak_weight * std::min(1.f, weak[f]);
  }
  return evidence;
}

std::vector<float> TypeWordEvidence(const ConceptHits& concepts, size_t num_types) {
  std::vector<float> strong = Resized(concepts.service_types, num_types);
  std::vector<float> weak = Resized(concepts.weak_service_types, num_types);
  std::vector<float> evidence(num_types, 0.f);
  for (size_t t = 0; t < num_types; ++t) {
    evidence[t] = WordEvidence(strong[t]) + kWeakWord * std::min(1.f, weak[t]);
  }
  return evidence;
}

std::vector<float> InferTypeWeights(const ConceptHits& concepts, std::vector<float> votes,
                                    const ScoringConfig& config, std::vector<float>* confidence,
                                    const std::vector<float>* model) {
  const size_t num_types = votes.size();
  std::vector<float> named = Resized(concepts.service_types, num_types);
  std::vector<float> words = TypeWordEvidence(concepts, num_types);
  if (std::any_of(named.begin(), named.end(), [](float n) { return n > 0; })) {
    for (size_t t = 0; t < num_types; ++t)
      if (named[t] == 0) votes[t] *= kUnnamedTypeVotes;
  }
  // The less the text says, the more its best matches decide: weak words
  // alone get part of the words' share.
  const float said = std::min(1.f, Sum(words));
  std::vector<float> p = MixEvidence(words, votes, static_cast<float>(config.inference_type_word_share) * said);
  // The intent model knows ways of asking that no word list names; its
  // probabilities (independent per type) join as a distribution.
  const bool use_model = model != nullptr && model->size() == num_types;
  if (use_model) BlendModel(*model, static_cast<float>(IntentShare(*model, config)), &p);

  // Several types may be wanted at once: each keeps its strength relative to
  // the strongest, weak ones are dropped, named ones never.
  std::vector<float> weight(num_types, 0.f);
  const float top = num_types > 0 ? p[ArgMax(p)] : 0.f;
  if (top > 0) {
    const float min_relative = static_cast<float>(config.inference_min_confidence);
    for (size_t t = 0; t < num_types; ++t) {
      if (p[t] >= min_relative * top) weight[t] = p[t] / top;
      if (named[t] > 0) weight[t] = std::max(weight[t], static_cast<float>(config.inference_named_type_floor));
    }
    // Separate requests ("..., 另外还要贷款"): every type asked for in a part
    // of its own is wanted, not just the strongest.
    std::vector<uint32_t> parts = concepts.service_type_parts;
    parts.resize(num_types, 0u);
    if (AsksSeparately(parts)) {
      for (size_t t = 0; t < num_types; ++t) {
        if (parts[t] != 0) {
          weight[t] = std::max(weight[t], static_cast<float>(config.inference_separate_request_floor));
        }
      }
    }
    // Types the model finds likely each on its own are wanted together.
    if (use_model) {
      for (size_t t = 0; t < num_types; ++t) {
        if ((*model)[t] >= config.inference_intent_wanted_probability) {
          weight[t] = std::max(weight[t], static_cast<float>(config.inference_separate_request_floor));
        }
      }
    }
  }
  if (confidence != nullptr) {
    confidence->assign(num_types, 0.f);
    for (size_t t = 0; t < num_types; ++t) (*confidence)[t] = weight[t] * top;
  }
  return weight;
}

std::vector<float> FieldWeights(const std::vector<float>& p, const ScoringConfig& config) {
  std::vector<float> weight(p.size(), 0.f);
  if (p.empty()) return weight;
  // The likeliest field counts fully once it is likely enough, the others in
  // proportion; the weights still sum to at most 1 / field_full_confidence,
  // so a general service never passes a specialist of the likeliest field.
  const float full = static_cast<float>(config.inference_field_full_confidence);
  const float scale = 1.f / std::max(p[ArgMax(p)], full);
  for (size_t f = 0; f < p.size(); ++f) weight[f] = p[f] * scale;
  return weight;
}

Understanding UnderstandNeed(const Need& need, const ConceptHits& concepts,
                             std::span<const FirstStageHit> top_hits,
                             std::span<const CapabilityRow> rows, const Taxonomy& taxonomy,
                             const ScoringConfig& config, const IntentPrediction* intent) {
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
    if (f >= 0) {
      s.field_weight[f] = 1.f;
      s.category = taxonomy.fields()[f].category;
    }
    u.report.field = {need.field, 1.0, {}};
  } else {
    std::vector<float> p = MixEvidence(FieldWordEvidence(concepts, num_fields), field_votes, kFieldWordShare);
    if (intent != nullptr && intent->field.size() == num_fields && config.inference_intent_field_share > 0) {
      BlendModel(intent->field, static_cast<float>(config.inference_intent_field_share), &p);
    }
    size_t best = ArgMax(p);
    if (p[best] > 0) {
      u.report.field = {taxonomy.fields()[best].id, p[best], {}};
      u.report.field_inferred = true;
    }
    if (p[best] >= config.inference_min_confidence) s.category = taxonomy.fields()[best].category;
    s.field_weight = FieldWeights(p, config);
  }

  if (!need.service_types.empty()) {
    s.type_weight.assign(num_types, 0.f);
    for (const std::string& t : need.service_types) {
      int idx = taxonomy.ServiceTypeIndex(t);
      if (idx >= 0) s.type_weight[idx] = 1.f;
      u.report.service_types.push_back({t, 1.0, {}});
      // Several types given: the best service of each in the top 5.
      if (idx >= 0 && need.service_types.size() >= 2 && u.cover_types.size() < 3) u.cover_types.push_back(idx);
    }
  } else {
    std::vector<float> confidence;
    s.type_weight = InferTypeWeights(concepts, type_votes, config, &confidence,
                                     intent != nullptr ? &intent->types : nullptr);
    std::vector<std::pair<float, size_t>> ranked;
    for (size_t t = 0; t < num_types; ++t) {
      if (s.type_weight[t] > 0) ranked.emplace_back(confidence[t], t);
    }
    std::sort(ranked.begin(), ranked.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (const auto& [conf, t] : ranked) {
      u.report.service_types.push_back({taxonomy.service_types()[t].id, conf, {}});
    }
    u.report.service_types_inferred = !ranked.empty();
    // Hedge: the types close to the likeliest each get their best service
    // into the top 5.
    if (!ranked.empty()) {
      const float top = ranked.front().first;
      for (const auto& [conf, t] : ranked) {
        if (u.cover_types.size() < 3 && conf >= config.inference_hedge_min_relative * top) {
          u.cover_types.push_back(static_cast<int>(t));
        }
      }
      if (u.cover_types.size() < 2) u.cover_types.clear();
    }
    // Ask when the two likeliest are close and the need does not clearly ask
    // for both, in requests of their own.
    if (intent != nullptr && ranked.size() >= 2 && config.inference_clarify_min_relative < 1) {
      const float top = ranked[0].first;
      std::vector<uint32_t> parts = concepts.service_type_parts;
      parts.resize(num_types, 0u);
      const bool separate_words = AsksSeparately(parts);
      const auto wanted = [&](size_t t) {
        return std::find(intent->request_types.begin(), intent->request_types.end(), static_cast<int>(t)) !=
                   intent->request_types.end() ||
               (separate_words && parts[t] != 0);
      };
      if (ranked[1].first >= config.inference_clarify_min_relative * top &&
          !(wanted(ranked[0].second) && wanted(ranked[1].second))) {
        for (size_t i = 0; i < ranked.size() && i < 3; ++i) {
          if (i < 2 || ranked[i].first >= config.inference_clarify_min_relative * top) {
            u.report.clarify_between.push_back(taxonomy.service_types()[ranked[i].second].id);
          }
        }
      }
    }
  }
  for (int t : u.cover_types) u.report.hedged_types.push_back(taxonomy.service_types()[static_cast<size_t>(t)].id);
  s.SetFieldSupport();
  return u;
}

}  // namespace iisc
