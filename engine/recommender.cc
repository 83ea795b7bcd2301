#include "engine/recommender.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/catalog_snapshot.h"
#include "engine/need_writer.h"
#include "engine/scorer.h"
#include "engine/tokens.h"
#include "engine/understanding.h"
#include "engine/vector_kernels.h"
#include "models/text.h"
#include "models/text_model.h"

namespace iisc {
namespace {

// Services whose labels vote on what a need is about: a handful, so that
// one strong match is not outvoted by many weak ones.
constexpr size_t kFirstStageHits = 6;
constexpr int kDemandTopN = 3;  // a need loads the capacity of its top services

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Calendar month (UTC) of a unix time, as year*12 + month.
int MonthKey(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

// Runs fn(i) for i in [0, n) on all cores; for the one-off heavy loops of
// start-up and catalog rebuilds.
template <typename Fn>
void ParallelFor(size_t n, Fn&& fn) {
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
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

struct EngineState {
  std::shared_ptr<const CatalogSnapshot> snapshot;
  std::shared_ptr<const ScoringConfig> config;
  std::shared_ptr<const ScoringTables> tables;
};

// Per-thread buffers reused across requests: scoring allocates nothing per
// row once they have grown to the catalog's size.
struct Scratch {
  std::vector<float> text;
  std::vector<float> semantic;
  std::vector<uint8_t> allowed;
  std::vector<RankedRow> candidates;
  std::vector<FirstStageHit> hits;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

Status ResolveIds(const std::vector<std::string>& ids, const std::string& member,
                  const std::function<int(std::string_view)>& index_of, size_t universe,
                  std::vector<uint8_t>* mask) {
  mask->assign(universe, ids.empty() ? 1 : 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    int idx = index_of(ids[i]);
    if (idx < 0) {
      return Status::InvalidArgument("unknown id '" + ids[i] + "'",
                                     "filters." + member + "[" + std::to_string(i) + "]");
    }
    (*mask)[idx] = 1;
  }
  return Status::Ok();
}

class RecommenderImpl final : public Recommender {
 public:
  RecommenderImpl(std::unique_ptr<Store> store, std::shared_ptr<const Taxonomy> taxonomy,
                  const RecommenderOptions& options)
      : store_(std::move(store)), taxonomy_(std::move(taxonomy)), options_(options) {}

  ~RecommenderImpl() override { Flush(); }

  Status Init(std::shared_ptr<const ScoringConfig> scoring);

  Result<RecommendResponse> Recommend(const RecommendRequest& request) const override {
    return RecommendWith(request, nullptr);
  }
  void SubmitNeed(Need need, std::function<void(Result<SubmittedNeed>)> done) override;
  Result<StoredNeed> GetNeed(std::string_view id) const override { return store_->GetNeed(id); }
  bool CheckNeedToken(const StoredNeed& need, std::string_view token) const override {
    return !token.empty() && ConstantTimeEquals(Sha256Hex(token), need.access_token_sha256);
  }

  std::shared_ptr<const CatalogSnapshot> Snapshot() const override { return state()->snapshot; }
  std::vector<const Complex*> ListComplexes(const CatalogSnapshot& snapshot) const override {
    std::vector<const Complex*> out;
    for (const Complex& c : snapshot.complexes) out.push_back(&c);
    return out;
  }
  const Complex* FindComplex(const CatalogSnapshot& snapshot, std::string_view id) const override {
    auto it = snapshot.complex_by_id.find(id);
    return it == snapshot.complex_by_id.end() ? nullptr : &snapshot.complexes[it->second];
  }
  Status PutComplex(const Complex& complex) override;
  Status DeleteComplex(std::string_view id) override;
  Result<CatalogImport> ImportCatalog(std::vector<Complex> complexes, bool replace_all) override;

  void SetScoringConfig(std::shared_ptr<const ScoringConfig> config) override {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    auto old = state();
    Publish(old->snapshot, std::move(config));
  }
  std::shared_ptr<const ScoringConfig> scoring_config() const override { return state()->config; }
  const Taxonomy& taxonomy() const override { return *taxonomy_; }

  DemandStats Demand() const override;
  Status Checkpoint(const std::string& dir) override { return store_->Checkpoint(dir); }
  void Flush() override {
    if (writer_) writer_->Stop();
  }

 private:
  // Recommend, also handing back the need's dense vector when asked.
  Result<RecommendResponse> RecommendWith(const RecommendRequest& request,
                                          FeatureVector* need_vector) const;
  std::shared_ptr<const EngineState> state() const {
    std::lock_guard<std::mutex> lock(state_mu_);
    return state_;
  }
  void Publish(std::shared_ptr<const CatalogSnapshot> snapshot, std::shared_ptr<const ScoringConfig> config) {
    auto s = std::make_shared<EngineState>();
    s->tables = std::make_shared<ScoringTables>(ScoringTables::Build(*taxonomy_, *config));
    s->snapshot = std::move(snapshot);
    s->config = std::move(config);
    std::shared_ptr<const EngineState> old;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      old = std::exchange(state_, std::move(s));
    }  // the old state is released outside the lock
  }

  // Features of every capability with `model`; vectors stored under the same
  // model version are reused, the others are written back.
  Result<std::vector<TextFeatures>> Featurize(const std::vector<Complex>& complexes,
                                              const TextModel& model, bool reuse_stored);
  Result<std::shared_ptr<const TextModel>> FitModel(const std::vector<Complex>& complexes);
  // Publishes a snapshot of `complexes` scored with `config`; the text model
  // is fitted on the first call and kept after. REQUIRES: catalog_mu_ held.
  Status Rebuild(std::vector<Complex> complexes, std::shared_ptr<const ScoringConfig> config);
  void RecordDemand(const std::vector<std::string>& recommended_ids, int64_t created_ms);

  std::unique_ptr<Store> store_;
  std::shared_ptr<const Taxonomy> taxonomy_;
  RecommenderOptions options_;
  std::shared_ptr<const Analyzer> analyzer_;
  Vocabulary vocabulary_;
  // Not std::atomic<std::shared_ptr>: GCC 12's load() releases its internal
  // lock with a relaxed store after reading the pointer, a data race in the
  // C++ memory model (ThreadSanitizer reports it) which on weakly ordered CPUs
  // could pair one state's pointer with another's reference count. The lock
  // is held only to copy a shared_ptr.
  mutable std::mutex state_mu_;
  std::shared_ptr<const EngineState> state_;  // GUARDED_BY(state_mu_)
  std::mutex catalog_mu_;  // serializes catalog writes and config swaps
  std::unique_ptr<NeedWriter> writer_;

  mutable std::mutex demand_mu_;
  int demand_month_ = 0;                                        // GUARDED_BY(demand_mu_)
  std::unordered_map<std::string, int64_t> used_this_month_;    // GUARDED_BY(demand_mu_)
  std::vector<int64_t> needs_by_type_;                          // GUARDED_BY(demand_mu_)
  int64_t total_needs_ = 0;                                     // GUARDED_BY(demand_mu_)
};

Result<std::shared_ptr<const TextModel>> RecommenderImpl::FitModel(const std::vector<Complex>& complexes) {
  std::vector<TrainingDocument> docs;
  for (const Complex& c : complexes) {
    for (const Capability& cap : c.services) {
      TrainingDocument d;
      d.text = CapabilityText(cap, c, *taxonomy_);
      for (const std::string& f : cap.fields) d.fields.push_back(taxonomy_->FieldIndex(f));
      d.service_type = taxonomy_->ServiceTypeIndex(cap.type);
      docs.push_back(std::move(d));
    }
  }
  return TextModel::Fit(docs, *taxonomy_, vocabulary_, analyzer_);
}

Result<std::vector<TextFeatures>> RecommenderImpl::Featurize(const std::vector<Complex>& complexes,
                                                             const TextModel& model, bool reuse_stored) {
  std::vector<std::pair<const Capability*, const Complex*>> caps;
  for (const Complex& c : complexes)
    for (const Capability& cap : c.services) caps.emplace_back(&cap, &c);
  std::vector<TextFeatures> features(caps.size());
  std::vector<uint8_t> fresh(caps.size(), 1);
  if (reuse_stored) {
    std::unordered_map<std::string, FeatureVector> stored;
    IISC_RETURN_IF_ERROR(store_->ScanFeatures([&](std::string_view key, const FeatureVector& v) {
      if (v.model_version == model.version()) stored.emplace(std::string(key), v);
      return Status::Ok();
    }));
    for (size_t i = 0; i < caps.size(); ++i) {
      auto it = stored.find(caps[i].first->id);
      if (it != stored.end() && it->second.values.size() == static_cast<size_t>(model.dim())) {
        features[i].vector = std::move(it->second.values);
        fresh[i] = 0;
      }
    }
  }
  ParallelFor(caps.size(), [&](size_t i) {
    TextFeatures f = model.FeaturizeDocument(CapabilityText(*caps[i].first, *caps[i].second, *taxonomy_));
    if (!fresh[i]) f.vector = std::move(features[i].vector);
    features[i] = std::move(f);
  });
  std::vector<std::pair<std::string, FeatureVector>> batch;
  for (size_t i = 0; i < caps.size(); ++i) {
    if (!fresh[i]) continue;
    batch.emplace_back(caps[i].first->id, FeatureVector{model.version(), features[i].vector});
    if (batch.size() == 4096) {
      IISC_RETURN_IF_ERROR(store_->PutFeatures(batch));
      batch.clear();
    }
  }
  if (!batch.empty()) IISC_RETURN_IF_ERROR(store_->PutFeatures(batch));
  return features;
}

Status RecommenderImpl::Rebuild(std::vector<Complex> complexes,
                                std::shared_ptr<const ScoringConfig> config) {
  std::sort(complexes.begin(), complexes.end(), [](const Complex& a, const Complex& b) { return a.id < b.id; });
  auto old = state();
  std::shared_ptr<const TextModel> model;
  if (old && old->snapshot) {
    model = old->snapshot->model;
  } else {
    auto fitted = FitModel(complexes);
    if (!fitted.ok()) return fitted.status();
    model = *fitted;
    IISC_RETURN_IF_ERROR(store_->PutMeta("model_version", model->version()));
  }
  auto features = Featurize(complexes, *model, /*reuse_stored=*/!old);
  if (!features.ok()) return features.status();
  auto snapshot = BuildSnapshot(std::move(complexes), *features, model, *taxonomy_);
  {
    std::lock_guard<std::mutex> lock(demand_mu_);
    for (size_t row = 0; row < snapshot->size(); ++row) {
      auto it = used_this_month_.find(snapshot->capabilities[row]->id);
      if (it != used_this_month_.end()) snapshot->used_this_month[row].store(it->second);
    }
  }
  Publish(std::move(snapshot), std::move(config));
  return Status::Ok();
}

Status RecommenderImpl::Init(std::shared_ptr<const ScoringConfig> scoring) {
  auto analyzer = Analyzer::Create();
  if (!analyzer.ok()) return analyzer.status();
  analyzer_ = std::move(*analyzer);
  if (!options_.use_domain_vocabulary) {
    vocabulary_ = Vocabulary{};
  } else if (options_.vocabulary_dir.empty()) {
    vocabulary_ = Vocabulary::FromTaxonomy(*taxonomy_);
  } else {
    auto vocab = Vocabulary::Load(options_.vocabulary_dir, *taxonomy_);
    if (!vocab.ok()) return vocab.status();
    vocabulary_ = std::move(*vocab);
  }

  auto complexes = store_->ListComplexes();
  if (!complexes.ok()) return complexes.status();
  // The seed goes in as one atomic write, so a start killed in the middle
  // leaves an empty store that the next start seeds again, never a part of it.
  if (complexes->empty() && !options_.seed_catalog_path.empty()) {
    std::ifstream in(options_.seed_catalog_path, std::ios::binary);
    if (!in) return Status::InvalidArgument("cannot read seed catalog " + options_.seed_catalog_path);
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = ParseCatalogJsonl(buf.str(), taxonomy_.get());
    if (!parsed.ok()) {
      return Status::InvalidArgument("seed catalog " + options_.seed_catalog_path + ": " + parsed.status().message());
    }
    IISC_RETURN_IF_ERROR(store_->WriteCatalog(*parsed, {}));
    complexes = std::move(parsed);
  }

  // Demand already on the books this month, from the stored needs.
  needs_by_type_.assign(taxonomy_->service_types().size(), 0);
  demand_month_ = MonthKey(NowUnixMs());
  IISC_RETURN_IF_ERROR(store_->ScanNeeds([this](const StoredNeed& n) {
    RecordDemand(n.recommended_capability_ids, n.created_unix_ms);
    ++total_needs_;
    for (const std::string& t : n.need.service_types) {
      int idx = taxonomy_->ServiceTypeIndex(t);
      if (idx >= 0) ++needs_by_type_[idx];
    }
    return Status::Ok();
  }));

  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    IISC_RETURN_IF_ERROR(Rebuild(std::move(*complexes), std::move(scoring)));
  }
  writer_ = std::make_unique<NeedWriter>(store_.get(), options_.max_need_batch);
  return Status::Ok();
}

void RecommenderImpl::RecordDemand(const std::vector<std::string>& ids, int64_t created_ms) {
  std::lock_guard<std::mutex> lock(demand_mu_);
  if (MonthKey(created_ms) != demand_month_) return;
  for (size_t i = 0; i < ids.size() && i < static_cast<size_t>(kDemandTopN); ++i) ++used_this_month_[ids[i]];
}

Result<RecommendResponse> RecommenderImpl::RecommendWith(const RecommendRequest& request,
                                                        FeatureVector* need_vector) const {
  if (request.k < 1 || request.k > 100) return Status::InvalidArgument("k must be between 1 and 100", "k");
  auto st = state();
  const CatalogSnapshot& snap = *st->snapshot;
  const ScoringConfig& config = *st->config;
  const Taxonomy& tax = *taxonomy_;
  const size_t n = snap.size();

  std::vector<uint8_t> county_ok, type_ok, field_ok;
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.counties, "counties",
                                  [&](std::string_view id) { return tax.CountyIndex(id); },
                                  tax.counties().size(), &county_ok));
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.service_types, "service_types",
                                  [&](std::string_view id) { return tax.ServiceTypeIndex(id); },
                                  tax.service_types().size(), &type_ok));
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.fields, "fields",
                                  [&](std::string_view id) { return tax.FieldIndex(id); },
                                  tax.fields().size(), &field_ok));
  uint64_t field_mask = 0;
  for (size_t f = 0; f < field_ok.size() && f < 64; ++f)
    if (field_ok[f]) field_mask |= uint64_t{1} << f;

  TextFeatures query = snap.model->FeaturizeQuery(request.need.description);
  if (need_vector != nullptr) *need_vector = {snap.model->version(), query.vector};

  Scratch& s = ThreadScratch();
  s.text.assign(n, 0.f);
  for (size_t i = 0; i < query.terms.ids.size(); ++i) {
    uint32_t term = query.terms.ids[i];
    if (term >= snap.postings.size()) continue;
    float qw = query.terms.weights[i];
    for (const Posting& p : snap.postings[term]) s.text[p.row] += qw * p.weight;
  }
  s.semantic.resize(n);
  if (n > 0 && snap.model->dim() > 0) DotAll(snap.vectors, query.vector.data(), s.semantic.data());

  s.allowed.resize(n);
  float max_text = 0;
  for (size_t r = 0; r < n; ++r) {
    const CapabilityRow& row = snap.rows[r];
    bool ok = (row.county < 0 || county_ok[row.county]) && (row.service_type < 0 || type_ok[row.service_type]) &&
              (row.field_bits & field_mask) != 0;
    s.allowed[r] = ok;
    if (ok) max_text = std::max(max_text, s.text[r]);
  }
  const float text_scale = max_text > 0 ? 1.f / max_text : 0.f;

  // First stage: how well the texts match, to learn what the need is about.
  s.hits.clear();
  for (size_t r = 0; r < n; ++r) {
    if (!s.allowed[r]) continue;
    float rel = 0.5f * s.text[r] * text_scale + 0.5f * std::max(0.f, s.semantic[r]);
    if (rel > 0) s.hits.push_back({rel, static_cast<uint32_t>(r)});
  }
  size_t top = std::min(kFirstStageHits, s.hits.size());
  std::partial_sort(s.hits.begin(), s.hits.begin() + top, s.hits.end(),
                    [](const FirstStageHit& a, const FirstStageHit& b) {
                      return a.relevance != b.relevance ? a.relevance > b.relevance : a.row < b.row;
                    });
  Understanding u = UnderstandNeed(request.need, query.concepts,
                                   std::span<const FirstStageHit>(s.hits.data(), top), snap.rows, tax, config);
  ComponentWeights weights = config.WeightsFor(u.signals.category);

  auto components_of = [&](size_t r) {
    std::array<double, kNumComponents> c{};
    c[kText] = s.text[r] * text_scale;
    c[kSemantic] = std::clamp(static_cast<double>(s.semantic[r]), 0.0, 1.0);
    StructuredComponents(snap.rows[r], u.signals, *st->tables, config,
                         snap.used_this_month[r].load(std::memory_order_relaxed), &c);
    return c;
  };
  s.candidates.clear();
  for (size_t r = 0; r < n; ++r) {
    if (!s.allowed[r]) continue;
    s.candidates.push_back({CombineComponents(components_of(r), weights, config.field_counts_only_for_wanted_types), static_cast<uint32_t>(r)});
  }
  const size_t k = static_cast<size_t>(request.k);
  // Diversity may skip candidates: shortlist generously, widen if it ran dry.
  size_t shortlist = std::min(s.candidates.size(), k * 4 + 64);
  auto better = [](const RankedRow& a, const RankedRow& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  };
  std::vector<RankedRow> picked;
  for (;;) {
    std::partial_sort(s.candidates.begin(), s.candidates.begin() + shortlist, s.candidates.end(), better);
    picked = SelectDiverseTopK(std::vector<RankedRow>(s.candidates.begin(), s.candidates.begin() + shortlist),
                               snap.rows, k, config.max_results_per_complex);
    if (picked.size() == k || shortlist == s.candidates.size()) break;
    shortlist = s.candidates.size();
  }

  RecommendResponse resp;
  resp.snapshot = st->snapshot;
  resp.config_version = config.version;
  resp.model_version = snap.model->version();
  resp.understanding = std::move(u.report);
  for (size_t i = 0; i < picked.size(); ++i) {
    Recommendation rec;
    rec.rank = static_cast<int>(i + 1);
    rec.score = picked[i].score;
    rec.components = components_of(picked[i].row);
    rec.capability = snap.capabilities[picked[i].row];
    rec.complex = &snap.complexes[snap.rows[picked[i].row].complex_index];
    resp.results.push_back(rec);
  }
  return resp;
}

