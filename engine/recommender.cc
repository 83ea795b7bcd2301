#include "engine/recommender.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/catalog_builder.h"
#include "engine/catalog_snapshot.h"
#include "engine/demand_ledger.h"
#include "engine/need_writer.h"
#include "engine/ranker.h"
#include "engine/scorer.h"
#include "engine/secrets.h"
#include "engine/understanding.h"
#include "engine/vector_kernels.h"
#include "engine/workflow_engine.h"
#include "models/intent_model.h"
#include "models/text.h"
#include "models/text_model.h"

namespace iisc {
namespace {

constexpr std::string_view kIntentModelKey = "intent_model";  // meta: IntentModel::Serialize
// Phrases shown for each inferred type ("because you wrote ...").
constexpr size_t kEvidencePhrases = 3;


}  // namespace

// What one ranking reads: a catalog snapshot with one scoring config (opaque
// to callers, see Recommender::RankingStateFor).
struct EngineState {
  std::shared_ptr<const CatalogSnapshot> snapshot;
  std::shared_ptr<const IntentModel> intent;  // null: no intent corpus
  std::shared_ptr<const ScoringConfig> config;
  std::shared_ptr<const ScoringTables> tables;
  std::shared_ptr<const RankingTables> ranking;
};

namespace {

// Filter ids to taxonomy indices; an unknown id is the caller's error.
Status ResolveIds(const std::vector<std::string>& ids, const std::string& member,
                  const std::function<int(std::string_view)>& index_of, std::vector<int>* out) {
  out->clear();
  for (size_t i = 0; i < ids.size(); ++i) {
    int idx = index_of(ids[i]);
    if (idx < 0) {
      return Status::InvalidArgument("unknown id '" + ids[i] + "'",
                                     "filters." + member + "[" + std::to_string(i) + "]");
    }
    out->push_back(idx);
  }
  return Status::Ok();
}

class RecommenderImpl final : public Recommender {
 public:
  RecommenderImpl(std::unique_ptr<Store> store, std::shared_ptr<const Taxonomy> taxonomy,
                  const RecommenderOptions& options)
      : store_(std::move(store)), taxonomy_(std::move(taxonomy)), options_(options) {
    if (!options_.now_unix_ms) options_.now_unix_ms = SystemUnixMs;
  }

  ~RecommenderImpl() override { Flush(); }

  Status Init(std::shared_ptr<const ScoringConfig> scoring);

  Result<RecommendResponse> Recommend(const RecommendRequest& request) const override {
    auto response = RecommendWith(request, {});
    if (response.ok()) AddBundle(request, &*response);
    return response;
  }
  // Fills response->bundle (see RecommendResponse).
  void AddBundle(const RecommendRequest& request, RecommendResponse* response) const;
  void SubmitNeed(Need need, const Idempotency& idempotency,
                  std::function<void(Result<SubmittedNeed>)> done) override;
  using Recommender::SubmitNeed;
  Result<NeedRecord> GetNeed(std::string_view id) const override {
    auto stored = store_->GetNeed(id);
    if (!stored.ok()) return stored.status();
    return NeedRecord(std::move(stored).value());  // the record alone: no token hash, no vector
  }
  Result<NeedRecord> GetNeedWithToken(std::string_view id, std::string_view token) const override {
    auto stored = store_->GetNeed(id);
    if (!stored.ok()) return stored.status();
    if (token.empty() || !ConstantTimeEquals(Sha256Hex(token), stored->access_token_sha256)) {
      return Status::PermissionDenied("the token does not grant this need");
    }
    return NeedRecord(std::move(stored).value());
  }

  std::shared_ptr<const CatalogSnapshot> Snapshot() const override { return state()->snapshot; }
  std::vector<const Complex*> ListComplexes(const CatalogSnapshot& snapshot) const override {
    return snapshot.Complexes();
  }
  const Complex* FindComplex(const CatalogSnapshot& snapshot, std::string_view id) const override {
    return snapshot.FindComplex(id);
  }
  Status PutComplex(const Complex& complex) override;
  Status DeleteComplex(std::string_view id) override;
  Result<CatalogImport> ImportCatalog(std::vector<Complex> complexes, bool replace_all) override;

