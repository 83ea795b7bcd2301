// The bureau's supply-demand map on a small hand-made input, with every
// number worked out by hand: where each need is counted (the field rules),
// what a good match is, requests, completions and ratings, capacity left,
// the month and service type filters, and the trends.
#include "engine/supply_demand.h"

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;
constexpr uint32_t kNone = LifecycleFacts::kNone;

const Taxonomy& Tax() {
  static const Taxonomy* taxonomy = [] {
    auto t = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return new Taxonomy(std::move(t).value());
  }();
  return *taxonomy;
}

// Milliseconds of a UTC moment, by the C library (not by the code under test).
int64_t Ms(int year, int month, int day, int hour = 12, int minute = 0) {
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  return static_cast<int64_t>(timegm(&t)) * 1000;
}

Capability Service(const std::string& id, const std::string& type, std::vector<std::string> fields,
                   int capacity) {
  Capability c;
  c.id = id;
  c.complex_id = id.substr(0, id.find('/'));
  c.type = type;
  c.fields = std::move(fields);
  c.capacity_per_month = capacity;
  return c;
}

std::vector<Complex> Catalog() {
  Complex a;
  a.id = "a";
  a.county = "yueqing";
  a.fields = {"electrical", "smart_equipment"};
  a.services = {Service("a/testing-1", "testing", {"electrical", "smart_equipment"}, 10),
                Service("a/rnd-1", "rnd", {"electrical"}, 4)};
  Complex b;
  b.id = "b";
  b.county = "lucheng";
  b.fields = {"footwear"};
  b.services = {Service("b/testing-1", "testing", {"footwear", "apparel"}, 6),
                // A field listed twice counts once.
                Service("b/design-1", "design", {"footwear", "footwear"}, 3)};
  return {a, b};
}

// a/testing-1 took 3 this month; b/design-1 took more than it has.
const std::vector<std::pair<std::string, int>> kUsed = {{"a/testing-1", 3}, {"b/design-1", 5}};

// Names: fields 0 electrical, 1 footwear; counties 0 yueqing, 1 lucheng;
// types 0 testing, 1 rnd, 2 design; capabilities 0 b/testing-1, 1 gone/x-1.
LifecycleFacts Facts() {
  LifecycleFacts f;
  f.fields = {"electrical", "footwear"};
  f.counties = {"yueqing", "lucheng"};
  f.types = {"testing", "rnd", "design"};
  f.capabilities = {"b/testing-1", "gone/x-1"};
  auto need = [&f](int64_t created, uint32_t field, uint32_t inferred, float confidence, uint32_t county,
                   uint32_t best_capability, float best,
                   std::vector<LifecycleFacts::Wanted> wanted) {
    LifecycleFacts::Need n;
    n.created_unix_ms = created;
    n.field = field;
    n.inferred_field = inferred;
    n.inferred_field_confidence = confidence;
    n.county = county;
    n.best_capability = best_capability;
    n.best_score = best;
    n.wanted_begin = static_cast<uint32_t>(f.wanted.size());
    f.wanted.insert(f.wanted.end(), wanted.begin(), wanted.end());
    n.wanted_end = static_cast<uint32_t>(f.wanted.size());
    f.needs.push_back(n);
  };
  // n0: electrical given, Yueqing, a good match.
  need(Ms(2025, 6, 2), 0, kNone, 0, 0, kNone, 0.9f, {{0, 0.9f}});
  // n1: electrical inferred (sure), Yueqing; best 0.6 (testing), rnd 0.75.
  need(Ms(2025, 5, 10), kNone, 0, 0.8f, 0, kNone, 0.6f, {{0, 0.6f}, {1, 0.75f}});
  // n2: footwear inferred but unsure: unknown field; Lucheng; design only 0.5.
  need(Ms(2025, 6, 1), kNone, 1, 0.2f, 1, kNone, 0.8f, {{2, 0.5f}});
  // n3: stored before the inferred field: its best service b/testing-1 serves
  // footwear and apparel, its complex's main field is footwear. No county.
  need(Ms(2024, 12, 31, 23, 59), kNone, kNone, 0, kNone, 0, 0.95f, {{0, 0.95f}});
  // n4: likewise, but its best service is gone: unknown field. Lucheng; before the trend.
  need(Ms(2024, 5, 1), kNone, kNone, 0, 1, 1, 0.65f, {{0, 0.65f}});
  // n5: electrical given, Yueqing (deleted since, say: erased needs are counted too).
  need(Ms(2025, 6, 10), 0, kNone, 0, 0, kNone, 0.72f, {{1, 0.72f}});

  auto request = [&f](uint32_t need, uint32_t type, RequestState state, int rating, int64_t created,
                      int64_t completed = 0, int64_t rated = 0) {
    LifecycleFacts::Request r;
    r.need = need;
    r.type = type;
    r.state = state;
    r.rating = rating;
    r.created_unix_ms = created;
    r.completed_unix_ms = completed;
    r.rated_unix_ms = rated;
    f.requests.push_back(r);
  };
  request(0, 0, RequestState::kRated, 4, Ms(2025, 6, 3), Ms(2025, 6, 5), Ms(2025, 6, 6));
  request(1, 0, RequestState::kCompleted, 0, Ms(2025, 5, 11), Ms(2025, 6, 1));
  request(1, 1, RequestState::kDeclined, 0, Ms(2025, 5, 12));
  request(3, 0, RequestState::kRated, 5, Ms(2025, 1, 5), Ms(2025, 1, 20), Ms(2025, 2, 1));
  request(2, 2, RequestState::kAccepted, 0, Ms(2025, 6, 2));
  return f;
}

