#include "server/result_fragments.h"

#include <array>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include "models/json_writer.h"
#include "server/localized_json.h"

namespace iisc {

namespace {

struct PairHash {
  size_t operator()(const std::pair<const Capability*, const Complex*>& p) const {
    return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
  }
};

}  // namespace

ResultFragment BuildResultFragment(const Recommendation& r, const Taxonomy& taxonomy) {
  ResultFragment f;
  {
    JsonWriter w(&f.ids);
    w.Key("capability_id").String(r.capability != nullptr ? r.capability->id : "");
    w.Key("complex_id").String(r.complex != nullptr ? r.complex->id : "");
  }
  JsonWriter w(&f.details);
  if (r.capability != nullptr) {
    const Capability& cap = *r.capability;
    w.Key("service_type").String(cap.type);
    if (const LocalizedText* name =
            NameOf(taxonomy.service_types(), taxonomy.ServiceTypeIndex(cap.type))) {
      w.Key("service_type_name");
      WriteLocalized(w, *name);
    }
    w.Key("institution");
    WriteLocalized(w, cap.institution);
    w.Key("description");
    WriteLocalized(w, cap.description);
    w.Key("fields").BeginArray();
    for (const std::string& field : cap.fields) w.String(field);
    w.EndArray();
    w.Key("price_level").String(cap.price_level);
    w.Key("rating").Number(cap.rating);
  }
  if (r.complex != nullptr) {
    const Complex& cx = *r.complex;
    w.Key("complex_name");
    WriteLocalized(w, cx.name);
    w.Key("county").String(cx.county);
    if (const LocalizedText* name =
            NameOf(taxonomy.counties(), taxonomy.CountyIndex(cx.county))) {
      w.Key("county_name");
      WriteLocalized(w, *name);
    }
  }
  return f;
}

struct ResultFragmentTable::Impl {
  explicit Impl(const Taxonomy& t) : taxonomy(t) {}
  const Taxonomy& taxonomy;
  mutable std::shared_mutex mu;
  // unique_ptr: a fragment stays where it is while the map grows.
  std::unordered_map<std::pair<const Capability*, const Complex*>,
                     std::unique_ptr<const ResultFragment>, PairHash>
      fragments;
};

ResultFragmentTable::ResultFragmentTable(const Taxonomy& taxonomy)
    : impl_(std::make_unique<Impl>(taxonomy)) {}
ResultFragmentTable::~ResultFragmentTable() = default;

const ResultFragment* ResultFragmentTable::Find(const Recommendation& r) {
  const std::pair<const Capability*, const Complex*> key(r.capability, r.complex);
  {
    std::shared_lock lock(impl_->mu);
    if (auto it = impl_->fragments.find(key); it != impl_->fragments.end()) return it->second.get();
    if (impl_->fragments.size() >= kMaxFragments) return nullptr;
  }
  auto built = std::make_unique<const ResultFragment>(BuildResultFragment(r, impl_->taxonomy));
  std::unique_lock lock(impl_->mu);
  if (impl_->fragments.size() >= kMaxFragments && !impl_->fragments.contains(key)) return nullptr;
  // Another thread may have built it meanwhile: either copy is the same.
  return impl_->fragments.try_emplace(key, std::move(built)).first->second.get();
}

size_t ResultFragmentTable::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->fragments.size();
}

std::shared_ptr<ResultFragmentTable> FragmentTableFor(
    const std::shared_ptr<const CatalogSnapshot>& snapshot, const Taxonomy& taxonomy) {
  if (snapshot == nullptr) return nullptr;
  struct Entry {
    // weak_ptr: the table does not keep an old catalog alive, and holding
    // its control block means no later snapshot can compare equal to it.
    std::weak_ptr<const CatalogSnapshot> snapshot;
    const Taxonomy* taxonomy = nullptr;
    std::shared_ptr<ResultFragmentTable> table;
  };
  static std::mutex mu;
  static std::array<Entry, 2> recent;  // most recently created first
  const auto same = [&](const Entry& e) {
    return e.table != nullptr && e.taxonomy == &taxonomy && !e.snapshot.owner_before(snapshot) &&
           !snapshot.owner_before(e.snapshot);
  };
  std::lock_guard lock(mu);
  for (const Entry& e : recent) {
    if (same(e)) return e.table;
  }
  recent[1] = std::move(recent[0]);
  recent[0] = Entry{snapshot, &taxonomy, std::make_shared<ResultFragmentTable>(taxonomy)};
  return recent[0].table;
}

}  // namespace iisc