  void SetScoringConfig(std::shared_ptr<const ScoringConfig> config) override {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    auto old = state();
    Publish(old->snapshot, std::move(config));
  }
  Result<IntentModelInfo> RetrainIntentModel() override;
  Result<TextModelInfo> RefitTextModel() override;
  IntentModelInfo intent_model_info() const override {
    IntentModelInfo info;
    if (auto intent = state()->intent) {
      info.version = intent->version();
      info.examples = intent->num_examples();
      info.features = intent->num_features();
    }
    return info;
  }
  std::shared_ptr<const ScoringConfig> scoring_config() const override { return state()->config; }
  const Taxonomy& taxonomy() const override { return *taxonomy_; }

  Result<BureauAssignment> PlanAssignment(const AssignmentRequest& request) const override;
  Governance& governance() override { return *governance_; }
  const Governance& governance() const override { return *governance_; }
  Workflow& workflow() override { return *workflow_; }
  const Workflow& workflow() const override { return *workflow_; }
  DemandStats Demand() const override;
  Result<SupplyDemandMap> SupplyDemand(SupplyDemandQuery query) const override;
  Status Checkpoint(const std::string& dir) override { return store_->Checkpoint(dir); }
  void Flush() override {
    if (writer_) writer_->Stop();
  }

 private:
  // What a ranking hands back beside the response, when asked.
  struct RankExtras {
    FeatureVector* need_vector = nullptr;  // the need's dense vector
    std::vector<uint32_t>* rows = nullptr;  // the results' rows
    // The need ranked again `deep_k` deep on the same features (a stored
    // need's matches, for the feeds and the assignment planner).
    int deep_k = 0;
    std::vector<StoredNeed::Match>* deep_matches = nullptr;
  };
  Result<RecommendResponse> RecommendWith(const RecommendRequest& request, const RankExtras& extras) const {
    if (request.k < 1 || request.k > 100) return Status::InvalidArgument("k must be between 1 and 100", "k");
    demand_->FollowMonth();
    return RankIn(*state(), request, extras);
  }
  Result<RecommendResponse> RankIn(const EngineState& st, const RecommendRequest& request,
                                   const RankExtras& extras) const;

 public:
  std::shared_ptr<const EngineState> RankingStateFor(std::shared_ptr<const ScoringConfig> config) const override {
    auto current = state();
    if (config == nullptr || config == current->config) return current;
    auto s = std::make_shared<EngineState>(*current);
    s->tables = std::make_shared<ScoringTables>(ScoringTables::Build(*taxonomy_, *config));
    s->ranking = std::make_shared<RankingTables>(RankingTables::Build(*s->snapshot, *config));
    s->config = std::move(config);
    return s;
  }
  Result<RecommendResponse> RecommendIn(const EngineState& state, const RecommendRequest& request) const override {
    if (request.k < 1 || static_cast<size_t>(request.k) > std::max<size_t>(100, state.snapshot->size())) {
      return Status::InvalidArgument("k must be between 1 and the catalog's size", "k");
    }
    return RankIn(state, request, {});
  }

 private:
  std::shared_ptr<const EngineState> state() const {
    std::lock_guard<std::mutex> lock(state_mu_);
    return state_;
  }
  void Publish(std::shared_ptr<const CatalogSnapshot> snapshot, std::shared_ptr<const ScoringConfig> config) {
    auto current = state();
    Publish(std::move(snapshot), std::move(config), current ? current->intent : intent_at_start_);
  }
  void Publish(std::shared_ptr<const CatalogSnapshot> snapshot, std::shared_ptr<const ScoringConfig> config,
               std::shared_ptr<const IntentModel> intent) {
    auto s = std::make_shared<EngineState>();
    s->intent = std::move(intent);
    s->tables = std::make_shared<ScoringTables>(ScoringTables::Build(*taxonomy_, *config));
    s->ranking = std::make_shared<RankingTables>(RankingTables::Build(*snapshot, *config));
    s->snapshot = std::move(snapshot);
    s->config = std::move(config);
    std::shared_ptr<const EngineState> old;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      old = std::exchange(state_, std::move(s));
    }  // the old state is released outside the lock
  }

