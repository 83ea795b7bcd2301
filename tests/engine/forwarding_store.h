// A Store that hands every call to another (real) store; tests derive from it
// to watch or disturb single operations.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/store.h"

namespace iisc::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  Status PutComplex(const Complex& c) override { return inner_->PutComplex(c); }
  Status DeleteComplex(std::string_view id) override { return inner_->DeleteComplex(id); }
  Status WriteCatalog(const std::vector<Complex>& put, const std::vector<std::string>& remove,
                      const std::vector<std::pair<std::string, FeatureVector>>& features) override {
    return inner_->WriteCatalog(put, remove, features);
  }
  Result<Complex> GetComplex(std::string_view id) const override { return inner_->GetComplex(id); }
  Result<std::vector<Complex>> ListComplexes() const override { return inner_->ListComplexes(); }
  Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>& batch) override {
    return inner_->PutFeatures(batch);
  }
  Result<std::optional<FeatureVector>> GetFeatures(std::string_view key) const override {
    return inner_->GetFeatures(key);
  }
  Status ScanFeatures(const std::function<Status(std::string_view, const FeatureVector&)>& visit)
      const override {
    return inner_->ScanFeatures(visit);
  }
  Status Write(const DurableWrite& write) override { return inner_->Write(write); }
  Result<StoredNeed> GetNeed(std::string_view id) const override { return inner_->GetNeed(id); }
  Status ScanNeeds(const std::function<Status(const StoredNeed&)>& visit) const override {
    return inner_->ScanNeeds(visit);
  }
  Result<std::optional<std::string>> GetMeta(std::string_view key) const override {
    return inner_->GetMeta(key);
  }
  Status PutMeta(std::string_view key, std::string_view value) override {
    return inner_->PutMeta(key, value);
  }
  Result<std::optional<std::string>> GetRecord(std::string_view key) const override {
    return inner_->GetRecord(key);
  }
  Status ScanRecords(std::string_view prefix, std::string_view after,
                     const std::function<Result<bool>(std::string_view, std::string_view)>& visit)
      const override {
    return inner_->ScanRecords(prefix, after, visit);
  }
  Status Checkpoint(const std::string& dir) override { return inner_->Checkpoint(dir); }

 private:
  std::unique_ptr<Store> inner_;
};

}  // namespace iisc::testing
