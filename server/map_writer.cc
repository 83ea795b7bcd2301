#include "server/map_writer.h"

#include <cstdio>
#include <map>
#include <string_view>
#include <utility>

#include "models/json_writer.h"

namespace iisc {

namespace {

constexpr std::string_view kUnknownField = "未识别领域";
constexpr std::string_view kUnknownCounty = "未填写地区";

void WriteCounts(JsonWriter& w, const MapCounts& c) {
  w.Key("needs").Int(c.needs);
  w.Key("needs_without_good_match").Int(c.needs_without_good_match);
  w.Key("requests").Int(c.requests);
  w.Key("completions").Int(c.completions);
  w.Key("ratings").Int(c.ratings);
  w.Key("mean_rating");
  if (c.ratings > 0) {
    w.Number(static_cast<double>(c.rating_sum) / static_cast<double>(c.ratings));
  } else {
    w.Null();
  }
  w.Key("services").Int(c.services);
  w.Key("monthly_capacity").Int(c.monthly_capacity);
  w.Key("capacity_left").Int(c.capacity_left);
}

template <typename Info>
void WriteId(JsonWriter& w, const char* key, const std::vector<Info>& infos, int index) {
  w.Key(key);
  if (index >= 0 && index < static_cast<int>(infos.size())) {
    w.String(infos[static_cast<size_t>(index)].id);
  } else {
    w.Null();
  }
}

void WriteSeries(JsonWriter& w, const char* key, const std::vector<int64_t>& values) {
  w.Key(key).BeginArray();
  for (int64_t v : values) w.Int(v);
  w.EndArray();
}

// One CSV field: quoted when it holds a separator, quote or line break; a
// leading = + - @ (a formula to a spreadsheet) is defused with a quote mark.
void Field(std::string& out, std::string_view value) {
  std::string v;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    v = "'";
  }
  v.append(value);
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void Number(std::string& out, int64_t value) { out += std::to_string(value); }

}  // namespace

std::string SupplyDemandJson(const SupplyDemandMap& map, const Taxonomy& taxonomy) {
  std::string out;
  out.reserve(64 * 1024);
  JsonWriter w(&out);
  const SupplyDemandQuery& q = map.query;
  w.BeginObject();
  w.Key("as_of_unix_ms").Int(q.now_unix_ms);
  w.Key("good_match_score").Number(q.good_match_score);
  w.Key("min_field_confidence").Number(q.min_field_confidence);
  w.Key("service_type");
  if (q.service_type.empty()) {
    w.Null();
  } else {
    w.String(q.service_type);
  }
  w.Key("month");
  if (q.month) {
    w.String(FormatMonth(*q.month));
  } else {
    w.Null();
  }
  w.Key("capacity_month").String(FormatMonth(map.capacity_month));
  w.Key("attribution").BeginObject();
  w.Key("given").Int(map.attribution.given);
  w.Key("inferred").Int(map.attribution.inferred);
  w.Key("inferred_unsure").Int(map.attribution.inferred_unsure);
  w.Key("best_match").Int(map.attribution.best_match);
  w.Key("unknown").Int(map.attribution.unknown);
  w.EndObject();
  w.Key("total").BeginObject();
  WriteCounts(w, map.total);
  w.EndObject();
  w.Key("cells").BeginArray();
  for (const SupplyDemandMap::Cell& cell : map.cells) {
    w.BeginObject();
    WriteId(w, "field", taxonomy.fields(), cell.field);
    WriteId(w, "county", taxonomy.counties(), cell.county);
    WriteCounts(w, cell.counts);
    w.EndObject();
  }
  w.EndArray();
  w.Key("fields").BeginArray();
  for (const SupplyDemandMap::Row& row : map.by_field) {
    w.BeginObject();
    WriteId(w, "field", taxonomy.fields(), row.index);
    WriteId(w, "category", taxonomy.categories(),
            row.index >= 0 ? taxonomy.fields()[static_cast<size_t>(row.index)].category : -1);
    WriteCounts(w, row.counts);
    w.EndObject();
  }
  w.EndArray();
  w.Key("counties").BeginArray();
  for (const SupplyDemandMap::Row& row : map.by_county) {
    w.BeginObject();
    WriteId(w, "county", taxonomy.counties(), row.index);
    WriteCounts(w, row.counts);
    w.EndObject();
  }
  w.EndArray();
  w.Key("service_types").BeginArray();
  for (const SupplyDemandMap::Row& row : map.by_service_type) {
    w.BeginObject();
    WriteId(w, "service_type", taxonomy.service_types(), row.index);
    WriteCounts(w, row.counts);
    w.EndObject();
  }
  w.EndArray();
  w.Key("trends").BeginObject();
  w.Key("months").BeginArray();
  for (MonthKey m : map.trend_months) w.String(FormatMonth(m));
  w.EndArray();
  w.Key("series").BeginArray();
  for (const SupplyDemandMap::Trend& t : map.trends) {
    w.BeginObject();
    WriteId(w, "category", taxonomy.categories(), t.category);
    WriteSeries(w, "needs", t.needs);
    WriteSeries(w, "needs_without_good_match", t.needs_without_good_match);
    WriteSeries(w, "requests", t.requests);
    WriteSeries(w, "completions", t.completions);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return out;
}

std::string SupplyDemandCsv(const SupplyDemandMap& map, const Taxonomy& taxonomy) {
  const int num_fields = static_cast<int>(taxonomy.fields().size());
  const int num_counties = static_cast<int>(taxonomy.counties().size());
  std::map<std::pair<int, int>, const MapCounts*> cells;
  for (const SupplyDemandMap::Cell& cell : map.cells) {
    // -1 (unknown) sorts after every taxonomy index.
    cells[{cell.field < 0 ? num_fields : cell.field, cell.county < 0 ? num_counties : cell.county}] = &cell.counts;
  }
  std::string out = "\xEF\xBB\xBF";
  out.reserve(static_cast<size_t>(num_fields + 1) * (num_counties + 1) * 120);
  out +=
      "category_id,category_zh,field_id,field_zh,county_id,county_zh,needs,needs_without_good_match,"
      "requests,completions,ratings,mean_rating,services,monthly_capacity,capacity_left\r\n";
  const MapCounts zero;
  for (int f = 0; f <= num_fields; ++f) {
    for (int c = 0; c <= num_counties; ++c) {
      auto it = cells.find({f, c});
      // The unknown field or county only where something is.
      if ((f == num_fields || c == num_counties) && it == cells.end()) continue;
      const MapCounts& k = it == cells.end() ? zero : *it->second;
      if (f < num_fields) {
        const FieldInfo& field = taxonomy.fields()[static_cast<size_t>(f)];
        const CategoryInfo& category = taxonomy.categories()[static_cast<size_t>(field.category)];
        Field(out, category.id);
        out += ',';
        Field(out, category.name.zh);
        out += ',';
        Field(out, field.id);
        out += ',';
        Field(out, field.name.zh);
      } else {
        out += ",,,";
        Field(out, kUnknownField);
      }
      out += ',';
      if (c < num_counties) {
        const CountyInfo& county = taxonomy.counties()[static_cast<size_t>(c)];
        Field(out, county.id);
        out += ',';
        Field(out, county.name.zh);
      } else {
        out += ',';
        Field(out, kUnknownCounty);
      }
      for (int64_t v : {k.needs, k.needs_without_good_match, k.requests, k.completions, k.ratings}) {
        out += ',';
        Number(out, v);
      }
      out += ',';
      if (k.ratings > 0) {
        char mean[32];
        std::snprintf(mean, sizeof mean, "%.2f", static_cast<double>(k.rating_sum) / static_cast<double>(k.ratings));
        out += mean;
      }
      for (int64_t v : {k.services, k.monthly_capacity, k.capacity_left}) {
        out += ',';
        Number(out, v);
      }
      out += "\r\n";
    }
  }
  return out;
}

}  // namespace iisc
