// The API's handlers: each parses and validates its input, calls the engine,
// and serializes the answer. They hold no state of their own.
#pragma once

#include <string>

#include "engine/recommender.h"
#include "server/metrics.h"
#include "server/request_parser.h"
#include "server/router.h"

namespace iisc {

// What the handlers share. Owned by the Server; outlives every request.
struct ServiceContext {
  Recommender* recommender = nullptr;
  Metrics* metrics = nullptr;
  RequestLimits limits;
  // The bureau's token; empty disables the bureau's routes (answered 403).
  std::string bureau_token;
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
// The lifecycle's routes (server/workflow_handlers.cc); `bureau` guards the
// bureau's among them.
void RegisterWorkflowRoutes(const ServiceContext& context, Router& router, const Guard& bureau);
// The bureau's supply-demand map (server/map_handlers.cc).
void RegisterMapRoutes(const ServiceContext& context, Router& router, const Guard& bureau);

// Loads the scoring weights from context.scoring_config_path and swaps them
// into the engine; on error the engine keeps its current weights.
Status ReloadScoringConfig(const ServiceContext& context);

}  // namespace iisc
