// Catalog records: complexes and the services (capabilities) they offer,
// exactly the shape of data/demo-catalog.jsonl. Plain data, no behaviour.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

struct Capability {
  std::string id;          // "<complex id>/<type>-<n>", unique in the catalog
  std::string complex_id;  // filled from the enclosing complex
  std::string type;        // service type id
  LocalizedText institution;
  std::vector<std::string> fields;  // field ids
  LocalizedText description;        // en may be empty
  int capacity_per_month = 0;
  double rating = 0;         // 0..5; 0 means unrated
  std::string price_level;   // "free", "subsidized" or "market"
};

struct Complex {
  std::string id;
  LocalizedText name;
  std::string county;
  std::string level;  // "county" or "municipal"
  bool provincial_listed = false;
  std::vector<std::string> fields;
  LocalizedText description;
  std::vector<Capability> services;
};

// Parses one catalog record (one line of the JSONL) and validates it: types,
// required members, unique service ids prefixed by "<complex id>/", ranges of
// rating (0..5) and capacity (>= 0), price level. With a taxonomy it also
// checks every field, service type and county id; pass nullptr to check the
// structure only (records read back from storage were checked when written).
// Errors are InvalidArgument naming the offending member ("services[2].type").
Result<Complex> ParseComplexJson(std::string_view json, const Taxonomy* taxonomy);
Result<Capability> ParseCapabilityJson(std::string_view json, const Taxonomy* taxonomy);

// Parses a JSONL document (blank lines allowed); the error names the line.
Result<std::vector<Complex>> ParseCatalogJsonl(std::string_view jsonl, const Taxonomy* taxonomy);

// Canonical JSON; ParseComplexJson(ComplexToJson(c)) == c. Without services
// the "services" member is omitted (the store keeps capabilities apart).
std::string ComplexToJson(const Complex& complex, bool include_services = true);
std::string CapabilityToJson(const Capability& capability);

bool operator==(const LocalizedText& a, const LocalizedText& b);
bool operator==(const Capability& a, const Capability& b);
bool operator==(const Complex& a, const Complex& b);

}  // namespace iisc
