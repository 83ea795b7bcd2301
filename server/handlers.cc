#include "server/handlers.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <boost/beast/http/field.hpp>

#include "engine/secrets.h"
#include "models/json_writer.h"
#include "server/auth.h"
#include "server/backups.h"
#include "server/errors.h"
#include "server/log.h"
#include "server/response_writer.h"
#include "server/static_assets.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {


// Admits the bureau: 401 without a token, 403 with a wrong one. The routes'
// guard: it runs on the header, before any body is read.
Status CheckBureau(const ServiceContext& ctx, const HttpRequest& req) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) return Status::Unauthenticated("this route requires the bureau's Bearer token");
  if (ctx.bureau_tokens.empty()) {
    return Status::PermissionDenied(
        "the bureau's routes are disabled: the server was started without a bureau token");
  }
  if (!IsBureauToken(ctx, *token)) {
    return Status::PermissionDenied("the token does not grant this route");
  }
  return Status::Ok();
}

void Recommend(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  const Recommender& engine = *ctx.recommender;
  auto request = ParseRecommendRequest(req.body(), engine.taxonomy(), ctx.limits);
  if (!request.ok()) return reply(ErrorResponse(request.status()));
  auto response = engine.Recommend(*request);
  if (!response.ok()) {
    LogError("recommend failed: %s", response.status().ToString().c_str());
    return reply(ErrorResponse(response.status()));
  }
  reply(JsonResponse(http::status::ok, RecommendationsJson(*response, engine.taxonomy())));
}

void SubmitNeed(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  Recommender& engine = *ctx.recommender;
  // Anyone may store a need: the key's own secrecy (and the same body) is
  // what a replay, which hands the token back, requires.
  auto idempotency = IdempotencyFor(req, "need-submit");
  if (!idempotency.ok()) return reply(ErrorResponse(idempotency.status()));
  auto need = ParseNeedRequest(req.body(), engine.taxonomy(), ctx.limits);
  if (!need.ok()) return reply(ErrorResponse(need.status()));
  // Answered only once the need is durable; the callback runs on the engine's
  // writer thread and the session carries the reply back to its own executor.
  engine.SubmitNeed(std::move(need).value(), *idempotency,
                    [&engine, reply = std::move(reply)](Result<SubmittedNeed> submitted) {
                      if (!submitted.ok()) {
                        LogError("storing a need failed: %s",
                                 submitted.status().ToString().c_str());
                        return reply(ErrorResponse(submitted.status()));
                      }
                      HttpResponse res = JsonResponse(
                          http::status::created, SubmittedNeedJson(*submitted, engine.taxonomy()));
                      res.set(http::field::location, "/v1/needs/" + submitted->id);
                      if (submitted->replayed) res.set("Idempotent-Replayed", "true");
                      reply(std::move(res));
                    });
}

void GetNeed(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) {
    return reply(ErrorResponse(Status::Unauthenticated(
        "reading a need requires its access token (or the bureau's) as a Bearer token")));
  }
  const Recommender& engine = *ctx.recommender;
  auto need = IsBureauToken(ctx, *token) ? engine.GetNeed(params[0])
                                         : engine.GetNeedWithToken(params[0], *token);
  if (!need.ok()) return reply(ErrorResponse(need.status()));
  const auto snapshot = engine.Snapshot();
  reply(JsonResponse(http::status::ok,
                     NeedRecordJson(*need, engine.workflow().GetNeedStatus(need->id),
                                    engine.workflow().NeedRequests(need->id), snapshot.get(), engine)));
}

void GetTaxonomy(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  HttpResponse res = JsonResponse(http::status::ok, ctx.recommender->taxonomy().source_json());
  res.set(http::field::cache_control, "public, max-age=300");  // fixed for the process
  reply(std::move(res));
}

void ListComplexes(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  const auto snapshot = ctx.recommender->Snapshot();
  reply(JsonResponse(http::status::ok,
                     ComplexListJson(ctx.recommender->ListComplexes(*snapshot))));
}

void GetComplex(const ServiceContext& ctx, HttpRequest&, const PathParams& params, Reply reply) {
  const auto snapshot = ctx.recommender->Snapshot();
  const Complex* complex = ctx.recommender->FindComplex(*snapshot, params[0]);
  if (complex == nullptr) {
    return reply(ErrorResponse(Status::NotFound("no complex with id " + params[0])));
  }
  reply(JsonResponse(http::status::ok, ComplexJson(*complex)));
}

void Health(const ServiceContext&, HttpRequest&, const PathParams&, Reply reply) {
  reply(JsonResponse(http::status::ok, R"({"status":"ok"})"));
}

