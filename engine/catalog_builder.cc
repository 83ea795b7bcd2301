#include "engine/catalog_builder.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <unordered_map>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace iisc {
namespace {

constexpr std::string_view kTextModelKey = "text_model";  // meta: the fitted model (TextModel::Serialize)

// Runs fn(i) for i in [0, n) on up to `max_threads` cores (0: all); for
// the heavy loops of start-up, rebuilds and imports.
template <typename Fn>
void ParallelFor(size_t n, size_t max_threads, Fn&& fn) {
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  if (max_threads > 0) threads = std::min(threads, max_threads);
  if (n < 256 || threads == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(64)) < n;) {
        for (size_t j = i; j < std::min(n, i + 64); ++j) fn(j);
      }
    });
  }
  for (auto& th : pool) th.join();
}

// A complex as the store reads it back: its services by id (byte order),
// each naming its complex.
void PutInStoreOrder(Complex& c) {
  std::sort(c.services.begin(), c.services.end(),
            [](const Capability& a, const Capability& b) { return a.id < b.id; });
  for (Capability& cap : c.services) cap.complex_id = c.id;
}

const Complex& Deref(const Complex& c) { return c; }
const Complex& Deref(const std::shared_ptr<const Complex>& c) { return *c; }

// Every service of `complexes` (Complex or shared_ptr), in order, with its complex.
template <typename Complexes>
std::vector<std::pair<const Capability*, const Complex*>> CapabilitiesOf(const Complexes& complexes) {
  std::vector<std::pair<const Capability*, const Complex*>> caps;
  for (const auto& c : complexes)
    for (const Capability& cap : Deref(c).services) caps.emplace_back(&cap, &Deref(c));
  return caps;
}

FeatureVector StoredForm(const TextFeatures& f, const TextModel& model) {
  return FeatureVector{model.version(), f.vector, f.terms.ids, f.terms.weights};
}

}  // namespace

CatalogBuilder::CatalogBuilder(Store* store, const Taxonomy* taxonomy, const Vocabulary* vocabulary,
                               std::shared_ptr<const Analyzer> analyzer, CompactionPolicy policy)
    : store_(store), taxonomy_(taxonomy), vocabulary_(vocabulary), analyzer_(std::move(analyzer)), policy_(policy) {}

