#include "engine/demand_ledger.h"

#include "engine/clock.h"

namespace iisc {

DemandLedger::DemandLedger(const Taxonomy& taxonomy, std::function<int64_t()> now_unix_ms,
                           std::function<std::shared_ptr<const CatalogSnapshot>()> current)
    : taxonomy_(taxonomy), now_unix_ms_(std::move(now_unix_ms)), current_(std::move(current)) {
  const int64_t now = now_unix_ms_();
  month_ = MonthOfUnixMs(now);
  next_month_ms_.store(NextMonthStartMs(now));
  needs_by_type_.assign(taxonomy_.service_types().size(), 0);
}

void DemandLedger::CountTypesLocked(const std::vector<std::string>& types) {
  ++total_needs_;
  for (const std::string& t : types) {
    const int idx = taxonomy_.ServiceTypeIndex(t);
    if (idx >= 0) ++needs_by_type_[static_cast<size_t>(idx)];
  }
}

void DemandLedger::CountStored(const std::vector<std::string>& recommended_ids, const std::vector<std::string>& types,
                               int64_t created_unix_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CountTypesLocked(types);
  if (MonthOfUnixMs(created_unix_ms) != month_) return;
  for (size_t i = 0; i < recommended_ids.size() && i < static_cast<size_t>(kDemandTopN); ++i) {
    ++used_this_month_[recommended_ids[i]];
  }
}

void DemandLedger::CountNew(const std::vector<std::string>& recommended_ids, const std::vector<uint32_t>& rows,
                            const CatalogSnapshot& ranked_on, const std::vector<std::string>& types,
                            int64_t created_unix_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CountTypesLocked(types);
  // Under the lock, so that a month starting now cannot clear the snapshot
  // between the check and the count. A need created in the month that just
  // ended counts for that month only.
  FollowMonthLocked(now_unix_ms_());
  if (MonthOfUnixMs(created_unix_ms) != month_) return;
  const auto current = current_();
  for (size_t i = 0; i < recommended_ids.size() && i < static_cast<size_t>(kDemandTopN); ++i) {
    ++used_this_month_[recommended_ids[i]];
    if (current == nullptr) continue;
    // On the snapshot in use: by the row the need was ranked on when that is
    // the one, else through the service's complex (a catalog change
    // published since carries the counts it saw, not this one).
    const int64_t row = current.get() == &ranked_on && i < rows.size() ? rows[i] : current->RowOf(recommended_ids[i]);
    if (row >= 0 && static_cast<size_t>(row) < current->size()) {
      current->used_this_month[row].fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void DemandLedger::FollowMonth() const {
  const int64_t now = now_unix_ms_();
  if (now < next_month_ms_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(mu_);
  FollowMonthLocked(now);
}

void DemandLedger::FollowMonthLocked(int64_t now_ms) const {
  const int month = MonthOfUnixMs(now_ms);
  // Another thread may have started it already; a clock set back keeps the
  // month being counted.
  if (month <= month_) return;
  month_ = month;
  used_this_month_.clear();
  // Snapshots published later copy the (now empty) counts; older ones are
  // no longer ranked with.
  if (auto snapshot = current_()) CopyCountsLocked(*snapshot, 0, static_cast<uint32_t>(snapshot->size()));
  next_month_ms_.store(NextMonthStartMs(now_ms), std::memory_order_release);
}

void DemandLedger::CopyCountsLocked(const CatalogSnapshot& snapshot, uint32_t first, uint32_t end) const {
  for (uint32_t row = first; row < end; ++row) {
    if (snapshot.capabilities[row] == nullptr) continue;  // retired
    auto it = used_this_month_.find(snapshot.capabilities[row]->id);
    snapshot.used_this_month[row].store(it == used_this_month_.end() ? 0 : it->second, std::memory_order_relaxed);
  }
}

void DemandLedger::Publish(const std::function<void(const CountRows&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  change([this](const CatalogSnapshot& snapshot, uint32_t first, uint32_t end) {
    CopyCountsLocked(snapshot, first, end);
  });
}

int64_t DemandLedger::total_needs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_needs_;
}

std::vector<int64_t> DemandLedger::needs_by_type() const {
  std::lock_guard<std::mutex> lock(mu_);
  return needs_by_type_;
}

}  // namespace iisc
