// What a need is about: the field and service types the SME gave, or, when
// missing, inferred from the text. Evidence comes from two places: words of
// the domain vocabulary found in the text, and the labels of the services
// whose texts match the need best (pseudo-relevance feedback).
#pragma once

#include <span>
#include <vector>

#include "engine/recommender.h"
#include "engine/scorer.h"
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
};

// `top_hits`: the best first-stage matches, best first (a handful is enough).
Understanding UnderstandNeed(const Need& need, const ConceptHits& concepts,
                             std::span<const FirstStageHit> top_hits,
                             std::span<const CapabilityRow> rows, const Taxonomy& taxonomy,
                             const ScoringConfig& config);

}  // namespace iisc
