#include "engine/scorer.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace iisc {

ScoringTables ScoringTables::Build(const Taxonomy& taxonomy, const ScoringConfig& config) {
  ScoringTables t;
  for (const FieldInfo& f : taxonomy.fields()) t.field_category.push_back(f.category);
  if (t.field_category.size() <= 64) {
    for (size_t f = 0; f < t.field_category.size(); ++f) {
      const auto c = static_cast<size_t>(t.field_category[f]);
      if (t.category_field_bits.size() <= c) t.category_field_bits.resize(c + 1, 0);
      t.category_field_bits[c] |= uint64_t{1} << f;
    }
  }
  const size_t n = taxonomy.counties().size();
  t.region.assign(n, std::vector<float>(n, 0.f));
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      double km = taxonomy.CountyDistanceKm(static_cast<int>(a), static_cast<int>(b));
      t.region[a][b] = a == b ? 1.f : static_cast<float>(std::exp(-km / config.region_decay_km));
    }
  }
  return t;
}

void NeedSignals::SetFieldSupport() {
  field_support.clear();
  for (size_t f = 0; f < field_weight.size() && f < 256; ++f)
    if (field_weight[f] > 0) field_support.push_back(static_cast<uint8_t>(f));
  field_support_set = field_weight.size() <= 256;
  field_support_bits = 0;
  field_support_bits_set = field_weight.size() <= 64;
  if (field_support_bits_set) {
    for (uint8_t f : field_support) field_support_bits |= uint64_t{1} << f;
  }
}

int PriceLevelIndex(std::string_view price_level) {
  if (price_level == "free") return 0;
  if (price_level == "subsidized") return 1;
  if (price_level == "market") return 2;
  return -1;
}

uint8_t PriorityRank(FieldPriority p) {
  switch (p) {
    case FieldPriority::kLeading: return 1;
    case FieldPriority::kStrategic: return 2;
    case FieldPriority::kNormal: return 0;
  }
  return 0;
}

float FieldMatch(const CapabilityRow& row, int field, const ScoringTables& tables,
                 const ScoringConfig& config) {
  // A general service serves all comers alike, below a specialist.
  if (row.num_fields >= config.general_service_min_fields ||
      (row.municipal && config.municipal_services_general)) {
    return static_cast<float>(config.field_general);
  }
  if (row.field_bits >> field & 1) return 1.f;
  if (row.category_bits >> tables.field_category[field] & 1) {
    return static_cast<float>(config.field_same_category);
  }
  return 0.f;
}

void StructuredComponents(const CapabilityRow& row, const NeedSignals& need,
                          const ScoringTables& tables, const ScoringConfig& config,
                          int64_t used_this_month, std::array<double, kNumComponents>* c) {
  double field = 0;
  const bool general = row.num_fields >= config.general_service_min_fields ||
                       (row.municipal && config.municipal_services_general);
  if (need.field_support_bits_set && !general && !tables.category_field_bits.empty()) {
    // Only the fields the row serves, or shares a category with, count: the
    // same terms in the same order as below, without the zero ones.
    uint64_t near = row.field_bits;
    for (uint32_t cats = row.category_bits; cats != 0; cats &= cats - 1) {
      const auto c = static_cast<size_t>(std::countr_zero(cats));
      if (c < tables.category_field_bits.size()) near |= tables.category_field_bits[c];
    }
    const float same_category = static_cast<float>(config.field_same_category);
    for (uint64_t bits = need.field_support_bits & near; bits != 0; bits &= bits - 1) {
      const int f = std::countr_zero(bits);
      field += need.field_weight[static_cast<size_t>(f)] * ((row.field_bits >> f & 1) != 0 ? 1.f : same_category);
    }
  } else if (need.field_support_set) {
    for (uint8_t f : need.field_support) field += need.field_weight[f] * FieldMatch(row, f, tables, config);
  } else {
    for (size_t f = 0; f < need.field_weight.size(); ++f) {
      if (need.field_weight[f] > 0) field += need.field_weight[f] * FieldMatch(row, static_cast<int>(f), tables, config);
    }
  }
  (*c)[kField] = std::min(1.0, field);

  (*c)[kService] = row.service_type >= 0 && static_cast<size_t>(row.service_type) < need.type_weight.size()
                       ? need.type_weight[row.service_type]
                       : 0.0;

  // Without the need's county every service is equally near: a neutral value.
  (*c)[kRegion] = need.county >= 0 && row.county >= 0 ? tables.region[need.county][row.county] : 0.5;

  // One rating's worth of evidence against the prior; unrated services get the prior.
  double rated = row.rating > 0 ? 1.0 : 0.0;
  double evidence = rated + config.quality_prior_weight;
  double smoothed = evidence > 0 ? (row.rating * rated + config.quality_prior_rating * config.quality_prior_weight) / evidence
                                 : config.quality_prior_rating;
  (*c)[kQuality] = std::clamp(smoothed / 5.0, 0.0, 1.0);

  (*c)[kCapacity] = row.capacity_per_month > 0
                        ? std::clamp(1.0 - double(used_this_month) / row.capacity_per_month, 0.0, 1.0)
                        : 0.0;

  int size = need.size >= 0 && need.size < 3 ? need.size : 1;  // unknown size: as a small firm
  int price = row.price_level < 3 ? row.price_level : 2;
  (*c)[kPrice] = config.price_fit[size][price];

  switch (row.best_priority) {
    case 1: (*c)[kPriority] = config.priority_leading; break;
    case 2: (*c)[kPriority] = config.priority_strategic; break;
    default: (*c)[kPriority] = config.priority_normal; break;
  }
}

double CombineComponents(const std::array<double, kNumComponents>& c, const ComponentWeights& w,
                         bool field_needs_service) {
  double sum = 0, total = 0;
  for (int i = 0; i < kNumComponents; ++i) {
    sum += w[i] * c[i];
    total += w[i];
  }
  if (field_needs_service) sum -= w[kField] * c[kField] * (1.0 - c[kService]);
  return total > 0 ? sum / total : 0.0;
}

std::vector<RankedRow> SelectDiverseTopK(std::vector<RankedRow> candidates,
                                         std::span<const CapabilityRow> rows, size_t k,
                                         int max_per_complex) {
  auto better = [](const RankedRow& a, const RankedRow& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  };
  std::sort(candidates.begin(), candidates.end(), better);
  std::vector<RankedRow> out;
  out.reserve(std::min(k, candidates.size()));
  std::vector<std::pair<uint32_t, int>> per_complex;  // small: k is at most 100
  for (const RankedRow& r : candidates) {
    if (out.size() == k) break;
    if (max_per_complex > 0) {
      uint32_t cx = rows[r.row].complex_index;
      auto it = std::find_if(per_complex.begin(), per_complex.end(),
                             [cx](const auto& p) { return p.first == cx; });
      if (it == per_complex.end()) {
        per_complex.emplace_back(cx, 1);
      } else if (it->second >= max_per_complex) {
        continue;
      } else {
        ++it->second;
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace iisc
