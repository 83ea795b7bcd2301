// The bureau's supply-demand map (engine/supply_demand.h) as JSON and as
// CSV. Pure functions of their inputs, like response_writer.h.
#pragma once

#include <string>

#include "engine/supply_demand.h"
#include "models/taxonomy.h"

namespace iisc {

// GET /v1/admin/map: ids (null for the unknown field or county), every
// count, the mean rating (null without ratings), the trends. Names are the
// taxonomy's (GET /v1/taxonomy).
std::string SupplyDemandJson(const SupplyDemandMap& map, const Taxonomy& taxonomy);

// GET /v1/admin/map.csv: a header row, then one row per field x county
// (every field of the taxonomy by every county, in taxonomy order, then the
// unknown field or county where the map has any), with the ids and Chinese
// names of category, field and county. UTF-8 with a byte order mark (so that
// Excel opens it as UTF-8), CRLF line ends (RFC 4180).
std::string SupplyDemandCsv(const SupplyDemandMap& map, const Taxonomy& taxonomy);

}  // namespace iisc
