// Lifecycle records live in the store's records space:
//   request/<id>        a service request with its whole history
//   needstate/<need id> a need's status once it is not simply open
//   ctoken/<id>         a complex token (its SHA-256, never the token)
//   event/<seq, 20 digits> one lifecycle event
//   idem/<SHA-256 of scope and key> the answer to replay for an idempotency key
// Everything is also held in memory (requests, statuses, tokens, the feeds'
// index); the store is read at opening and for events and replays.
//
// A write is checked against the committed state under one mutex, claims the
// objects it changes (a second change to one of them meanwhile is refused as
// a conflict, like a concurrent use of one idempotency key), goes through the
// group commit, and only once durable becomes the committed state.
#include "engine/workflow_engine.h"

#include <simdjson.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "engine/clock.h"
#include "engine/need_writer.h"
#include "engine/secrets.h"
#include "engine/store_keys.h"
#include "models/json_writer.h"

namespace iisc {

namespace {

constexpr std::string_view kRequestPrefix = "request/";
constexpr std::string_view kNeedStatePrefix = "needstate/";
constexpr std::string_view kTokenPrefix = "ctoken/";
constexpr std::string_view kEventPrefix = "event/";
constexpr std::string_view kIdempotencyPrefix = "idem/";

constexpr std::string_view kStateNames[] = {"requested", "accepted",  "declined",
                                            "proposed",  "in_service", "completed",
                                            "rated",     "withdrawn",  "expired"};
constexpr std::string_view kActionNames[] = {"accept",   "decline", "propose",         "start",
                                             "complete", "withdraw", "accept-proposal", "rate"};

std::string IdempotencyRecordKey(const Idempotency& idem) {
  return std::string(kIdempotencyPrefix) + Sha256Hex(idem.scope + '\n' + idem.key);
}


bool IsServed(RequestState s) {
  return s == RequestState::kAccepted || s == RequestState::kInService ||
         s == RequestState::kCompleted || s == RequestState::kRated;
}

std::string EventKey(uint64_t seq) { return store_keys::SequenceKey(kEventPrefix, seq); }

// --- codecs -------------------------------------------------------------------

simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string_view GetString(const simdjson::dom::element& e, std::string_view key) {
  std::string_view out;
  if (e[key].get_string().get(out) != simdjson::SUCCESS) return {};
  return out;
}
int64_t GetInt(const simdjson::dom::element& e, std::string_view key) {
  int64_t out = 0;
  if (e[key].get_int64().get(out) != simdjson::SUCCESS) return 0;
  return out;
}
double GetDouble(const simdjson::dom::element& e, std::string_view key) {
  double out = 0;
  if (e[key].get_double().get(out) != simdjson::SUCCESS) return 0;
  return out;
}

void WriteRequest(JsonWriter& w, const ServiceRequest& r) {
  w.BeginObject();
  w.Key("id").String(r.id).Key("need_id").String(r.need_id);
  w.Key("capability_id").String(r.capability_id).Key("complex_id").String(r.complex_id);
  w.Key("service_type").String(r.service_type).Key("state").String(RequestStateName(r.state));
  w.Key("score").Number(r.score).Key("rank").Int(r.rank);
  w.Key("created_unix_ms").Int(r.created_unix_ms).Key("updated_unix_ms").Int(r.updated_unix_ms);
  w.Key("expires_unix_ms").Int(r.expires_unix_ms).Key("accepted_unix_ms").Int(r.accepted_unix_ms);
  w.Key("message").String(r.message).Key("decline_reason").String(r.decline_reason);
  w.Key("proposed_capability_id").String(r.proposed_capability_id);
  w.Key("proposal_message").String(r.proposal_message);
  w.Key("rating").Int(r.rating).Key("comment").String(r.comment);
  w.Key("history").BeginArray();
  for (const Transition& t : r.history) {
    w.BeginObject().Key("state").String(RequestStateName(t.state)).Key("at_unix_ms").Int(t.at_unix_ms);
    w.Key("by").String(ActorName(t.by)).Key("note").String(t.note).EndObject();
  }
  w.EndArray().EndObject();
}

std::string EncodeRequest(const ServiceRequest& r) {
  std::string out;
  JsonWriter w(&out);
  WriteRequest(w, r);
  return out;
}

Result<ServiceRequest> ReadRequest(const simdjson::dom::element& e) {
  ServiceRequest r;
  r.id = GetString(e, "id");
  r.need_id = GetString(e, "need_id");
  r.capability_id = GetString(e, "capability_id");
  r.complex_id = GetString(e, "complex_id");
  r.service_type = GetString(e, "service_type");
  auto state = ParseRequestState(GetString(e, "state"));
  if (r.id.empty() || r.need_id.empty() || !state) {
    return Status::Corruption("stored request lacks its id, need or state");
  }
  r.state = *state;
  r.score = GetDouble(e, "score");
  r.rank = static_cast<int>(GetInt(e, "rank"));
  r.created_unix_ms = GetInt(e, "created_unix_ms");
  r.updated_unix_ms = GetInt(e, "updated_unix_ms");
  r.expires_unix_ms = GetInt(e, "expires_unix_ms");
  r.accepted_unix_ms = GetInt(e, "accepted_unix_ms");
  r.message = GetString(e, "message");
  r.decline_reason = GetString(e, "decline_reason");
  r.proposed_capability_id = GetString(e, "proposed_capability_id");
  r.proposal_message = GetString(e, "proposal_message");
  r.rating = static_cast<int>(GetInt(e, "rating"));
  r.comment = GetString(e, "comment");
  simdjson::dom::array history;
  if (e["history"].get_array().get(history) == simdjson::SUCCESS) {
    for (simdjson::dom::element t : history) {
      Transition tr;
      auto s = ParseRequestState(GetString(t, "state"));
      if (!s) return Status::Corruption("stored request " + r.id + " has a bad history");
      tr.state = *s;
      tr.at_unix_ms = GetInt(t, "at_unix_ms");
      const std::string_view by = GetString(t, "by");
      tr.by = by == "complex" ? Actor::kComplex
              : by == "bureau" ? Actor::kBureau
              : by == "system" ? Actor::kSystem
                               : Actor::kSme;
      tr.note = GetString(t, "note");
      r.history.push_back(std::move(tr));
    }
  }
  return r;
}

Result<ServiceRequest> DecodeRequest(std::string_view json) {
  simdjson::dom::element e;
  if (Parser().parse(json.data(), json.size()).get(e) != simdjson::SUCCESS) {
    return Status::Corruption("stored request is not JSON");
  }
  return ReadRequest(e);
}

std::string EncodeOutcome(const std::string& fingerprint, const WriteOutcome& o) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("fingerprint").String(fingerprint).Key("need_id").String(o.need_id);
  w.Key("need_status").String(NeedStatusName(o.need_status)).Key("requests").BeginArray();
  for (const ServiceRequest& r : o.requests) WriteRequest(w, r);
  w.EndArray().EndObject();
  return out;
}

NeedStatus ParseNeedStatus(std::string_view name) {
  if (name == "withdrawn") return NeedStatus::kWithdrawn;
  if (name == "deleted") return NeedStatus::kDeleted;
  return NeedStatus::kOpen;
}

std::string EncodeEvent(const LifecycleEvent& ev) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("seq").Int(static_cast<int64_t>(ev.seq)).Key("at_unix_ms").Int(ev.at_unix_ms);
  w.Key("type").String(ev.type).Key("need_id").String(ev.need_id);
  w.Key("request_id").String(ev.request_id).Key("complex_id").String(ev.complex_id);
  w.Key("capability_id").String(ev.capability_id).Key("service_type").String(ev.service_type);
  w.Key("state").String(ev.state).EndObject();
  return out;
}

