// Scoring as pure functions over plain data: no I/O, no locks, no allocation
// in the per-row functions. The recommender and the benchmarks call the same
// code.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/scoring_config.h"
#include "models/taxonomy.h"

namespace iisc {

// What scoring reads of one capability, packed for a linear scan.
struct CapabilityRow {
  uint64_t field_bits = 0;     // bit i = serves field i (the taxonomy has < 64 fields)
  uint16_t category_bits = 0;  // bit c = serves a field of category c
  int16_t service_type = -1;
  int16_t county = -1;         // of its complex
  uint8_t price_level = 2;     // 0 free, 1 subsidized, 2 market
  uint8_t num_fields = 0;
  uint8_t best_priority = 0;   // 0 normal, 1 leading, 2 strategic (best of its fields)
  bool municipal = false;      // its complex is municipal-level
  float rating = 0;            // 0 = unrated
  int32_t capacity_per_month = 0;
  uint32_t complex_index = 0;
};

// The need, resolved to what scoring uses: weights over fields (sum <= 1),
// confidences of service types (each 0..1), county, size.
struct NeedSignals {
  std::vector<float> field_weight;  // per field index
  std::vector<float> type_weight;   // per service type index
  int county = -1;
  int size = -1;                    // index into Taxonomy::enterprise_sizes()
  int category = -1;                // category of the most likely field, or -1
  // When set: the indices of the positive field weights, ascending. Scoring
  // then visits only those (the same sum in the same order, fewer steps).
  std::vector<uint8_t> field_support;
  bool field_support_set = false;
  // The same as a bit set, when the taxonomy has at most 64 fields.
  uint64_t field_support_bits = 0;
  bool field_support_bits_set = false;
  void SetFieldSupport();
};

// Tables derived once per (taxonomy, config) pair.
struct ScoringTables {
  std::vector<int> field_category;            // per field: category index
  std::vector<uint64_t> category_field_bits;  // per category: its fields as bits (fields < 64)
  std::vector<std::vector<float>> region;     // county x county: region component
  static ScoringTables Build(const Taxonomy& taxonomy, const ScoringConfig& config);
};

int PriceLevelIndex(std::string_view price_level);  // -1 when unknown
uint8_t PriorityRank(FieldPriority p);

// Field match of one capability against one field: 1 exact, the configured
// value for a general service or same category, else 0.
float FieldMatch(const CapabilityRow& row, int field, const ScoringTables& tables,
                 const ScoringConfig& config);

// Fills the structured components (field, service, region, quality, capacity,
// price, priority) of `row`; `used_this_month` is the demand already on it.
void StructuredComponents(const CapabilityRow& row, const NeedSignals& need,
                          const ScoringTables& tables, const ScoringConfig& config,
                          int64_t used_this_month, std::array<double, kNumComponents>* components);

// Weighted mean of the components: sum(w_i c_i) / sum(w_i), in [0, 1]. With
// `field_needs_service` the field term counts as field x service: a service of
// the need's field but of a kind not asked for is no better for it.
double CombineComponents(const std::array<double, kNumComponents>& components,
                         const ComponentWeights& weights, bool field_needs_service);

struct RankedRow {
  double score;
  uint32_t row;
};

// Picks up to `k` rows best first from candidates (any order), at most
// `max_per_complex` per complex (0 = unlimited); ties by lower row.
std::vector<RankedRow> SelectDiverseTopK(std::vector<RankedRow> candidates,
                                         std::span<const CapabilityRow> rows, size_t k,
                                         int max_per_complex);

}  // namespace iisc