  // The intent model of the corpus directory: the stored one when it was
  // trained on exactly these examples, else trained now and stored.
  Result<std::pair<std::shared_ptr<const IntentModel>, bool>> LoadIntentModel();
  // Publishes a whole new snapshot scored with `config`, with the month's
  // demand. REQUIRES: catalog_mu_ held.
  void PublishWhole(std::shared_ptr<const CatalogSnapshot> snapshot, std::shared_ptr<const ScoringConfig> config);
  // Writes a catalog change to the store (the complexes with their services'
  // vectors, in one atomic write) and publishes it: only its services are
  // featurized; the rest of the snapshot carries over.
  // REQUIRES: catalog_mu_ held.
  Status WriteChange(std::vector<std::string> removed, std::vector<Complex> put);

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
  std::shared_ptr<const IntentModel> intent_at_start_;  // until the first state is published
  std::mutex catalog_mu_;  // serializes catalog writes and config swaps
  std::unique_ptr<NeedWriter> writer_;
  std::unique_ptr<EngineWorkflow> workflow_;  // after writer_: destroyed first
  std::unique_ptr<Governance> governance_;

  std::unique_ptr<CatalogBuilder> builder_;  // used under catalog_mu_
  std::unique_ptr<DemandLedger> demand_;
};


Result<std::pair<std::shared_ptr<const IntentModel>, bool>> RecommenderImpl::LoadIntentModel() {
  auto examples = LoadIntentCorpus(options_.intent_corpus_dir, *taxonomy_);
  if (!examples.ok()) return examples.status();
  for (IntentExample& ex : IntentExamplesFromVocabulary(vocabulary_)) examples->push_back(std::move(ex));
  const std::string fingerprint = IntentModel::Fingerprint(*examples, *taxonomy_);
  auto stored = store_->GetMeta(kIntentModelKey);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    auto restored = IntentModel::Restore(**stored, *taxonomy_);
    if (restored.ok() && (*restored)->fingerprint() == fingerprint) return std::make_pair(*restored, false);
  }
  auto trained = IntentModel::Train(*examples, *taxonomy_);
  if (!trained.ok()) return trained.status();
  IISC_RETURN_IF_ERROR(store_->PutMeta(kIntentModelKey, (*trained)->Serialize()));
  IISC_RETURN_IF_ERROR(store_->PutMeta("intent_model_version", (*trained)->version()));
  return std::make_pair(*trained, true);
}

Result<IntentModelInfo> RecommenderImpl::RetrainIntentModel() {
  if (options_.intent_corpus_dir.empty()) {
    return Status::InvalidArgument("this engine has no intent corpus (intent_corpus_dir)");
  }
  auto loaded = LoadIntentModel();
  if (!loaded.ok()) return loaded.status();
  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    auto current = state();
    Publish(current->snapshot, current->config, loaded->first);
  }
  IntentModelInfo info = intent_model_info();
  info.trained_now = loaded->second;
  return info;
}





void RecommenderImpl::PublishWhole(std::shared_ptr<const CatalogSnapshot> snapshot,
                                   std::shared_ptr<const ScoringConfig> config) {
  demand_->Publish([&](const DemandLedger::CountRows& count) {
    count(*snapshot, 0, static_cast<uint32_t>(snapshot->size()));
    Publish(std::move(snapshot), std::move(config));
  });
}

