// The in-memory Store: the same key layout and rules as the RocksDB store,
// held in ordered maps, so engine logic can be tested without a disk.
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>

#include "engine/store.h"
#include "engine/store_keys.h"

namespace iisc {
namespace {

// std::less<> lets string_view arguments look up std::string keys directly.
template <typename Value>
using OrderedMap = std::map<std::string, Value, std::less<>>;

class MemoryStore final : public Store {
 public:
  MemoryStore() { meta_.emplace(store_keys::kSchemaVersionKey, store_keys::kSchemaVersion); }

  Status PutComplex(const Complex& complex) override {
    IISC_RETURN_IF_ERROR(store_keys::ValidateComplexKeys(complex));
    std::unique_lock lock(mutex_);
    PutComplexLocked(complex);
    return Status::Ok();
  }

  Status DeleteComplex(std::string_view complex_id) override {
    std::unique_lock lock(mutex_);
    auto it = complexes_.find(complex_id);
    if (it == complexes_.end()) {
      return Status::NotFound("complex \"" + std::string(complex_id) + "\" not found");
    }
    EraseCapabilitiesLocked(complex_id, {});
    complexes_.erase(it);
    return Status::Ok();
  }

  Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                      const std::vector<std::pair<std::string, FeatureVector>>& features) override {
    for (const Complex& complex : put) IISC_RETURN_IF_ERROR(store_keys::ValidateComplexKeys(complex));
    for (const auto& [key, vector] : features) IISC_RETURN_IF_ERROR(store_keys::ValidateFeatureKey(key));
    std::unique_lock lock(mutex_);
    for (const std::string& id : remove) {
      EraseCapabilitiesLocked(id, {});
      complexes_.erase(id);
    }
    for (const Complex& complex : put) PutComplexLocked(complex);
    for (const auto& [key, vector] : features) features_.insert_or_assign(key, vector);
    return Status::Ok();
  }

  Result<Complex> GetComplex(std::string_view complex_id) const override {
    std::shared_lock lock(mutex_);
    auto it = complexes_.find(complex_id);
    if (it == complexes_.end()) {
      return Status::NotFound("complex \"" + std::string(complex_id) + "\" not found");
    }
    return WithCapabilitiesLocked(it->second);
  }

  Result<std::vector<Complex>> ListComplexes() const override {
    std::shared_lock lock(mutex_);
    std::vector<Complex> complexes;
    complexes.reserve(complexes_.size());
    for (const auto& [id, complex] : complexes_) {
      complexes.push_back(WithCapabilitiesLocked(complex));
    }
    return complexes;
  }

  Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>& batch) override {
    for (const auto& [key, vector] : batch) {
      IISC_RETURN_IF_ERROR(store_keys::ValidateFeatureKey(key));
    }
    std::unique_lock lock(mutex_);
    for (const auto& [key, vector] : batch) features_.insert_or_assign(key, vector);
    return Status::Ok();
  }

  Result<std::optional<FeatureVector>> GetFeatures(std::string_view key) const override {
    std::shared_lock lock(mutex_);
    auto it = features_.find(key);
    if (it == features_.end()) return std::optional<FeatureVector>();
    return std::optional<FeatureVector>(it->second);
  }

  Status ScanFeatures(const std::function<Status(std::string_view key, const FeatureVector&)>&
                          visit) const override {
    // Visit a copy, outside the lock, so `visit` may call back into the store.
    OrderedMap<FeatureVector> snapshot;
    {
      std::shared_lock lock(mutex_);
      snapshot = features_;
    }
    for (const auto& [key, vector] : snapshot) IISC_RETURN_IF_ERROR(visit(key, vector));
    return Status::Ok();
  }