std::vector<const Complex*> Pointers(const std::vector<Complex>& catalog) {
  std::vector<const Complex*> out;
  for (const Complex& c : catalog) out.push_back(&c);
  return out;
}

SupplyDemandMap Compute(const std::string& service_type = "", std::optional<MonthKey> month = std::nullopt) {
  SupplyDemandQuery q;
  q.good_match_score = 0.7;
  q.min_field_confidence = 0.35;
  q.service_type = service_type;
  q.month = month;
  q.now_unix_ms = Ms(2025, 6, 15);
  const std::vector<Complex> catalog = Catalog();
  return ComputeSupplyDemandMap(Tax(), Pointers(catalog), Facts(), kUsed, q);
}

int F(const char* id) { return Tax().FieldIndex(id); }
int C(const char* id) { return Tax().CountyIndex(id); }
int T(const char* id) { return Tax().ServiceTypeIndex(id); }

MapCounts Counts(int64_t needs, int64_t unmatched, int64_t requests, int64_t completions, int64_t ratings,
                 int64_t rating_sum, int64_t services, int64_t capacity, int64_t left) {
  return {needs, unmatched, requests, completions, ratings, rating_sum, services, capacity, left};
}

std::string Show(const MapCounts& c) {
  return "needs " + std::to_string(c.needs) + ", unmatched " + std::to_string(c.needs_without_good_match) +
         ", requests " + std::to_string(c.requests) + ", completions " + std::to_string(c.completions) +
         ", ratings " + std::to_string(c.ratings) + " (sum " + std::to_string(c.rating_sum) + "), services " +
         std::to_string(c.services) + ", capacity " + std::to_string(c.monthly_capacity) + ", left " +
         std::to_string(c.capacity_left);
}

// The cells as field id x county id ("?" for unknown) -> counts.
std::map<std::pair<std::string, std::string>, MapCounts> Cells(const SupplyDemandMap& map) {
  std::map<std::pair<std::string, std::string>, MapCounts> out;
  for (const auto& cell : map.cells) {
    out[{cell.field < 0 ? "?" : Tax().fields()[cell.field].id,
         cell.county < 0 ? "?" : Tax().counties()[cell.county].id}] = cell.counts;
  }
  return out;
}

