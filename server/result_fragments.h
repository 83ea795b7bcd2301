// The parts of a recommendation result that depend only on the service (its
// ids, names, description, fields, price, rating, complex and county), each
// serialized once per catalog snapshot and copied into every answer that
// ranks the service, instead of escaping the same text for every request.
//
// Tables are kept per snapshot (the engine's snapshot stays opaque here): a
// catalog write publishes a new snapshot, so the next answer builds its
// fragments from the new records. Only the two most recent snapshots keep a
// table; a table holds at most kMaxFragments services, beyond which results
// are written directly. Safe on any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/recommender.h"
#include "models/taxonomy.h"

namespace iisc {

// A result's members before and after its score and explanation:
//   {"rank":..., <ids>, "score":..., "explanation":{...}, <details>}
struct ResultFragment {
  std::string ids;      // "capability_id":...,"complex_id":...
  std::string details;  // "service_type":... to the end of the result
};

class ResultFragmentTable;

// Writes the two fragments of `r` (no leading or trailing comma).
ResultFragment BuildResultFragment(const Recommendation& r, const Taxonomy& taxonomy);

// The table of `snapshot` under `taxonomy`, created empty when it has none;
// null when `snapshot` is null.
std::shared_ptr<ResultFragmentTable> FragmentTableFor(
    const std::shared_ptr<const CatalogSnapshot>& snapshot, const Taxonomy& taxonomy);

class ResultFragmentTable {
 public:
  static constexpr size_t kMaxFragments = 20000;

  // The fragments of r.capability in r.complex, built on the first call.
  // Null when the table is full and does not hold them (the caller writes the
  // result itself).
  const ResultFragment* Find(const Recommendation& r);

  size_t size() const;

  struct Impl;
  explicit ResultFragmentTable(const Taxonomy& taxonomy);
  ~ResultFragmentTable();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace iisc