std::string EncodeToken(const ComplexToken& t, const std::string& sha256) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("id").String(t.id).Key("complex_id").String(t.complex_id);
  w.Key("name").String(t.name).Key("created_unix_ms").Int(t.created_unix_ms);
  w.Key("revoked_unix_ms").Int(t.revoked_unix_ms).Key("sha256").String(sha256).EndObject();
  return out;
}

// --- the workflow ---------------------------------------------------------------

// A stored match in memory: the capability and its type by interned index
// (100k needs hold millions of matches).
struct CompactMatch {
  uint32_t capability = 0;
  float score = 0;
  uint16_t type = 0;
};

struct NeedEntry {
  std::string id;
  int64_t created_unix_ms = 0;
  NeedStatus status = NeedStatus::kOpen;
  std::vector<std::string> given_types;
  std::vector<CompactMatch> matches;     // best first
  uint32_t fact = 0;  // its row of the map's facts (fact_needs_)
  std::vector<std::string> request_ids;  // oldest first
  int served_requests = 0;               // accepted, in service, completed or rated
};

struct FeedEntry {
  const NeedEntry* need = nullptr;    // stable: needs_ never erases
  std::vector<CompactMatch> matches;  // this complex's, best first
};

// One complex's feed: entries in (created, need id) order, and per service
// type the positions of the entries that match it, so a filtered page reads
// only what it shows.
struct ComplexFeed {
  std::vector<FeedEntry> entries;
  std::vector<std::vector<uint32_t>> by_type;
};

bool EntryBefore(const FeedEntry& a, const FeedEntry& b) {
  return std::tie(a.need->created_unix_ms, a.need->id) < std::tie(b.need->created_unix_ms, b.need->id);
}

struct TokenEntry {
  ComplexToken info;
  std::string sha256;
};

// Orders (created, id) pairs; cursors name the last one a page showed.
std::string Cursor(int64_t created, std::string_view id) {
  return std::to_string(created) + "." + std::string(id);
}
Result<std::pair<int64_t, std::string>> ParseCursor(std::string_view cursor) {
  const size_t dot = cursor.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= cursor.size()) {
    return Status::InvalidArgument("cursor is not one this service handed out", "cursor");
  }
  int64_t created = 0;
  for (char c : cursor.substr(0, dot)) {
    if (c < '0' || c > '9' || created > (INT64_MAX - 9) / 10) {
      return Status::InvalidArgument("cursor is not one this service handed out", "cursor");
    }
    created = created * 10 + (c - '0');
  }
  return std::make_pair(created, std::string(cursor.substr(dot + 1)));
}

class WorkflowImpl final : public EngineWorkflow {
 public:
  WorkflowImpl(Store* store, NeedWriter* writer, ServiceLookup services, WorkflowOptions options)
      : store_(store), writer_(writer), services_(std::move(services)), options_(std::move(options)) {
    if (!options_.now_unix_ms) options_.now_unix_ms = SystemUnixMs;
  }

  Status Load(const std::function<void(const StoredNeed&)>& also_visit) {
    std::lock_guard lock(mu_);
    loading_ = true;
    IISC_RETURN_IF_ERROR(store_->ScanNeeds([&](const StoredNeed& n) {
      AddNeedLocked(n);
      if (also_visit) also_visit(n);
      return Status::Ok();
    }));
    loading_ = false;
    SortFeedsLocked();
    IISC_RETURN_IF_ERROR(store_->ScanRecords(
        kNeedStatePrefix, {}, [this](std::string_view key, std::string_view value) -> Result<bool> {
          auto it = needs_.find(std::string(key.substr(kNeedStatePrefix.size())));
          if (it != needs_.end()) {
            simdjson::dom::element e;
            if (Parser().parse(value.data(), value.size()).get(e) != simdjson::SUCCESS) {
              return Status::Corruption("stored need state is not JSON");
            }
            it->second.status = ParseNeedStatus(GetString(e, "status"));
          }
          return true;
        }));
    std::vector<ServiceRequest> loaded;
    IISC_RETURN_IF_ERROR(store_->ScanRecords(
        kRequestPrefix, {}, [&](std::string_view, std::string_view value) -> Result<bool> {
          auto r = DecodeRequest(value);
          if (!r.ok()) return r.status();
          loaded.push_back(std::move(r).value());
          return true;
        }));
    std::sort(loaded.begin(), loaded.end(), [](const ServiceRequest& a, const ServiceRequest& b) {
      return std::tie(a.created_unix_ms, a.id) < std::tie(b.created_unix_ms, b.id);
    });
    for (ServiceRequest& r : loaded) IndexRequestLocked(std::move(r));
    IISC_RETURN_IF_ERROR(store_->ScanRecords(
        kTokenPrefix, {}, [this](std::string_view, std::string_view value) -> Result<bool> {
          simdjson::dom::element e;
          if (Parser().parse(value.data(), value.size()).get(e) != simdjson::SUCCESS) {
            return Status::Corruption("stored complex token is not JSON");
          }
          TokenEntry t;
          t.info.id = GetString(e, "id");
          t.info.complex_id = GetString(e, "complex_id");
          t.info.name = GetString(e, "name");
          t.info.created_unix_ms = GetInt(e, "created_unix_ms");
          t.info.revoked_unix_ms = GetInt(e, "revoked_unix_ms");
          t.sha256 = GetString(e, "sha256");
          if (t.info.revoked_unix_ms == 0) token_by_sha_[t.sha256] = t.info.id;
          tokens_[t.info.id] = std::move(t);
          return true;
        }));
    // Events are numbered on from the last stored one, so cursors survive restarts.
    IISC_RETURN_IF_ERROR(store_->ScanRecords(
        kEventPrefix, {}, [this](std::string_view key, std::string_view) -> Result<bool> {
          const std::optional<uint64_t> seq = store_keys::ParseSequenceKey(key, kEventPrefix);
          if (!seq) return Status::Corruption("event record key \"" + std::string(key) + "\"");
          next_seq_ = std::max(next_seq_, *seq + 1);
          return true;
        }));
    return Status::Ok();
  }

  std::vector<RecordWrite> NeedSubmittedRecords(const StoredNeed& need) override {
    std::lock_guard lock(mu_);
    LifecycleEvent ev;
    ev.type = "need.submitted";
    ev.need_id = need.id;
    ev.state = "open";
    return {EventLocked(std::move(ev), need.created_unix_ms)};
  }

