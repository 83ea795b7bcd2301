// The engine's public face: recommendations, durable needs, the catalog.
// server/ talks to the engine only through this header.
//
// Thread safety: every method may be called concurrently. Reads work on an
// immutable snapshot (catalog + index + model + scoring config) that writers
// replace atomically, so a request never sees half of a change.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/assignment.h"
#include "engine/compaction_policy.h"
#include "engine/clock.h"
#include "engine/governance.h"
#include "engine/need_record.h"
#include "engine/scoring_config.h"
#include "engine/supply_demand.h"
#include "engine/workflow.h"
#include "models/catalog.h"
#include "models/need.h"
#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

struct RecommenderOptions {
  // Catalog loaded into an empty store at first start (JSONL); empty = none.
  std::string seed_catalog_path;
  // Domain vocabulary files (bilingual glossary) used by the text model;
  // empty = only the taxonomy's own names and keywords.
  std::string vocabulary_dir;
  // Example needs (configs/intent/*.jsonl) the intent model learns the
  // service types and field of a need from; empty = no intent model (the
  // vocabulary and the best matches alone decide).
  std::string intent_corpus_dir;
  // Off = no domain vocabulary at all, not even the taxonomy's: plain BM25
  // words and bigrams. Only for measuring what the vocabulary brings.
  bool use_domain_vocabulary = true;
  // Most needs written in one synced batch.
  size_t max_need_batch = 256;
  // Catalogs of at least this many capabilities are ranked through candidate
  // generation (semantic shortlist, lexical hits and the rows of the wanted
  // service types, each bounded before it is scored exactly); smaller ones
  // score every row. Both give the same results; only the work differs.
  size_t candidate_generation_min_rows = 2048;
  // When catalog writes tidy up the snapshot they change incrementally.
  CompactionPolicy compaction;
  // A stored need keeps its best services this deep (with their scores): the
  // reverse feed of complexes and the assignment planner read them.
  int stored_matches = 50;
  // Requests, their expiry, the reverse feed (see engine/workflow.h).
  WorkflowOptions workflow;
  // The wall clock (milliseconds since the Unix epoch): it stamps stored
  // needs and tells the calendar month (UTC) whose needs load each service's
  // monthly capacity. Tests move it; empty = the system clock.
  std::function<int64_t()> now_unix_ms = SystemUnixMs;
};

// Hard filters; each non-empty list restricts results to its members.
struct Filters {
  std::vector<std::string> counties;
  std::vector<std::string> service_types;
  std::vector<std::string> fields;
};

struct RecommendRequest {
  Need need;
  int k = 10;  // 1..100
  Filters filters;
};

struct InferredLabel {
  std::string id;
  double confidence = 0;  // 0..1
  // Inferred service types: the phrases of the need (normalized) that most
  // made the intent model think of this type, strongest first.
  std::vector<std::string> evidence;
};

// What the engine understood of the need: given by the SME or inferred.
struct NeedUnderstanding {
  InferredLabel field;                       // id empty when unknown
  bool field_inferred = false;               // false when the SME gave it
  std::vector<InferredLabel> service_types;  // best first
  bool service_types_inferred = false;
  // Service types whose best services the top 5 holds, when the need is
  // unclear between them or asks for all of them (likeliest first).
  std::vector<std::string> hedged_types;
  // When the likeliest types are close and the need does not clearly ask for
  // all of them: the 2 or 3 types to ask the SME to choose between, likeliest
  // first; empty when there is nothing to ask.
  std::vector<std::string> clarify_between;
  std::string language;  // of the description: "zh" or "en"
};

// The intent model in use (see models/intent_model.h).
struct IntentModelInfo {
  std::string version;  // empty: the engine has no intent model
  size_t examples = 0;
  size_t features = 0;
  bool trained_now = false;  // false: reused the stored model of the same corpus
};

// The text model (the services' vectors and terms) after a refit.
struct TextModelInfo {
  std::string version;
  std::string previous_version;
  bool refitted = false;  // false: a fit on this catalog gives the model in use
  size_t services = 0;    // services featurized with it
};

