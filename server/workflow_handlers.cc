// The lifecycle routes: requests from SMEs to complexes and their answers,
// the complexes' feeds, complex tokens, events and outcomes. Each handler
// authenticates, checks the caller may touch the object, parses, and hands
// over to the engine's Workflow; answers are written once the change is
// durable.
#include <boost/beast/http/field.hpp>

#include "engine/secrets.h"
#include "models/json_writer.h"
#include "models/text.h"
#include "server/auth.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/log.h"
#include "server/response_writer.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {

constexpr int kDefaultPage = 20;
constexpr int kMaxPage = 100;

Status NoToken() {
  return Status::Unauthenticated(
      "this route requires a Bearer token: the need's access token, a complex token or the "
      "bureau's");
}

// Who the Bearer token speaks for. `need_id` (may be empty) is the need whose
// token the SME would hold. 401 without a token, 403 when it grants nothing.
Result<Principal> Identify(const ServiceContext& ctx, const HttpRequest& req,
                           std::string_view need_id) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) return NoToken();
  if (IsBureauToken(ctx, *token)) return Principal{Principal::Kind::kBureau, {}};
  if (auto complex = ctx.recommender->workflow().ComplexOfToken(*token)) {
    return Principal{Principal::Kind::kComplex, *complex};
  }
  if (!need_id.empty()) {
    auto need = ctx.recommender->GetNeedWithToken(need_id, *token);
    if (need.ok()) return Principal{Principal::Kind::kSme, need->id};
    const StatusCode code = need.status().code();
    if (code != StatusCode::kNotFound && code != StatusCode::kPermissionDenied) {
      return need.status();
    }
  }
  return Status::PermissionDenied("the token does not grant this resource");
}

Result<Idempotency> IdempotencyOf(const HttpRequest& req, const Principal& who) {
  return IdempotencyFor(req, (who.kind == Principal::Kind::kSme       ? "sme:"
                              : who.kind == Principal::Kind::kComplex ? "complex:"
                                                                      : "bureau:") +
                                 who.id);
}

int PageLimit(const HttpRequest& req, Status* error) {
  const auto raw = QueryParameter(req.target(), "limit");
  if (!raw) return kDefaultPage;
  int limit = 0;
  for (char c : *raw) {
    if (c < '0' || c > '9' || limit > kMaxPage) {
      limit = -1;
      break;
    }
    limit = limit * 10 + (c - '0');
  }
  if (limit < 1 || limit > kMaxPage) {
    *error = Status::InvalidArgument("limit must be an integer from 1 to 100", "limit");
  }
  return limit;
}

// Answers a lifecycle write once durable: `created` writes answer 201.
WriteDone Answer(const ServiceContext& ctx, Reply reply, http::status success) {
  return [&ctx, reply = std::move(reply), success](Result<WriteOutcome> outcome) {
    if (!outcome.ok()) {
      if (outcome.status().code() == StatusCode::kIOError ||
          outcome.status().code() == StatusCode::kCorruption) {
        LogError("lifecycle write failed: %s", outcome.status().ToString().c_str());
      }
      return reply(ErrorResponse(outcome.status()));
    }
    const Recommender& engine = *ctx.recommender;
    const auto snapshot = engine.Snapshot();
    HttpResponse res = JsonResponse(success, ServiceRequestsJson(outcome->requests,
                                                         NeedStatusName(outcome->need_status),
                                                         snapshot.get(), engine));
    if (outcome->replayed) res.set("Idempotent-Replayed", "true");
    reply(std::move(res));
  };
}