  Result<std::optional<KeyedNeed>> ClaimNeedKey(const Idempotency& idem) override {
    const std::string key = IdempotencyRecordKey(idem);
    std::lock_guard lock(mu_);
    if (claimed_.count(key)) {
      return Status::Aborted("a request with this Idempotency-Key is still being written; retry");
    }
    auto stored = store_->GetRecord(key);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      claimed_.insert(key);
      return std::optional<KeyedNeed>();
    }
    simdjson::dom::element e;
    const std::string& json = **stored;
    if (Parser().parse(json.data(), json.size()).get(e) != simdjson::SUCCESS) {
      return Status::Corruption("stored idempotent answer is not JSON");
    }
    if (GetString(e, "fingerprint") != idem.fingerprint) {
      return Status::InvalidArgument(
          "this Idempotency-Key was used with another request; use a new key for a new request",
          "Idempotency-Key");
    }
    return std::optional<KeyedNeed>(KeyedNeed{std::string(GetString(e, "need_id")),
                                              std::string(GetString(e, "sealed_token"))});
  }

  RecordWrite NeedKeyRecord(const Idempotency& idem, const KeyedNeed& need) const override {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("fingerprint").String(idem.fingerprint).Key("need_id").String(need.need_id);
    w.Key("sealed_token").String(need.sealed_token).EndObject();
    return {IdempotencyRecordKey(idem), std::move(out)};
  }

  void ReleaseNeedKey(const Idempotency& idem) override {
    std::lock_guard lock(mu_);
    claimed_.erase(IdempotencyRecordKey(idem));
  }

  void OnNeedStored(const StoredNeed& need) override {
    std::lock_guard lock(mu_);
    AddNeedLocked(need);
  }

  void RequestServices(const std::string& need_id, std::vector<std::string> capability_ids,
                       std::string message, const Idempotency& idem, WriteDone done) override {
    Run([&] { return PlanRequests(need_id, capability_ids, message, idem); }, std::move(done));
  }

  void WithdrawNeed(const std::string& need_id, const Idempotency& idem, WriteDone done) override {
    Run([&] { return PlanCloseNeed(need_id, NeedStatus::kWithdrawn, Actor::kSme, idem); },
        std::move(done));
  }

  void EraseNeed(const std::string& need_id, Actor by, const Idempotency& idem,
                 WriteDone done) override {
    Run([&] { return PlanCloseNeed(need_id, NeedStatus::kDeleted, by, idem); }, std::move(done));
  }

  void Act(const Principal& who, const std::string& request_id, RequestAction action,
           ActionInput input, const Idempotency& idem, WriteDone done) override {
    Run([&] { return PlanAction(who, request_id, action, input, idem); }, std::move(done));
  }

  Result<ServiceRequest> GetRequest(std::string_view id) const override {
    std::lock_guard lock(mu_);
    auto it = requests_.find(std::string(id));
    if (it == requests_.end()) return Status::NotFound("no request with id " + std::string(id));
    return it->second;
  }

  NeedStatus GetNeedStatus(std::string_view need_id) const override {
    std::lock_guard lock(mu_);
    auto it = needs_.find(std::string(need_id));
    return it == needs_.end() ? NeedStatus::kOpen : it->second.status;
  }

  std::vector<ServiceRequest> NeedRequests(std::string_view need_id) const override {
    std::lock_guard lock(mu_);
    std::vector<ServiceRequest> out;
    auto it = needs_.find(std::string(need_id));
    if (it == needs_.end()) return out;
    for (const std::string& rid : it->second.request_ids) out.push_back(requests_.at(rid));
    return out;
  }

  Result<RequestPage> ComplexRequests(std::string_view complex_id, std::optional<RequestState> state,
                                      std::string_view cursor, int limit) const override {
    std::optional<std::pair<int64_t, std::string>> after;
    if (!cursor.empty()) {
      auto parsed = ParseCursor(cursor);
      if (!parsed.ok()) return parsed.status();
      after = std::move(parsed).value();
    }
    std::lock_guard lock(mu_);
    RequestPage page;
    auto it = by_complex_.find(std::string(complex_id));
    if (it == by_complex_.end()) return page;
    const std::vector<std::string>& ids = it->second;
    for (auto rit = ids.rbegin(); rit != ids.rend(); ++rit) {
      const ServiceRequest& r = requests_.at(*rit);
      if (after && std::tie(r.created_unix_ms, r.id) >= std::tie(after->first, after->second)) continue;
      if (state && r.state != *state) continue;
      if (static_cast<int>(page.requests.size()) == limit) {
        const ServiceRequest& last = page.requests.back();
        page.next_cursor = Cursor(last.created_unix_ms, last.id);
        break;
      }
      page.requests.push_back(r);
    }
    return page;
  }

  Result<FeedPage> Feed(const FeedQuery& query) const override {
    std::optional<std::pair<int64_t, std::string>> after;
    if (!query.cursor.empty()) {
      auto parsed = ParseCursor(query.cursor);
      if (!parsed.ok()) return parsed.status();
      after = std::move(parsed).value();
    }
    const double min_score = std::max(query.min_score, options_.feed_min_score);
    struct Picked {
      int64_t created_unix_ms;
      std::string need_id;
      std::vector<FeedMatch> matches;
      bool requested;
    };
    std::vector<Picked> picked;
    std::string next_cursor;
    {
      std::lock_guard lock(mu_);
      auto it = feed_.find(query.complex_id);
      int type = -1;
      if (!query.service_type.empty()) {
        auto t = type_ids_.find(query.service_type);
        type = t == type_ids_.end() ? -2 : static_cast<int>(t->second);
      }
      if (it != feed_.end() && type != -2) {
        const ComplexFeed& feed = it->second;
        static const std::vector<uint32_t> kNone;
        const std::vector<uint32_t>& typed =
            type < 0 ? kNone : (static_cast<size_t>(type) < feed.by_type.size() ? feed.by_type[type] : kNone);
        const size_t total = type < 0 ? feed.entries.size() : typed.size();
        auto entry_at = [&](size_t i) -> const FeedEntry& {
          return feed.entries[type < 0 ? i : typed[i]];
        };
        // Newest first, from just before the cursor.
        size_t end = total;
        if (after) {
          size_t lo = 0, hi = total;
          while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            const NeedEntry& n = *entry_at(mid).need;
            if (std::tie(n.created_unix_ms, n.id) < std::tie(after->first, after->second)) {
              lo = mid + 1;
            } else {
              hi = mid;
            }
          }
          end = lo;
        }
        for (size_t i = end; i-- > 0;) {
          const FeedEntry& e = entry_at(i);
          const NeedEntry& need = *e.need;
          if (need.status != NeedStatus::kOpen || need.served_requests != 0) continue;
          std::vector<FeedMatch> matches;
          for (const CompactMatch& m : e.matches) {
            if (m.score < min_score) continue;
            if (type >= 0 && m.type != type) continue;
            matches.push_back({capability_names_[m.capability], type_names_[m.type], m.score});
          }
          if (matches.empty()) continue;
          if (static_cast<int>(picked.size()) == query.limit) {
            next_cursor = Cursor(picked.back().created_unix_ms, picked.back().need_id);
            break;
          }
          bool requested = false;
          for (const std::string& rid : need.request_ids) {
            requested = requested || requests_.at(rid).complex_id == query.complex_id;
          }
          picked.push_back({need.created_unix_ms, need.id, std::move(matches), requested});
        }
      }
    }
    FeedPage page;
    page.next_cursor = std::move(next_cursor);
    for (Picked& p : picked) {
      auto need = store_->GetNeed(p.need_id);
      if (!need.ok()) return need.status();
      FeedItem item;
      item.need = std::move(need).value();  // the record alone: no token hash, no vector
      item.matches = std::move(p.matches);
      item.requested = p.requested;
      page.items.push_back(std::move(item));
    }
    return page;
  }

  Result<EventPage> Events(uint64_t after, int limit) const override {
    EventPage page;
    page.next_after = after;
    const std::string start = after == 0 ? std::string() : EventKey(after);
    IISC_RETURN_IF_ERROR(store_->ScanRecords(
        kEventPrefix, start, [&](std::string_view, std::string_view value) -> Result<bool> {
          simdjson::dom::element e;
          if (Parser().parse(value.data(), value.size()).get(e) != simdjson::SUCCESS) {
            return Status::Corruption("stored event is not JSON");
          }
          LifecycleEvent ev;
          ev.seq = static_cast<uint64_t>(GetInt(e, "seq"));
          ev.at_unix_ms = GetInt(e, "at_unix_ms");
          ev.type = GetString(e, "type");
          ev.need_id = GetString(e, "need_id");
          ev.request_id = GetString(e, "request_id");
          ev.complex_id = GetString(e, "complex_id");
          ev.capability_id = GetString(e, "capability_id");
          ev.service_type = GetString(e, "service_type");
          ev.state = GetString(e, "state");
          page.next_after = ev.seq;
          page.events.push_back(std::move(ev));
          return static_cast<int>(page.events.size()) < limit;
        }));
    return page;
  }

  std::vector<ServiceRequest> Outcomes() const override {
    std::lock_guard lock(mu_);
    std::vector<ServiceRequest> out;
    for (const auto& [id, r] : requests_) {
      if (r.state == RequestState::kCompleted || r.state == RequestState::kRated) out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const ServiceRequest& a, const ServiceRequest& b) {
      return std::tie(a.updated_unix_ms, a.id) < std::tie(b.updated_unix_ms, b.id);
    });
    return out;
  }

  std::vector<OpenNeed> OpenNeeds() const override {
    std::lock_guard lock(mu_);
    std::vector<OpenNeed> out;
    for (const auto& [id, n] : needs_) {
      if (!IsOpenLocked(n) || n.matches.empty()) continue;
      OpenNeed o;
      o.id = id;
      o.created_unix_ms = n.created_unix_ms;
      o.wanted_types = n.given_types;
      if (o.wanted_types.empty() && !type_names_[n.matches.front().type].empty()) {
        o.wanted_types.push_back(type_names_[n.matches.front().type]);
      }
      for (const CompactMatch& m : n.matches) o.matches.push_back({capability_names_[m.capability], m.score});
      out.push_back(std::move(o));
    }
    std::sort(out.begin(), out.end(), [](const OpenNeed& a, const OpenNeed& b) {
      return std::tie(a.created_unix_ms, a.id) < std::tie(b.created_unix_ms, b.id);
    });
    return out;
  }

  std::vector<std::string> NeedsCreatedBetween(int64_t from, int64_t to, int64_t last_n) const override {
    std::vector<std::pair<int64_t, std::string>> picked;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, n] : needs_) {
        if (n.status == NeedStatus::kDeleted) continue;
        if ((from != 0 && n.created_unix_ms < from) || (to != 0 && n.created_unix_ms >= to)) continue;
        picked.emplace_back(n.created_unix_ms, id);
      }
    }
    std::sort(picked.begin(), picked.end());
    if (last_n > 0 && picked.size() > static_cast<size_t>(last_n)) {
      picked.erase(picked.begin(), picked.end() - last_n);
    }
    std::vector<std::string> ids;
    ids.reserve(picked.size());
    for (auto& [created, id] : picked) ids.push_back(std::move(id));
    return ids;
  }

  std::vector<std::pair<std::string, int>> UsedCapacityThisMonth() const override {
    const int month = MonthOfUnixMs(options_.now_unix_ms());
    std::lock_guard lock(mu_);
    std::map<std::string, int> used;
    for (const auto& [id, r] : requests_) {
      if (IsServed(r.state) && r.accepted_unix_ms != 0 && MonthOfUnixMs(r.accepted_unix_ms) == month) {
        ++used[r.capability_id];
      }
    }
    return {used.begin(), used.end()};
  }

  LifecycleFacts Facts() const override {
    std::lock_guard lock(mu_);
    LifecycleFacts f;
    f.fields = field_names_;
    f.counties = county_names_;
    f.types = type_names_;
    f.capabilities = fact_capabilities_;
    f.needs = fact_needs_;
    f.wanted = fact_wanted_;
    f.requests = fact_requests_;
    return f;
  }

  void IssueComplexToken(const std::string& complex_id, const std::string& name,
                         std::function<void(Result<IssuedComplexToken>)> done) override {
    IssuedComplexToken issued;
    issued.info.id = "ctk-" + RandomHex(8);
    issued.info.complex_id = complex_id;
    issued.info.name = name;
    issued.info.created_unix_ms = options_.now_unix_ms();
    issued.token = "ct_" + RandomHex(32);
    const std::string sha = Sha256Hex(issued.token);
    DurableWrite write;
    write.records.push_back({std::string(kTokenPrefix) + issued.info.id, EncodeToken(issued.info, sha)});
    writer_->Submit(std::move(write), [this, issued, sha, done = std::move(done)](Status s) {
      if (!s.ok()) return done(s);
      {
        std::lock_guard lock(mu_);
        tokens_[issued.info.id] = {issued.info, sha};
        token_by_sha_[sha] = issued.info.id;
      }
      done(issued);
    });
  }

  std::vector<ComplexToken> ListComplexTokens() const override {
    std::lock_guard lock(mu_);
    std::vector<ComplexToken> out;
    for (const auto& [id, t] : tokens_) out.push_back(t.info);
    std::sort(out.begin(), out.end(), [](const ComplexToken& a, const ComplexToken& b) {
      return std::tie(a.created_unix_ms, a.id) < std::tie(b.created_unix_ms, b.id);
    });
    return out;
  }

  void RevokeComplexToken(const std::string& id,
                          std::function<void(Result<Revocation>)> done) override {
    TokenEntry revoked;
    bool found = false;
    bool already = false;
    {
      std::lock_guard lock(mu_);
      auto it = tokens_.find(id);
      found = it != tokens_.end();
      already = found && it->second.info.revoked_unix_ms != 0;
      if (found && !already) {
        // Refused at once, before the revocation is durable: a revoked token
        // must not act even for the few milliseconds of the write. Marked
        // revoked at once too, so that a simultaneous second call finds it
        // already revoked and writes nothing.
        token_by_sha_.erase(it->second.sha256);
        it->second.info.revoked_unix_ms = options_.now_unix_ms();
        revoked = it->second;
      }
    }
    if (!found) return done(Status::NotFound("no complex token with id " + id));
    if (already) return done(Revocation::kAlreadyRevoked);
    DurableWrite write;
    write.records.push_back({std::string(kTokenPrefix) + id, EncodeToken(revoked.info, revoked.sha256)});
    writer_->Submit(std::move(write), [this, revoked, done = std::move(done)](Status s) {
      if (!s.ok()) {
        // Not durable: a retry must write it. The token stays refused here.
        std::lock_guard lock(mu_);
        tokens_[revoked.info.id].info.revoked_unix_ms = 0;
        return done(s);
      }
      done(Revocation::kRevoked);
    });
  }

  std::optional<std::string> ComplexOfToken(std::string_view token) const override {
    if (!token.starts_with("ct_")) return std::nullopt;
    const std::string sha = Sha256Hex(token);
    std::lock_guard lock(mu_);
    auto it = token_by_sha_.find(sha);
    if (it == token_by_sha_.end()) return std::nullopt;
    return tokens_.at(it->second).info.complex_id;
  }

  void ExpireDue(std::function<void(Result<size_t>)> done) override {
    Run(
        [this] {
          const int64_t now = options_.now_unix_ms();
          Step step;
          std::vector<std::string> claims;
          for (const auto& [id, r] : requests_) {
            if ((r.state != RequestState::kRequested && r.state != RequestState::kProposed) ||
                r.expires_unix_ms == 0 || r.expires_unix_ms > now || claimed_.count("request/" + id)) {
              continue;
            }
            ServiceRequest next = r;
            next.state = RequestState::kExpired;
            next.updated_unix_ms = now;
            next.expires_unix_ms = 0;
            next.history.push_back({RequestState::kExpired, now, Actor::kSystem, {}});
            claims.push_back("request/" + id);
            step.write.records.push_back({std::string(kRequestPrefix) + id, EncodeRequest(next)});
            step.write.records.push_back(RequestEventLocked(next, "request.expired", now));
            step.outcome.requests.push_back(std::move(next));
          }
          if (claims.empty()) return Answer(WriteOutcome{});
          ClaimLocked(claims, step.pending);
          return step;
        },
        [done = std::move(done)](Result<WriteOutcome> r) {
          if (!r.ok()) return done(r.status());
          done(r->requests.size());
        });
  }

 private:
  // What one write holds while it is being made durable.
  struct Pending {
    std::string idempotency_key;  // "idem/<hash>" or empty
    std::string fingerprint;
    std::vector<std::string> claims;
  };
  // A write planned under the lock: either an answer to give at once (an
  // error, a replay), or a write to make durable with its outcome.
  struct Step {
    std::optional<Result<WriteOutcome>> answer;
    Pending pending;
    DurableWrite write;
    WriteOutcome outcome;
  };
  static Step Answer(Result<WriteOutcome> answer) {
    Step step;
    step.answer = std::move(answer);
    return step;
  }

  // Plans under the lock, then answers or writes outside it: `done` may call
  // back into the workflow, and the writer may answer at once when stopping.
  void Run(const std::function<Step()>& plan, WriteDone done) {
    Step step;
    {
      std::lock_guard lock(mu_);
      step = plan();
    }
    if (step.answer) return done(std::move(*step.answer));
    if (!step.pending.idempotency_key.empty()) {
      step.write.records.push_back(
          {step.pending.idempotency_key, EncodeOutcome(step.pending.fingerprint, step.outcome)});
    }
    writer_->Submit(std::move(step.write),
                    [this, pending = std::move(step.pending), outcome = std::move(step.outcome),
                     done = std::move(done)](Status s) mutable {
                      {
                        std::lock_guard lock(mu_);
                        if (s.ok()) ApplyLocked(outcome);
                        for (const std::string& o : pending.claims) claimed_.erase(o);
                      }
                      if (!s.ok()) return done(s);
                      done(std::move(outcome));
                    });
  }

  // REQUIRES: mu_ held (as for every Plan*).
  Step PlanRequests(const std::string& need_id, const std::vector<std::string>& capability_ids,
                    const std::string& message, const Idempotency& idem) {
    Step step;
    if (BeginLocked(idem, &step)) return step;
    auto need = needs_.find(need_id);
    if (need == needs_.end()) return Answer(Status::NotFound("no need with id " + need_id));
    if (need->second.status != NeedStatus::kOpen) {
      return Answer(Status::FailedPrecondition(
          "the need is " + std::string(NeedStatusName(need->second.status)) + "; it takes no requests",
          std::string(NeedStatusName(need->second.status))));
    }
    if (capability_ids.empty()) {
      return Answer(Status::InvalidArgument("name at least one service", "capability_ids"));
    }
    const int64_t now = options_.now_unix_ms();
    std::set<std::string> seen;
    WriteOutcome outcome;
    outcome.need_id = need_id;
    for (size_t i = 0; i < capability_ids.size(); ++i) {
      const std::string& cap = capability_ids[i];
      const std::string field = "capability_ids[" + std::to_string(i) + "]";
      if (!seen.insert(cap).second) {
        return Answer(Status::InvalidArgument("service " + cap + " is named twice", field));
      }
      auto facts = services_(cap);
      if (!facts) return Answer(Status::InvalidArgument("no service with id " + cap, field));
      for (const std::string& rid : need->second.request_ids) {
        const ServiceRequest& existing = requests_.at(rid);
        if (existing.capability_id == cap && IsActive(existing.state)) {
          return Answer(Status::FailedPrecondition(
              "service " + cap + " is already requested (request " + rid + ")",
              std::string(RequestStateName(existing.state))));
        }
      }
      ServiceRequest r;
      r.id = "req-" + RandomHex(12);
      r.need_id = need_id;
      r.capability_id = cap;
      r.complex_id = facts->complex_id;
      r.service_type = facts->type;
      r.state = RequestState::kRequested;
      PlaceOfLocked(need->second, cap, &r.score, &r.rank);
      r.created_unix_ms = r.updated_unix_ms = now;
      r.expires_unix_ms = now + options_.request_expiry_ms;
      r.message = message;
      r.history.push_back({RequestState::kRequested, now, Actor::kSme, message});
      outcome.requests.push_back(std::move(r));
    }
    if (!ClaimLocked({"need/" + need_id}, step.pending)) return Answer(Busy());
    DurableWrite write;
    for (const ServiceRequest& r : outcome.requests) {
      write.records.push_back({std::string(kRequestPrefix) + r.id, EncodeRequest(r)});
      write.records.push_back(RequestEventLocked(r, "request.created", now));
    }
    step.write = std::move(write);
    step.outcome = std::move(outcome);
    return step;
  }

  Step PlanAction(const Principal& who, const std::string& request_id, RequestAction action,
                  const ActionInput& input, const Idempotency& idem) {
    Step step;
    if (BeginLocked(idem, &step)) return step;
    auto it = requests_.find(request_id);
    if (it == requests_.end()) return Answer(Status::NotFound("no request with id " + request_id));
    const ServiceRequest& current = it->second;
    const bool complex_action = action == RequestAction::kAccept || action == RequestAction::kDecline ||
                                action == RequestAction::kPropose || action == RequestAction::kStart ||
                                action == RequestAction::kComplete;
    if (complex_action) {
      if (who.kind != Principal::Kind::kComplex || who.id != current.complex_id) {
        return Answer(Status::PermissionDenied("only the complex that offers the service may " +
                                             std::string(RequestActionName(action)) + " this request"));
      }
    } else if (who.kind != Principal::Kind::kSme || who.id != current.need_id) {
      return Answer(Status::PermissionDenied("only the SME that sent the request may " +
                                           std::string(RequestActionName(action)) + " it"));
    }
    const int64_t now = options_.now_unix_ms();
    ServiceRequest next = current;
    std::string note;
    auto refuse = [&]() {
      return Answer(Status::FailedPrecondition(
          "a request that is " + std::string(RequestStateName(current.state)) +
              " does not take the action \"" + std::string(RequestActionName(action)) + "\"",
          std::string(RequestStateName(current.state))));
    };
    switch (action) {
      case RequestAction::kAccept:
        if (current.state != RequestState::kRequested) return refuse();
        next.state = RequestState::kAccepted;
        next.accepted_unix_ms = now;
        break;
      case RequestAction::kDecline:
        if (current.state != RequestState::kRequested) return refuse();
        if (input.reason.empty()) {
          return Answer(Status::InvalidArgument("a decline needs a reason the SME can read", "reason"));
        }
        next.state = RequestState::kDeclined;
        next.decline_reason = note = input.reason;
        break;
      case RequestAction::kPropose: {
        if (current.state != RequestState::kRequested) return refuse();
        auto facts = services_(input.capability_id);
        if (!facts || facts->complex_id != current.complex_id) {
          return Answer(Status::InvalidArgument(
              "propose one of this complex's own services (" + current.complex_id + "/...)",
              "capability_id"));
        }
        if (input.capability_id == current.capability_id) {
          return Answer(Status::InvalidArgument("propose another service than the one requested",
                                              "capability_id"));
        }
        next.state = RequestState::kProposed;
        next.proposed_capability_id = input.capability_id;
        next.proposal_message = note = input.message;
        next.expires_unix_ms = now + options_.request_expiry_ms;
        break;
      }
      case RequestAction::kStart:
        if (current.state != RequestState::kAccepted) return refuse();
        next.state = RequestState::kInService;
        break;
      case RequestAction::kComplete:
        if (current.state != RequestState::kInService) return refuse();
        next.state = RequestState::kCompleted;
        break;
      case RequestAction::kWithdraw:
        if (!IsActive(current.state)) return refuse();
        next.state = RequestState::kWithdrawn;
        break;
      case RequestAction::kAcceptProposal: {
        if (current.state != RequestState::kProposed) return refuse();
        auto facts = services_(current.proposed_capability_id);
        if (!facts) {
          return Answer(Status::FailedPrecondition(
              "the proposed service is no longer offered", std::string(RequestStateName(current.state))));
        }
        next.state = RequestState::kAccepted;
        next.accepted_unix_ms = now;
        next.capability_id = current.proposed_capability_id;
        next.service_type = facts->type;
        next.score = 0;
        next.rank = 0;
        auto need = needs_.find(current.need_id);
        if (need != needs_.end()) {
          PlaceOfLocked(need->second, next.capability_id, &next.score, &next.rank);
        }
        break;
      }
      case RequestAction::kRate:
        if (current.state != RequestState::kCompleted) return refuse();
        if (input.rating < 1 || input.rating > 5) {
          return Answer(Status::InvalidArgument("rating must be 1 to 5", "rating"));
        }
        next.state = RequestState::kRated;
        next.rating = input.rating;
        next.comment = note = input.comment;
        break;
    }
    if (next.state != RequestState::kRequested && next.state != RequestState::kProposed) {
      next.expires_unix_ms = 0;
    }
    next.updated_unix_ms = now;
    next.history.push_back({next.state, now, complex_action ? Actor::kComplex : Actor::kSme, note});
    if (!ClaimLocked({"request/" + request_id}, step.pending)) return Answer(Busy());
    DurableWrite write;
    write.records.push_back({std::string(kRequestPrefix) + next.id, EncodeRequest(next)});
    write.records.push_back(
        RequestEventLocked(next, "request." + std::string(RequestStateName(next.state)), now));
    WriteOutcome outcome;
    outcome.need_id = next.need_id;
    outcome.need_status = needs_.count(next.need_id) ? needs_.at(next.need_id).status : NeedStatus::kOpen;
    outcome.requests.push_back(std::move(next));
    step.write = std::move(write);
    step.outcome = std::move(outcome);
    return step;
  }

  static Status Busy() {
    return Status::Aborted("another change to the same object is being written; retry");
  }

  // Checks the idempotency key: true when `step` already holds the answer
  // (the stored one to replay, or a refusal: the key in flight, or reused
  // with another body).
  bool BeginLocked(const Idempotency& idem, Step* step) {
    if (idem.key.empty()) return false;
    Pending& pending = step->pending;
    pending.idempotency_key = IdempotencyRecordKey(idem);
    pending.fingerprint = idem.fingerprint;
    auto refuse = [step](Status s) {
      step->answer = Result<WriteOutcome>(std::move(s));
      return true;
    };
    if (claimed_.count(pending.idempotency_key)) {
      return refuse(Status::Aborted("a request with this Idempotency-Key is still being written; retry"));
    }
    auto stored = store_->GetRecord(pending.idempotency_key);
    if (!stored.ok()) return refuse(stored.status());
    if (!stored->has_value()) return false;
    simdjson::dom::element e;
    const std::string& json = **stored;
    if (Parser().parse(json.data(), json.size()).get(e) != simdjson::SUCCESS) {
      return refuse(Status::Corruption("stored idempotent answer is not JSON"));
    }
    if (GetString(e, "fingerprint") != idem.fingerprint) {
      return refuse(Status::InvalidArgument(
          "this Idempotency-Key was used with another request; use a new key for a new request",
          "Idempotency-Key"));
    }
    WriteOutcome replay;
    replay.replayed = true;
    replay.need_id = GetString(e, "need_id");
    replay.need_status = ParseNeedStatus(GetString(e, "need_status"));
    simdjson::dom::array requests;
    if (e["requests"].get_array().get(requests) == simdjson::SUCCESS) {
      for (simdjson::dom::element r : requests) {
        auto decoded = ReadRequest(r);
        if (!decoded.ok()) return refuse(decoded.status());
        replay.requests.push_back(std::move(decoded).value());
      }
    }
    step->answer = std::move(replay);
    return true;
  }

  // Claims the objects a write changes (and its idempotency key); false when
  // another write holds one of them. REQUIRES: mu_ held.
  bool ClaimLocked(const std::vector<std::string>& objects, Pending& pending) {
    for (const std::string& o : objects) {
      if (claimed_.count(o)) return false;
    }
    pending.claims = objects;
    if (!pending.idempotency_key.empty()) pending.claims.push_back(pending.idempotency_key);
    for (const std::string& o : pending.claims) claimed_.insert(o);
    return true;
  }

  void ApplyLocked(const WriteOutcome& outcome) {
    for (const ServiceRequest& r : outcome.requests) {
      auto it = requests_.find(r.id);
      if (it == requests_.end()) {
        IndexRequestLocked(r);
      } else {
        auto need = needs_.find(r.need_id);
        if (need != needs_.end()) {
          need->second.served_requests += static_cast<int>(IsServed(r.state)) - IsServed(it->second.state);
        }
        if (auto fact = fact_request_index_.find(r.id); fact != fact_request_index_.end()) {
          FillRequestFactLocked(r, &fact_requests_[fact->second]);
        }
        it->second = r;
      }
    }
    if (!outcome.need_id.empty()) {
      auto need = needs_.find(outcome.need_id);
      if (need != needs_.end()) need->second.status = outcome.need_status;
    }
  }

  Step PlanCloseNeed(const std::string& need_id, NeedStatus to, Actor by, const Idempotency& idem) {
    Step step;
    if (BeginLocked(idem, &step)) return step;
    auto need = needs_.find(need_id);
    if (need == needs_.end()) return Answer(Status::NotFound("no need with id " + need_id));
    const NeedStatus from = need->second.status;
    if (from == NeedStatus::kDeleted || (from == NeedStatus::kWithdrawn && to == NeedStatus::kWithdrawn)) {
      return Answer(Status::FailedPrecondition(
          "the need is already " + std::string(NeedStatusName(from)), std::string(NeedStatusName(from))));
    }
    const int64_t now = options_.now_unix_ms();
    WriteOutcome outcome;
    outcome.need_id = need_id;
    outcome.need_status = to;
    std::vector<std::string> claims = {"need/" + need_id};
    DurableWrite write;
    for (const std::string& rid : need->second.request_ids) {
      ServiceRequest r = requests_.at(rid);
      if (IsActive(r.state)) {
        r.state = RequestState::kWithdrawn;
        r.updated_unix_ms = now;
        r.expires_unix_ms = 0;
        r.history.push_back({RequestState::kWithdrawn, now, by, "need " + std::string(NeedStatusName(to))});
        claims.push_back("request/" + rid);
        write.records.push_back({std::string(kRequestPrefix) + rid, EncodeRequest(r)});
        write.records.push_back(RequestEventLocked(r, "request.withdrawn", now));
      }
      // Personal data of an erased need is gone from its requests too.
      if (to == NeedStatus::kDeleted && (!r.message.empty() || !r.comment.empty())) {
        r.message.clear();
        r.comment.clear();
        for (Transition& t : r.history) {
          if (t.by == Actor::kSme) t.note.clear();
        }
        if (std::find(claims.begin(), claims.end(), "request/" + rid) == claims.end()) {
          claims.push_back("request/" + rid);
        }
        write.records.push_back({std::string(kRequestPrefix) + rid, EncodeRequest(r)});
      }
      outcome.requests.push_back(std::move(r));
    }
    {
      std::string state;
      JsonWriter w(&state);
      w.BeginObject().Key("status").String(NeedStatusName(to)).Key("changed_unix_ms").Int(now).EndObject();
      write.records.push_back({std::string(kNeedStatePrefix) + need_id, state});
    }
    LifecycleEvent ev;
    ev.type = to == NeedStatus::kDeleted ? "need.deleted" : "need.withdrawn";
    ev.need_id = need_id;
    ev.state = NeedStatusName(to);
    write.records.push_back(EventLocked(std::move(ev), now));
    if (to == NeedStatus::kDeleted) {
      auto stored = store_->GetNeed(need_id);
      if (!stored.ok()) return Answer(stored.status());
      StoredNeed erased = std::move(stored).value();
      erased.need.description = "[erased]";
      erased.need.enterprise_name.clear();
      erased.need.enterprise_contact.clear();
      erased.features = {};
      erased.erased_unix_ms = now;
      write.needs.push_back(std::move(erased));
      write.erased_need_vectors.push_back(need_id);
    }
    if (!ClaimLocked(claims, step.pending)) return Answer(Busy());
    step.write = std::move(write);
    step.outcome = std::move(outcome);
    return step;
  }

  // The score and rank a service had among the need's matches (left as they
  // are when it was not among them).
  void PlaceOfLocked(const NeedEntry& need, const std::string& capability, double* score, int* rank) const {
    auto id = capability_ids_.find(capability);
    if (id == capability_ids_.end()) return;
    for (size_t m = 0; m < need.matches.size(); ++m) {
      if (need.matches[m].capability == id->second) {
        *score = need.matches[m].score;
        *rank = static_cast<int>(m) + 1;
        return;
      }
    }
  }

  static bool IsOpenLocked(const NeedEntry& n) {
    return n.status == NeedStatus::kOpen && n.served_requests == 0;
  }

  uint32_t InternLocked(std::unordered_map<std::string, uint32_t>& ids, std::vector<std::string>& names,
                        const std::string& name) {
    auto [it, inserted] = ids.emplace(name, static_cast<uint32_t>(names.size()));
    if (inserted) names.push_back(name);
    return it->second;
  }

  void AddNeedLocked(const StoredNeed& n) {
    auto [slot, inserted] = needs_.try_emplace(n.id);
    NeedEntry& entry = slot->second;
    entry.id = n.id;
    entry.created_unix_ms = n.created_unix_ms;
    entry.given_types = n.need.service_types;
    if (n.erased_unix_ms != 0) entry.status = NeedStatus::kDeleted;
    if (!inserted) return;  // already indexed
    // One feed entry per complex, with that complex's services that fit.
    std::map<std::string, std::vector<CompactMatch>> per_complex;
    for (const StoredNeed::Match& m : n.matches) {
      auto facts = services_(m.capability_id);
      CompactMatch compact;
      compact.capability = InternLocked(capability_ids_, capability_names_, m.capability_id);
      compact.score = static_cast<float>(m.score);
      compact.type = static_cast<uint16_t>(InternLocked(type_ids_, type_names_, facts ? facts->type : ""));
      entry.matches.push_back(compact);
      if (facts && m.score >= options_.feed_min_score) per_complex[facts->complex_id].push_back(compact);
    }
    AddNeedFactsLocked(n, entry);
    for (auto& [complex, matches] : per_complex) {
      ComplexFeed& feed = feed_[complex];
      FeedEntry e{&entry, std::move(matches)};
      if (loading_ || feed.entries.empty() || EntryBefore(feed.entries.back(), e)) {
        feed.entries.push_back(std::move(e));
        if (!loading_) IndexTypesOfLast(feed);
      } else {
        // A clock step back: keep the order, and rebuild the type lists.
        feed.entries.insert(std::upper_bound(feed.entries.begin(), feed.entries.end(), e, EntryBefore),
                            std::move(e));
        RebuildTypes(feed);
      }
    }
  }

  static void IndexTypesOfLast(ComplexFeed& feed) {
    const uint32_t at = static_cast<uint32_t>(feed.entries.size() - 1);
    uint16_t last_type = UINT16_MAX;
    for (const CompactMatch& m : feed.entries.back().matches) {
      if (m.type >= feed.by_type.size()) feed.by_type.resize(m.type + 1);
      std::vector<uint32_t>& list = feed.by_type[m.type];
      if (m.type != last_type && (list.empty() || list.back() != at)) list.push_back(at);
      last_type = m.type;
    }
  }

  static void RebuildTypes(ComplexFeed& feed) {
    feed.by_type.clear();
    std::vector<FeedEntry> entries = std::move(feed.entries);
    feed.entries.clear();
    for (FeedEntry& e : entries) {
      feed.entries.push_back(std::move(e));
      IndexTypesOfLast(feed);
    }
  }

  // After the scan at opening (in id order): every feed in time order.
  void SortFeedsLocked() {
    for (auto& [complex, feed] : feed_) {
      std::sort(feed.entries.begin(), feed.entries.end(), EntryBefore);
      RebuildTypes(feed);
    }
  }

  // The map's row of a need, appended once as it is first indexed: its
  // field and county, its best match (for needs with no field at all, stored
  // before the inferred field was kept), the kinds it wants (its own, else its
  // best match's) with the best score of each.
  void AddNeedFactsLocked(const StoredNeed& n, NeedEntry& entry) {
    auto name = [this](std::unordered_map<std::string, uint32_t>& ids, std::vector<std::string>& names,
                       const std::string& id) {
      return id.empty() ? LifecycleFacts::kNone : InternLocked(ids, names, id);
    };
    LifecycleFacts::Need row;
    row.created_unix_ms = n.created_unix_ms;
    row.field = name(field_ids_, field_names_, n.need.field);
    row.inferred_field = name(field_ids_, field_names_, n.inferred_field);
    row.inferred_field_confidence = static_cast<float>(n.inferred_field_confidence);
    row.county = name(county_ids_, county_names_, n.need.county);
    if (!entry.matches.empty()) {
      const CompactMatch& best = entry.matches.front();
      row.best_score = best.score;
      if (row.field == LifecycleFacts::kNone && row.inferred_field == LifecycleFacts::kNone) {
        auto [slot, inserted] =
            fact_capability_slot_.emplace(best.capability, static_cast<uint32_t>(fact_capabilities_.size()));
        if (inserted) fact_capabilities_.push_back(capability_names_[best.capability]);
        row.best_capability = slot->second;
      }
    }
    row.wanted_begin = static_cast<uint32_t>(fact_wanted_.size());
    for (const std::string& t : n.need.service_types) {
      LifecycleFacts::Wanted w{InternLocked(type_ids_, type_names_, t), 0};
      for (const CompactMatch& m : entry.matches) {
        if (m.type == w.type) {
          w.best_score = m.score;
          break;
        }
      }
      fact_wanted_.push_back(w);
    }
    if (n.need.service_types.empty() && !entry.matches.empty()) {
      fact_wanted_.push_back({entry.matches.front().type, entry.matches.front().score});
    }
    row.wanted_end = static_cast<uint32_t>(fact_wanted_.size());
    entry.fact = static_cast<uint32_t>(fact_needs_.size());
    fact_needs_.push_back(row);
  }

  void FillRequestFactLocked(const ServiceRequest& r, LifecycleFacts::Request* fact) {
    fact->type = InternLocked(type_ids_, type_names_, r.service_type);
    fact->state = r.state;
    fact->rating = r.rating;
    fact->created_unix_ms = r.created_unix_ms;
    fact->completed_unix_ms = 0;
    fact->rated_unix_ms = 0;
    for (const Transition& t : r.history) {
      if (t.state == RequestState::kCompleted) fact->completed_unix_ms = t.at_unix_ms;
      if (t.state == RequestState::kRated) fact->rated_unix_ms = t.at_unix_ms;
    }
    // Completed before histories were kept: the last change is the closest.
    if (fact->completed_unix_ms == 0 && (r.state == RequestState::kCompleted || r.state == RequestState::kRated)) {
      fact->completed_unix_ms = r.updated_unix_ms;
    }
    if (fact->rated_unix_ms == 0 && r.state == RequestState::kRated) fact->rated_unix_ms = r.updated_unix_ms;
  }

  void IndexRequestLocked(ServiceRequest r) {
    auto need = needs_.find(r.need_id);
    if (need != needs_.end()) {
      need->second.request_ids.push_back(r.id);
      need->second.served_requests += IsServed(r.state);
      LifecycleFacts::Request fact;
      fact.need = need->second.fact;
      FillRequestFactLocked(r, &fact);
      fact_request_index_.emplace(r.id, static_cast<uint32_t>(fact_requests_.size()));
      fact_requests_.push_back(fact);
    }
    by_complex_[r.complex_id].push_back(r.id);
    requests_.emplace(r.id, std::move(r));
  }

  RecordWrite EventLocked(LifecycleEvent ev, int64_t at) {
    ev.seq = next_seq_++;
    ev.at_unix_ms = at;
    return {EventKey(ev.seq), EncodeEvent(ev)};
  }

  RecordWrite RequestEventLocked(const ServiceRequest& r, std::string type, int64_t at) {
    LifecycleEvent ev;
    ev.type = std::move(type);
    ev.need_id = r.need_id;
    ev.request_id = r.id;
    ev.complex_id = r.complex_id;
    ev.capability_id = r.capability_id;
    ev.service_type = r.service_type;
    ev.state = RequestStateName(r.state);
    return EventLocked(std::move(ev), at);
  }

  Store* const store_;
  NeedWriter* const writer_;
  const ServiceLookup services_;
  WorkflowOptions options_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, NeedEntry> needs_;          // GUARDED_BY(mu_)
  std::unordered_map<std::string, ServiceRequest> requests_;  // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::vector<std::string>> by_complex_;  // oldest first
  std::unordered_map<std::string, ComplexFeed> feed_;                    // by complex id
  std::unordered_map<std::string, uint32_t> capability_ids_;             // interned
  std::vector<std::string> capability_names_;
  std::unordered_map<std::string, uint32_t> type_ids_;                   // interned
  std::vector<std::string> type_names_;
  std::unordered_map<std::string, uint32_t> field_ids_;                  // interned (few)
  std::vector<std::string> field_names_;
  std::unordered_map<std::string, uint32_t> county_ids_;                 // interned (few)
  std::vector<std::string> county_names_;
  // The bureau's map's facts (see LifecycleFacts), kept as needs and requests change.
  std::vector<LifecycleFacts::Need> fact_needs_;
  std::vector<LifecycleFacts::Wanted> fact_wanted_;
  std::vector<LifecycleFacts::Request> fact_requests_;
  std::unordered_map<std::string, uint32_t> fact_request_index_;  // request id → fact_requests_
  std::vector<std::string> fact_capabilities_;                     // best matches of needs of no field
  std::unordered_map<uint32_t, uint32_t> fact_capability_slot_;    // capability_ids_ → fact_capabilities_
  bool loading_ = false;                                                 // at opening
  std::map<std::string, TokenEntry> tokens_;                  // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::string> token_by_sha_;  // active tokens only
  std::unordered_set<std::string> claimed_;                   // objects being written
  uint64_t next_seq_ = 1;                                     // GUARDED_BY(mu_)
};

}  // namespace