struct Recommendation {
  int rank = 0;  // 1-based
  double score = 0;
  std::array<double, kNumComponents> components{};  // before weighting, each in [0,1]
  const Capability* capability = nullptr;  // valid while the response lives
  const Complex* complex = nullptr;
};

class CatalogSnapshot;  // opaque; keeps the pointers above alive
class Store;            // engine/store.h: only whoever opens the engine needs it
struct EngineState;     // opaque: a catalog snapshot ranked under one scoring config

// How much work one ranking took (for benchmarks and tests).
struct RecommendStats {
  size_t rows = 0;         // capabilities in the catalog
  size_t rows_bounded = 0;  // rows whose hybrid score was bounded from above
  size_t rows_scored = 0;  // rows whose hybrid score was computed exactly
  bool candidate_generation = false;  // false: every allowed row was scored
  bool full_scan = false;  // candidate generation could not prove its pool complete and bounded every row
};

struct RecommendResponse {
  std::vector<Recommendation> results;
  // When the need asks for several kinds of service (two or more given
  // types, or inferred types it asks for in separate requests): the best
  // service of each, in the order of the types, for the SME to request in
  // one step. rank is the place in `results`, 0 when beyond them.
  std::vector<Recommendation> bundle;
  NeedUnderstanding understanding;
  std::string config_version;
  std::string model_version;
  std::shared_ptr<const CatalogSnapshot> snapshot;
  RecommendStats stats;
};

struct SubmittedNeed {
  std::string id;
  std::string access_token;  // returned once; only its hash is stored
  RecommendResponse recommendations;
  // A retry with the same Idempotency-Key: the need stored the first time,
  // its token again (sealed with the key), its recommendations ranked anew.
  bool replayed = false;
};

// What a catalog import changed.
struct CatalogImport {
  int64_t added = 0;     // complexes that were not in the catalog
  int64_t replaced = 0;  // complexes that were, now replaced whole
  int64_t removed = 0;   // complexes dropped (replace_all only)
  int64_t total = 0;     // complexes in the catalog afterwards
};

// Supply against demand, for the bureau.
struct DemandStats {
  struct Row {
    std::string service_type;
    std::string field;  // empty: all fields
    int64_t needs = 0;  // stored needs about this type (and field)
    int64_t capabilities = 0;
    int64_t monthly_capacity = 0;
  };
  int64_t total_needs = 0;
  std::vector<Row> rows;
};

// The bureau's monthly assignment of the open needs to services.
struct AssignmentRequest {
  int candidates_per_type = 10;  // a need's best services of each wanted type considered (1..50)
  AssignmentObjective objective = AssignmentObjective::kFillFirst;
};
struct BureauAssignment {
  AssignmentProblem problem;  // ids behind the plans' indices
  AssignmentReport report;
};

class Recommender {
 public:
  virtual ~Recommender() = default;

  // Opens the engine over `store`: loads the catalog (seeding an empty store),
  // fits or reuses the text model, loads or rebuilds feature vectors, builds
  // the in-memory index.
  static Result<std::unique_ptr<Recommender>> Open(std::unique_ptr<Store> store,
                                                  std::shared_ptr<const Taxonomy> taxonomy,
                                                  std::shared_ptr<const ScoringConfig> scoring,
                                                  const RecommenderOptions& options);

  // REQUIRES: request.need validated (ParseNeed) and 1 <= k <= 100.
  virtual Result<RecommendResponse> Recommend(const RecommendRequest& request) const = 0;

  // The catalog in use ranked under `config` (null: the active one), for
  // what-if replays, why-not and weight tuning: built once, used for many
  // needs. It keeps its snapshot alive.
  virtual std::shared_ptr<const EngineState> RankingStateFor(
      std::shared_ptr<const ScoringConfig> config) const = 0;
  // Recommend in such a state; k may reach the catalog's size (a full ranking).
  virtual Result<RecommendResponse> RecommendIn(const EngineState& state,
                                                const RecommendRequest& request) const = 0;

