#include "engine/supply_demand.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace iisc {

namespace {

// The services of the catalog by id, through their complex (ids are
// "<complex id>/..."): no index of every service is built for a few lookups.
class CatalogLookup {
 public:
  explicit CatalogLookup(std::span<const Complex* const> catalog) : catalog_(catalog) {
    for (size_t i = 0; i < catalog.size(); ++i) complex_by_id_.emplace(catalog[i]->id, i);
  }
  // The service and its complex; {nullptr, nullptr} when not in the catalog.
  std::pair<const Capability*, const Complex*> Find(std::string_view capability_id) const {
    const size_t slash = capability_id.find('/');
    if (slash == std::string_view::npos) return {nullptr, nullptr};
    auto it = complex_by_id_.find(capability_id.substr(0, slash));
    if (it == complex_by_id_.end()) return {nullptr, nullptr};
    const Complex& complex = *catalog_[it->second];
    for (const Capability& cap : complex.services) {
      if (cap.id == capability_id) return {&cap, &complex};
    }
    return {nullptr, nullptr};
  }

 private:
  std::span<const Complex* const> catalog_;
  std::unordered_map<std::string_view, size_t> complex_by_id_;
};

// The field a need of unknown field is counted under, from its best service
// (rule 3 of the header); -1 when the service is gone or names no field.
int FieldOfBestMatch(const Taxonomy& taxonomy, const CatalogLookup& catalog, std::string_view capability_id) {
  const auto [cap, complex] = catalog.Find(capability_id);
  if (cap == nullptr) return -1;
  if (cap->fields.size() == 1) return taxonomy.FieldIndex(cap->fields.front());
  for (const std::string& f : complex->fields) {
    if (std::find(cap->fields.begin(), cap->fields.end(), f) != cap->fields.end()) return taxonomy.FieldIndex(f);
  }
  if (!complex->fields.empty()) return taxonomy.FieldIndex(complex->fields.front());
  return -1;
}

// The facts' interned names as taxonomy indices (-1: unknown).
std::vector<int> Resolve(const std::vector<std::string>& names, int (Taxonomy::*index_of)(std::string_view) const,
                         const Taxonomy& taxonomy) {
  std::vector<int> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back((taxonomy.*index_of)(n));
  return out;
}

int At(const std::vector<int>& resolved, uint32_t i) {
  return i == LifecycleFacts::kNone || i >= resolved.size() ? -1 : resolved[i];
}

}  // namespace

std::optional<MonthKey> ParseMonth(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int year = 0, month = 0;
  for (size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    (i < 4 ? year : month) = (i < 4 ? year : month) * 10 + (text[i] - '0');
  }
  if (year < 1970 || month < 1 || month > 12) return std::nullopt;
  return year * 12 + (month - 1);
}

std::string FormatMonth(MonthKey month) {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d", month / 12, month % 12 + 1);
  return out;
}

