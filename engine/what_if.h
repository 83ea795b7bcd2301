// Before the bureau activates a scoring configuration: what would it change?
// Stored needs are ranked again under the active and the draft configuration
// and compared (top-1 changes, overlap of the top 5, who gains and who loses
// places in the top 5, complexes and counties), and where SMEs took services
// up, how well each configuration ranks what they took (nDCG@5). And a draft
// learned from those outcomes: the weights fitted by coordinate ascent on
// that nDCG, never activated by itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "models/status.h"

namespace iisc {

// Which stored needs to replay: the last `last_n` (0: all) of those created
// in [from_unix_ms, to_unix_ms) (0: unbounded).
struct ReplayWindow {
  int64_t from_unix_ms = 0;
  int64_t to_unix_ms = 0;
  int64_t last_n = 0;
};

struct ExposureShift {
  std::string id;  // complex or county id
  int64_t active = 0;  // top-5 places under the active configuration
  int64_t draft = 0;
};

struct WhatIfReport {
  std::string active_version;
  std::string draft_version;
  int64_t needs = 0;
  double top1_changed_share = 0;  // needs whose best service changes
  double mean_overlap_at5 = 0;    // |top 5 ∩ top 5'| / 5, averaged
  // Places in the top 5 per complex and per county, changed ones only,
  // largest move first.
  std::vector<ExposureShift> complexes;
  std::vector<ExposureShift> counties;
  // On the needs whose SME took a service up (accepted or later): nDCG@5 of
  // the services taken, graded by the rating (unrated: 3).
  int64_t needs_with_outcomes = 0;
  double ndcg5_active = 0;
  double ndcg5_draft = 0;
  double seconds = 0;
};

// Replays `window` under the active configuration and `draft`, on up to
// `threads` threads. A draft equal to the active configuration reports
// exactly no change.
Result<WhatIfReport> ReplayNeeds(const Recommender& engine, std::shared_ptr<const ScoringConfig> draft,
                                 const ReplayWindow& window, int threads = 2);

struct LearnedWeights {
  ComponentWeights weights{};
  std::string toml;  // the active file's text with these weights
  std::shared_ptr<const ScoringConfig> config;
  int64_t training_needs = 0;
  double ndcg5_before = 0;
  double ndcg5_after = 0;
  int evaluations = 0;
  double seconds = 0;
};

// Fits the default weights to the outcomes of the needs in `window`
// (coordinate ascent on mean nDCG@5 of the services taken up, from the
// active weights). `active_toml` is the active configuration's text; the
// learned weights replace its [weights] values (comments kept).
// FailedPrecondition-like InvalidArgument when no need in the window has an
// outcome.
Result<LearnedWeights> LearnWeights(const Recommender& engine, const std::string& active_toml,
                                    const ReplayWindow& window, int rounds = 2, int threads = 2);

// `toml` with the values of its [weights] table replaced by `weights`.
std::string ReplaceWeights(const std::string& toml, const ComponentWeights& weights);

}  // namespace iisc