MapCounts RowOf(const std::vector<SupplyDemandMap::Row>& rows, int index) {
  for (const auto& r : rows) {
    if (r.index == index) return r.counts;
  }
  ADD_FAILURE() << "no row " << index;
  return {};
}

#define EXPECT_COUNTS(actual, expected) EXPECT_EQ(Show(actual), Show(expected))

TEST(SupplyDemandTest, MonthsAreCalendarMonthsInUtc) {
  EXPECT_EQ(MonthOfUnixMs(0), 1970 * 12);
  EXPECT_EQ(MonthOfUnixMs(Ms(2024, 2, 29, 23, 59)), 2024 * 12 + 1);
  EXPECT_EQ(MonthOfUnixMs(Ms(2024, 3, 1, 0, 0)), 2024 * 12 + 2);
  EXPECT_EQ(MonthOfUnixMs(Ms(2024, 12, 31, 23, 59)), 2024 * 12 + 11);
  EXPECT_EQ(MonthOfUnixMs(Ms(2100, 3, 1, 0, 0) - 1), 2100 * 12 + 1);
  EXPECT_EQ(ParseMonth("2025-06"), 2025 * 12 + 5);
  EXPECT_EQ(FormatMonth(2025 * 12 + 5), "2025-06");
  EXPECT_EQ(FormatMonth(2024 * 12 + 11), "2024-12");
  for (const char* bad : {"", "2025-6", "2025-13", "2025-00", "25-06-01", "2025/06", "1969-12", "２０２５-06"}) {
    EXPECT_FALSE(ParseMonth(bad).has_value()) << bad;
  }
}

