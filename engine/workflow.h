// The two-sided part of matchmaking: what happens to a need after it is
// stored. The SME requests services; the complex that offers each service
// accepts, declines or proposes another of its services, serves and
// completes; the SME rates. Complexes also read a reverse feed of open needs
// that fit their services, and every change is an event the portal can poll.
//
// Every write is durable before its `done` runs: it goes through the same
// group commit as needs (engine/need_writer.h), with its events and, when an
// idempotency key is given, the answer to replay, in one atomic batch.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/need_record.h"
#include "models/status.h"

namespace iisc {

enum class RequestState : uint8_t {
  kRequested,   // the SME asked; waiting for the complex
  kAccepted,    // the complex will serve
  kDeclined,    // the complex will not (with a reason)
  kProposed,    // the complex offers another of its services instead
  kInService,   // being served
  kCompleted,   // served; the SME may rate it
  kRated,       // the SME rated it (final)
  kWithdrawn,   // the SME took it back
  kExpired,     // nobody answered in time
};
std::string_view RequestStateName(RequestState state);
std::optional<RequestState> ParseRequestState(std::string_view name);
// Requested, proposed, accepted or in service: the request still binds someone.
bool IsActive(RequestState state);

enum class Actor : uint8_t { kSme, kComplex, kBureau, kSystem };
std::string_view ActorName(Actor actor);

struct Transition {
  RequestState state = RequestState::kRequested;
  int64_t at_unix_ms = 0;
  Actor by = Actor::kSme;
  std::string note;  // decline reason, proposal message, comment
};

struct ServiceRequest {
  std::string id;
  std::string need_id;
  std::string capability_id;  // after an accepted proposal: the proposed one
  std::string complex_id;
  std::string service_type;
  RequestState state = RequestState::kRequested;
  // The service's score and rank for the need when it was stored (0 when
  // it was not among the need's matches).
  double score = 0;
  int rank = 0;
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  int64_t expires_unix_ms = 0;  // while requested or proposed; else 0
  int64_t accepted_unix_ms = 0;  // when it was accepted (counts against capacity)
  std::string message;           // the SME's note with the request
  std::string decline_reason;
  std::string proposed_capability_id;
  std::string proposal_message;
  int rating = 0;  // 1..5 once rated
  std::string comment;
  std::vector<Transition> history;  // append-only, oldest first
};

enum class NeedStatus : uint8_t { kOpen, kWithdrawn, kDeleted };
std::string_view NeedStatusName(NeedStatus status);

// Who is acting, as the server authenticated them.
struct Principal {
  enum class Kind : uint8_t { kSme, kComplex, kBureau };
  Kind kind = Kind::kSme;
  std::string id;  // the need id (SME) or complex id (complex)
};

enum class RequestAction : uint8_t {
  kAccept, kDecline, kPropose, kStart, kComplete,  // the complex
  kWithdraw, kAcceptProposal, kRate,               // the SME
};
std::optional<RequestAction> ParseRequestAction(std::string_view name);
std::string_view RequestActionName(RequestAction action);

struct ActionInput {
  std::string reason;         // decline: required
  std::string capability_id;  // propose: another service of the same complex
  std::string message;        // propose: optional
  int rating = 0;             // rate: 1..5
  std::string comment;        // rate: optional
};

// A client's Idempotency-Key, scoped to who sent it, with a fingerprint of
// what it sent: the same key with another body is refused.
struct Idempotency {
  std::string key;  // empty: not idempotent
  std::string scope;
  std::string fingerprint;
};

// What a write did; a replay hands back the first answer unchanged.
struct WriteOutcome {
  std::vector<ServiceRequest> requests;
  std::string need_id;
  NeedStatus need_status = NeedStatus::kOpen;
  bool replayed = false;
};
using WriteDone = std::function<void(Result<WriteOutcome>)>;

struct ComplexToken {
  std::string id;
  std::string complex_id;
  std::string name;
  int64_t created_unix_ms = 0;
  int64_t revoked_unix_ms = 0;  // 0: active
};
struct IssuedComplexToken {
  ComplexToken info;
  std::string token;  // shown once; only its SHA-256 is stored
};
// What revoking a token did: a token revoked before (or being revoked by a
// simultaneous call) is left as it is, so the bureau's retry or double click
// records nothing twice.
enum class Revocation { kRevoked, kAlreadyRevoked };

// A lifecycle event for the portal: ids and states, never personal data.
struct LifecycleEvent {
  uint64_t seq = 0;
  int64_t at_unix_ms = 0;
  std::string type;  // "need.submitted", "request.created", "request.<state>", "need.withdrawn", ...
  std::string need_id;
  std::string request_id;
  std::string complex_id;
  std::string capability_id;
  std::string service_type;
  std::string state;
};
struct EventPage {
  std::vector<LifecycleEvent> events;
  uint64_t next_after = 0;  // pass as `after` to read on
};

struct FeedQuery {
  std::string complex_id;
  std::string service_type;  // empty: every type
  double min_score = 0;      // at least the engine's floor
  std::string cursor;        // empty: from the newest
  int limit = 20;            // 1..100
};
struct FeedMatch {
  std::string capability_id;
  std::string service_type;
  double score = 0;
};
struct FeedItem {
  NeedRecord need;
  std::vector<FeedMatch> matches;  // the complex's services that fit, best first
  bool requested = false;          // the SME sent this complex a request
};
struct FeedPage {
  std::vector<FeedItem> items;
  std::string next_cursor;  // empty: no more
};

struct RequestPage {
  std::vector<ServiceRequest> requests;
  std::string next_cursor;  // empty: no more
};

// An open need as the assignment planner sees it.
struct OpenNeed {
  std::string id;
  int64_t created_unix_ms = 0;
  std::vector<std::string> wanted_types;
  std::vector<NeedMatch> matches;  // best first
};

// Every stored need and its requests as compact facts, for the bureau's
// supply-demand map (engine/supply_demand.h): ids interned into the name
// lists, no personal data, no text. The workflow keeps these rows up to date
// as needs are stored and requests change, and copies them under its lock (a
// few arrays), so the map is computed from one consistent moment without
// holding it.
struct LifecycleFacts {
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Need {
    int64_t created_unix_ms = 0;
    uint32_t field = kNone;           // the SME's, into `fields`
    uint32_t inferred_field = kNone;  // inferred at submission, into `fields`
    float inferred_field_confidence = 0;
    uint32_t county = kNone;          // into `counties`
    // Its best service at submission (into `capabilities`), listed only for
    // needs with neither field (stored before the inferred field was kept).
    uint32_t best_capability = kNone;
    float best_score = 0;  // 0: no matches
    // The kinds of service it wants, in `wanted`: the SME's, else the kind of
    // its best match; each with the best score among its matches of that kind.
    uint32_t wanted_begin = 0;
    uint32_t wanted_end = 0;
  };
  struct Wanted {
    uint32_t type = kNone;  // into `types`
    float best_score = 0;   // 0: none of its matches is of this kind
  };
  struct Request {
    uint32_t need = 0;      // into `needs`
    uint32_t type = kNone;  // into `types`
    RequestState state = RequestState::kRequested;
    int rating = 0;  // 1..5 once rated
    int64_t created_unix_ms = 0;
    int64_t completed_unix_ms = 0;  // 0: never completed
    int64_t rated_unix_ms = 0;      // 0: not rated
  };
  std::vector<std::string> fields, counties, types, capabilities;
  std::vector<Need> needs;  // in no particular order
  std::vector<Wanted> wanted;
  std::vector<Request> requests;
};

// What the workflow needs to know of a service.
struct ServiceFacts {
  std::string complex_id;
  std::string type;
  int capacity_per_month = 0;
};
using ServiceLookup = std::function<std::optional<ServiceFacts>(std::string_view capability_id)>;

struct WorkflowOptions {
  // A request (or proposal) nobody answers within this time expires.
  int64_t request_expiry_ms = int64_t{7} * 24 * 3600 * 1000;
  // Needs whose services score below this are not in a complex's feed.
  double feed_min_score = 0.35;
  // The clock; empty = the system's.
  std::function<int64_t()> now_unix_ms;
};

// What happens to stored needs, as callers of the engine see it (the engine
// holds it as an EngineWorkflow, engine/workflow_engine.h, which the need
// writes feed).
class Workflow {
 public:
  virtual ~Workflow() = default;

