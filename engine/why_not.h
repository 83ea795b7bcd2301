// "Why are we never recommended?": for one need and one service (or the best
// placed service of one complex), the rank it gets in the full ranking, its
// score components beside those of the k-th result, the rules that kept it
// out of the top k, and the single weight changes that would bring it in
// (each checked by ranking again, not estimated).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/recommender.h"
#include "models/status.h"

namespace iisc {

struct WhyNotQuery {
  RecommendRequest request;   // the need, its filters, and k (the top k asked about)
  std::string capability_id;  // one of the two
  std::string complex_id;
  // Look for the single weight changes (a few rankings per component).
  bool search_weight_changes = true;
};

struct WeightChange {
  std::string key;  // the scoring.toml key: "weights.region", "weights.category.<category>.region"
  double from = 0;
  double to = 0;
  int rank_after = 0;  // the service's rank with only this weight changed
};

struct WhyNotReport {
  std::string capability_id;
  std::string complex_id;
  int k = 0;
  // 1-based place in the full ranking (every service, same rules as the
  // answer, k = the catalog's size); 0 when the rules leave it out entirely.
  int rank = 0;
  bool in_top_k = false;
  double score = 0;  // 0 when it could not be scored (filtered, not eligible)
  std::array<double, kNumComponents> components{};
  bool scored = false;
  // The k-th result, for comparison (empty id when fewer than k results).
  std::string kth_capability_id;
  double kth_score = 0;
  std::array<double, kNumComponents> kth_components{};
  // What kept it out, most decisive first: "filter:counties", "filter:service_types",
  // "filter:fields", "not_eligible", "diversity_limit", "type_mismatch", "field_mismatch",
  // "no_capacity_left", "outscored".
  std::vector<std::string> reasons;
  // Single weight changes that bring it into the top k, smallest relative
  // change first (empty when none within the weights' range 0..10 does).
  std::vector<WeightChange> weight_changes;
};

// NotFound when the service or complex is not in the catalog.
Result<WhyNotReport> ExplainWhyNot(const Recommender& engine, const WhyNotQuery& query);

}  // namespace iisc