Status RecommenderImpl::WriteChange(std::vector<std::string> removed, std::vector<Complex> put) {
  const auto current = state();
  auto change = builder_->Write(std::move(removed), std::move(put), *current->snapshot->model);
  if (!change.ok()) return change.status();
  std::vector<std::string> put_ids;
  for (const auto& c : change->put) put_ids.push_back(c->id);
  demand_->Publish([&](const DemandLedger::CountRows& count) {
    std::shared_ptr<const CatalogSnapshot> next = builder_->Apply(*state()->snapshot, std::move(*change));
    // The rows written get the month's counts; the others carried theirs
    // (a compaction carries them to the new row numbers).
    for (const std::string& id : put_ids) {
      const int slot = next->FindSlot(id);
      if (slot >= 0) count(*next, next->slots[static_cast<size_t>(slot)].first_row, next->slots[static_cast<size_t>(slot)].end_row);
    }
    Publish(std::move(next), state()->config);
  });
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

  if (!options_.intent_corpus_dir.empty()) {
    auto loaded = LoadIntentModel();
    if (!loaded.ok()) return loaded.status();
    intent_at_start_ = loaded->first;
  }

  // The stored features are read on another thread while the catalog is:
  // at a million services each takes seconds.
  std::future<Result<CatalogBuilder::StoredFeatures>> stored_features =
      std::async(std::launch::async, [store = store_.get()] { return CatalogBuilder::ReadStoredFeatures(*store); });
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
    IISC_RETURN_IF_ERROR(store_->WriteCatalog(*parsed, {}, {}));  // the vectors follow at Build
    complexes = std::move(parsed);
  }

  // The stored needs' demand is counted when the workflow reads them (below).
  demand_ = std::make_unique<DemandLedger>(*taxonomy_, options_.now_unix_ms, [this] {
    auto st = state();
    return st ? st->snapshot : nullptr;
  });

  builder_ = std::make_unique<CatalogBuilder>(store_.get(), taxonomy_.get(), &vocabulary_, analyzer_,
                                              options_.compaction);
  {
    std::lock_guard<std::mutex> lock(catalog_mu_);
    auto catalog = CatalogBuilder::InStoreOrder(std::move(*complexes));
    auto model = builder_->TextModelFor(catalog, /*refit=*/false);
    if (!model.ok()) return model.status();
    auto stored = stored_features.get();
    if (!stored.ok()) return stored.status();
    auto snapshot = builder_->Build(std::move(catalog), *model, &*stored);
    if (!snapshot.ok()) return snapshot.status();
    PublishWhole(std::move(*snapshot), std::move(scoring));
  }
  writer_ = std::make_unique<NeedWriter>(store_.get(), options_.max_need_batch);
  // The workflow learns what a service is from the catalog in use.
  auto services = [this](std::string_view capability_id) -> std::optional<ServiceFacts> {
    const auto snapshot = state()->snapshot;
    const int64_t row = snapshot->RowOf(capability_id);
    if (row < 0) return std::nullopt;
    const Capability& cap = *snapshot->capabilities[static_cast<size_t>(row)];
    return ServiceFacts{cap.complex_id, cap.type, cap.capacity_per_month};
  };
  WorkflowOptions workflow_options = options_.workflow;
  if (!workflow_options.now_unix_ms) workflow_options.now_unix_ms = options_.now_unix_ms;
  // One scan of the stored needs: the workflow indexes them, the ledger
  // counts the month's demand, which the snapshot in use then takes on
  // (nothing is ranked before Init returns).
  auto workflow = OpenWorkflow(store_.get(), writer_.get(), services, std::move(workflow_options),
                               [this](const StoredNeed& n) {
                                 demand_->CountStored(n.recommended_capability_ids, n.need.service_types,
                                                      n.created_unix_ms);
                               });
  if (!workflow.ok()) return workflow.status();
  workflow_ = std::move(workflow).value();
  demand_->Publish([&](const DemandLedger::CountRows& count) {
    const auto snapshot = state()->snapshot;
    count(*snapshot, 0, static_cast<uint32_t>(snapshot->size()));
  });
  auto governance = Governance::Open(store_.get());
  if (!governance.ok()) return governance.status();
  governance_ = std::move(governance).value();
  return Status::Ok();
}