void RecommenderImpl::SubmitNeed(Need need, std::function<void(Result<SubmittedNeed>)> done) {
  RecommendRequest req;
  req.need = need;
  FeatureVector vector;
  auto recs = RecommendWith(req, &vector);
  if (!recs.ok()) {
    done(recs.status());
    return;
  }
  SubmittedNeed submitted;
  submitted.id = "need-" + RandomHex(12);
  submitted.access_token = RandomHex(32);
  StoredNeed stored;
  stored.id = submitted.id;
  stored.need = std::move(need);
  stored.created_unix_ms = NowUnixMs();
  stored.access_token_sha256 = Sha256Hex(submitted.access_token);
  stored.config_version = recs->config_version;
  stored.features = std::move(vector);
  for (const Recommendation& r : recs->results) stored.recommended_capability_ids.push_back(r.capability->id);
  std::vector<std::string> recommended = stored.recommended_capability_ids;
  std::vector<std::string> types = stored.need.service_types;
  if (types.empty()) {
    for (const InferredLabel& l : recs->understanding.service_types) types.push_back(l.id);
    if (types.size() > 1) types.resize(1);
  }
  int64_t created = stored.created_unix_ms;
  submitted.recommendations = std::move(*recs);
  auto shared = std::make_shared<SubmittedNeed>(std::move(submitted));
  writer_->Submit(std::move(stored), [this, shared, recommended, types, created, done = std::move(done)](Status status) {
    if (!status.ok()) {
      done(status);
      return;
    }
    RecordDemand(recommended, created);
    {
      std::lock_guard<std::mutex> lock(demand_mu_);
      ++total_needs_;
      for (const std::string& t : types) {
        int idx = taxonomy_->ServiceTypeIndex(t);
        if (idx >= 0) ++needs_by_type_[idx];
      }
    }
    auto snap = shared->recommendations.snapshot;
    for (size_t i = 0; i < shared->recommendations.results.size() && i < static_cast<size_t>(kDemandTopN); ++i) {
      const Capability* cap = shared->recommendations.results[i].capability;
      size_t row = static_cast<size_t>(std::find(snap->capabilities.begin(), snap->capabilities.end(), cap) -
                                       snap->capabilities.begin());
      if (row < snap->size()) snap->used_this_month[row].fetch_add(1, std::memory_order_relaxed);
    }
    done(std::move(*shared));
  });
}

