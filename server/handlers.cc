#include "server/handlers.h"

#include <boost/beast/http/field.hpp>

#include "engine/tokens.h"
#include "models/json_writer.h"
#include "server/auth.h"
#include "server/errors.h"
#include "server/log.h"
#include "server/response_writer.h"
#include "server/static_assets.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {

HttpResponse JsonResponse(http::status status, std::string body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

// Admits the bureau: 401 without a token, 403 with a wrong one.
Status CheckBureau(const ServiceContext& ctx, const HttpRequest& req) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) return Status::Unauthenticated("this route requires the bureau's Bearer token");
  if (ctx.bureau_token.empty() || !ConstantTimeEquals(*token, ctx.bureau_token)) {
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
  auto need = ParseNeedRequest(req.body(), engine.taxonomy(), ctx.limits);
  if (!need.ok()) return reply(ErrorResponse(need.status()));
  // Answered only once the need is durable; the callback runs on the engine's
  // writer thread and the session carries the reply back to its own executor.
  engine.SubmitNeed(std::move(need).value(),
                    [&engine, reply = std::move(reply)](Result<SubmittedNeed> submitted) {
                      if (!submitted.ok()) {
                        LogError("storing a need failed: %s",
                                 submitted.status().ToString().c_str());
                        return reply(ErrorResponse(submitted.status()));
                      }
                      HttpResponse res = JsonResponse(
                          http::status::created, SubmittedNeedJson(*submitted, engine.taxonomy()));
                      res.set(http::field::location, "/v1/needs/" + submitted->id);
                      reply(std::move(res));
                    });
}

void GetNeed(const ServiceContext& ctx, HttpRequest& req, const PathParams& params, Reply reply) {
  const auto token = BearerToken(req[http::field::authorization]);
  if (!token) {
    return reply(ErrorResponse(Status::Unauthenticated(
        "reading a need requires its access token (or the bureau's) as a Bearer token")));
  }
  auto need = ctx.recommender->GetNeed(params[0]);
  if (!need.ok()) return reply(ErrorResponse(need.status()));
  const bool bureau = !ctx.bureau_token.empty() && ConstantTimeEquals(*token, ctx.bureau_token);
  if (!bureau && !ctx.recommender->CheckNeedToken(*need, *token)) {
    return reply(ErrorResponse(Status::PermissionDenied("the token does not grant this need")));
  }
  reply(JsonResponse(http::status::ok, StoredNeedJson(*need)));
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
  if (Status s = CheckBureau(ctx, req); !s.ok()) return reply(ErrorResponse(s));
  if (Status s = ReloadScoringConfig(ctx); !s.ok()) {
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

Status ReloadScoringConfig(const ServiceContext& ctx) {
  auto config = LoadScoringConfigFile(ctx.scoring_config_path, ctx.recommender->taxonomy());
  if (!config.ok()) {
    LogError("scoring config not reloaded, keeping %s: %s",
             ctx.recommender->scoring_config()->version.c_str(),
             config.status().ToString().c_str());
    return config.status();
  }
  LogInfo("scoring config reloaded: %s", (*config)->version.c_str());
  ctx.recommender->SetScoringConfig(std::move(config).value());
  return Status::Ok();
}

void RegisterRoutes(const ServiceContext& ctx, Router& router) {
  // Binds a handler to the context; the context outlives the router.
  auto bind = [&ctx](void (*fn)(const ServiceContext&, HttpRequest&, const PathParams&, Reply)) {
    return [&ctx, fn](HttpRequest& req, const PathParams& params, Reply reply) {
      fn(ctx, req, params, std::move(reply));
    };
  };
  const RouteOptions json{.json_body = true};
  router.Add(http::verb::post, "/v1/recommendations", bind(Recommend), json);
  router.Add(http::verb::post, "/v1/needs", bind(SubmitNeed), json);
  router.Add(http::verb::get, "/v1/needs/{id}", bind(GetNeed));
  router.Add(http::verb::get, "/v1/taxonomy", bind(GetTaxonomy));
  router.Add(http::verb::get, "/v1/complexes", bind(ListComplexes));
  router.Add(http::verb::get, "/v1/complexes/{id}", bind(GetComplex));
  router.Add(http::verb::post, "/v1/admin/reload-config", bind(ReloadConfig));
  const RouteOptions always{.never_shed = true};
  router.Add(http::verb::get, "/healthz", bind(Health), always);
  router.Add(http::verb::get, "/metrics", bind(MetricsText), always);
  for (const StaticAsset& asset : StaticAssets()) {
    router.Add(http::verb::get, "/" + std::string(asset.name), Asset(asset));
    if (asset.name == "index.html") router.Add(http::verb::get, "/", Asset(asset));
  }
}

}  // namespace iisc