TEST(SupplyDemandTest, EveryNeedIsCountedOnceWhereItIsAndEveryServiceWhereItServes) {
  const SupplyDemandMap map = Compute();
  EXPECT_EQ(map.capacity_month, 2025 * 12 + 5);
  EXPECT_EQ(map.attribution.given, 2);
  EXPECT_EQ(map.attribution.inferred, 1);
  EXPECT_EQ(map.attribution.inferred_unsure, 1);
  EXPECT_EQ(map.attribution.best_match, 1);
  EXPECT_EQ(map.attribution.unknown, 1);

  const auto cells = Cells(map);
  ASSERT_EQ(cells.size(), 6u);
  // n0, n1, n5; n1's best (0.6) is below 0.7; r0 (rated 4), r1 (completed), r2 (declined);
  // a/testing-1 (10, 3 used) and a/rnd-1 (4).
  EXPECT_COUNTS(cells.at({"electrical", "yueqing"}), Counts(3, 1, 3, 2, 1, 4, 2, 14, 11));
  EXPECT_COUNTS(cells.at({"smart_equipment", "yueqing"}), Counts(0, 0, 0, 0, 0, 0, 1, 10, 7));
  // b/testing-1 (6) and b/design-1 (3, 5 used: none left).
  EXPECT_COUNTS(cells.at({"footwear", "lucheng"}), Counts(0, 0, 0, 0, 0, 0, 2, 9, 6));
  EXPECT_COUNTS(cells.at({"apparel", "lucheng"}), Counts(0, 0, 0, 0, 0, 0, 1, 6, 6));
  // n3 by its best match, no county; r3 rated 5.
  EXPECT_COUNTS(cells.at({"footwear", "?"}), Counts(1, 0, 1, 1, 1, 5, 0, 0, 0));
  // n2 (unsure field) and n4 (best service gone, 0.65); r4 accepted.
  EXPECT_COUNTS(cells.at({"?", "lucheng"}), Counts(2, 1, 1, 0, 0, 0, 0, 0, 0));

  EXPECT_COUNTS(map.total, Counts(6, 2, 5, 3, 2, 9, 4, 23, 17));
  ASSERT_EQ(map.by_field.size(), Tax().fields().size() + 1);
  EXPECT_COUNTS(RowOf(map.by_field, F("electrical")), Counts(3, 1, 3, 2, 1, 4, 2, 14, 11));
  EXPECT_COUNTS(RowOf(map.by_field, F("footwear")), Counts(1, 0, 1, 1, 1, 5, 2, 9, 6));
  EXPECT_COUNTS(RowOf(map.by_field, F("apparel")), Counts(0, 0, 0, 0, 0, 0, 1, 6, 6));
  EXPECT_COUNTS(RowOf(map.by_field, F("smart_equipment")), Counts(0, 0, 0, 0, 0, 0, 1, 10, 7));
  EXPECT_COUNTS(RowOf(map.by_field, F("eyewear")), MapCounts{});
  EXPECT_COUNTS(RowOf(map.by_field, -1), Counts(2, 1, 1, 0, 0, 0, 0, 0, 0));
  ASSERT_EQ(map.by_county.size(), Tax().counties().size() + 1);
  EXPECT_COUNTS(RowOf(map.by_county, C("yueqing")), Counts(3, 1, 3, 2, 1, 4, 2, 14, 11));
  EXPECT_COUNTS(RowOf(map.by_county, C("lucheng")), Counts(2, 1, 1, 0, 0, 0, 2, 9, 6));
  EXPECT_COUNTS(RowOf(map.by_county, -1), Counts(1, 0, 1, 1, 1, 5, 0, 0, 0));
  // Per kind: a need counts under each kind it wants, with its best of that kind.
  ASSERT_EQ(map.by_service_type.size(), Tax().service_types().size());
  EXPECT_COUNTS(RowOf(map.by_service_type, T("testing")), Counts(4, 2, 3, 3, 2, 9, 2, 16, 13));
  EXPECT_COUNTS(RowOf(map.by_service_type, T("rnd")), Counts(2, 0, 1, 0, 0, 0, 1, 4, 4));
  EXPECT_COUNTS(RowOf(map.by_service_type, T("design")), Counts(1, 1, 1, 0, 0, 0, 1, 3, 0));
  EXPECT_COUNTS(RowOf(map.by_service_type, T("ipr")), MapCounts{});
}

TEST(SupplyDemandTest, TrendsCoverTheLastTwelveMonthsInTotalAndPerCategory) {
  const SupplyDemandMap map = Compute();
  ASSERT_EQ(map.trend_months.size(), 12u);
  EXPECT_EQ(FormatMonth(map.trend_months.front()), "2024-07");
  EXPECT_EQ(FormatMonth(map.trend_months.back()), "2025-06");
  ASSERT_EQ(map.trends.size(), 1 + Tax().categories().size());
  const auto& total = map.trends[0];
  EXPECT_EQ(total.category, -1);
  //                                  Jul Aug Sep Oct Nov Dec Jan Feb Mar Apr May Jun
  EXPECT_EQ(total.needs, (std::vector<int64_t>{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3}));
  EXPECT_EQ(total.needs_without_good_match, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(total.requests, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 2}));
  EXPECT_EQ(total.completions, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2}));
  const int traditional = Tax().CategoryIndex("traditional");
  const auto& trad = map.trends[1 + traditional];
  EXPECT_EQ(trad.category, traditional);
  EXPECT_EQ(trad.needs, (std::vector<int64_t>{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(trad.requests, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 1}));
  EXPECT_EQ(trad.completions, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2}));
  const auto& emerging = map.trends[1 + Tax().CategoryIndex("emerging")];
  EXPECT_EQ(emerging.needs, std::vector<int64_t>(12, 0));
}