  Status Write(const DurableWrite& write) override {
    for (const StoredNeed& need : write.needs) IISC_RETURN_IF_ERROR(store_keys::ValidateNeedId(need.id));
    for (const RecordWrite& record : write.records) {
      IISC_RETURN_IF_ERROR(store_keys::ValidateRecordKey(record.key));
    }
    std::unique_lock lock(mutex_);
    for (const StoredNeed& need : write.needs) {
      needs_.insert_or_assign(need.id, need);
      if (!need.features.values.empty()) features_.insert_or_assign("need/" + need.id, need.features);
    }
    for (const RecordWrite& record : write.records) {
      if (record.value) {
        records_.insert_or_assign(record.key, *record.value);
      } else {
        records_.erase(record.key);
      }
    }
    for (const std::string& id : write.erased_need_vectors) features_.erase("need/" + id);
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetRecord(std::string_view key) const override {
    std::shared_lock lock(mutex_);
    auto it = records_.find(key);
    if (it == records_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status ScanRecords(std::string_view prefix, std::string_view after,
                     const std::function<Result<bool>(std::string_view, std::string_view)>& visit)
      const override {
    std::vector<std::pair<std::string, std::string>> matching;
    {
      std::shared_lock lock(mutex_);
      auto it = after.empty() ? records_.lower_bound(prefix) : records_.upper_bound(after);
      if (it != records_.end() && it->first < prefix) it = records_.lower_bound(prefix);
      for (; it != records_.end() && it->first.starts_with(prefix); ++it) matching.emplace_back(*it);
    }
    for (const auto& [key, value] : matching) {
      Result<bool> more = visit(key, value);
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    return Status::Ok();
  }

  Result<StoredNeed> GetNeed(std::string_view id) const override {
    std::shared_lock lock(mutex_);
    auto it = needs_.find(id);
    if (it == needs_.end()) return Status::NotFound("need \"" + std::string(id) + "\" not found");
    return it->second;
  }

  Status ScanNeeds(const std::function<Status(const StoredNeed&)>& visit) const override {
    OrderedMap<StoredNeed> snapshot;
    {
      std::shared_lock lock(mutex_);
      snapshot = needs_;
    }
    for (const auto& [id, need] : snapshot) IISC_RETURN_IF_ERROR(visit(need));
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) const override {
    std::shared_lock lock(mutex_);
    auto it = meta_.find(key);
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status PutMeta(std::string_view key, std::string_view value) override {
    IISC_RETURN_IF_ERROR(store_keys::ValidateMetaWrite(key));
    std::unique_lock lock(mutex_);
    meta_.insert_or_assign(std::string(key), std::string(value));
    return Status::Ok();
  }

  Status Checkpoint(const std::string& /*dir*/) override {
    return Status::InvalidArgument("checkpoint needs the RocksDB store");
  }

 private:
  // REQUIRES: mutex_ held exclusively; the keys validated.
  void PutComplexLocked(const Complex& complex) {
    Complex without_services = complex;
    without_services.services.clear();
    std::set<std::string_view> listed;
    for (const Capability& capability : complex.services) listed.insert(capability.id);
    EraseCapabilitiesLocked(complex.id, listed);
    for (const Capability& capability : complex.services) {
      Capability stored = capability;
      stored.complex_id = complex.id;
      capabilities_.insert_or_assign(capability.id, std::move(stored));
    }
    complexes_.insert_or_assign(complex.id, std::move(without_services));
  }

  // Removes the complex's capabilities that are not in `keep`, with their
  // vectors; kept ones retain their vectors. REQUIRES: mutex_ held exclusively.
  void EraseCapabilitiesLocked(std::string_view complex_id,
                               const std::set<std::string_view>& keep) {
    const std::string prefix = store_keys::CapabilityPrefix(complex_id);
    auto it = capabilities_.lower_bound(prefix);
    while (it != capabilities_.end() && it->first.starts_with(prefix)) {
      if (keep.contains(it->first)) {
        ++it;
        continue;
      }
      features_.erase(it->first);
      it = capabilities_.erase(it);
    }
  }

  // REQUIRES: mutex_ held. Capabilities come back in id order, as from RocksDB.
  Complex WithCapabilitiesLocked(const Complex& complex) const {
    Complex result = complex;
    const std::string prefix = store_keys::CapabilityPrefix(complex.id);
    for (auto it = capabilities_.lower_bound(prefix);
         it != capabilities_.end() && it->first.starts_with(prefix); ++it) {
      result.services.push_back(it->second);
    }
    return result;
  }

  mutable std::shared_mutex mutex_;
  OrderedMap<Complex> complexes_;        // GUARDED_BY(mutex_), services empty
  OrderedMap<Capability> capabilities_;  // GUARDED_BY(mutex_)
  OrderedMap<FeatureVector> features_;   // GUARDED_BY(mutex_)
  OrderedMap<StoredNeed> needs_;         // GUARDED_BY(mutex_)
  OrderedMap<std::string> meta_;         // GUARDED_BY(mutex_)
  OrderedMap<std::string> records_;      // GUARDED_BY(mutex_)
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace iisc