Status RecommenderImpl::PutComplex(const Complex& complex) {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  IISC_RETURN_IF_ERROR(store_->PutComplex(complex));
  std::vector<Complex> complexes;
  for (const Complex& c : state()->snapshot->complexes)
    if (c.id != complex.id) complexes.push_back(c);
  complexes.push_back(complex);
  for (Capability& cap : complexes.back().services) cap.complex_id = complex.id;
  return Rebuild(std::move(complexes), state()->config);
}

Status RecommenderImpl::DeleteComplex(std::string_view id) {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  IISC_RETURN_IF_ERROR(store_->DeleteComplex(id));
  std::vector<Complex> complexes;
  for (const Complex& c : state()->snapshot->complexes)
    if (c.id != id) complexes.push_back(c);
  return Rebuild(std::move(complexes), state()->config);
}

Result<CatalogImport> RecommenderImpl::ImportCatalog(std::vector<Complex> complexes,
                                                    bool replace_all) {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  const std::shared_ptr<const CatalogSnapshot> current = state()->snapshot;
  CatalogImport summary;
  std::unordered_set<std::string_view> incoming;
  for (Complex& c : complexes) {
    if (!incoming.insert(c.id).second) {
      return Status::InvalidArgument("complex \"" + c.id + "\" is listed twice", "id");
    }
    for (Capability& cap : c.services) cap.complex_id = c.id;
    ++(current->complex_by_id.contains(c.id) ? summary.replaced : summary.added);
  }
  std::vector<std::string> removed;
  std::vector<Complex> next;
  for (const Complex& c : current->complexes) {
    if (incoming.contains(c.id)) continue;
    if (replace_all) {
      removed.push_back(c.id);
    } else {
      next.push_back(c);
    }
  }
  IISC_RETURN_IF_ERROR(store_->WriteCatalog(complexes, removed));
  summary.removed = static_cast<int64_t>(removed.size());
  incoming.clear();  // views into `complexes`, which is moved next
  next.insert(next.end(), std::make_move_iterator(complexes.begin()),
              std::make_move_iterator(complexes.end()));
  summary.total = static_cast<int64_t>(next.size());
  IISC_RETURN_IF_ERROR(Rebuild(std::move(next), state()->config));
  return summary;
}

