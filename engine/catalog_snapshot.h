// An immutable view of the catalog built for scoring: the records, packed
// per-capability rows, lexical postings, the dense vector matrix and the text
// model that made them. Readers hold it by shared_ptr; writers build a new one.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compaction_policy.h"
#include "engine/posting_table.h"
#include "engine/scorer.h"
#include "engine/vector_kernels.h"
#include "models/catalog.h"
#include "models/text_model.h"

namespace iisc {

// One bit per row, 64 rows per word; bits past the last row are zero.
using RowBits = std::vector<uint64_t>;

// A complex and its rows. Slots keep their index while the catalog changes
// incrementally, so the rows of unchanged complexes carry over untouched;
// a removed or replaced complex leaves an empty slot (complex null).
struct ComplexSlot {
  std::shared_ptr<const Complex> complex;
  uint32_t first_row = 0, end_row = 0;
};

// A catalog change applied without rebuilding what did not change.
struct CatalogChange {
  std::vector<std::string> removed;  // complex ids to drop (absent ids are ignored)
  // Complexes to insert or replace whole (capability complex_id set), each
  // with one TextFeatures per service, in service order.
  std::vector<std::shared_ptr<const Complex>> put;
  std::vector<std::vector<TextFeatures>> put_features;
};

class CatalogSnapshot {
 public:
  std::vector<ComplexSlot> slots;     // rows' complex_index
  std::vector<uint32_t> slots_by_id;  // the live slots, ordered by complex id
  // Rows of removed or replaced services stay until a compaction, with no
  // capability (null), no field and no eligible bit: never ranked.
  std::vector<const Capability*> capabilities;  // by row
  std::vector<CapabilityRow> rows;
  size_t live_rows = 0;
  // Lexical postings: rows below tail_first_row in `base` (shared between
  // snapshots), the rows added since in `tail`; a retired row's postings stay
  // until the next merge (its eligible bit keeps it out of every ranking).
  std::shared_ptr<const PostingTable> base_postings;
  std::shared_ptr<const PostingTable> tail_postings;
  uint32_t tail_first_row = 0;
  // Calls fn(uint32_t row, float weight) for every posting of `term`, rows ascending.
  template <typename Fn>
  void ForEachPosting(uint32_t term, Fn&& fn) const {
    base_postings->ForEach(term, fn);
    tail_postings->ForEach(term, fn);
  }
  VectorMatrix vectors{1};
  QuantizedMatrix compact;  // int8 copy of `vectors` for the semantic shortlist scan
  std::shared_ptr<const TextModel> model;

  // Filters as row bitmaps. A row without a known county (type) passes every
  // county (type) filter; a row serving no known field is never recommended.
  RowBits eligible;                // rows serving a known field
  bool all_eligible = true;        // eligible has every row
  std::vector<RowBits> by_county;  // [county]: that county or none known
  std::vector<RowBits> by_type;    // [service type]: that type or none known
  std::vector<RowBits> by_field;   // [field]: rows serving it
  // Candidate lists: [service type][field] -> rows of that type serving that
  // field, ascending.
  std::vector<std::vector<std::vector<uint32_t>>> type_field_rows;
  // Needs already routed to each row this month (the only mutable part).
  std::unique_ptr<std::atomic<int64_t>[]> used_this_month;

  size_t size() const { return rows.size(); }
  const Complex& complex_of(uint32_t row) const { return *slots[rows[row].complex_index].complex; }
  // The live complex with this id, or null; its slot, or -1.
  const Complex* FindComplex(std::string_view id) const;
  int FindSlot(std::string_view id) const;
  // The row of a live capability (found through its complex: ids are
  // "<complex id>/..."), or -1.
  int64_t RowOf(std::string_view capability_id) const;
  // The live complexes, ordered by id.
  std::vector<const Complex*> Complexes() const;
};

// The text a capability is known by: its institution, description, complex
// name, and the names of its fields and service type, in both languages.
std::string CapabilityText(const Capability& capability, const Complex& complex,
                           const Taxonomy& taxonomy);

// Builds a snapshot from complexes and each capability's document features.
// REQUIRES: `complexes` ordered by id; `features` holds one entry per
// capability in that order (complex by complex, service by service).
std::shared_ptr<CatalogSnapshot> BuildSnapshot(std::vector<std::shared_ptr<const Complex>> complexes,
                                               const std::vector<TextFeatures>& features,
                                               std::shared_ptr<const TextModel> model,
                                               const Taxonomy& taxonomy);

// The snapshot `base` with `change` applied, in time proportional to the
// change and a few copies of per-row arrays: new services are appended as
// new rows, removed ones are retired in place. When retired rows pile up
// or the postings' tail grows large (CompactionPolicy), the snapshot is
// compacted (rebuilt from the rows in memory, no text analyzed again).
// The counts of used_this_month carry over by row; new rows start at zero.
// REQUIRES: the change's features come from base.model.
std::shared_ptr<CatalogSnapshot> ApplyCatalogChange(const CatalogSnapshot& base, CatalogChange change,
                                                    const Taxonomy& taxonomy, const CompactionPolicy& policy = {});


}  // namespace iisc