  // --- the SME (the server checked the need's token) ---
  virtual void RequestServices(const std::string& need_id, std::vector<std::string> capability_ids,
                               std::string message, const Idempotency& idempotency,
                               WriteDone done) = 0;
  virtual void WithdrawNeed(const std::string& need_id, const Idempotency& idempotency,
                            WriteDone done) = 0;
  // Withdraws what is still open and erases the need's personal data.
  virtual void EraseNeed(const std::string& need_id, Actor by, const Idempotency& idempotency,
                         WriteDone done) = 0;

  // --- either side, on one request ---
  // PermissionDenied when `who` may not take this action on this request;
  // FailedPrecondition (its field: the current state) when the state forbids it.
  virtual void Act(const Principal& who, const std::string& request_id, RequestAction action,
                   ActionInput input, const Idempotency& idempotency, WriteDone done) = 0;

  // --- reads ---
  virtual Result<ServiceRequest> GetRequest(std::string_view id) const = 0;
  virtual NeedStatus GetNeedStatus(std::string_view need_id) const = 0;
  virtual std::vector<ServiceRequest> NeedRequests(std::string_view need_id) const = 0;
  // Requests for a complex's services, newest first; `state` filters.
  virtual Result<RequestPage> ComplexRequests(std::string_view complex_id,
                                              std::optional<RequestState> state,
                                              std::string_view cursor, int limit) const = 0;
  virtual Result<FeedPage> Feed(const FeedQuery& query) const = 0;
  virtual Result<EventPage> Events(uint64_t after, int limit) const = 0;
  // Completed and rated requests, oldest first: the outcomes to learn from.
  virtual std::vector<ServiceRequest> Outcomes() const = 0;
  virtual std::vector<OpenNeed> OpenNeeds() const = 0;
  // Ids of the stored needs created in [from, to) (0: unbounded), oldest
  // first; with last_n > 0 only the last n of them.
  virtual std::vector<std::string> NeedsCreatedBetween(int64_t from_unix_ms, int64_t to_unix_ms,
                                                       int64_t last_n) const = 0;
  // Needs accepted this (calendar, UTC) month per capability id.
  virtual std::vector<std::pair<std::string, int>> UsedCapacityThisMonth() const = 0;
  // Every stored need and request, compactly (see LifecycleFacts).
  virtual LifecycleFacts Facts() const = 0;

  // --- complex tokens (the bureau) ---
  virtual void IssueComplexToken(const std::string& complex_id, const std::string& name,
                                 std::function<void(Result<IssuedComplexToken>)> done) = 0;
  virtual std::vector<ComplexToken> ListComplexTokens() const = 0;
  // NotFound for an unknown id.
  virtual void RevokeComplexToken(const std::string& id,
                                  std::function<void(Result<Revocation>)> done) = 0;
  // The complex an active token speaks for.
  virtual std::optional<std::string> ComplexOfToken(std::string_view token) const = 0;

  // Expires every request past its time; `done` gets how many.
  virtual void ExpireDue(std::function<void(Result<size_t>)> done) = 0;
};

}  // namespace iisc
