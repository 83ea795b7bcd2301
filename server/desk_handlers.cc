// The bureau's desk: the scoring configurations that served (and applying a
// draft, or rolling back to any of them), the audit log, the what-if replay
// of a draft, weights learned from outcomes, and why-not (also for a complex,
// about its own services).
#include <boost/beast/http/field.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/what_if.h"
#include "engine/why_not.h"
#include "models/json_writer.h"
#include "server/auth.h"
#include "server/errors.h"
#include "server/handlers.h"
#include "server/log.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {


void WriteConfigVersion(JsonWriter& w, const ConfigVersion& c, bool with_text) {
  w.BeginObject().Key("seq").Int(c.seq).Key("version").String(c.version);
  w.Key("applied_unix_ms").Int(c.applied_unix_ms).Key("applied_by").String(c.applied_by);
  w.Key("reason").String(c.reason).Key("source").String(c.source).Key("diff").String(c.diff);
  if (with_text) w.Key("toml").String(c.toml);
  w.EndObject();
}

// Writes `text` to `path` through a temporary file and a rename, so the file
// is never half written.
Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp);
    out << text;
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot replace " + path + ": " + ec.message());
  return Status::Ok();
}

// Validates `toml` exactly as the file is, writes it to the file (which stays
// the source a bureau reads), swaps it in and records it.
Result<ConfigVersion> ApplyConfigText(const ServiceContext& ctx, const std::string& actor, const std::string& toml,
                                      const std::string& reason, const std::string& source) {
  const std::string stem = std::filesystem::path(ctx.scoring_config_path).stem().string();
  auto config = ParseScoringConfig(toml, stem.empty() ? "scoring" : stem, ctx.recommender->taxonomy());
  if (!config.ok()) return Status::InvalidArgument(config.status().message(), "toml");
  IISC_RETURN_IF_ERROR(WriteFileAtomically(ctx.scoring_config_path, toml));
  ctx.recommender->SetScoringConfig(*config);
  LogInfo("scoring config %s applied (%s) by %s", (*config)->version.c_str(), source.c_str(), actor.c_str());
  return ctx.recommender->governance().RecordConfig((*config)->version, toml, actor, reason, source);
}