void MetricsText(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = ctx.metrics->Render();
  reply(std::move(res));
}

void ReloadConfig(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  if (Status s = ReloadScoringConfig(ctx, BureauActor(ctx, req)); !s.ok()) {
    // The file, not the request, is at fault: no "field"; the message names
    // the key and line for the bureau to fix.
    return reply(ErrorResponse(Status::InvalidArgument(s.message())));
  }
  std::string body;
  JsonWriter(&body).BeginObject()
      .Key("config_version").String(ctx.recommender->scoring_config()->version)
      .EndObject();
  reply(JsonResponse(http::status::ok, std::move(body)));
}

std::string IntentModelJson(const IntentModelInfo& info, bool include_trained) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("intent_model").BeginObject();
  if (info.version.empty()) {
    w.Key("version").Null();
  } else {
    w.Key("version").String(info.version);
  }
  w.Key("examples").Int(static_cast<int64_t>(info.examples));
  w.Key("features").Int(static_cast<int64_t>(info.features));
  if (include_trained) w.Key("trained").Bool(info.trained_now);
  w.EndObject().EndObject();
  return body;
}

void GetIntentModel(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  reply(JsonResponse(http::status::ok, IntentModelJson(ctx.recommender->intent_model_info(), false)));
}

// Reads configs/intent/ again and retrains (or reuses the stored model of
// the same examples); a broken corpus file is refused with its file and line
// and the current model keeps serving.
void RetrainIntentModel(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto info = ctx.recommender->RetrainIntentModel();
  if (!info.ok()) return reply(ErrorResponse(Status::InvalidArgument(info.status().message())));
  LogInfo("intent model %s in use (%zu examples, %s)", info->version.c_str(), info->examples,
          info->trained_now ? "trained now" : "stored model reused");
  AuditBureauAction(ctx, BureauActor(ctx, req), "intent_model.retrain", info->version, std::to_string(info->examples) + " examples");
  reply(JsonResponse(http::status::ok, IntentModelJson(*info, true)));
}

// Fits the text model again on the catalog as it is and featurizes every
// service with it: the bureau's step after the catalog changed a lot.
void RefitTextModel(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto info = ctx.recommender->RefitTextModel();
  if (!info.ok()) return reply(ErrorResponse(info.status()));
  LogInfo("text model %s in use (%zu services, %s)", info->version.c_str(), info->services,
          info->refitted ? "refitted" : "unchanged by the fit");
  AuditBureauAction(ctx, BureauActor(ctx, req), "text_model.refit", info->version,
                    info->refitted ? "from " + info->previous_version : "unchanged");
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("text_model").BeginObject();
  w.Key("version").String(info->version);
  w.Key("previous_version").String(info->previous_version);
  w.Key("refitted").Bool(info->refitted);
  w.Key("services").Int(static_cast<int64_t>(info->services));
  w.EndObject().EndObject();
  reply(JsonResponse(http::status::ok, std::move(body)));
}

void PutComplex(const ServiceContext& ctx, HttpRequest& req, const PathParams& params,
                Reply reply) {
  Recommender& engine = *ctx.recommender;
  auto complex = ParseComplexRequest(req.body(), params[0], engine.taxonomy(), ctx.limits);
  if (!complex.ok()) return reply(ErrorResponse(complex.status()));
  std::vector<Complex> one;
  one.push_back(std::move(complex).value());
  auto written = engine.ImportCatalog(std::move(one), /*replace_all=*/false);
  if (!written.ok()) {
    LogError("writing complex %s failed: %s", params[0].c_str(),
             written.status().ToString().c_str());
    return reply(ErrorResponse(written.status()));
  }
  const auto snapshot = engine.Snapshot();
  const Complex* stored = engine.FindComplex(*snapshot, params[0]);
  if (stored == nullptr) {  // deleted again in between
    return reply(ErrorResponse(Status::NotFound("no complex with id " + params[0])));
  }
  const bool created = written->added > 0;
  AuditBureauAction(ctx, BureauActor(ctx, req), "catalog.put", params[0], created ? "complex added" : "complex replaced");
  HttpResponse res =
      JsonResponse(created ? http::status::created : http::status::ok, ComplexJson(*stored));
  if (created) res.set(http::field::location, "/v1/complexes/" + params[0]);
  reply(std::move(res));
}

