// The demand on the catalog: the needs stored in the current calendar month
// (UTC) per service they were recommended (their top kDemandTopN), which
// loads each service's capacity score, and the needs per service type since
// the start, for the bureau.
//
// The month's counts live twice: by service id here, and by row in the
// snapshot being ranked on (CatalogSnapshot::used_this_month), which the
// ledger keeps equal. So a snapshot is published through the ledger (its
// counts set and the swap done under one lock), and a month that starts
// clears both. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/catalog_snapshot.h"
#include "models/taxonomy.h"

namespace iisc {

constexpr int kDemandTopN = 3;  // a need loads the capacity of its top services

class DemandLedger {
 public:
  // `current` is the snapshot being ranked on (null before the first).
  DemandLedger(const Taxonomy& taxonomy, std::function<int64_t()> now_unix_ms,
               std::function<std::shared_ptr<const CatalogSnapshot>()> current);

  // A need already stored, read at start (before any need is ranked; the
  // snapshot then takes the counts through Publish).
  void CountStored(const std::vector<std::string>& recommended_ids, const std::vector<std::string>& types,
                   int64_t created_unix_ms);
  // A need just stored: `rows` are its results' rows in `ranked_on`, in the
  // order of `recommended_ids`.
  void CountNew(const std::vector<std::string>& recommended_ids, const std::vector<uint32_t>& rows,
                const CatalogSnapshot& ranked_on, const std::vector<std::string>& types, int64_t created_unix_ms);
  // Starts the month of the clock's time when it is later than the one being
  // counted: its needs count from zero, here and in the snapshot in use.
  // Cheap when the month has not changed (every ranking calls it).
  void FollowMonth() const;
  // Gives rows [first, end) of a snapshot the month's counts.
  using CountRows = std::function<void(const CatalogSnapshot&, uint32_t first, uint32_t end)>;
  // Runs `change` under the ledger's lock, so that no need is counted while
  // it builds the next snapshot from the current one (whose counts carry
  // over by row), gives the rows it wrote their counts, and publishes it.
  void Publish(const std::function<void(const CountRows&)>& change);

  int64_t total_needs() const;
  std::vector<int64_t> needs_by_type() const;  // by taxonomy service type index

 private:
  void FollowMonthLocked(int64_t now_ms) const;  // REQUIRES: mu_ held
  void CopyCountsLocked(const CatalogSnapshot& snapshot, uint32_t first, uint32_t end) const;
  void CountTypesLocked(const std::vector<std::string>& types);

  const Taxonomy& taxonomy_;
  std::function<int64_t()> now_unix_ms_;
  std::function<std::shared_ptr<const CatalogSnapshot>()> current_;
  mutable std::mutex mu_;
  // The month is followed by reads too (FollowMonth is const): mutable.
  mutable int month_ = 0;                                          // GUARDED_BY(mu_)
  mutable std::unordered_map<std::string, int64_t> used_this_month_;  // GUARDED_BY(mu_)
  // When month_ ends; checked without the lock on every ranking.
  mutable std::atomic<int64_t> next_month_ms_{0};
  std::vector<int64_t> needs_by_type_;  // GUARDED_BY(mu_)
  int64_t total_needs_ = 0;             // GUARDED_BY(mu_)
};

}  // namespace iisc
