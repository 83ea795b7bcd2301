#include "models/taxonomy.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>

#include <simdjson.h>

#include "models/json_reader.h"

namespace iisc {

namespace {

using json_reader::Path;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kSchema = "iisc-taxonomy/1";
constexpr double kEarthRadiusKm = 6371.0088;  // IUGG mean radius

double HaversineKm(double lat_a, double lon_a, double lat_b, double lon_b) {
  constexpr double kRad = std::numbers::pi / 180.0;
  const double dlat = (lat_b - lat_a) * kRad;
  const double dlon = (lon_b - lon_a) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat_a * kRad) * std::cos(lat_b * kRad) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

// Reads the array `key` of the root and hands each element, as an object
// with its path ("fields[3]"), to `parse_one`.
template <typename ParseOne>
Status ForEachObject(object root, std::string_view key, ParseOne parse_one) {
  array items;
  bool present = false;
  IISC_RETURN_IF_ERROR(json_reader::ReadArray(root, "", key, /*required=*/true, &items, &present));
  size_t index = 0;
  for (element item : items) {
    const std::string path = Path(key, index);
    object item_object;
    if (item.get(item_object) != simdjson::SUCCESS) {
      return Status::InvalidArgument("must be an object", path);
    }
    IISC_RETURN_IF_ERROR(parse_one(item_object, path));
    ++index;
  }
  return Status::Ok();
}

Status ReadKeywords(object parent_object, std::string_view parent, Keywords* out) {
  object keywords;
  bool present = false;
  IISC_RETURN_IF_ERROR(json_reader::ReadObject(parent_object, parent, "keywords",
                                               /*required=*/false, &keywords, &present));
  if (!present) return Status::Ok();
  const std::string path = Path(parent, "keywords");
  IISC_RETURN_IF_ERROR(json_reader::ReadStringArray(keywords, path, "zh", false, &out->zh));
  return json_reader::ReadStringArray(keywords, path, "en", false, &out->en);
}

Status ParsePriority(std::string_view text, FieldPriority* out) {
  if (text == "normal") *out = FieldPriority::kNormal;
  else if (text == "leading") *out = FieldPriority::kLeading;
  else if (text == "strategic") *out = FieldPriority::kStrategic;
  else return Status::InvalidArgument("must be \"normal\", \"leading\" or \"strategic\"");
  return Status::Ok();
}

template <typename Info>
std::vector<std::string> IdsOf(const std::vector<Info>& infos) {
  std::vector<std::string> ids;
  ids.reserve(infos.size());
  for (const Info& info : infos) ids.push_back(info.id);
  return ids;
}

}  // namespace

Status Taxonomy::IdIndex::Build(const std::vector<std::string>& ids, std::string_view list) {
  entries_.clear();
  entries_.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) entries_.emplace_back(ids[i], static_cast<int>(i));
  std::sort(entries_.begin(), entries_.end());
  for (size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].first == entries_[i - 1].first) {
      return Status::InvalidArgument("duplicate id \"" + entries_[i].first + "\"",
                                     Path(Path(list, static_cast<size_t>(entries_[i].second)), "id"));
    }
  }
  return Status::Ok();
}

int Taxonomy::IdIndex::Find(std::string_view id) const {
  const auto it = std::lower_bound(
      entries_.begin(), entries_.end(), id,
      [](const std::pair<std::string, int>& entry, std::string_view key) { return entry.first < key; });
  return (it != entries_.end() && it->first == id) ? it->second : -1;
}