void DeleteComplex(const ServiceContext& ctx, HttpRequest& req, const PathParams& params,
                   Reply reply) {
  Status s = ctx.recommender->DeleteComplex(params[0]);
  if (s.code() == StatusCode::kNotFound) {
    return reply(ErrorResponse(Status::NotFound("no complex with id " + params[0])));
  }
  if (!s.ok()) {
    LogError("deleting complex %s failed: %s", params[0].c_str(), s.ToString().c_str());
    return reply(ErrorResponse(s));
  }
  AuditBureauAction(ctx, BureauActor(ctx, req), "catalog.delete", params[0], "complex removed");
  reply(HttpResponse{http::status::no_content, 11});
}

void ImportCatalog(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  Recommender& engine = *ctx.recommender;
  const std::string mode = QueryParameter(req.target(), "mode").value_or("merge");
  if (mode != "merge" && mode != "replace") {
    return reply(ErrorResponse(
        Status::InvalidArgument("mode must be \"merge\" (the default) or \"replace\"", "mode")));
  }
  auto complexes = ParseCatalogImport(req.body(), engine.taxonomy(), ctx.limits);
  if (!complexes.ok()) return reply(ErrorResponse(complexes.status()));
  auto imported = engine.ImportCatalog(std::move(complexes).value(), mode == "replace");
  if (!imported.ok()) {
    LogError("catalog import failed: %s", imported.status().ToString().c_str());
    return reply(ErrorResponse(imported.status()));
  }
  LogInfo("catalog imported (%s): %lld added, %lld replaced, %lld removed", mode.c_str(),
          static_cast<long long>(imported->added), static_cast<long long>(imported->replaced),
          static_cast<long long>(imported->removed));
  AuditBureauAction(ctx, BureauActor(ctx, req), "catalog.import", mode,
        std::to_string(imported->added) + " added, " + std::to_string(imported->replaced) + " replaced, " +
            std::to_string(imported->removed) + " removed");
  reply(JsonResponse(http::status::ok, CatalogImportJson(*imported, mode)));
}

void Demand(const ServiceContext& ctx, HttpRequest&, const PathParams&, Reply reply) {
  const Recommender& engine = *ctx.recommender;
  reply(JsonResponse(http::status::ok, DemandJson(engine.Demand(), engine.taxonomy())));
}

void Backup(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto name = ParseBackupRequest(req.body(), ctx.limits);
  if (!name.ok()) return reply(ErrorResponse(name.status()));
  if (name->empty()) *name = DefaultBackupName();
  auto dir = PrepareBackupDirectory(ctx.backup_dir, *name);
  if (!dir.ok()) {
    if (dir.status().code() == StatusCode::kIOError) LogError("%s", dir.status().ToString().c_str());
    return reply(ErrorResponse(dir.status()));
  }
  if (Status s = ctx.recommender->Checkpoint(*dir); !s.ok()) {
    LogError("backup %s failed: %s", dir->c_str(), s.ToString().c_str());
    return reply(ErrorResponse(s));
  }
  LogInfo("backup written to %s", dir->c_str());
  AuditBureauAction(ctx, BureauActor(ctx, req), "backup", *name, *dir);
  std::string body;
  JsonWriter(&body).BeginObject().Key("name").String(*name).Key("path").String(*dir).EndObject();
  reply(JsonResponse(http::status::created, std::move(body)));
}

Handler Asset(const StaticAsset& asset) {
  return [&asset](HttpRequest&, const PathParams&, Reply reply) {
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, asset.content_type);
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.body().assign(asset.data);
    reply(std::move(res));
  };
}

}  // namespace