std::string_view RequestStateName(RequestState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::optional<RequestState> ParseRequestState(std::string_view name) {
  for (size_t i = 0; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == name) return static_cast<RequestState>(i);
  }
  return std::nullopt;
}

bool IsActive(RequestState state) {
  return state == RequestState::kRequested || state == RequestState::kProposed ||
         state == RequestState::kAccepted || state == RequestState::kInService;
}

std::string_view ActorName(Actor actor) {
  switch (actor) {
    case Actor::kSme: return "sme";
    case Actor::kComplex: return "complex";
    case Actor::kBureau: return "bureau";
    case Actor::kSystem: return "system";
  }
  return "system";
}

std::string_view NeedStatusName(NeedStatus status) {
  switch (status) {
    case NeedStatus::kOpen: return "open";
    case NeedStatus::kWithdrawn: return "withdrawn";
    case NeedStatus::kDeleted: return "deleted";
  }
  return "open";
}

std::optional<RequestAction> ParseRequestAction(std::string_view name) {
  for (size_t i = 0; i < std::size(kActionNames); ++i) {
    if (kActionNames[i] == name) return static_cast<RequestAction>(i);
  }
  return std::nullopt;
}

std::string_view RequestActionName(RequestAction action) {
  return kActionNames[static_cast<size_t>(action)];
}

Result<std::unique_ptr<EngineWorkflow>> OpenWorkflow(Store* store, NeedWriter* writer,
                                                     ServiceLookup services, WorkflowOptions options,
                                                     const std::function<void(const StoredNeed&)>& also_visit) {
  auto workflow = std::make_unique<WorkflowImpl>(store, writer, std::move(services), std::move(options));
  IISC_RETURN_IF_ERROR(workflow->Load(also_visit));
  return std::unique_ptr<EngineWorkflow>(std::move(workflow));
}

}  // namespace iisc
