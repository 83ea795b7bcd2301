// The bureau's supply-demand map: GET /v1/admin/map (JSON) and
// GET /v1/admin/map.csv, both with ?service_type=, ?month=YYYY-MM and
// ?good_match_score= (default: [map] good_match_score of server.toml).
#include <cstdlib>

#include <boost/beast/http/field.hpp>

#include "server/errors.h"
#include "server/handlers.h"
#include "server/log.h"
#include "server/map_writer.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {

Result<SupplyDemandQuery> MapQueryOf(const ServiceContext& ctx, const HttpRequest& req) {
  SupplyDemandQuery query;
  query.good_match_score = ctx.map_good_match_score;
  if (auto type = QueryParameter(req.target(), "service_type"); type && !type->empty()) {
    if (ctx.recommender->taxonomy().ServiceTypeIndex(*type) < 0) {
      return Status::InvalidArgument("unknown service type " + *type, "service_type");
    }
    query.service_type = *type;
  }
  if (auto month = QueryParameter(req.target(), "month"); month && !month->empty()) {
    query.month = ParseMonth(*month);
    if (!query.month) return Status::InvalidArgument("month must be a month as YYYY-MM, e.g. 2025-06", "month");
  }
  if (auto raw = QueryParameter(req.target(), "good_match_score")) {
    char* end = nullptr;
    const double value = std::strtod(raw->c_str(), &end);
    if (raw->empty() || end != raw->c_str() + raw->size() || !(value >= 0 && value <= 1)) {
      return Status::InvalidArgument("good_match_score must be a number from 0 to 1", "good_match_score");
    }
    query.good_match_score = value;
  }
  return query;
}

Result<SupplyDemandMap> ComputeMap(const ServiceContext& ctx, const HttpRequest& req) {
  auto query = MapQueryOf(ctx, req);
  if (!query.ok()) return query.status();
  auto map = ctx.recommender->SupplyDemand(std::move(query).value());
  if (!map.ok() && map.status().code() != StatusCode::kInvalidArgument) {
    LogError("supply-demand map failed: %s", map.status().ToString().c_str());
  }
  return map;
}

void MapJson(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto map = ComputeMap(ctx, req);
  if (!map.ok()) return reply(ErrorResponse(map.status()));
  reply(JsonResponse(http::status::ok, SupplyDemandJson(*map, ctx.recommender->taxonomy())));
}

void MapCsv(const ServiceContext& ctx, HttpRequest& req, const PathParams&, Reply reply) {
  auto map = ComputeMap(ctx, req);
  if (!map.ok()) return reply(ErrorResponse(map.status()));
  std::string name = "iisc-supply-demand-" + FormatMonth(map->query.month.value_or(map->capacity_month));
  if (!map->query.month) name += "-all";
  if (!map->query.service_type.empty()) name += "-" + map->query.service_type;
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "text/csv; charset=utf-8");
  res.set(http::field::content_disposition, "attachment; filename=\"" + name + ".csv\"");
  res.set(http::field::cache_control, "no-store");
  res.body() = SupplyDemandCsv(*map, ctx.recommender->taxonomy());
  reply(std::move(res));
}

}  // namespace

void RegisterMapRoutes(const ServiceContext& ctx, Router& router, const Guard& bureau) {
  auto bind = [&ctx](void (*fn)(const ServiceContext&, HttpRequest&, const PathParams&, Reply)) {
    return [&ctx, fn](HttpRequest& req, const PathParams& params, Reply reply) {
      fn(ctx, req, params, std::move(reply));
    };
  };
  // Computed over every stored need and request: long, so blocking.
  const RouteOptions bureau_blocking{.guard = bureau, .blocking = true, .bureau_job = true};
  router.Add(http::verb::get, "/v1/admin/map", bind(MapJson), bureau_blocking);
  router.Add(http::verb::get, "/v1/admin/map.csv", bind(MapCsv), bureau_blocking);
}

}  // namespace iisc
