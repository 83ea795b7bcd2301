// When a catalog snapshot changed incrementally is tidied up (see
// ApplyCatalogChange in engine/catalog_snapshot.h).
#pragma once

#include <cstddef>

namespace iisc {

// When an incrementally changed snapshot is tidied up.
struct CompactionPolicy {
  // The postings of rows added since the last merge are merged into the
  // base when there are more than max(this, an eighth of the rows).
  size_t min_tail_rows_to_merge = 65536;
  // Retired rows are dropped (rows renumbered) when there are more than
  // max(this, a quarter of the rows).
  size_t min_retired_rows_to_compact = 4096;
};

}  // namespace iisc