void ListConfigVersions(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("active").String(ctx.recommender->scoring_config()->version).Key("versions").BeginArray();
  for (const ConfigVersion& c : ctx.recommender->governance().ConfigHistory()) WriteConfigVersion(w, c, false);
  w.EndArray().EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

Result<int64_t> SeqParam(const std::string& raw) {
  int64_t seq = 0;
  if (raw.empty() || raw.size() > 18) return Status::NotFound("no config version " + raw);
  for (char c : raw) {
    if (c < '0' || c > '9') return Status::NotFound("no config version " + raw);
    seq = seq * 10 + (c - '0');
  }
  return seq;
}

void GetConfigVersion(const ServiceContext& ctx, HttpRequest&, const PathParams& params, Reply reply) {
  auto seq = SeqParam(params[0]);
  if (!seq.ok()) return reply(ErrorResponse(seq.status()));
  auto c = ctx.recommender->governance().GetConfig(*seq);
  if (!c.ok()) return reply(ErrorResponse(c.status()));
  std::string out;
  JsonWriter w(&out);
  WriteConfigVersion(w, *c, true);
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void ApplyConfigVersion(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto body = ParseDeskBody(req.body(), /*toml_required=*/true, ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  auto applied = ApplyConfigText(ctx, BureauActor(ctx, req), body->toml, body->reason, "api");
  if (!applied.ok()) return reply(ErrorResponse(applied.status()));
  std::string out;
  JsonWriter w(&out);
  WriteConfigVersion(w, *applied, false);
  reply(JsonResponse(http::status::created, std::move(out)));
}

void RollbackConfig(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  auto seq = SeqParam(params[0]);
  if (!seq.ok()) return reply(ErrorResponse(seq.status()));
  auto target = ctx.recommender->governance().GetConfig(*seq);
  if (!target.ok()) return reply(ErrorResponse(target.status()));
  auto body = ParseDeskBody(req.body(), /*toml_required=*/false, ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  const std::string reason = "rollback to #" + std::to_string(*seq) + (body->reason.empty() ? "" : ": " + body->reason);
  auto applied = ApplyConfigText(ctx, BureauActor(ctx, req), target->toml, reason, "rollback");
  if (!applied.ok()) return reply(ErrorResponse(applied.status()));
  std::string out;
  JsonWriter w(&out);
  WriteConfigVersion(w, *applied, false);
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void AuditLog(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  int64_t after = 0;
  if (auto raw = QueryParameter(req.target(), "after")) {
    auto seq = SeqParam(*raw);
    if (!seq.ok()) return reply(ErrorResponse(Status::InvalidArgument("after must be a sequence number", "after")));
    after = *seq;
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("entries").BeginArray();
  int64_t last = after;
  for (const AuditEntry& a : ctx.recommender->governance().AuditLog(after, 200)) {
    w.BeginObject().Key("seq").Int(a.seq).Key("at_unix_ms").Int(a.at_unix_ms).Key("actor").String(a.actor);
    w.Key("action").String(a.action).Key("target").String(a.target).Key("detail").String(a.detail).EndObject();
    last = a.seq;
  }
  w.EndArray().Key("next_cursor").String(std::to_string(last)).EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void WriteReport(JsonWriter& w, const WhatIfReport& r) {
  w.BeginObject().Key("active_version").String(r.active_version).Key("draft_version").String(r.draft_version);
  w.Key("needs").Int(r.needs).Key("top1_changed_share").Number(r.top1_changed_share);
  w.Key("mean_overlap_at5").Number(r.mean_overlap_at5);
  for (const auto& [key, shifts] : {std::pair{"complexes", &r.complexes}, std::pair{"counties", &r.counties}}) {
    w.Key(key).BeginArray();
    for (const ExposureShift& s : *shifts) {
      w.BeginObject().Key("id").String(s.id).Key("active").Int(s.active).Key("draft").Int(s.draft);
      w.Key("change").Int(s.draft - s.active).EndObject();
    }
    w.EndArray();
  }
  w.Key("needs_with_outcomes").Int(r.needs_with_outcomes);
  if (r.needs_with_outcomes > 0) {
    w.Key("ndcg5_active").Number(r.ndcg5_active).Key("ndcg5_draft").Number(r.ndcg5_draft);
  } else {
    w.Key("ndcg5_active").Null().Key("ndcg5_draft").Null();
  }
  w.Key("seconds").Number(r.seconds).EndObject();
}

void WhatIf(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto body = ParseDeskBody(req.body(), /*toml_required=*/true, ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  auto draft = ParseScoringConfig(body->toml, "draft", ctx.recommender->taxonomy());
  if (!draft.ok()) return reply(ErrorResponse(Status::InvalidArgument(draft.status().message(), "toml")));
  auto report = ReplayNeeds(*ctx.recommender, *draft, {body->from_unix_ms, body->to_unix_ms, body->last_n});
  if (!report.ok()) return reply(ErrorResponse(report.status()));
  std::string out;
  JsonWriter w(&out);
  WriteReport(w, *report);
  reply(JsonResponse(http::status::ok, std::move(out)));
}

// Never activated: the answer is a draft with its replay, for the bureau to
// apply through POST /v1/admin/config-versions if it agrees.
void LearnedWeightsDraft(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto body = ParseDeskBody(req.body(), /*toml_required=*/false, ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  const auto history = ctx.recommender->governance().ConfigHistory();
  if (history.empty()) return reply(ErrorResponse(Status::Internal("no configuration recorded")));
  const ReplayWindow window{body->from_unix_ms, body->to_unix_ms, body->last_n};
  auto learned = LearnWeights(*ctx.recommender, history.back().toml, window);
  if (!learned.ok()) return reply(ErrorResponse(learned.status()));
  auto report = ReplayNeeds(*ctx.recommender, learned->config, window);
  if (!report.ok()) return reply(ErrorResponse(report.status()));
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("weights").BeginObject();
  for (int c = 0; c < kNumComponents; ++c) w.Key(ComponentName(static_cast<Component>(c))).Number(learned->weights[static_cast<size_t>(c)]);
  w.EndObject();
  w.Key("training").BeginObject().Key("needs").Int(learned->training_needs);
  w.Key("ndcg5_before").Number(learned->ndcg5_before).Key("ndcg5_after").Number(learned->ndcg5_after);
  w.Key("evaluations").Int(learned->evaluations).Key("seconds").Number(learned->seconds).EndObject();
  w.Key("draft_version").String(learned->config->version).Key("toml").String(learned->toml);
  w.Key("what_if");
  WriteReport(w, *report);
  w.EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void WriteComponents(JsonWriter& w, const std::array<double, kNumComponents>& c) {
  w.BeginObject();
  for (int i = 0; i < kNumComponents; ++i) w.Key(ComponentName(static_cast<Component>(i))).Number(c[static_cast<size_t>(i)]);
  w.EndObject();
}

void AnswerWhyNot(const ServiceContext& ctx, WhyNotBody body, Reply reply) {
  if (!body.need_id.empty()) {
    auto need = ctx.recommender->GetNeed(body.need_id);
    if (!need.ok()) return reply(ErrorResponse(need.status().code() == StatusCode::kNotFound
                                                   ? Status::NotFound("no need with id " + body.need_id)
                                                   : need.status()));
    if (need->erased_unix_ms != 0) {
      return reply(ErrorResponse(Status::FailedPrecondition("the need was deleted", "deleted")));
    }
    body.request.need = std::move(need->need);
  }
  auto report = ExplainWhyNot(*ctx.recommender, {body.request, body.capability_id, body.complex_id});
  if (!report.ok()) return reply(ErrorResponse(report.status()));
  const WhyNotReport& r = *report;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("capability_id").String(r.capability_id).Key("complex_id").String(r.complex_id);
  w.Key("k").Int(r.k);
  if (r.rank > 0) {
    w.Key("rank").Int(r.rank);
  } else {
    w.Key("rank").Null();
  }
  w.Key("in_top_k").Bool(r.in_top_k);
  if (r.scored) {
    w.Key("score").Number(r.score).Key("components");
    WriteComponents(w, r.components);
  } else {
    w.Key("score").Null().Key("components").Null();
  }
  if (r.kth_capability_id.empty()) {
    w.Key("kth").Null();
  } else {
    w.Key("kth").BeginObject().Key("capability_id").String(r.kth_capability_id).Key("score").Number(r.kth_score);
    w.Key("components");
    WriteComponents(w, r.kth_components);
    w.EndObject();
  }
  w.Key("reasons").BeginArray();
  for (const std::string& reason : r.reasons) w.String(reason);
  w.EndArray().Key("weight_changes").BeginArray();
  for (const WeightChange& c : r.weight_changes) {
    w.BeginObject().Key("key").String(c.key).Key("from").Number(c.from).Key("to").Number(c.to);
    w.Key("rank_after").Int(c.rank_after).EndObject();
  }
  w.EndArray().EndObject();
  reply(JsonResponse(http::status::ok, std::move(out)));
}

void BureauWhyNot(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto body = ParseWhyNotBody(req.body(), ctx.recommender->taxonomy(), ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  AnswerWhyNot(ctx, std::move(body).value(), std::move(reply));
}

// A complex asks about its own services only; the bureau about any.
void ComplexWhyNot(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) return reply(ErrorResponse(Status::Unauthenticated("this route requires a complex token")));
  const bool bureau = IsBureauToken(ctx, *token);
  const auto complex = ctx.recommender->workflow().ComplexOfToken(*token);
  if (!bureau && complex != params[0]) {
    return reply(ErrorResponse(Status::PermissionDenied("a complex token asks only about its own complex")));
  }
  auto body = ParseWhyNotBody(req.body(), ctx.recommender->taxonomy(), ctx.limits);
  if (!body.ok()) return reply(ErrorResponse(body.status()));
  if (!body->complex_id.empty() && body->complex_id != params[0]) {
    return reply(ErrorResponse(Status::PermissionDenied("complex_id must be the path's complex")));
  }
  if (!body->capability_id.empty() && !body->capability_id.starts_with(params[0] + "/")) {
    return reply(ErrorResponse(Status::PermissionDenied("capability_id must be one of the path's complex's services")));
  }
  AnswerWhyNot(ctx, std::move(body).value(), std::move(reply));
}

}  // namespace

void RegisterDeskRoutes(const ServiceContext& ctx, Router& router, const Guard& bureau) {
  auto bind = [&ctx](void (*fn)(const ServiceContext&, HttpRequest&, const PathParams&, Reply)) {
    return [&ctx, fn](HttpRequest& req, const PathParams& params, Reply reply) {
      fn(ctx, req, params, std::move(reply));
    };
  };
  // The history and the audit log are read from memory; applying a version
  // writes the file and the database, and replays, learning and why-not rank
  // many needs (or read a stored one): those are blocking.
  const RouteOptions bureau_json{.json_body = true, .guard = bureau, .blocking = true, .bureau_job = true};
  const RouteOptions bureau_optional_json{.json_body = true, .body_optional = true, .guard = bureau,
                                          .blocking = true, .bureau_job = true};
  router.Add(http::verb::get, "/v1/admin/config-versions", bind(ListConfigVersions), {.guard = bureau});
  router.Add(http::verb::post, "/v1/admin/config-versions", bind(ApplyConfigVersion), bureau_json);
  router.Add(http::verb::get, "/v1/admin/config-versions/{seq}", bind(GetConfigVersion), {.guard = bureau});
  router.Add(http::verb::post, "/v1/admin/config-versions/{seq}/rollback", bind(RollbackConfig), bureau_optional_json);
  router.Add(http::verb::get, "/v1/admin/audit", bind(AuditLog), {.guard = bureau});
  router.Add(http::verb::post, "/v1/admin/what-if", bind(WhatIf), bureau_json);
  router.Add(http::verb::post, "/v1/admin/learned-weights", bind(LearnedWeightsDraft), bureau_optional_json);
  router.Add(http::verb::post, "/v1/admin/why-not", bind(BureauWhyNot), bureau_json);
  router.Add(http::verb::post, "/v1/complexes/{id}/why-not", bind(ComplexWhyNot),
             {.json_body = true, .blocking = true});
}

}  // namespace iisc