HttpResponse JsonResponse(http::status status, std::string body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

bool IsBureauToken(const ServiceContext& ctx, std::string_view token) {
  return FindBureauToken(ctx.bureau_tokens, token) != nullptr;
}

std::string BureauActor(const ServiceContext& ctx, const HttpRequest& req) {
  const auto token = BearerToken(req[http::field::authorization]);
  const BureauToken* found = token ? FindBureauToken(ctx.bureau_tokens, *token) : nullptr;
  return found != nullptr ? found->name : "bureau";
}

void AuditBureauAction(const ServiceContext& ctx, const std::string& actor, const std::string& action,
                       const std::string& target, const std::string& detail) {
  Status s = ctx.recommender->governance().Audit(actor, action, target, detail);
  if (!s.ok()) LogError("audit log write failed (%s %s): %s", action.c_str(), target.c_str(), s.ToString().c_str());
}

Status ReloadScoringConfig(const ServiceContext& ctx, const std::string& actor) {
  std::ifstream in(ctx.scoring_config_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    LogError("scoring config not reloaded: cannot read %s", ctx.scoring_config_path.c_str());
    return Status::InvalidArgument("cannot read " + ctx.scoring_config_path);
  }
  const std::string stem = std::filesystem::path(ctx.scoring_config_path).stem().string();
  auto config = ParseScoringConfig(text.str(), stem, ctx.recommender->taxonomy());
  if (!config.ok()) {
    LogError("scoring config not reloaded, keeping %s: %s",
             ctx.recommender->scoring_config()->version.c_str(),
             config.status().ToString().c_str());
    return config.status();
  }
  LogInfo("scoring config reloaded: %s", (*config)->version.c_str());
  const std::string version = (*config)->version;
  ctx.recommender->SetScoringConfig(std::move(config).value());
  auto recorded = ctx.recommender->governance().RecordConfig(version, text.str(), actor, "reloaded from the file", "file");
  if (!recorded.ok()) LogError("recording config %s failed: %s", version.c_str(), recorded.status().ToString().c_str());
  return Status::Ok();
}

void RegisterRoutes(const ServiceContext& ctx, Router& router) {
  // Binds a handler to the context; the context outlives the router.
  auto bind = [&ctx](void (*fn)(const ServiceContext&, HttpRequest&, const PathParams&, Reply)) {
    return [&ctx, fn](HttpRequest& req, const PathParams& params, Reply reply) {
      fn(ctx, req, params, std::move(reply));
    };
  };
  // Routes that read or write the database, or compute for long, say
  // .blocking = true and run on the blocking pool; the I/O threads keep
  // parsing, scoring in memory and writing answers. Storing a need scores in
  // memory and hands the write to the engine's group commit, but with an
  // Idempotency-Key the engine first reads the key's record: those are blocking.
  const RouteOptions json{.json_body = true};
  router.Add(http::verb::post, "/v1/recommendations", bind(Recommend), json);
  router.Add(http::verb::post, "/v1/needs", bind(SubmitNeed),
             {.json_body = true, .blocking_if = [](const HttpRequest& req) {
                return req.find("Idempotency-Key") != req.end();
              }});
  router.Add(http::verb::get, "/v1/needs/{id}", bind(GetNeed), {.blocking = true});
  router.Add(http::verb::get, "/v1/taxonomy", bind(GetTaxonomy));
  router.Add(http::verb::get, "/v1/complexes", bind(ListComplexes));
  router.Add(http::verb::get, "/v1/complexes/{id}", bind(GetComplex));

  // The bureau's routes: the token is checked on the header, so a stranger
  // can send no body, however small.
  const Guard bureau = [&ctx](const HttpRequest& req) { return CheckBureau(ctx, req); };
  const RouteOptions bureau_blocking{.guard = bureau, .blocking = true, .bureau_job = true};
  router.Add(http::verb::put, "/v1/complexes/{id}", bind(PutComplex),
             {.json_body = true, .guard = bureau, .blocking = true, .bureau_job = true});
  router.Add(http::verb::delete_, "/v1/complexes/{id}", bind(DeleteComplex), bureau_blocking);
  router.Add(http::verb::post, "/v1/admin/catalog", bind(ImportCatalog),
             {.jsonl_body = true, .max_body_bytes = ctx.max_import_bytes, .guard = bureau, .blocking = true,
              .bureau_job = true});
  router.Add(http::verb::post, "/v1/admin/reload-config", bind(ReloadConfig), bureau_blocking);
  router.Add(http::verb::get, "/v1/admin/intent-model", bind(GetIntentModel), {.guard = bureau});
  router.Add(http::verb::post, "/v1/admin/intent-model/retrain", bind(RetrainIntentModel), bureau_blocking);
  router.Add(http::verb::post, "/v1/admin/text-model/refit", bind(RefitTextModel), bureau_blocking);
  router.Add(http::verb::post, "/v1/admin/backup", bind(Backup),
             {.json_body = true, .body_optional = true, .guard = bureau, .blocking = true, .bureau_job = true});
  router.Add(http::verb::get, "/v1/admin/demand", bind(Demand), {.guard = bureau});
  RegisterWorkflowRoutes(ctx, router, bureau);
  RegisterMapRoutes(ctx, router, bureau);
  RegisterDeskRoutes(ctx, router, bureau);
  const RouteOptions always{.never_shed = true};
  router.Add(http::verb::get, "/healthz", bind(Health), always);
  router.Add(http::verb::get, "/metrics", bind(MetricsText), always);
  for (const StaticAsset& asset : StaticAssets()) {
    router.Add(http::verb::get, "/" + std::string(asset.name), Asset(asset));
    if (asset.name == "index.html") router.Add(http::verb::get, "/", Asset(asset));
  }
}

}  // namespace iisc
