// The API's handlers: each parses and validates its input, calls the engine,
// and serializes the answer. They hold no state of their own.
#pragma once

#include <string>

#include "engine/recommender.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/request_parser.h"
#include "server/router.h"

namespace iisc {

// What the handlers share. Owned by the Server; outlives every request.
struct ServiceContext {
  Recommender* recommender = nullptr;
  Metrics* metrics = nullptr;
  RequestLimits limits;
  // The bureau's tokens, each with the name the audit log and the config
  // history record for it; none disables the bureau's routes (403).
  std::vector<BureauToken> bureau_tokens;
  // Where POST /v1/admin/reload-config and SIGHUP read the scoring weights.
  std::string scoring_config_path;
  // Where POST /v1/admin/backup puts its checkpoints.
  std::string backup_dir = "var/backups";
  // The body limit of the bulk catalog import (bureau only).
  size_t max_import_bytes = 64 << 20;
  // The supply-demand map: a need whose best service scored below this has
  // no good match ([map] good_match_score).
  double map_good_match_score = 0.7;
};

void RegisterRoutes(const ServiceContext& context, Router& router);
// A JSON answer, never cached.
HttpResponse JsonResponse(boost::beast::http::status status, std::string body);
// True when `token` is one of the bureau's (compared in constant time).
bool IsBureauToken(const ServiceContext& context, std::string_view token);
// The name of the bureau token the request carries ("bureau" when it carries
// none of them: the routes that call this are guarded by it).
std::string BureauActor(const ServiceContext& context, const HttpRequest& request);
// The request's Idempotency-Key within `scope` (who sent it), with a
// fingerprint of what it asks; InvalidArgument when the header is malformed.
Result<Idempotency> IdempotencyFor(const HttpRequest& request, std::string scope);
// Appends a bureau action by `actor` (BureauActor) to the audit log; a failed
// write is logged (the action itself is done and answered).
void AuditBureauAction(const ServiceContext& context, const std::string& actor, const std::string& action,
                       const std::string& target, const std::string& detail);
// The lifecycle's routes (server/workflow_handlers.cc); `bureau` guards the
// bureau's among them.
void RegisterWorkflowRoutes(const ServiceContext& context, Router& router, const Guard& bureau);
// The bureau's supply-demand map (server/map_handlers.cc).
void RegisterMapRoutes(const ServiceContext& context, Router& router, const Guard& bureau);
// The bureau's desk (server/desk_handlers.cc): config versions, audit log,
// what-if, learned weights, why-not.
void RegisterDeskRoutes(const ServiceContext& context, Router& router, const Guard& bureau);

// Loads the scoring weights from context.scoring_config_path and swaps them
// into the engine, recording the version as applied by `actor` when it
// changed; on error the engine keeps its current weights.
Status ReloadScoringConfig(const ServiceContext& context, const std::string& actor);

}  // namespace iisc
