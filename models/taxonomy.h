// The domain's fixed vocabulary: 4 categories, 35 fields, 11 service types,
// 12 counties, enterprise sizes. Loaded once from data/taxonomy.json; ids are
// mapped to small dense indices so the engine can use bitmaps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/status.h"

namespace iisc {

struct LocalizedText {
  std::string zh;
  std::string en;
  bool empty() const { return zh.empty() && en.empty(); }
};

struct Keywords {
  std::vector<std::string> zh;
  std::vector<std::string> en;
};

enum class FieldPriority { kNormal, kLeading, kStrategic };

struct CategoryInfo {
  std::string id;
  LocalizedText name;
};

struct FieldInfo {
  std::string id;
  int category = 0;  // index into Taxonomy::categories()
  LocalizedText name;
  FieldPriority priority = FieldPriority::kNormal;
  Keywords keywords;
};

struct ServiceTypeInfo {
  std::string id;
  LocalizedText name;
  Keywords keywords;
};

struct CountyInfo {
  std::string id;
  LocalizedText name;
  std::string kind;
  double lat = 0;
  double lon = 0;
};

// Immutable after load; safe to share between threads.
class Taxonomy {
 public:
  // Parses and validates taxonomy JSON (schema "iisc-taxonomy/1").
  static Result<Taxonomy> FromJson(std::string_view json);
  static Result<Taxonomy> FromFile(const std::string& path);

  const std::vector<CategoryInfo>& categories() const { return categories_; }
  const std::vector<FieldInfo>& fields() const { return fields_; }
  const std::vector<ServiceTypeInfo>& service_types() const { return service_types_; }
  const std::vector<CountyInfo>& counties() const { return counties_; }
  const std::vector<std::string>& enterprise_sizes() const { return sizes_; }

  // Dense index of an id, or -1 when the id is unknown.
  int FieldIndex(std::string_view id) const;
  int ServiceTypeIndex(std::string_view id) const;
  int CountyIndex(std::string_view id) const;
  int CategoryIndex(std::string_view id) const;
  int SizeIndex(std::string_view id) const;

  // Great-circle distance between two county seats, in kilometres; +infinity
  // when either index is out of range (an unknown county is "far").
  double CountyDistanceKm(int county_a, int county_b) const;

  // The JSON the taxonomy was loaded from, served as-is by GET /v1/taxonomy.
  const std::string& source_json() const { return source_json_; }

 private:
  // Sorted (id, index) pairs: a flat map, small enough to stay in cache and
  // safe to copy (it owns its keys).
  class IdIndex {
   public:
    // Maps ids[i] to i. A duplicate id fails, naming "<list>[i].id".
    Status Build(const std::vector<std::string>& ids, std::string_view list);
    int Find(std::string_view id) const;

   private:
    std::vector<std::pair<std::string, int>> entries_;
  };

  std::vector<CategoryInfo> categories_;
  std::vector<FieldInfo> fields_;
  std::vector<ServiceTypeInfo> service_types_;
  std::vector<CountyInfo> counties_;
  std::vector<std::string> sizes_;
  std::string source_json_;

  IdIndex category_index_;
  IdIndex field_index_;
  IdIndex service_type_index_;
  IdIndex county_index_;
  IdIndex size_index_;
  // counties x counties, row-major, computed once at load.
  std::vector<double> county_distance_km_;
};

}  // namespace iisc
