#include "engine/scoring_config.h"

#include <cstdint>
#include <filesystem>
#include <utility>

#include "engine/toml_reader.h"
#include "models/hash.h"

namespace iisc {
namespace {

// Upper bound of every weight: wide enough for any emphasis the bureau wants
// (weights are relative), narrow enough that a misplaced digit is caught.
constexpr double kMaxWeight = 10.0;

constexpr const char* kComponentNames[kNumComponents] = {
    "text", "semantic", "field", "service", "region", "quality", "capacity", "price", "priority",
};

// Rows and columns of ScoringConfig::price_fit, as named in the file.
constexpr const char* kSizeNames[3] = {"micro", "small", "medium"};
constexpr const char* kPriceLevelNames[3] = {"free", "subsidized", "market"};

std::string ContentVersion(std::string_view toml, std::string_view source_name) {
  std::string stem = std::filesystem::path(std::string(source_name)).stem().string();
  if (stem.empty()) stem = "config";
  // FNV-1a only needs to tell config contents apart in responses and logs,
  // not to resist an adversary (the bureau writes the file).
  const std::string hex = HexU64(Fnv1a64::Of(toml));
  // 12 hex digits (48 bits) are plenty to tell a few hundred revisions apart
  // and keep the version short enough to read in a response.
  return stem + "@" + hex.substr(0, 12);
}

void ReadWeights(TomlSection& weights, ScoringConfig* config) {
  for (int c = 0; c < kNumComponents; ++c) {
    weights.Number(kComponentNames[c], 0.0, kMaxWeight, &config->weights[static_cast<size_t>(c)]);
  }
  bool any_positive = false;
  for (double w : config->weights) any_positive = any_positive || w > 0;
  // The score is normalized by the sum of the weights, so all zeros has no meaning.
  if (!any_positive) weights.Fail("", "at least one weight must be above 0");
}

void ReadCategoryOverrides(TomlSection& weights, const Taxonomy& taxonomy, ScoringConfig* config) {
  config->category_overrides.assign(taxonomy.categories().size(), {});
  TomlSection categories = weights.Table("category");
  for (const std::string& id : categories.Keys()) {
    int index = taxonomy.CategoryIndex(id);
    if (index < 0) {
      std::string known;
      for (const CategoryInfo& info : taxonomy.categories()) {
        known += (known.empty() ? "" : ", ") + info.id;
      }
      // Each key inside would be reported as unknown too; one message about
      // the category is clearer.
      categories.Skip(id);
      categories.Fail(id, "unknown category \"" + id + "\" (known categories: " + known + ")");
      continue;
    }
    TomlSection overrides = categories.Table(id);
    if (!overrides.present()) continue;
    auto& slot = config->category_overrides[static_cast<size_t>(index)];
    for (int c = 0; c < kNumComponents; ++c) {
      double w = 0;
      if (overrides.Number(kComponentNames[c], 0.0, kMaxWeight, &w))
        slot[static_cast<size_t>(c)] = w;
    }
    bool any_positive = false;
    for (double w : config->WeightsFor(index)) any_positive = any_positive || w > 0;
    if (!any_positive) {
      overrides.Fail("",
                     "with these overrides every weight of the category is 0; "
                     "at least one must be above 0");
    }
  }
}

void ReadSettings(TomlSection root, ScoringConfig* config) {
  TomlSection field = root.Table("field_match");
  field.Number("same_category", 0.0, 1.0, &config->field_same_category);
  field.Number("general", 0.0, 1.0, &config->field_general);
  // The taxonomy has a few dozen fields; a threshold in the hundreds is a typo.
  field.IntegerAs("general_min_fields", 1, 100, &config->general_service_min_fields);
  field.Bool("municipal_is_general", &config->municipal_services_general);
  field.Bool("only_for_wanted_types", &config->field_counts_only_for_wanted_types);

  TomlSection region = root.Table("region");
  // Below 1 km every other county scores 0; Wenzhou spans about 150 km.
  region.Number("decay_km", 1.0, 1000.0, &config->region_decay_km);

  TomlSection quality = root.Table("quality");
  quality.Number("prior_rating", 0.0, 5.0, &config->quality_prior_rating);
  // Above 0: an unrated service is scored by the prior alone, which needs
  // some weight to stand on.
  quality.Number("prior_weight", 0.1, 100.0, &config->quality_prior_weight);

  TomlSection price = root.Table("price_fit");
  for (size_t size = 0; size < 3; ++size) {
    TomlSection row = price.Table(kSizeNames[size]);
    for (size_t level = 0; level < 3; ++level) {
      row.Number(kPriceLevelNames[level], 0.0, 1.0, &config->price_fit[size][level]);
    }
  }

  TomlSection priority = root.Table("priority");
  priority.Number("leading", 0.0, 1.0, &config->priority_leading);
  priority.Number("strategic", 0.0, 1.0, &config->priority_strategic);
  priority.Number("normal", 0.0, 1.0, &config->priority_normal);

  TomlSection inference = root.Table("inference");
  inference.Number("min_confidence", 0.0, 1.0, &config->inference_min_confidence);
  inference.Number("type_word_share", 0.0, 1.0, &config->inference_type_word_share);
  inference.Number("named_type_floor", 0.0, 1.0, &config->inference_named_type_floor);
  inference.Number("separate_request_floor", 0.0, 1.0, &config->inference_separate_request_floor);
  // Above 0: the field weight is divided by it.
  inference.Number("field_full_confidence", 0.05, 1.0, &config->inference_field_full_confidence);
  inference.Number("intent_type_share_sure", 0.0, 1.0, &config->inference_intent_type_share_sure);
  inference.Number("intent_type_share_unsure", 0.0, 1.0, &config->inference_intent_type_share_unsure);
  inference.Number("intent_sure_probability", 0.0, 1.0, &config->inference_intent_sure_probability);
  inference.Number("intent_unsure_probability", 0.0, 1.0, &config->inference_intent_unsure_probability);
  inference.Number("intent_field_share", 0.0, 1.0, &config->inference_intent_field_share);
  inference.Number("intent_wanted_probability", 0.0, 1.0, &config->inference_intent_wanted_probability);
  inference.Number("hedge_min_relative", 0.0, 1.0, &config->inference_hedge_min_relative);
  inference.Number("clarify_min_relative", 0.0, 1.0, &config->inference_clarify_min_relative);

  if (config->inference_intent_unsure_probability >= config->inference_intent_sure_probability) {
    inference.Fail("intent_unsure_probability", "must be less than intent_sure_probability");
  }

  TomlSection diversity = root.Table("diversity");
  diversity.IntegerAs("max_results_per_complex", 0, 100, &config->max_results_per_complex);
  diversity.IntegerAs("max_general_in_top5", 0, 5, &config->max_general_in_top5);
  diversity.Number("general_defer_min_relative", 0.0, 1.0, &config->general_defer_min_relative);
}

}  // namespace

const char* ComponentName(Component c) {
  if (c < 0 || c >= kNumComponents) return "unknown";
  return kComponentNames[c];
}

ComponentWeights ScoringConfig::WeightsFor(int category) const {
  ComponentWeights effective = weights;
  if (category < 0 || static_cast<size_t>(category) >= category_overrides.size()) return effective;
  const auto& overrides = category_overrides[static_cast<size_t>(category)];
  for (size_t c = 0; c < effective.size(); ++c) {
    if (overrides[c]) effective[c] = *overrides[c];
  }
  return effective;
}

Result<std::shared_ptr<const ScoringConfig>> ParseScoringConfig(std::string_view toml,
                                                                std::string_view source_name,
                                                                const Taxonomy& taxonomy) {
  auto doc = TomlDocument::Parse(toml, source_name);
  if (!doc.ok()) return doc.status();

  auto config = std::make_shared<ScoringConfig>();

  TomlSection root = (*doc)->Root();
  TomlSection weights = root.Table("weights");
  ReadWeights(weights, config.get());
  ReadCategoryOverrides(weights, taxonomy, config.get());
  ReadSettings(root, config.get());
  IISC_RETURN_IF_ERROR((*doc)->Finish());

  config->version = ContentVersion(toml, source_name);
  return std::shared_ptr<const ScoringConfig>(std::move(config));
}

Result<std::shared_ptr<const ScoringConfig>> LoadScoringConfigFile(const std::string& path,
                                                                   const Taxonomy& taxonomy) {
  auto content = ReadConfigFile(path);
  if (!content.ok()) return content.status();
  return ParseScoringConfig(*content, path, taxonomy);
}

}  // namespace iisc