SupplyDemandMap ComputeSupplyDemandMap(const Taxonomy& taxonomy, std::span<const Complex* const> catalog,
                                       const LifecycleFacts& facts,
                                       std::span<const std::pair<std::string, int>> used_this_month,
                                       const SupplyDemandQuery& query) {
  SupplyDemandMap map;
  map.query = query;
  const MonthKey now = MonthOfUnixMs(query.now_unix_ms);
  map.capacity_month = now;
  const int num_fields = static_cast<int>(taxonomy.fields().size());
  const int num_counties = static_cast<int>(taxonomy.counties().size());
  const int num_types = static_cast<int>(taxonomy.service_types().size());
  const int num_categories = static_cast<int>(taxonomy.categories().size());
  const int only_type = query.service_type.empty() ? -1 : taxonomy.ServiceTypeIndex(query.service_type);
  // Slot f of the field axis is field f, slot num_fields the unknown field;
  // the county axis likewise.
  const int field_slots = num_fields + 1, county_slots = num_counties + 1;
  std::vector<MapCounts> grid(static_cast<size_t>(field_slots) * county_slots);
  std::vector<MapCounts> fields(field_slots), counties(county_slots), types(num_types);
  auto slot = [](int index, int unknown) { return index < 0 ? unknown : index; };
  auto cell = [&](int f, int c) -> MapCounts& {
    return grid[static_cast<size_t>(slot(f, num_fields)) * county_slots + slot(c, num_counties)];
  };

  // --- trends: the last trend_months months, oldest first ---
  const int months = std::max(1, query.trend_months);
  const MonthKey first_month = now - months + 1;
  for (int m = 0; m < months; ++m) map.trend_months.push_back(first_month + m);
  map.trends.resize(1 + num_categories);
  for (int t = 0; t < 1 + num_categories; ++t) {
    SupplyDemandMap::Trend& trend = map.trends[t];
    trend.category = t - 1;
    for (auto* series : {&trend.needs, &trend.needs_without_good_match, &trend.requests, &trend.completions}) {
      series->assign(months, 0);
    }
  }
  // Adds one to `series` of every trend the need's category belongs to.
  auto trend_add = [&](int category, MonthKey month, std::vector<int64_t> SupplyDemandMap::Trend::*series) {
    if (month < first_month || month > now) return;
    (map.trends[0].*series)[month - first_month] += 1;
    if (category >= 0) (map.trends[1 + category].*series)[month - first_month] += 1;
  };
  auto in_month = [&](int64_t unix_ms) { return !query.month || MonthOfUnixMs(unix_ms) == *query.month; };

  // --- demand ---
  const std::vector<int> field_of = Resolve(facts.fields, &Taxonomy::FieldIndex, taxonomy);
  const std::vector<int> county_of = Resolve(facts.counties, &Taxonomy::CountyIndex, taxonomy);
  const std::vector<int> type_of = Resolve(facts.types, &Taxonomy::ServiceTypeIndex, taxonomy);
  const CatalogLookup lookup(catalog);
  std::vector<int> best_match_field(facts.capabilities.size());
  for (size_t i = 0; i < facts.capabilities.size(); ++i) {
    best_match_field[i] = FieldOfBestMatch(taxonomy, lookup, facts.capabilities[i]);
  }
  // Each need's field and county, for its requests.
  std::vector<std::pair<int, int>> place(facts.needs.size(), {-1, -1});
  // Whether the need counts at all (with a kind asked for: it wants that kind).
  std::vector<bool> counted(facts.needs.size(), false);
  const auto threshold = static_cast<float>(query.good_match_score);
  for (size_t i = 0; i < facts.needs.size(); ++i) {
    const LifecycleFacts::Need& n = facts.needs[i];
    int field = At(field_of, n.field);
    if (field >= 0) {
      ++map.attribution.given;
    } else if (n.inferred_field != LifecycleFacts::kNone) {
      if (n.inferred_field_confidence >= query.min_field_confidence) {
        field = At(field_of, n.inferred_field);
        ++map.attribution.inferred;
      } else {
        ++map.attribution.inferred_unsure;
      }
    } else if (n.best_capability != LifecycleFacts::kNone && n.best_capability < best_match_field.size() &&
               best_match_field[n.best_capability] >= 0) {
      field = best_match_field[n.best_capability];
      ++map.attribution.best_match;
    } else {
      ++map.attribution.unknown;
    }
    const int county = At(county_of, n.county);
    place[i] = {field, county};
    const int category = field >= 0 ? taxonomy.fields()[field].category : -1;

    float best = n.best_score;
    bool wants = only_type < 0;
    for (uint32_t w = n.wanted_begin; w < n.wanted_end && w < facts.wanted.size(); ++w) {
      const int t = At(type_of, facts.wanted[w].type);
      if (t < 0) continue;
      const bool unmatched = facts.wanted[w].best_score < threshold;
      if (only_type < 0 || t == only_type) {
        if (in_month(n.created_unix_ms)) {
          types[t].needs += 1;
          types[t].needs_without_good_match += unmatched;
        }
      }
      if (t == only_type) {
        wants = true;
        best = facts.wanted[w].best_score;
      }
    }
    if (!wants) continue;
    counted[i] = true;
    const bool unmatched = best < threshold;
    const MonthKey created = MonthOfUnixMs(n.created_unix_ms);
    trend_add(category, created, &SupplyDemandMap::Trend::needs);
    if (unmatched) trend_add(category, created, &SupplyDemandMap::Trend::needs_without_good_match);
    if (query.month && created != *query.month) continue;
    for (MapCounts* c : {&cell(field, county), &fields[slot(field, num_fields)],
                         &counties[slot(county, num_counties)], &map.total}) {
      c->needs += 1;
      c->needs_without_good_match += unmatched;
    }
  }
  for (const LifecycleFacts::Request& r : facts.requests) {
    if (r.need >= facts.needs.size()) continue;
    const int t = At(type_of, r.type);
    if (only_type >= 0 && t != only_type) continue;
    const auto [field, county] = place[r.need];
    const int category = field >= 0 ? taxonomy.fields()[field].category : -1;
    trend_add(category, MonthOfUnixMs(r.created_unix_ms), &SupplyDemandMap::Trend::requests);
    if (r.completed_unix_ms != 0) {
      trend_add(category, MonthOfUnixMs(r.completed_unix_ms), &SupplyDemandMap::Trend::completions);
    }
    const bool requested = in_month(r.created_unix_ms);
    const bool completed = r.completed_unix_ms != 0 && in_month(r.completed_unix_ms);
    const bool rated = r.state == RequestState::kRated && r.rating > 0 && in_month(r.rated_unix_ms);
    MapCounts* targets[] = {&cell(field, county), &fields[slot(field, num_fields)],
                            &counties[slot(county, num_counties)], &map.total, t >= 0 ? &types[t] : nullptr};
    for (MapCounts* c : targets) {
      if (c == nullptr) continue;
      c->requests += requested;
      c->completions += completed;
      c->ratings += rated;
      c->rating_sum += rated ? r.rating : 0;
    }
  }

  // --- supply ---
  std::unordered_map<std::string_view, int> used;
  for (const auto& [id, n] : used_this_month) used[id] += n;
  std::vector<int> seen;
  for (const Complex* complex_ptr : catalog) {
    const Complex& complex = *complex_ptr;
    const int county = taxonomy.CountyIndex(complex.county);
    for (const Capability& cap : complex.services) {
      const int t = taxonomy.ServiceTypeIndex(cap.type);
      if (only_type >= 0 && t != only_type) continue;
      const auto u = used.empty() ? used.end() : used.find(cap.id);
      const int64_t capacity = cap.capacity_per_month;
      const int64_t left = std::max<int64_t>(0, capacity - (u == used.end() ? 0 : u->second));
      auto add = [&](MapCounts& c) {
        c.services += 1;
        c.monthly_capacity += capacity;
        c.capacity_left += left;
      };
      add(map.total);
      add(counties[slot(county, num_counties)]);
      if (t >= 0) add(types[t]);
      // Each field once, even when the record lists it twice.
      seen.clear();
      for (const std::string& f : cap.fields) {
        const int field = taxonomy.FieldIndex(f);
        if (field < 0 || std::find(seen.begin(), seen.end(), field) != seen.end()) continue;
        seen.push_back(field);
        add(fields[field]);
        add(cell(field, county));
      }
    }
  }

  // --- out ---
  for (int f = 0; f < field_slots; ++f) {
    for (int c = 0; c < county_slots; ++c) {
      const MapCounts& counts = grid[static_cast<size_t>(f) * county_slots + c];
      if (counts.empty()) continue;
      map.cells.push_back({f == num_fields ? -1 : f, c == num_counties ? -1 : c, counts});
    }
  }
  for (int f = 0; f < field_slots; ++f) {
    if (f < num_fields || !fields[f].empty()) map.by_field.push_back({f == num_fields ? -1 : f, fields[f]});
  }
  for (int c = 0; c < county_slots; ++c) {
    if (c < num_counties || !counties[c].empty()) {
      map.by_county.push_back({c == num_counties ? -1 : c, counties[c]});
    }
  }
  for (int t = 0; t < num_types; ++t) {
    if (only_type < 0 || t == only_type) map.by_service_type.push_back({t, types[t]});
  }
  return map;
}

}  // namespace iisc