DemandStats RecommenderImpl::Demand() const {
  DemandStats stats;
  auto snap = Snapshot();
  const size_t types = taxonomy_->service_types().size();
  std::vector<int64_t> caps(types, 0), capacity(types, 0);
  for (const CapabilityRow& r : snap->rows) {
    if (r.service_type < 0) continue;
    ++caps[r.service_type];
    capacity[r.service_type] += r.capacity_per_month;
  }
  std::lock_guard<std::mutex> lock(demand_mu_);
  stats.total_needs = total_needs_;
  for (size_t t = 0; t < types; ++t) {
    stats.rows.push_back({taxonomy_->service_types()[t].id, "", needs_by_type_[t], caps[t], capacity[t]});
  }
  return stats;
}

}  // namespace

Result<std::unique_ptr<Recommender>> Recommender::Open(std::unique_ptr<Store> store,
                                                      std::shared_ptr<const Taxonomy> taxonomy,
                                                      std::shared_ptr<const ScoringConfig> scoring,
                                                      const RecommenderOptions& options) {
  if (!store || !taxonomy || !scoring) return Status::InvalidArgument("store, taxonomy and scoring config are required");
  auto impl = std::make_unique<RecommenderImpl>(std::move(store), std::move(taxonomy), options);
  IISC_RETURN_IF_ERROR(impl->Init(std::move(scoring)));
  return std::unique_ptr<Recommender>(std::move(impl));
}

}  // namespace iisc
