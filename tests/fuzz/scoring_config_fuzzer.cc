// configs/scoring.toml as the bureau edits it: refused with an InvalidArgument
// that names what is wrong, or weights the scorer can use (every weight in
// range, never all zero for any category).
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/scoring_config.h"
#include "fuzz_support.h"

namespace iisc::fuzz {
namespace {

bool InUnit(double v) { return v >= 0 && v <= 1; }

void CheckWeights(const ComponentWeights& weights, const std::string& what) {
  bool any_positive = false;
  for (double w : weights) {
    FUZZ_CHECK(w >= 0 && w <= 10, what);
    any_positive = any_positive || w > 0;
  }
  FUZZ_CHECK(any_positive, what);
}

void CheckConfig(const ScoringConfig& config, const Taxonomy& taxonomy) {
  FUZZ_CHECK(!config.version.empty(), "version");
  FUZZ_CHECK(config.category_overrides.size() == taxonomy.categories().size(), "overrides");
  CheckWeights(config.WeightsFor(-1), "default weights");
  for (size_t c = 0; c < taxonomy.categories().size(); ++c) {
    CheckWeights(config.WeightsFor(static_cast<int>(c)), taxonomy.categories()[c].id);
  }
  FUZZ_CHECK(InUnit(config.field_same_category) && InUnit(config.field_general), "field_match");
  FUZZ_CHECK(config.general_service_min_fields >= 1, "general_min_fields");
  FUZZ_CHECK(config.region_decay_km >= 1, "decay_km");
  FUZZ_CHECK(config.quality_prior_weight > 0, "prior_weight");
  for (const auto& row : config.price_fit) {
    for (double v : row) FUZZ_CHECK(InUnit(v), "price_fit");
  }
  FUZZ_CHECK(InUnit(config.priority_leading) && InUnit(config.priority_strategic) &&
                 InUnit(config.priority_normal),
             "priority");
  FUZZ_CHECK(InUnit(config.inference_min_confidence), "min_confidence");
  FUZZ_CHECK(config.max_results_per_complex >= 0, "max_results_per_complex");
}

}  // namespace
}  // namespace iisc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iisc;
  const Taxonomy& taxonomy = fuzz::SharedTaxonomy();
  auto config = ParseScoringConfig(fuzz::AsText(data, size), "scoring.toml", taxonomy);
  if (config.ok()) {
    fuzz::CheckConfig(**config, taxonomy);
  } else {
    fuzz::CheckRefusal(config.status());
  }
  return 0;
}
