// Turns catalog records into snapshots: fits or restores the text model,
// featurizes services (reusing the features stored under the model's
// version, storing the new ones), builds whole snapshots at start and after
// a refit, and prepares incremental changes (engine/catalog_snapshot.h).
// Not thread-safe: the recommender serializes calls (its catalog lock).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/catalog_snapshot.h"
#include "engine/compaction_policy.h"
#include "engine/store.h"
#include "models/catalog.h"
#include "models/status.h"
#include "models/taxonomy.h"
#include "models/text.h"
#include "models/text_model.h"

namespace iisc {

class CatalogBuilder {
 public:
  // Borrows everything; all must outlive the builder.
  CatalogBuilder(Store* store, const Taxonomy* taxonomy, const Vocabulary* vocabulary,
                 std::shared_ptr<const Analyzer> analyzer, CompactionPolicy policy);

  // The store's order (complexes by id, services by id), shared: the first
  // start after seeding must see the catalog exactly as every later start
  // does, or the model (fitted on these texts in this order) and the rows
  // differ.
  static std::vector<std::shared_ptr<const Complex>> InStoreOrder(std::vector<Complex> complexes);

  // The stored text model when the vocabulary can restore one (whatever the
  // catalog became since: a refit changes every service's features, so it
  // is the bureau's explicit step), else fitted now and stored. With
  // `refit`, fitted now on `complexes` unless the stored fit had exactly
  // these inputs.
  Result<std::shared_ptr<const TextModel>> TextModelFor(const std::vector<std::shared_ptr<const Complex>>& complexes,
                                                        bool refit);

  // Every feature vector the store holds, by capability id. Touches only the
  // store: a start reads them on another thread while it reads the catalog.
  using StoredFeatures = std::vector<std::pair<std::string, FeatureVector>>;
  static Result<StoredFeatures> ReadStoredFeatures(const Store& store);

  // A whole snapshot of `complexes` (store order) with `model`, reusing the
  // features stored under the model's version: `stored` when given (from
  // ReadStoredFeatures, consumed), else read from the store now.
  Result<std::shared_ptr<CatalogSnapshot>> Build(std::vector<std::shared_ptr<const Complex>> complexes,
                                                 std::shared_ptr<const TextModel> model,
                                                 StoredFeatures* stored = nullptr);

  // Writes the change `removed` + `put`, with the put services featurized by
  // `model`, to the store in one atomic write (a crash keeps the new texts
  // with their vectors, or neither), and returns it ready for Apply.
  Result<CatalogChange> Write(std::vector<std::string> removed, std::vector<Complex> put,
                              const TextModel& model);
  std::shared_ptr<CatalogSnapshot> Apply(const CatalogSnapshot& base, CatalogChange change) const;

 private:
  using CapabilityRefs = std::vector<std::pair<const Capability*, const Complex*>>;
  // Features of every capability of `caps` with `model`, on up to
  // `max_threads` cores (0: all); with reuse_stored, vectors stored under the
  // same model version are reused (taken from `prefetched` when given, else
  // read from the store). `computed[i]` tells whether caps[i]'s features were
  // computed now (and so are not stored yet).
  Result<std::vector<TextFeatures>> Featurize(const CapabilityRefs& caps, const TextModel& model,
                                              bool reuse_stored, size_t max_threads,
                                              std::vector<bool>* computed, StoredFeatures* prefetched = nullptr);

  Store* store_;
  const Taxonomy* taxonomy_;
  const Vocabulary* vocabulary_;
  std::shared_ptr<const Analyzer> analyzer_;
  CompactionPolicy policy_;
};

}  // namespace iisc