TEST(SupplyDemandTest, AMonthCountsWhatHappenedInItAndCapacityStaysThisMonths) {
  const SupplyDemandMap map = Compute("", 2025 * 12 + 5);
  const auto cells = Cells(map);
  // n0 and n5 created in June; r0 requested, r0 and r1 completed, r0 rated in June.
  EXPECT_COUNTS(cells.at({"electrical", "yueqing"}), Counts(2, 0, 1, 2, 1, 4, 2, 14, 11));
  // n2 and r4 in June; n4 in May 2024.
  EXPECT_COUNTS(cells.at({"?", "lucheng"}), Counts(1, 0, 1, 0, 0, 0, 0, 0, 0));
  // n3, r3 long before: nothing left in that cell.
  EXPECT_EQ(cells.count({"footwear", "?"}), 0u);
  EXPECT_COUNTS(map.total, Counts(3, 0, 2, 2, 1, 4, 4, 23, 17));
  // The trends do not depend on the month asked for.
  EXPECT_EQ(map.trends[0].needs, Compute().trends[0].needs);
}

TEST(SupplyDemandTest, AServiceTypeCountsTheNeedsThatWantItByTheirBestOfThatKind) {
  const SupplyDemandMap testing = Compute("testing");
  const auto cells = Cells(testing);
  // n0 and n1 (its testing best is 0.6); r0 and r1; a/testing-1 only.
  EXPECT_COUNTS(cells.at({"electrical", "yueqing"}), Counts(2, 1, 2, 2, 1, 4, 1, 10, 7));
  EXPECT_COUNTS(cells.at({"footwear", "lucheng"}), Counts(0, 0, 0, 0, 0, 0, 1, 6, 6));
  EXPECT_COUNTS(cells.at({"footwear", "?"}), Counts(1, 0, 1, 1, 1, 5, 0, 0, 0));
  // n4 only: n2 wants design, and r4 is for design.
  EXPECT_COUNTS(cells.at({"?", "lucheng"}), Counts(1, 1, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_COUNTS(testing.total, Counts(4, 2, 3, 3, 2, 9, 2, 16, 13));
  ASSERT_EQ(testing.by_service_type.size(), 1u);
  EXPECT_COUNTS(testing.by_service_type[0].counts, testing.total);

  // n1's best of all is 0.6, but its best R&D service scores 0.75: a good match.
  const SupplyDemandMap rnd = Compute("rnd");
  EXPECT_COUNTS(Cells(rnd).at({"electrical", "yueqing"}), Counts(2, 0, 1, 0, 0, 0, 1, 4, 4));
  EXPECT_EQ(rnd.trends[0].needs, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}));
}

TEST(SupplyDemandTest, TheThresholdDecidesWhatIsAGoodMatch) {
  SupplyDemandQuery q;
  q.good_match_score = 0.9;
  q.now_unix_ms = Ms(2025, 6, 15);
  const std::vector<Complex> catalog = Catalog();
  const SupplyDemandMap map = ComputeSupplyDemandMap(Tax(), Pointers(catalog), Facts(), kUsed, q);
  // Below 0.9: n1 (0.6), n2 (0.8), n4 (0.65), n5 (0.72); n0 at exactly 0.9 is good.
  EXPECT_EQ(map.total.needs_without_good_match, 4);
}

TEST(SupplyDemandTest, NothingStoredStillListsEveryFieldCountyAndKind) {
  SupplyDemandQuery q;
  q.now_unix_ms = Ms(2025, 6, 15);
  const SupplyDemandMap map = ComputeSupplyDemandMap(Tax(), {}, LifecycleFacts{}, {}, q);
  EXPECT_TRUE(map.cells.empty());
  EXPECT_EQ(map.by_field.size(), Tax().fields().size());
  EXPECT_EQ(map.by_county.size(), Tax().counties().size());
  EXPECT_EQ(map.by_service_type.size(), Tax().service_types().size());
  EXPECT_EQ(map.trends[0].needs, std::vector<int64_t>(12, 0));
}

}  // namespace
}  // namespace iisc
