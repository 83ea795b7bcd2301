// The bureau's levers: component weights, per-category overrides, policy
// priority boosts, diversity. Filled once from a TOML file, validated
// strictly, then immutable; the engine swaps whole snapshots atomically.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

// The scoring components, each a value in [0, 1] reported in `explanation`.
enum Component : int {
  kText = 0,     // lexical relevance (BM25 over the service's texts)
  kSemantic,     // cross-lingual vector similarity
  kField,        // field match: exact, same category, none
  kService,      // service-type match
  kRegion,       // same county best, decaying with distance between seats
  kQuality,      // smoothed rating
  kCapacity,     // capacity left this month
  kPrice,        // price level fit for the enterprise size
  kPriority,     // policy priority of the service's fields
  kNumComponents
};

// The name used in the API's `explanation` object and in the TOML file.
const char* ComponentName(Component c);

using ComponentWeights = std::array<double, kNumComponents>;

struct ScoringConfig {
  // Names these weights in every response: "<file stem>@<hash of the content>".
  std::string version;

  // Default weights (each >= 0; they need not sum to 1, the score is normalized
  // by their sum). Relevance components dominate; the same starting values as
  // configs/scoring.toml, so a file without [weights] still ranks sensibly.
  ComponentWeights weights{1.0, 0.75, 1.5, 2.0, 0.5, 0.3, 0.2, 0.2, 0.2};
  // Per-category replacements of individual weights, indexed by category
  // (Taxonomy::categories()); nullopt keeps the default weight.
  std::vector<std::array<std::optional<double>, kNumComponents>> category_overrides;

  // Field component when the service's field is in the need's category but not
  // the field itself (exact = 1, none = 0).
  double field_same_category = 0.2;
  // Field component of a general service, whatever the need's field: one that
  // lists `general_service_min_fields` or more fields, or (see below) belongs
  // to a municipal-level complex.
  double field_general = 0.6;
  int general_service_min_fields = 6;
  // Services of municipal-level complexes serve every field and count as
  // general too: specialists in the need's field rank above them.
  bool municipal_services_general = true;
  // The field match counts only as much as the service is of a wanted type:
  // a footwear testing lab is no answer to a footwear design need.
  bool field_counts_only_for_wanted_types = true;
  // Region component = exp(-distance_km / region_decay_km); 1 in the same county.
  double region_decay_km = 40.0;
  // Bayesian smoothing of ratings: (rating*n + prior*m)/(n+m) with n=1.
  double quality_prior_rating = 4.0;
  double quality_prior_weight = 1.0;
  // Price fit [size][price level]: rows micro, small, medium; columns free,
  // subsidized, market.
  std::array<std::array<double, 3>, 3> price_fit{{{1.0, 0.9, 0.4}, {1.0, 0.9, 0.6}, {1.0, 0.9, 0.9}}};
  // Priority component by field priority (taken as the best over the service's fields).
  double priority_leading = 1.0;
  double priority_strategic = 1.0;
  double priority_normal = 0.0;
  // Minimum confidence for an inferred field or service type to be used.
  double inference_min_confidence = 0.35;
  // How much the need's own words decide its service type, against the types
  // of the services its text matches best (0..1; the rest is theirs).
  double inference_type_word_share = 0.33;
  // Least weight of a service type the need names in words of its own
  // ("检测", "loan"), relative to the likeliest type.
  double inference_named_type_floor = 0.4;
  // Least weight of each type named in a request of its own, when the need
  // makes several ("..., 另外还想贷款", "... and also a booth").
  double inference_separate_request_floor = 0.9;
  // An inferred field this likely counts as fully matched; a less likely one
  // in proportion (the field component is its confidence / this).
  double inference_field_full_confidence = 0.7;
  // Share of the learned intent model (trained on example needs) in the
  // service-type and field evidence, against the vocabulary and the best
  // matches (0..1); used only when the engine has an intent model.
  // The model's share rises with its own certainty (its likeliest type's
  // calibrated probability): `unsure` at or below intent_unsure_probability,
  // `sure` at or above intent_sure_probability, in proportion between. Sure,
  // the model is rarely wrong; unsure, the vocabulary and the best matches
  // know the catalog's own wording better.
  double inference_intent_type_share_sure = 0.9;
  double inference_intent_type_share_unsure = 0.6;
  double inference_intent_sure_probability = 0.9;
  double inference_intent_unsure_probability = 0.5;
  double inference_intent_field_share = 0.8;
  // A type the intent model finds this likely (0..1, calibrated) is wanted
  // whatever the others: weight at least inference_separate_request_floor.
  double inference_intent_wanted_probability = 0.5;
  // Hedging: every inferred type at least this likely relative to the
  // likeliest (0..1) gets its best service into the top 5 (at most 3 types).
  double inference_hedge_min_relative = 0.5;
  // Ask: when the second likeliest type is at least this likely relative to
  // the likeliest, and the need does not clearly ask for both, the response
  // carries a question to choose between them (1 = never ask).
  double inference_clarify_min_relative = 0.6;
  // Diversity: at most this many results per complex (0 = unlimited).
  int max_results_per_complex = 3;
  // Services general enough to serve many fields (see field_general) take at
  // most this many of the top 5 places while a specialist of a wanted type in
  // the need's field scores at least general_defer_min_relative of the best
  // result (0..5; 5 = no limit).
  int max_general_in_top5 = 1;
  double general_defer_min_relative = 0.75;

  // Effective weights for a need whose field is in `category` (-1 = unknown).
  ComponentWeights WeightsFor(int category) const;
};

// Parses and validates the bureau's TOML. Unknown keys, wrong types and
// out-of-range values are InvalidArgument errors whose message names the key
// and the line ("weights.text at line 12: must be between 0 and 10").
Result<std::shared_ptr<const ScoringConfig>> ParseScoringConfig(std::string_view toml,
                                                               std::string_view source_name,
                                                               const Taxonomy& taxonomy);
Result<std::shared_ptr<const ScoringConfig>> LoadScoringConfigFile(const std::string& path,
                                                                  const Taxonomy& taxonomy);

}  // namespace iisc
