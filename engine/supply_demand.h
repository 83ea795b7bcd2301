// The bureau's supply-demand map: stored needs and what became of them,
// against the services on offer and their capacity, per field x county (and
// per field, county and kind of service), with monthly trends.
//
// A pure function over plain data (the taxonomy, the catalog, the
// workflow's LifecycleFacts, the capacity used this month): no I/O, no
// locks, testable on a hand-made input.
//
// What each count means:
// - Demand is counted where the need is: its field and its county.
//   - needs: stored needs (open, withdrawn or deleted: an erased need keeps
//     its field and county for these counts), created in the month asked
//     for, or ever.
//   - needs_without_good_match: of those, the ones whose best service scored
//     below `good_match_score` when the need was stored (with a kind of
//     service asked for: the best of that kind). A need with no match at all
//     counts here too.
//   - requests: requests the SMEs of those needs sent (created in the month
//     asked for, or ever); completions: of any request, completed or rated
//     (completed in that month); ratings and their sum: rated (in that
//     month).
// - Supply is counted where the service is: the county of its complex and
//   every field it lists (a service of several fields is counted in each of
//   its fields' rows, so the rows of a county add up to more than its
//   total; each total counts every service once).
//   - services, monthly_capacity, capacity_left (this calendar month, UTC:
//     monthly capacity less the requests accepted this month, never below
//     0); always of this month, whatever month is asked for.
//
// The field of a need:
//   1. the field the SME gave;
//   2. else the field the engine inferred at submission, when it was at
//      least `min_field_confidence` sure (the engine's own bar for trusting
//      an inferred field); less sure, the field is unknown;
//   3. else (needs stored before the inferred field was kept) the field of
//      its best service at submission when that service serves exactly one
//      field; else the first field of that service's complex the service
//      also serves (a complex lists its main field first), else the
//      complex's first field. We chose the best match because it is what the
//      engine judged closest to the need, and its complex's main field over
//      "unknown" because the complex is where the need would be served.
//      `attribution` says how many needs each rule placed.
// A need without a county counts under the unknown county (-1), one
// without a field under the unknown field (-1).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/clock.h"
#include "engine/workflow.h"
#include "models/catalog.h"
#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

// "2025-06" <-> key; nullopt when not YYYY-MM (years 1970..9999).
std::optional<MonthKey> ParseMonth(std::string_view text);
std::string FormatMonth(MonthKey month);

struct SupplyDemandQuery {
  // A need whose best service scored below this has no good match.
  double good_match_score = 0.7;
  // An inferred field less sure than this leaves the need's field unknown.
  double min_field_confidence = 0.35;
  std::string service_type;         // empty: every kind; else only this kind
  std::optional<MonthKey> month;    // the month counted; nullopt: all time
  int trend_months = 12;            // months of trend, ending with this one
  int64_t now_unix_ms = 0;          // "this month" (capacity and trends)
};

struct MapCounts {
  int64_t needs = 0;
  int64_t needs_without_good_match = 0;
  int64_t requests = 0;
  int64_t completions = 0;
  int64_t ratings = 0;
  int64_t rating_sum = 0;  // mean rating = rating_sum / ratings
  int64_t services = 0;
  int64_t monthly_capacity = 0;
  int64_t capacity_left = 0;

  bool empty() const {
    return needs == 0 && requests == 0 && completions == 0 && ratings == 0 && services == 0;
  }
  bool operator==(const MapCounts&) const = default;
};

struct SupplyDemandMap {
  struct Cell {
    int field = -1;   // taxonomy index; -1: unknown
    int county = -1;  // taxonomy index; -1: not given
    MapCounts counts;
  };
  struct Row {
    int index = -1;  // taxonomy index of the field, county or service type; -1: unknown
    MapCounts counts;
  };
  // Per month (trend_months, oldest first): all needs, or those of one
  // category of fields.
  struct Trend {
    int category = -1;  // taxonomy index; -1: every need
    std::vector<int64_t> needs, needs_without_good_match, requests, completions;
  };
  // How many needs got their field by each rule (see the header comment).
  struct Attribution {
    int64_t given = 0;
    int64_t inferred = 0;
    int64_t inferred_unsure = 0;  // inferred below min_field_confidence: unknown
    int64_t best_match = 0;
    int64_t unknown = 0;          // none of the rules applied
  };

  SupplyDemandQuery query;
  MonthKey capacity_month = 0;
  MapCounts total;
  // Every field x county with anything in it: fields in taxonomy order (the
  // unknown field last), counties likewise within a field.
  std::vector<Cell> cells;
  std::vector<Row> by_field;         // every field, then the unknown one if not empty
  std::vector<Row> by_county;        // every county, then the unknown one if not empty
  std::vector<Row> by_service_type;  // every kind of service (with a kind asked for: that one)
  std::vector<MonthKey> trend_months;
  std::vector<Trend> trends;         // every need first, then each category
  Attribution attribution;
};

// REQUIRES: query.service_type empty or a taxonomy id; trend_months >= 1.
SupplyDemandMap ComputeSupplyDemandMap(const Taxonomy& taxonomy, std::span<const Complex* const> catalog,
                                       const LifecycleFacts& facts,
                                       std::span<const std::pair<std::string, int>> used_this_month,
                                       const SupplyDemandQuery& query);

}  // namespace iisc