std::vector<std::shared_ptr<const Complex>> CatalogBuilder::InStoreOrder(std::vector<Complex> complexes) {
  std::vector<std::shared_ptr<const Complex>> out;
  out.reserve(complexes.size());
  for (Complex& c : complexes) {
    PutInStoreOrder(c);
    out.push_back(std::make_shared<const Complex>(std::move(c)));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  return out;
}

Result<std::shared_ptr<const TextModel>> CatalogBuilder::TextModelFor(
    const std::vector<std::shared_ptr<const Complex>>& complexes, bool refit) {
  auto stored = store_->GetMeta(kTextModelKey);
  if (!stored.ok()) return stored.status();
  std::shared_ptr<const TextModel> restored;
  if (stored->has_value()) {
    auto r = TextModel::Restore(**stored, *taxonomy_, *vocabulary_, analyzer_);
    if (r.ok()) restored = *r;
  }
  if (restored && !refit) return restored;
  std::vector<TrainingDocument> docs;
  size_t total = 0;
  for (const auto& c : complexes) total += c->services.size();
  // Only the sample the fit will use: a million texts need not be built.
  const size_t step = TextModel::TrainingSampleStep(total, TextModelOptions{});
  size_t index = 0;
  for (const auto& c : complexes) {
    for (const Capability& cap : c->services) {
      if (index++ % step != 0) continue;
      TrainingDocument d;
      d.text = CapabilityText(cap, *c, *taxonomy_);
      for (const std::string& f : cap.fields) d.fields.push_back(taxonomy_->FieldIndex(f));
      d.service_type = taxonomy_->ServiceTypeIndex(cap.type);
      docs.push_back(std::move(d));
    }
  }
  // A fit with exactly the stored model's inputs (the sampled texts,
  // vocabulary, taxonomy and options) gives that model: keep it.
  if (restored && restored->fingerprint() == TextModel::TrainingFingerprint(docs, *taxonomy_, *vocabulary_)) {
    return restored;
  }
  auto fitted = TextModel::Fit(docs, *taxonomy_, *vocabulary_, analyzer_);
  if (!fitted.ok()) return fitted;
  IISC_RETURN_IF_ERROR(store_->PutMeta(kTextModelKey, (*fitted)->Serialize()));
  IISC_RETURN_IF_ERROR(store_->PutMeta("model_version", (*fitted)->version()));
  return fitted;
}

Result<CatalogBuilder::StoredFeatures> CatalogBuilder::ReadStoredFeatures(const Store& store) {
  StoredFeatures out;
  IISC_RETURN_IF_ERROR(store.ScanFeatures([&](std::string_view key, const FeatureVector& v) {
    out.emplace_back(std::string(key), v);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<TextFeatures>> CatalogBuilder::Featurize(const CapabilityRefs& caps, const TextModel& model,
                                                           bool reuse_stored, size_t max_threads,
                                                           std::vector<bool>* computed, StoredFeatures* prefetched) {
  std::vector<TextFeatures> features(caps.size());
  // Per capability, what the store already holds under this model version.
  enum : uint8_t { kNothing, kVector, kVectorAndTerms };
  std::vector<uint8_t> stored(caps.size(), kNothing);
  if (reuse_stored) {
    std::unordered_map<std::string_view, uint32_t> row_of;
    row_of.reserve(caps.size());
    for (size_t i = 0; i < caps.size(); ++i) row_of.emplace(caps[i].first->id, static_cast<uint32_t>(i));
    const size_t dim = static_cast<size_t>(model.dim());
    // The row whose features `v` (stored under `key`) can be, or -1.
    const auto usable_row = [&](std::string_view key, const FeatureVector& v) -> int64_t {
      if (v.model_version != model.version() || v.values.size() != dim) return -1;
      auto it = row_of.find(key);
      return it == row_of.end() ? -1 : static_cast<int64_t>(it->second);
    };
    const auto reuse = [&](int64_t row, FeatureVector&& v) {
      TextFeatures& f = features[static_cast<size_t>(row)];
      f.vector = std::move(v.values);
      const bool terms_ok = !v.term_ids.empty() && v.term_ids.size() == v.term_weights.size() &&
                            v.term_ids.back() < model.num_terms();
      if (terms_ok) {
        f.terms.ids = std::move(v.term_ids);
        f.terms.weights = std::move(v.term_weights);
      }
      stored[static_cast<size_t>(row)] = terms_ok ? kVectorAndTerms : kVector;
    };
    if (prefetched != nullptr) {
      for (auto& [key, v] : *prefetched) {
        if (const int64_t row = usable_row(key, v); row >= 0) reuse(row, std::move(v));
      }
      StoredFeatures().swap(*prefetched);
    } else {
      // Only what can be reused is copied out of the scan (after a refit, nothing).
      IISC_RETURN_IF_ERROR(store_->ScanFeatures([&](std::string_view key, const FeatureVector& v) {
        if (const int64_t row = usable_row(key, v); row >= 0) reuse(row, FeatureVector(v));
        return Status::Ok();
      }));
    }
  }
  // Only what is missing is computed: a restart over stored features does
  // not analyze a single text.
  ParallelFor(caps.size(), max_threads, [&](size_t i) {
    if (stored[i] == kVectorAndTerms) return;
    TextFeatures f = model.FeaturizeDocument(CapabilityText(*caps[i].first, *caps[i].second, *taxonomy_));
    if (stored[i] == kVector) f.vector = std::move(features[i].vector);
    features[i] = std::move(f);
  });
  if (computed != nullptr) {
    computed->resize(caps.size());
    for (size_t i = 0; i < caps.size(); ++i) (*computed)[i] = stored[i] != kVectorAndTerms;
  }
  return features;
}

Result<std::shared_ptr<CatalogSnapshot>> CatalogBuilder::Build(std::vector<std::shared_ptr<const Complex>> complexes,
                                                               std::shared_ptr<const TextModel> model,
                                                               StoredFeatures* stored) {
  std::shared_ptr<CatalogSnapshot> snapshot;
  {
    const CapabilityRefs caps = CapabilitiesOf(complexes);
    std::vector<bool> computed;
    auto features = Featurize(caps, *model, /*reuse_stored=*/true, /*max_threads=*/0, &computed, stored);
    if (!features.ok()) return features.status();
    // What was computed now is stored for the next start, a batch at a time
    // (the catalog itself is already stored: this only spares the work).
    std::vector<std::pair<std::string, FeatureVector>> batch;
    for (size_t i = 0; i < caps.size(); ++i) {
      if (!computed[i]) continue;
      batch.emplace_back(caps[i].first->id, StoredForm((*features)[i], *model));
      if (batch.size() == 4096) {
        IISC_RETURN_IF_ERROR(store_->PutFeatures(batch));
        batch.clear();
      }
    }
    if (!batch.empty()) IISC_RETURN_IF_ERROR(store_->PutFeatures(batch));
    snapshot = BuildSnapshot(std::move(complexes), *features, std::move(model), *taxonomy_);
  }
#if defined(__GLIBC__)
  // A rebuild's transient features (a gigabyte at a million capabilities)
  // would otherwise stay in the heap's free lists for good.
  malloc_trim(0);
#endif
  return snapshot;
}

Result<CatalogChange> CatalogBuilder::Write(std::vector<std::string> removed, std::vector<Complex> put,
                                            const TextModel& model) {
  for (Complex& c : put) PutInStoreOrder(c);
  std::sort(put.begin(), put.end(), [](const Complex& a, const Complex& b) { return a.id < b.id; });
  // Never reused: the services written are new texts.
  // One core: requests keep the others while a catalog write runs.
  auto features = Featurize(CapabilitiesOf(put), model, /*reuse_stored=*/false, /*max_threads=*/1, nullptr);
  if (!features.ok()) return features.status();
  {
    std::vector<std::pair<std::string, FeatureVector>> vectors;
    vectors.reserve(features->size());
    size_t next = 0;
    for (const Complex& c : put) {
      for (const Capability& cap : c.services) vectors.emplace_back(cap.id, StoredForm((*features)[next++], model));
    }
    IISC_RETURN_IF_ERROR(store_->WriteCatalog(put, removed, vectors));
  }
  CatalogChange change;
  change.removed = std::move(removed);
  size_t next = 0;
  for (Complex& c : put) {
    auto& mine = change.put_features.emplace_back();
    for (size_t i = 0; i < c.services.size(); ++i) mine.push_back(std::move((*features)[next++]));
    change.put.push_back(std::make_shared<const Complex>(std::move(c)));
  }
  return change;
}

std::shared_ptr<CatalogSnapshot> CatalogBuilder::Apply(const CatalogSnapshot& base, CatalogChange change) const {
  return ApplyCatalogChange(base, std::move(change), *taxonomy_, policy_);
}

}  // namespace iisc
