// Catalog records (the JSONL of data/demo-catalog.jsonl and of bulk imports)
// and standalone service records: refused with an InvalidArgument, or
// accepted records that keep the catalog's rules and survive a round trip
// through their canonical JSON.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "models/catalog.h"

namespace iisc::fuzz {
namespace {

void CheckCapability(const Capability& c, const Taxonomy* taxonomy) {
  FUZZ_CHECK(!c.complex_id.empty() && c.id.size() > c.complex_id.size() + 1 &&
                 c.id.compare(0, c.complex_id.size() + 1, c.complex_id + "/") == 0,
             c.id);
  FUZZ_CHECK(c.capacity_per_month >= 0, c.id);
  FUZZ_CHECK(c.rating >= 0 && c.rating <= 5, c.id);
  FUZZ_CHECK(c.price_level == "free" || c.price_level == "subsidized" || c.price_level == "market",
             c.price_level);
  FUZZ_CHECK(!c.institution.zh.empty() && !c.description.zh.empty(), c.id);
  if (taxonomy != nullptr) {
    FUZZ_CHECK(taxonomy->ServiceTypeIndex(c.type) >= 0, c.type);
    for (const std::string& f : c.fields) FUZZ_CHECK(taxonomy->FieldIndex(f) >= 0, f);
  }
  const std::string canonical = CapabilityToJson(c);
  Result<Capability> again = ParseCapabilityJson(canonical, taxonomy);
  FUZZ_CHECK(again.ok(), canonical + " -> " + again.status().ToString());
  FUZZ_CHECK(*again == c, canonical);
}

void CheckComplex(const Complex& c, const Taxonomy* taxonomy) {
  FUZZ_CHECK(!c.id.empty() && !c.name.zh.empty(), c.id);
  FUZZ_CHECK(c.level == "county" || c.level == "municipal", c.level);
  if (taxonomy != nullptr) FUZZ_CHECK(taxonomy->CountyIndex(c.county) >= 0, c.county);
  for (size_t i = 0; i < c.services.size(); ++i) {
    FUZZ_CHECK(c.services[i].complex_id == c.id, c.services[i].id);
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(c.services[j].id != c.services[i].id, c.id);
    CheckCapability(c.services[i], taxonomy);
  }
  const std::string canonical = ComplexToJson(c);
  Result<Complex> again = ParseComplexJson(canonical, taxonomy);
  FUZZ_CHECK(again.ok(), canonical + " -> " + again.status().ToString());
  FUZZ_CHECK(*again == c, canonical);

  // The store keeps a complex without its services.
  Complex bare = c;
  bare.services.clear();
  Result<Complex> stored = ParseComplexJson(ComplexToJson(c, /*include_services=*/false), nullptr);
  FUZZ_CHECK(stored.ok() && *stored == bare, ComplexToJson(c, false));
}

void Run(std::string_view input, const Taxonomy* taxonomy) {
  Result<std::vector<Complex>> catalog = ParseCatalogJsonl(input, taxonomy);
  if (catalog.ok()) {
    for (size_t i = 0; i < catalog->size(); ++i) {
      for (size_t j = 0; j < i; ++j) FUZZ_CHECK((*catalog)[j].id != (*catalog)[i].id, (*catalog)[i].id);
      CheckComplex((*catalog)[i], taxonomy);
    }
  } else {
    CheckRefusal(catalog.status());
  }

  Result<Capability> capability = ParseCapabilityJson(input, taxonomy);
  if (capability.ok()) {
    CheckCapability(*capability, taxonomy);
  } else {
    CheckRefusal(capability.status());
  }
}

}  // namespace
}  // namespace iisc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = iisc::fuzz::AsText(data, size);
  iisc::fuzz::Run(input, &iisc::fuzz::SharedTaxonomy());
  iisc::fuzz::Run(input, nullptr);  // records read back from storage
  return 0;
}