Result<RecommendResponse> RecommenderImpl::RankIn(const EngineState& state, const RecommendRequest& request,
                                                 const RankExtras& extras) const {
  const EngineState* st = &state;
  const CatalogSnapshot& snap = *st->snapshot;
  const Taxonomy& tax = *taxonomy_;

  thread_local FilterIndices filters;
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.counties, "counties",
                                  [&](std::string_view id) { return tax.CountyIndex(id); }, &filters.counties));
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.service_types, "service_types",
                                  [&](std::string_view id) { return tax.ServiceTypeIndex(id); },
                                  &filters.service_types));
  IISC_RETURN_IF_ERROR(ResolveIds(request.filters.fields, "fields",
                                  [&](std::string_view id) { return tax.FieldIndex(id); }, &filters.fields));

  TextFeatures query = snap.model->FeaturizeQuery(request.need.description);
  if (extras.need_vector != nullptr) *extras.need_vector = {snap.model->version(), query.vector};
  const IntentModel* intent = st->intent.get();
  const bool infer = request.need.field.empty() || request.need.service_types.empty();
  IntentPrediction prediction;
  if (intent != nullptr && infer) prediction = intent->Predict(request.need.description);

  RankScratch& scratch = ThreadRankScratch();
  const RankInput input{tax,
                        snap,
                        *st->config,
                        *st->tables,
                        *st->ranking,
                        request.need,
                        query,
                        AllowedRows(snap, filters, &scratch),
                        static_cast<size_t>(request.k),
                        snap.size() < options_.candidate_generation_min_rows,
                        intent != nullptr && infer ? &prediction : nullptr};
  RankOutput ranked;
  Rank(input, scratch, &ranked);

  RecommendResponse resp;
  resp.snapshot = st->snapshot;
  resp.config_version = st->config->version;
  resp.model_version = intent != nullptr ? snap.model->version() + "+" + intent->version() : snap.model->version();
  resp.understanding = std::move(ranked.understanding.report);
  resp.understanding.language = TextLanguage(request.need.description);
  if (intent != nullptr && resp.understanding.service_types_inferred) {
    // The words that carried the two likeliest types, for "because you wrote ...".
    for (size_t i = 0; i < resp.understanding.service_types.size() && i < 2; ++i) {
      InferredLabel& label = resp.understanding.service_types[i];
      for (IntentEvidence& e : intent->Explain(request.need.description, tax.ServiceTypeIndex(label.id), kEvidencePhrases)) {
        label.evidence.push_back(std::move(e.phrase));
      }
    }
  }
  resp.stats = ranked.stats;
  resp.results.reserve(scratch.picks.size());
  for (size_t i = 0; i < scratch.picks.size(); ++i) {
    const uint32_t row = scratch.picks[i].row;
    Recommendation rec;
    rec.rank = static_cast<int>(i + 1);
    rec.score = scratch.picks[i].score;
    rec.components = scratch.pick_components[i];
    rec.capability = snap.capabilities[row];
    rec.complex = &snap.complex_of(row);
    resp.results.push_back(rec);
    if (extras.rows != nullptr) extras.rows->push_back(row);
  }
  if (extras.deep_matches != nullptr && extras.deep_k > 0) {
    // The features, the intent and the filters are the request's: only the
    // depth differs (the top-5 rules see further down at another depth, so
    // the deep list is ranked, not extended from the picks).
    RankInput deep = input;
    deep.k = static_cast<size_t>(extras.deep_k);
    RankOutput deep_ranked;
    Rank(deep, scratch, &deep_ranked);
    for (const RankedRow& pick : scratch.picks) {
      extras.deep_matches->push_back({snap.capabilities[pick.row]->id, pick.score});
    }
  }
  return resp;
}

void RecommenderImpl::SubmitNeed(Need need, const Idempotency& idempotency,
                                 std::function<void(Result<SubmittedNeed>)> done) {
  if (!idempotency.key.empty()) {
    auto claimed = workflow_->ClaimNeedKey(idempotency);
    if (!claimed.ok()) return done(claimed.status());
    if (claimed->has_value()) {
      // Stored the first time: the same need and token, ranked again.
      const EngineWorkflow::KeyedNeed& keyed = **claimed;
      auto stored = store_->GetNeed(keyed.need_id);
      if (!stored.ok()) return done(stored.status());
      RecommendRequest again;
      again.need = stored->need;
      auto recs = RecommendWith(again, {});
      if (!recs.ok()) return done(recs.status());
      AddBundle(again, &*recs);
      SubmittedNeed replay;
      replay.id = keyed.need_id;
      replay.access_token = UnsealSecret(keyed.sealed_token, idempotency.key, keyed.need_id);
      replay.recommendations = std::move(recs).value();
      replay.replayed = true;
      return done(std::move(replay));
    }
    // Claimed: released once the write is done, whatever its fate.
    done = [this, idempotency, done = std::move(done)](Result<SubmittedNeed> result) {
      workflow_->ReleaseNeedKey(idempotency);
      done(std::move(result));
    };
  }
  RecommendRequest req;
  req.need = need;
  FeatureVector vector;
  std::vector<uint32_t> rows;
  std::vector<StoredNeed::Match> matches;
  RankExtras extras{&vector, &rows};
  if (options_.stored_matches > 0) {
    extras.deep_k = std::min(options_.stored_matches, 100);
    extras.deep_matches = &matches;
  }
  auto recs = RecommendWith(req, extras);
  if (!recs.ok()) {
    done(recs.status());
    return;
  }
  AddBundle(req, &*recs);
  SubmittedNeed submitted;
  submitted.id = "need-" + RandomHex(12);
  submitted.access_token = RandomHex(32);
  StoredNeed stored;
  stored.id = submitted.id;
  stored.need = std::move(need);
  stored.created_unix_ms = options_.now_unix_ms();
  stored.access_token_sha256 = Sha256Hex(submitted.access_token);
  stored.config_version = recs->config_version;
  stored.features = std::move(vector);
  for (const Recommendation& r : recs->results) stored.recommended_capability_ids.push_back(r.capability->id);
  if (recs->understanding.field_inferred) {
    stored.inferred_field = recs->understanding.field.id;
    stored.inferred_field_confidence = recs->understanding.field.confidence;
  }
  stored.matches = std::move(matches);
  std::vector<std::string> recommended = stored.recommended_capability_ids;
  std::vector<std::string> types = stored.need.service_types;
  if (types.empty()) {
    for (const InferredLabel& l : recs->understanding.service_types) types.push_back(l.id);
    if (types.size() > 1) types.resize(1);
  }
  int64_t created = stored.created_unix_ms;
  submitted.recommendations = std::move(*recs);
  auto shared = std::make_shared<SubmittedNeed>(std::move(submitted));
  DurableWrite write;
  write.records = workflow_->NeedSubmittedRecords(stored);
  if (!idempotency.key.empty()) {
    write.records.push_back(workflow_->NeedKeyRecord(
        idempotency, {stored.id, SealSecret(shared->access_token, idempotency.key, stored.id)}));
  }
  StoredNeed for_feed = stored;
  for_feed.features = {};
  for_feed.need.description.clear();  // the feed index keeps ids, types and matches only
  write.needs.push_back(std::move(stored));
  writer_->Submit(std::move(write), [this, shared, recommended, types, created, rows = std::move(rows),
                                     for_feed = std::move(for_feed),
                                     done = std::move(done)](Status status) {
    if (!status.ok()) {
      done(status);
      return;
    }
    workflow_->OnNeedStored(for_feed);
    demand_->CountNew(recommended, rows, *shared->recommendations.snapshot, types, created);
    done(std::move(*shared));
  });
}

