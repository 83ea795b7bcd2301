// What a need is about: the field and service types the SME gave, or, when
// missing, inferred from the text. Evidence comes from two places: words of
// the domain vocabulary found in the text, and the labels of the services
// whose texts match the need best (pseudo-relevance feedback).
//
// The votes of the best matches tell what the need's product is; the words
// tell what is asked for it. So a type the need names outweighs types only
// the matches suggest, every type asked for in a request of its own is
// wanted ("想找采购商，再去参加个博览会"), and weak words -- the setting or the
// object of a need ("出口", "包装") -- count little.
#pragma once

#include <span>
#include <vector>

#include "engine/recommender.h"
#include "engine/scorer.h"
#include "models/intent_model.h"
#include "models/need.h"
#include "models/text_model.h"

namespace iisc {

struct FirstStageHit {
  float relevance;  // text and vector similarity, 0..1
  uint32_t row;
};

struct Understanding {
  NeedSignals signals;
  NeedUnderstanding report;
  // Service type indices whose best service must be in the top 5 (hedging
  // and needs asking for several kinds of service), likeliest first.
  std::vector<int> cover_types;
};

// Mixes vocabulary evidence and feedback votes into a distribution (sum 1,
// or all 0 when both are silent): `word_share` of it from the words. Either
// source may be silent; then the other decides alone.
std::vector<float> MixEvidence(const std::vector<float>& words, const std::vector<float>& votes,
                               float word_share);

// True when the need names service types in separate requests: per type, the
// request parts (ConceptHits::service_type_parts) its words occur in, and two
// types do not share all their parts.
bool AsksSeparately(std::span<const uint32_t> type_parts);

// Word evidence per field / service type from the vocabulary hits: distinct
// words with diminishing returns, weak words counting little.
std::vector<float> FieldWordEvidence(const ConceptHits& concepts, size_t num_fields);
std::vector<float> TypeWordEvidence(const ConceptHits& concepts, size_t num_types);

// Weights of the service types (0..1, the likeliest 1) from the vocabulary
// hits and the votes of the best matches (per type); `confidence` (optional)
// gets each type's confidence for the report.
// The intent model's share in the type evidence: more the surer it is of its
// likeliest type (see ScoringConfig::inference_intent_type_share_sure).
double IntentShare(const std::vector<float>& model, const ScoringConfig& config);

// `model` (optional): the intent model's calibrated probability per type,
// mixed in with IntentShare().
std::vector<float> InferTypeWeights(const ConceptHits& concepts, std::vector<float> votes,
                                    const ScoringConfig& config, std::vector<float>* confidence,
                                    const std::vector<float>* model = nullptr);

// Field weights from the inferred field distribution `p`: the likeliest field
// 1 once as likely as inference_field_full_confidence, the rest in proportion.
std::vector<float> FieldWeights(const std::vector<float>& p, const ScoringConfig& config);

// `top_hits`: the best first-stage matches, best first (a handful is enough).
// `intent`: the intent model's prediction for the need, or null.
Understanding UnderstandNeed(const Need& need, const ConceptHits& concepts,
                             std::span<const FirstStageHit> top_hits,
                             std::span<const CapabilityRow> rows, const Taxonomy& taxonomy,
                             const ScoringConfig& config, const IntentPrediction* intent = nullptr);

}  // namespace iisc