Result<Taxonomy> Taxonomy::FromJson(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  object root;
  if (const auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    if (error == simdjson::INCORRECT_TYPE) return Status::InvalidArgument("taxonomy must be an object");
    return Status::InvalidArgument("taxonomy: " + json_reader::DescribeParseError(error));
  }

  Taxonomy t;
  std::string schema;
  IISC_RETURN_IF_ERROR(json_reader::ReadString(root, "", "schema", /*required=*/true, &schema));
  if (schema != kSchema) {
    return Status::InvalidArgument("unsupported schema \"" + schema + "\", expected \"" +
                                       std::string(kSchema) + "\"",
                                   "schema");
  }

  IISC_RETURN_IF_ERROR(ForEachObject(root, "categories", [&](object o, const std::string& path) {
    CategoryInfo info;
    IISC_RETURN_IF_ERROR(json_reader::ReadId(o, path, "id", &info.id));
    IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, path, "name", true, &info.name));
    t.categories_.push_back(std::move(info));
    return Status::Ok();
  }));
  IISC_RETURN_IF_ERROR(t.category_index_.Build(IdsOf(t.categories_), "categories"));

  IISC_RETURN_IF_ERROR(ForEachObject(root, "fields", [&](object o, const std::string& path) {
    FieldInfo info;
    IISC_RETURN_IF_ERROR(json_reader::ReadId(o, path, "id", &info.id));
    std::string category;
    IISC_RETURN_IF_ERROR(json_reader::ReadId(o, path, "category", &category));
    info.category = t.category_index_.Find(category);
    if (info.category < 0) {
      return Status::InvalidArgument("unknown category \"" + category + "\"",
                                     Path(path, "category"));
    }
    IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, path, "name", true, &info.name));
    std::string priority;
    IISC_RETURN_IF_ERROR(json_reader::ReadString(o, path, "priority", false, &priority));
    if (!priority.empty()) {
      const Status status = ParsePriority(priority, &info.priority);
      if (!status.ok()) return Status::InvalidArgument(status.message(), Path(path, "priority"));
    }
    IISC_RETURN_IF_ERROR(ReadKeywords(o, path, &info.keywords));
    t.fields_.push_back(std::move(info));
    return Status::Ok();
  }));
  IISC_RETURN_IF_ERROR(t.field_index_.Build(IdsOf(t.fields_), "fields"));

  IISC_RETURN_IF_ERROR(ForEachObject(root, "service_types", [&](object o, const std::string& path) {
    ServiceTypeInfo info;
    IISC_RETURN_IF_ERROR(json_reader::ReadId(o, path, "id", &info.id));
    IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, path, "name", true, &info.name));
    IISC_RETURN_IF_ERROR(ReadKeywords(o, path, &info.keywords));
    t.service_types_.push_back(std::move(info));
    return Status::Ok();
  }));
  IISC_RETURN_IF_ERROR(t.service_type_index_.Build(IdsOf(t.service_types_), "service_types"));

  IISC_RETURN_IF_ERROR(ForEachObject(root, "counties", [&](object o, const std::string& path) {
    CountyInfo info;
    IISC_RETURN_IF_ERROR(json_reader::ReadId(o, path, "id", &info.id));
    IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, path, "name", true, &info.name));
    IISC_RETURN_IF_ERROR(json_reader::ReadString(o, path, "kind", false, &info.kind));
    IISC_RETURN_IF_ERROR(json_reader::ReadDouble(o, path, "lat", true, &info.lat));
    IISC_RETURN_IF_ERROR(json_reader::ReadDouble(o, path, "lon", true, &info.lon));
    if (info.lat < -90 || info.lat > 90) {
      return Status::InvalidArgument("latitude must be within -90..90", Path(path, "lat"));
    }
    if (info.lon < -180 || info.lon > 180) {
      return Status::InvalidArgument("longitude must be within -180..180", Path(path, "lon"));
    }
    t.counties_.push_back(std::move(info));
    return Status::Ok();
  }));
  IISC_RETURN_IF_ERROR(t.county_index_.Build(IdsOf(t.counties_), "counties"));

  IISC_RETURN_IF_ERROR(json_reader::ReadStringArray(root, "", "enterprise_sizes", true, &t.sizes_));
  IISC_RETURN_IF_ERROR(t.size_index_.Build(t.sizes_, "enterprise_sizes"));

  const size_t n = t.counties_.size();
  t.county_distance_km_.resize(n * n);
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      t.county_distance_km_[a * n + b] = HaversineKm(t.counties_[a].lat, t.counties_[a].lon,
                                                     t.counties_[b].lat, t.counties_[b].lon);
    }
  }

  t.source_json_.assign(json);
  return t;
}

Result<Taxonomy> Taxonomy::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open taxonomy file " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read taxonomy file " + path);
  return FromJson(contents.str());
}

int Taxonomy::FieldIndex(std::string_view id) const { return field_index_.Find(id); }
int Taxonomy::ServiceTypeIndex(std::string_view id) const { return service_type_index_.Find(id); }
int Taxonomy::CountyIndex(std::string_view id) const { return county_index_.Find(id); }
int Taxonomy::CategoryIndex(std::string_view id) const { return category_index_.Find(id); }
int Taxonomy::SizeIndex(std::string_view id) const { return size_index_.Find(id); }

double Taxonomy::CountyDistanceKm(int county_a, int county_b) const {
  const int n = static_cast<int>(counties_.size());
  if (county_a < 0 || county_b < 0 || county_a >= n || county_b >= n) {
    return std::numeric_limits<double>::infinity();
  }
  return county_distance_km_[static_cast<size_t>(county_a) * n + county_b];
}

}  // namespace iisc