void RecommenderImpl::AddBundle(const RecommendRequest& request, RecommendResponse* response) const {
  std::vector<std::string> wanted = request.need.service_types;
  const NeedUnderstanding& u = response->understanding;
  if (wanted.size() < 2 && u.service_types_inferred && u.clarify_between.empty() &&
      u.hedged_types.size() >= 2) {
    wanted = u.hedged_types;  // asked for in separate requests, not unclear between
  }
  if (wanted.size() < 2) return;
  for (const std::string& type : wanted) {
    const Recommendation* best = nullptr;
    for (const Recommendation& r : response->results) {
      if (r.capability->type == type) {
        best = &r;
        break;
      }
    }
    if (best != nullptr) {
      response->bundle.push_back(*best);
      continue;
    }
    // Beyond the list: the best of this type under the same filters.
    RecommendRequest one = request;
    one.k = 1;
    one.filters.service_types = {type};
    auto found = RecommendWith(one, {});
    // Its pointers live in its snapshot: kept only if the catalog did not change meanwhile.
    if (!found.ok() || found->results.empty() || found->snapshot != response->snapshot) continue;
    Recommendation r = found->results.front();
    r.rank = 0;
    response->bundle.push_back(r);
  }
}

Result<BureauAssignment> RecommenderImpl::PlanAssignment(const AssignmentRequest& request) const {
  if (request.candidates_per_type < 1 || request.candidates_per_type > options_.stored_matches) {
    return Status::InvalidArgument("candidates_per_type must be from 1 to " +
                                       std::to_string(options_.stored_matches),
                                   "candidates_per_type");
  }
  const auto snapshot = state()->snapshot;
  std::unordered_map<std::string_view, const Capability*> by_id;
  for (const Capability* cap : snapshot->capabilities)
    if (cap != nullptr) by_id.emplace(cap->id, cap);  // null: a retired row
  std::unordered_map<std::string, int> used;
  for (auto& [id, n] : workflow_->UsedCapacityThisMonth()) used[id] = n;

  BureauAssignment out;
  AssignmentProblem& problem = out.problem;
  std::unordered_map<std::string_view, uint32_t> service_index;
  for (const OpenNeed& open : workflow_->OpenNeeds()) {
    AssignmentNeed need;
    need.id = open.id;
    for (const std::string& t : open.wanted_types) {
      if (std::find(need.wanted_types.begin(), need.wanted_types.end(), t) == need.wanted_types.end()) {
        need.wanted_types.push_back(t);
      }
    }
    if (need.wanted_types.empty()) continue;
    const uint32_t need_index = static_cast<uint32_t>(problem.needs.size());
    std::unordered_map<std::string_view, int> taken_per_type;
    for (const NeedMatch& m : open.matches) {
      auto cap = by_id.find(m.capability_id);
      if (cap == by_id.end()) continue;  // no longer offered
      const Capability& c = *cap->second;
      if (std::find(need.wanted_types.begin(), need.wanted_types.end(), c.type) == need.wanted_types.end()) continue;
      if (taken_per_type[c.type]++ >= request.candidates_per_type) continue;
      auto [it, inserted] = service_index.emplace(c.id, static_cast<uint32_t>(problem.services.size()));
      if (inserted) {
        const auto u = used.find(c.id);
        const int left = c.capacity_per_month - (u == used.end() ? 0 : u->second);
        problem.services.push_back({c.id, c.type, std::max(0, left)});
      }
      problem.edges.push_back({need_index, it->second, std::clamp(m.score, 0.0, 1.0)});
    }
    problem.needs.push_back(std::move(need));
  }
  AssignmentOptions options;
  options.objective = request.objective;
  auto report = CompareAssignmentPlans(problem, options);
  if (!report.ok()) return report.status();
  out.report = std::move(report).value();
  return out;
}