  // Scores and stores a need; `done` runs (on a writer thread) only after the
  // need is durable, or with the error that prevented it.
  virtual void SubmitNeed(Need need, const Idempotency& idempotency,
                          std::function<void(Result<SubmittedNeed>)> done) = 0;
  void SubmitNeed(Need need, std::function<void(Result<SubmittedNeed>)> done) {
    SubmitNeed(std::move(need), Idempotency{}, std::move(done));
  }
  // NotFound when there is no such need.
  virtual Result<NeedRecord> GetNeed(std::string_view id) const = 0;
  // The need, when `token` is the access token issued for it (compared in
  // constant time), in one read: NotFound when there is no such need (whatever
  // the token), PermissionDenied when the token is another. The token's hash
  // never leaves the engine.
  virtual Result<NeedRecord> GetNeedWithToken(std::string_view id,
                                              std::string_view token) const = 0;

  virtual std::shared_ptr<const CatalogSnapshot> Snapshot() const = 0;
  virtual std::vector<const Complex*> ListComplexes(const CatalogSnapshot& snapshot) const = 0;
  virtual const Complex* FindComplex(const CatalogSnapshot& snapshot,
                                     std::string_view id) const = 0;
  virtual Status PutComplex(const Complex& complex) = 0;
  virtual Status DeleteComplex(std::string_view id) = 0;
  // Catalog writes cost in proportion to what they change: only the written
  // services are featurized (with the text model in use) and the snapshot
  // carries the rest over.
  // Inserts or replaces every complex of `complexes` (validated, distinct ids)
  // in one atomic store write and publishes one snapshot, so no request sees
  // half of an import. With replace_all the complexes not listed are removed:
  // the import becomes the whole catalog.
  virtual Result<CatalogImport> ImportCatalog(std::vector<Complex> complexes,
                                              bool replace_all) = 0;

  // Reads the intent corpus again and retrains the intent model (or reuses
  // the stored one when the corpus is unchanged); the following requests use
  // it. FailedPrecondition-like InvalidArgument when the engine has no corpus
  // directory; a corpus error leaves the current model serving.
  virtual Result<IntentModelInfo> RetrainIntentModel() = 0;
  // Fits the text model again on the catalog as it is now and featurizes
  // every service with it (stored under the new model version); the
  // following requests use it. The model is otherwise kept as fitted, across
  // catalog writes and restarts, so no service's features change unasked.
  // Costs a full rebuild (seconds at a million services).
  virtual Result<TextModelInfo> RefitTextModel() = 0;
  virtual IntentModelInfo intent_model_info() const = 0;

  // Swaps the scoring weights for the following requests.
  virtual void SetScoringConfig(std::shared_ptr<const ScoringConfig> config) = 0;
  virtual std::shared_ptr<const ScoringConfig> scoring_config() const = 0;
  virtual const Taxonomy& taxonomy() const = 0;

  // The scoring configurations that served, and the bureau's audit log.
  virtual Governance& governance() = 0;
  virtual const Governance& governance() const = 0;

  // What happens to stored needs: requests, answers, outcomes, feeds, events.
  virtual Workflow& workflow() = 0;
  virtual const Workflow& workflow() const = 0;

  // Plans the open needs (not withdrawn, none of their requests accepted)
  // onto services with the capacity left this month (monthly capacity less
  // the requests accepted this month), from each need's stored matches; the
  // greedy and unconstrained plans beside it. Wanted types: the need's own,
  // else the type of its best match.
  virtual Result<BureauAssignment> PlanAssignment(const AssignmentRequest& request) const = 0;

  virtual DemandStats Demand() const = 0;
  // The bureau's supply-demand map (engine/supply_demand.h) of the catalog in
  // use and every stored need and request. The engine fills in
  // min_field_confidence (the scoring config's inference bar) and, when 0,
  // now_unix_ms. InvalidArgument for an unknown service type.
  virtual Result<SupplyDemandMap> SupplyDemand(SupplyDemandQuery query) const = 0;
  virtual Status Checkpoint(const std::string& dir) = 0;
  // Stops accepting needs, waits for queued needs to be written.
  virtual void Flush() = 0;
};

}  // namespace iisc