// The need of the path and its SME (or the bureau, when `bureau_may`).
struct NeedCaller {
  NeedRecord need;
  Principal who;
};
Result<NeedCaller> NeedAndCaller(const ServiceContext& ctx, const HttpRequest& req,
                                 const std::string& need_id, bool bureau_may) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) return NoToken();
  // The SME's token is checked in the read that loads the need (no other
  // token, a complex's say, opens it); an unknown need is 404 whatever the token.
  const bool bureau = IsBureauToken(ctx, *token);
  auto need = bureau ? ctx.recommender->GetNeed(need_id)
                     : ctx.recommender->GetNeedWithToken(need_id, *token);
  const StatusCode code = need.status().code();
  if (code == StatusCode::kNotFound) return Status::NotFound("no need with id " + need_id);
  if (code == StatusCode::kPermissionDenied || (bureau && !bureau_may)) {
    return Status::PermissionDenied("only the SME that owns the need may do this");
  }
  if (!need.ok()) return need.status();
  const Principal who = bureau ? Principal{Principal::Kind::kBureau, {}}
                               : Principal{Principal::Kind::kSme, need_id};
  return NeedCaller{std::move(need).value(), who};
}

void RequestServices(const ServiceContext& ctx, HttpRequest& req, const PathParams& params,
                     Reply reply) {
  auto caller = NeedAndCaller(ctx, req, params[0], /*bureau_may=*/false);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  auto idem = IdempotencyOf(req, caller->who);
  if (!idem.ok()) return reply(ErrorResponse(idem.status()));
  auto body = ParseServiceRequestBody(req.body(), ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  ctx.recommender->workflow().RequestServices(params[0], std::move(body->capability_ids),
                                              std::move(body->message), *idem,
                                              Answer(ctx, std::move(reply), http::status::created));
}

void ListNeedRequests(const ServiceContext& ctx, HttpRequest& req, const PathParams& params,
                      Reply reply) {
  auto caller = NeedAndCaller(ctx, req, params[0], /*bureau_may=*/true);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  const Recommender& engine = *ctx.recommender;
  const auto snapshot = engine.Snapshot();
  reply(JsonResponse(http::status::ok,
             ServiceRequestsJson(engine.workflow().NeedRequests(params[0]),
                                 NeedStatusName(engine.workflow().GetNeedStatus(params[0])),
                                 snapshot.get(), engine)));
}

void WithdrawNeed(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  auto caller = NeedAndCaller(ctx, req, params[0], /*bureau_may=*/false);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  auto idem = IdempotencyOf(req, caller->who);
  if (!idem.ok()) return reply(ErrorResponse(idem.status()));
  ctx.recommender->workflow().WithdrawNeed(params[0], *idem, Answer(ctx, std::move(reply), http::status::ok));
}

void DeleteNeed(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  auto caller = NeedAndCaller(ctx, req, params[0], /*bureau_may=*/true);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  auto idem = IdempotencyOf(req, caller->who);
  if (!idem.ok()) return reply(ErrorResponse(idem.status()));
  const Actor by = caller->who.kind == Principal::Kind::kBureau ? Actor::kBureau : Actor::kSme;
  WriteDone done = Answer(ctx, std::move(reply), http::status::ok);
  if (by == Actor::kBureau) {
    LogInfo("bureau erases need %s", params[0].c_str());
    // Audited once the erasure is durable: not when it is refused (already
    // deleted, busy) nor when a retry replays it.
    done = [&ctx, actor = BureauActor(ctx, req), id = params[0], done = std::move(done)](Result<WriteOutcome> outcome) {
      if (outcome.ok() && !outcome->replayed) {
        AuditBureauAction(ctx, actor, "need.erase", id, "personal data erased by the bureau");
      }
      done(std::move(outcome));
    };
  }
  ctx.recommender->workflow().EraseNeed(params[0], by, *idem, std::move(done));
}

// The request of the path and who asks about it: the SME of its need, the
// complex that offers its service, or the bureau. Unknown ids are 404 for
// everyone; a complex asking about another complex's request is 403.
struct RequestCaller {
  ServiceRequest request;
  Principal who;
};
Result<RequestCaller> RequestAndCaller(const ServiceContext& ctx, const HttpRequest& req,
                                       const std::string& request_id) {
  if (!BearerToken(req[http::field::authorization])) {
    return Status::Unauthenticated("this route requires a Bearer token");
  }
  auto request = ctx.recommender->workflow().GetRequest(request_id);
  if (!request.ok()) return request.status();
  auto who = Identify(ctx, req, request->need_id);
  if (!who.ok()) return who.status();
  return RequestCaller{std::move(request).value(), std::move(who).value()};
}

void GetRequest(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  auto caller = RequestAndCaller(ctx, req, params[0]);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  if (caller->who.kind == Principal::Kind::kComplex && caller->who.id != caller->request.complex_id) {
    return reply(ErrorResponse(Status::PermissionDenied("this request is for another complex")));
  }
  const Recommender& engine = *ctx.recommender;
  const auto snapshot = engine.Snapshot();
  std::string out;
  JsonWriter w(&out);
  WriteServiceRequest(w, caller->request, snapshot.get(), engine);
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void ActOnRequest(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  const auto action = ParseRequestAction(params[1]);
  if (!action) {
    return reply(ErrorResponse(Status::NotFound(
        "no action \"" + params[1] +
        "\"; the actions are accept, decline, propose, start, complete, withdraw, accept-proposal, rate")));
  }
  auto caller = RequestAndCaller(ctx, req, params[0]);
  if (!caller.ok()) return reply(ErrorResponse(caller.status()));
  auto idem = IdempotencyOf(req, caller->who);
  if (!idem.ok()) return reply(ErrorResponse(idem.status()));
  auto input = ParseActionBody(req.body(), *action, ctx.limits);
  if (!input.ok()) return reply(ErrorResponse(input.status()));
  ctx.recommender->workflow().Act(caller->who, params[0], *action, std::move(input).value(), *idem,
                                  Answer(ctx, std::move(reply), http::status::ok));
}

// The complex of the path, for itself or the bureau.
Status CheckComplexReader(const ServiceContext& ctx, const HttpRequest& req, const std::string& complex_id) {
  auto who = Identify(ctx, req, {});
  if (!who.ok()) return who.status();
  const auto snapshot = ctx.recommender->Snapshot();
  if (ctx.recommender->FindComplex(*snapshot, complex_id) == nullptr) {
    return Status::NotFound("no complex with id " + complex_id);
  }
  if (who->kind == Principal::Kind::kComplex && who->id != complex_id) {
    return Status::PermissionDenied("a complex token reads only its own complex");
  }
  if (who->kind == Principal::Kind::kSme) return Status::PermissionDenied("the token does not grant this resource");
  return Status::Ok();
}

void ListComplexRequests(const ServiceContext& ctx, HttpRequest& req, const PathParams& params,
                         Reply reply) {
  if (Status s = CheckComplexReader(ctx, req, params[0]); !s.ok()) return reply(ErrorResponse(s));
  Status error;
  const int limit = PageLimit(req, &error);
  if (!error.ok()) return reply(ErrorResponse(error));
  std::optional<RequestState> state;
  if (auto raw = QueryParameter(req.target(), "state")) {
    state = ParseRequestState(*raw);
    if (!state) {
      return reply(ErrorResponse(Status::InvalidArgument(
          "state must be one of requested, accepted, declined, proposed, in_service, completed, rated, "
          "withdrawn, expired",
          "state")));
    }
  }
  const Recommender& engine = *ctx.recommender;
  auto page = engine.workflow().ComplexRequests(params[0], state,
                                                QueryParameter(req.target(), "cursor").value_or(""), limit);
  if (!page.ok()) return reply(ErrorResponse(page.status()));
  const auto snapshot = engine.Snapshot();
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("requests").BeginArray();
  for (const ServiceRequest& r : page->requests) {
    // The SME sent this complex the request: its contact is the complex's to see.
    std::string item;
    JsonWriter iw(&item);
    WriteServiceRequest(iw, r, snapshot.get(), engine);
    item.pop_back();  // reopen the object to add the need
    auto need = engine.GetNeed(r.need_id);
    if (need.ok()) {
      item += ",\"need\":";
      JsonWriter nw(&item);
      WriteNeedForComplex(nw, *need, /*with_contact=*/true);
    }
    item += '}';
    w.Raw(item);
  }
  w.EndArray();
  if (page->next_cursor.empty()) {
    w.Key("next_cursor").Null();
  } else {
    w.Key("next_cursor").String(page->next_cursor);
  }
  w.EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void ComplexFeed(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  if (Status s = CheckComplexReader(ctx, req, params[0]); !s.ok()) return reply(ErrorResponse(s));
  Status error;
  FeedQuery query;
  query.complex_id = params[0];
  query.limit = PageLimit(req, &error);
  if (!error.ok()) return reply(ErrorResponse(error));
  const Recommender& engine = *ctx.recommender;
  if (auto type = QueryParameter(req.target(), "service_type")) {
    if (engine.taxonomy().ServiceTypeIndex(*type) < 0) {
      return reply(ErrorResponse(Status::InvalidArgument("unknown service type " + *type, "service_type")));
    }
    query.service_type = *type;
  }
  if (auto raw = QueryParameter(req.target(), "min_score")) {
    char* end = nullptr;
    const double value = std::strtod(raw->c_str(), &end);
    if (raw->empty() || end != raw->c_str() + raw->size() || !(value >= 0 && value <= 1)) {
      return reply(ErrorResponse(Status::InvalidArgument("min_score must be a number from 0 to 1", "min_score")));
    }
    query.min_score = value;
  }
  query.cursor = QueryParameter(req.target(), "cursor").value_or("");
  auto page = engine.workflow().Feed(query);
  if (!page.ok()) return reply(ErrorResponse(page.status()));
  reply(JsonResponse(http::status::ok, FeedPageJson(*page)));
}

void IssueComplexToken(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto body = ParseComplexTokenBody(req.body(), ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  const auto snapshot = ctx.recommender->Snapshot();
  if (ctx.recommender->FindComplex(*snapshot, body->complex_id) == nullptr) {
    return reply(ErrorResponse(Status::InvalidArgument("no complex with id " + body->complex_id, "complex_id")));
  }
  ctx.recommender->workflow().IssueComplexToken(
      body->complex_id, body->name,
      [&ctx, actor = BureauActor(ctx, req), reply = std::move(reply)](Result<IssuedComplexToken> issued) {
        if (!issued.ok()) return reply(ErrorResponse(issued.status()));
        AuditBureauAction(ctx, actor, "token.issue", issued->info.id,
                          "complex " + issued->info.complex_id + " (" + issued->info.name + ")");
        LogInfo("bureau issued complex token %s for %s", issued->info.id.c_str(),
                issued->info.complex_id.c_str());
        std::string out;
        JsonWriter w(&out);
        WriteComplexToken(w, issued->info);
        out.pop_back();
        out += ",\"token\":";
        AppendJsonString(&out, issued->token);
        out += '}';
        HttpResponse res = JsonResponse(http::status::created, std::move(out));
        res.set(http::field::location, "/v1/admin/complex-tokens/" + issued->info.id);
        reply(std::move(res));
      });
}

void ListComplexTokens(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("tokens").BeginArray();
  for (const ComplexToken& t : ctx.recommender->workflow().ListComplexTokens()) WriteComplexToken(w, t);
  w.EndArray().EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void RevokeComplexToken(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  ctx.recommender->workflow().RevokeComplexToken(
      params[0], [&ctx, actor = BureauActor(ctx, req), reply = std::move(reply), id = params[0]](Result<Revocation> revocation) {
        if (!revocation.ok()) return reply(ErrorResponse(revocation.status()));
        HttpResponse res{http::status::no_content, 11};
        // The audit log records what was done, once: a retry did nothing.
        if (*revocation == Revocation::kAlreadyRevoked) {
          res.set("Already-Revoked", "true");
          return reply(std::move(res));
        }
        AuditBureauAction(ctx, actor, "token.revoke", id, "");
        LogInfo("bureau revoked complex token %s", id.c_str());
        reply(std::move(res));
      });
}

void Events(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  Status error;
  const int limit = PageLimit(req, &error);
  if (!error.ok()) return reply(ErrorResponse(error));
  uint64_t after = 0;
  if (auto raw = QueryParameter(req.target(), "after")) {
    bool ok = !raw->empty() && raw->size() <= 19;
    for (char c : *raw) ok = ok && c >= '0' && c <= '9';
    if (!ok) return reply(ErrorResponse(Status::InvalidArgument("after must be a cursor this route handed out", "after")));
    after = std::stoull(*raw);
  }
  auto page = ctx.recommender->workflow().Events(after, limit);
  if (!page.ok()) return reply(ErrorResponse(page.status()));
  reply(JsonResponse(http::status::ok, EventPageJson(*page)));
}

// Completed and rated requests as labeled examples, one JSON object per line:
// the need's text, field and county, the service type and service taken up,
// the match score and rank it had, and the SME's rating. With
// ?format=intent, the lines are intent examples (configs/intent/ format) of
// the services SMEs took up and rated 4 or 5: saved under configs/intent/
// and retrained, the model learns from how SMEs really wrote.
void Outcomes(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  const std::string format = QueryParameter(req.target(), "format").value_or("outcomes");
  if (format != "outcomes" && format != "intent") {
    return reply(ErrorResponse(
        Status::InvalidArgument("format must be \"outcomes\" (the default) or \"intent\"", "format")));
  }
  const Recommender& engine = *ctx.recommender;
  std::string out;
  for (const ServiceRequest& r : engine.workflow().Outcomes()) {
    auto need = engine.GetNeed(r.need_id);
    if (!need.ok() || need->erased_unix_ms != 0) continue;  // erased needs teach nothing
    JsonWriter w(&out);
    if (format == "intent") {
      if (r.rating < 4) continue;
      w.BeginObject().Key("text").String(need->need.description);
      if (!need->need.field.empty()) w.Key("field").String(need->need.field);
      w.Key("service_types").BeginArray().String(r.service_type).EndArray();
      w.Key("lang").String(TextLanguage(need->need.description));
      w.Key("note").String("outcome " + r.id + ", rated " + std::to_string(r.rating)).EndObject();
      out += '\n';
      continue;
    }
    w.BeginObject().Key("need_id").String(r.need_id).Key("request_id").String(r.id);
    w.Key("description").String(need->need.description).Key("field").String(need->need.field);
    w.Key("county").String(need->need.county);
    w.Key("service_type").String(r.service_type).Key("capability_id").String(r.capability_id);
    w.Key("complex_id").String(r.complex_id).Key("score").Number(r.score).Key("rank").Int(r.rank);
    w.Key("state").String(RequestStateName(r.state));
    if (r.rating != 0) {
      w.Key("rating").Int(r.rating);
    } else {
      w.Key("rating").Null();
    }
    w.Key("completed_unix_ms").Int(r.updated_unix_ms).EndObject();
    out += '\n';
  }
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/x-ndjson");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(out);
  reply(std::move(res));
}

void WritePlan(JsonWriter& w, const AssignmentPlan& plan, const AssignmentProblem& problem,
               double seconds, bool pairs) {
  w.BeginObject().Key("total_score").Number(plan.total_score);
  w.Key("needs_served").Int(plan.needs_served).Key("slots_filled").Int(plan.slots_filled);
  w.Key("services_over_capacity").Int(plan.services_over_capacity);
  if (seconds >= 0) w.Key("seconds").Number(seconds);
  if (pairs) {
    w.Key("pairs").BeginArray();
    for (const AssignmentPair& p : plan.pairs) {
      w.BeginObject().Key("need_id").String(problem.needs[p.need].id);
      w.Key("capability_id").String(problem.services[p.service].id).Key("score").Number(p.score).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

// Plans, never applies: the bureau reads the plan against greedy, and
// complexes and SMEs act through requests as before.
void PlanAssignment(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto request = ParseAssignmentBody(req.body(), ctx.limits);
  if (!request.ok()) return reply(ErrorResponse(request.status()));
  auto planned = ctx.recommender->PlanAssignment(*request);
  if (!planned.ok()) return reply(ErrorResponse(planned.status()));
  const AssignmentProblem& problem = planned->problem;
  const AssignmentReport& report = planned->report;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("open_needs").Int(static_cast<int64_t>(problem.needs.size()));
  w.Key("services").Int(static_cast<int64_t>(problem.services.size()));
  w.Key("candidate_edges").Int(static_cast<int64_t>(problem.edges.size()));
  w.Key("objective").String(request->objective == AssignmentObjective::kScoreOnly ? "score_only" : "fill_first");
  w.Key("plan");
  WritePlan(w, report.optimal, problem, report.seconds_optimal, true);
  w.Key("greedy");
  WritePlan(w, report.greedy, problem, report.seconds_greedy, true);
  w.Key("unconstrained");
  WritePlan(w, report.unconstrained, problem, -1, false);
  w.EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

}  // namespace

Result<Idempotency> IdempotencyFor(const HttpRequest& req, std::string scope) {
  Idempotency idem;
  const auto header = req["Idempotency-Key"];
  if (header.empty()) return idem;
  if (header.size() > 255) {
    return Status::InvalidArgument("Idempotency-Key is longer than 255 characters", "Idempotency-Key");
  }
  for (char c : header) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("Idempotency-Key must be visible ASCII (a UUID, say)",
                                     "Idempotency-Key");
    }
  }
  idem.key.assign(header);
  idem.scope = std::move(scope);
  idem.fingerprint = Sha256Hex(std::string(req.method_string()) + ' ' + std::string(req.target()) +
                               '\n' + req.body());
  return idem;
}

void RegisterWorkflowRoutes(const ServiceContext& ctx, Router& router, const Guard& bureau) {
  auto bind = [&ctx](void (*fn)(const ServiceContext&, HttpRequest&, const PathParams&, Reply)) {
    return [&ctx, fn](HttpRequest& req, const PathParams& params, Reply reply) {
      fn(ctx, req, params, std::move(reply));
    };
  };
  // Every route that reads a stored need, the events or the outcomes from the
  // database, or plans, is blocking (server/blocking_pool.h); the complex
  // tokens live in memory and their writes go through the group commit.
  const RouteOptions blocking{.blocking = true};
  const RouteOptions json{.json_body = true, .blocking = true};
  const RouteOptions optional_json{.json_body = true, .body_optional = true, .blocking = true};
  router.Add(http::verb::post, "/v1/needs/{id}/requests", bind(RequestServices), json);
  router.Add(http::verb::get, "/v1/needs/{id}/requests", bind(ListNeedRequests), blocking);
  router.Add(http::verb::post, "/v1/needs/{id}/withdraw", bind(WithdrawNeed), optional_json);
  router.Add(http::verb::delete_, "/v1/needs/{id}", bind(DeleteNeed), blocking);
  router.Add(http::verb::get, "/v1/requests/{id}", bind(GetRequest), blocking);
  router.Add(http::verb::post, "/v1/requests/{id}/{action}", bind(ActOnRequest), optional_json);
  router.Add(http::verb::get, "/v1/complexes/{id}/requests", bind(ListComplexRequests), blocking);
  router.Add(http::verb::get, "/v1/complexes/{id}/needs", bind(ComplexFeed), blocking);
  router.Add(http::verb::post, "/v1/admin/complex-tokens", bind(IssueComplexToken),
             {.json_body = true, .guard = bureau});
  router.Add(http::verb::get, "/v1/admin/complex-tokens", bind(ListComplexTokens), {.guard = bureau});
  router.Add(http::verb::delete_, "/v1/admin/complex-tokens/{id}", bind(RevokeComplexToken),
             {.guard = bureau});
  const RouteOptions bureau_blocking{.guard = bureau, .blocking = true, .bureau_job = true};
  router.Add(http::verb::get, "/v1/events", bind(Events), bureau_blocking);
  router.Add(http::verb::get, "/v1/admin/outcomes", bind(Outcomes), bureau_blocking);
  router.Add(http::verb::post, "/v1/admin/assignment", bind(PlanAssignment),
             {.json_body = true, .body_optional = true, .guard = bureau, .blocking = true, .bureau_job = true});
}

}  // namespace iisc
