// Synthetic catalogs for load and scale tests: grows the demo catalog to any
// number of capabilities with text and fields shaped like the real ones.
//
// Each synthetic complex gets a county, a main field (and sometimes related
// fields of the same category), a level, and 4-7 services. Each service copies
// a demo service of the chosen type as a template and rewrites it for the new
// complex: the template's field names and keywords (both languages) become
// those of the new field, its county becomes the new county, its capacity,
// rating and price vary around the template's, and often a common clause is
// appended ("可线上预约" / "online booking"). Municipal complexes offer general
// services listing many fields, as in the demo catalog.
//
// Deterministic: the same demo catalog, taxonomy, size and seed give the same
// records on every platform (own PRNG, no std:: distributions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/catalog.h"
#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

struct CatalogGeneratorOptions {
  // Capabilities in the whole catalog, the demo's included. When smaller than
  // the demo catalog, the demo is truncated (whole complexes, in file order).
  size_t capabilities = 10000;
  uint64_t seed = 1;
};

// Emits the demo complexes first, then synthetic ones until the count is
// reached (the last complex is cut to land exactly on it). A non-OK status
// from `emit` stops the generation and is returned.
// REQUIRES: `demo` parsed and validated against `taxonomy`, with at least one
// service of every service type that the generator should produce (types
// without a template are skipped).
Status GenerateCatalog(const Taxonomy& taxonomy, const std::vector<Complex>& demo,
                       const CatalogGeneratorOptions& options,
                       const std::function<Status(Complex&&)>& emit);

// Convenience for small catalogs: all complexes in one vector.
Result<std::vector<Complex>> GenerateCatalogVector(const Taxonomy& taxonomy,
                                                   const std::vector<Complex>& demo,
                                                   const CatalogGeneratorOptions& options);

}  // namespace iisc