Status RecommenderImpl::PutComplex(const Complex& complex) {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  return WriteChange({}, {complex});
}

Status RecommenderImpl::DeleteComplex(std::string_view id) {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  // The snapshot holds what the store holds: both change only under catalog_mu_.
  if (state()->snapshot->FindSlot(id) < 0) {
    return Status::NotFound("complex \"" + std::string(id) + "\" not found");
  }
  return WriteChange({std::string(id)}, {});
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
    ++(current->FindSlot(c.id) >= 0 ? summary.replaced : summary.added);
  }
  std::vector<std::string> removed;
  if (replace_all) {
    for (const Complex* c : current->Complexes())
      if (!incoming.contains(c->id)) removed.push_back(c->id);
  }
  incoming.clear();  // views into `complexes`, which is moved next
  summary.removed = static_cast<int64_t>(removed.size());
  summary.total = static_cast<int64_t>(current->slots_by_id.size()) + summary.added - summary.removed;
  IISC_RETURN_IF_ERROR(WriteChange(std::move(removed), std::move(complexes)));
  return summary;
}

Result<TextModelInfo> RecommenderImpl::RefitTextModel() {
  std::lock_guard<std::mutex> lock(catalog_mu_);
  const auto current = state();
  std::vector<std::shared_ptr<const Complex>> catalog;
  for (uint32_t s : current->snapshot->slots_by_id) catalog.push_back(current->snapshot->slots[s].complex);
  auto model = builder_->TextModelFor(catalog, /*refit=*/true);
  if (!model.ok()) return model.status();
  TextModelInfo info;
  info.previous_version = current->snapshot->model->version();
  info.version = (*model)->version();
  info.refitted = info.version != info.previous_version;
  if (info.refitted) {
    auto snapshot = builder_->Build(std::move(catalog), *model);
    if (!snapshot.ok()) return snapshot.status();
    PublishWhole(std::move(*snapshot), current->config);
  }
  info.services = state()->snapshot->live_rows;
  return info;
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
  stats.total_needs = demand_->total_needs();
  const std::vector<int64_t> needs = demand_->needs_by_type();
  for (size_t t = 0; t < types; ++t) {
    stats.rows.push_back({taxonomy_->service_types()[t].id, "", needs[t], caps[t], capacity[t]});
  }
  return stats;
}

Result<SupplyDemandMap> RecommenderImpl::SupplyDemand(SupplyDemandQuery query) const {
  if (!query.service_type.empty() && taxonomy_->ServiceTypeIndex(query.service_type) < 0) {
    return Status::InvalidArgument("unknown service type '" + query.service_type + "'", "service_type");
  }
  const auto st = state();
  query.min_field_confidence = st->config->inference_min_confidence;
  if (query.now_unix_ms == 0) {
    // The workflow's clock (what "this month" of its capacity means), else the engine's.
    query.now_unix_ms = options_.workflow.now_unix_ms ? options_.workflow.now_unix_ms() : options_.now_unix_ms();
  }
  // The capacity first: an acceptance between the two reads shows in the
  // requests, not yet in the capacity, never the other way round.
  const auto used = workflow_->UsedCapacityThisMonth();
  const LifecycleFacts facts = workflow_->Facts();
  return ComputeSupplyDemandMap(*taxonomy_, st->snapshot->Complexes(), facts, used, query);
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
