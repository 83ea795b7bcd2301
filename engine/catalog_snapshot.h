// An immutable view of the catalog built for scoring: the records, packed
// per-capability rows, lexical postings, the dense vector matrix and the text
// model that made them. Readers hold it by shared_ptr; writers build a new one.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/scorer.h"
#include "engine/vector_kernels.h"
#include "models/catalog.h"
#include "models/text_model.h"

namespace iisc {

struct Posting {
  uint32_t row;
  float weight;
};

// One bit per row, 64 rows per word; bits past the last row are zero.
using RowBits = std::vector<uint64_t>;

class CatalogSnapshot {
 public:
  std::vector<Complex> complexes;                 // ordered by id
  std::vector<const Capability*> capabilities;    // by row
  std::vector<CapabilityRow> rows;
  std::unordered_map<std::string_view, uint32_t> complex_by_id;
  // Lexical postings: those of term t are posting_data[posting_offsets[t] ..
  // posting_offsets[t + 1]), rows ascending.
  std::vector<uint64_t> posting_offsets;
  std::vector<Posting> posting_data;
  std::span<const Posting> postings(uint32_t term) const {
    if (term + size_t{1} >= posting_offsets.size()) return {};
    return {posting_data.data() + posting_offsets[term], posting_data.data() + posting_offsets[term + 1]};
  }
  VectorMatrix vectors{1};
  QuantizedMatrix compact;  // int8 copy of `vectors` for the semantic shortlist scan
  std::shared_ptr<const TextModel> model;

  // Filters as row bitmaps, built once per catalog. A row without a known
  // county (type) passes every county (type) filter; a row serving no known
  // field is never recommended.
  RowBits eligible;               // rows serving a known field
  bool all_eligible = true;       // eligible has every row
  std::vector<RowBits> by_county;  // [county]: that county or none known
  std::vector<RowBits> by_type;    // [service type]: that type or none known
  std::vector<RowBits> by_field;   // [field]: rows serving it
  // Candidate lists: [service type][field] -> rows of that type serving that
  // field, ascending.
  std::vector<std::vector<std::vector<uint32_t>>> type_field_rows;
  // Needs already routed to each row this month (the only mutable part).
  std::unique_ptr<std::atomic<int64_t>[]> used_this_month;

  size_t size() const { return rows.size(); }
};

// The text a capability is known by: its institution, description, complex
// name, and the names of its fields and service type, in both languages.
std::string CapabilityText(const Capability& capability, const Complex& complex,
                           const Taxonomy& taxonomy);

// Builds a snapshot from complexes and each capability's document features.
// REQUIRES: `complexes` ordered by id; `features` holds one entry per
// capability in that order (complex by complex, service by service).
std::shared_ptr<CatalogSnapshot> BuildSnapshot(std::vector<Complex> complexes,
                                               const std::vector<TextFeatures>& features,
                                               std::shared_ptr<const TextModel> model,
                                               const Taxonomy& taxonomy);

}  // namespace iisc
