// A need as an SME submits it (see the API contract's "need object").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

struct Need {
  std::string description;                 // 1..max_description_chars code points
  std::string county;                      // county id or empty
  std::string field;                       // field id or empty
  std::vector<std::string> service_types;  // service type ids, may be empty
  std::string size;                        // "micro", "small", "medium" or empty
  std::string enterprise_name;
  std::string enterprise_contact;
};

struct NeedLimits {
  size_t max_description_chars = 4000;  // Unicode code points
  // C0 control characters other than tab and line breaks (NUL, ESC, ...) and
  // DEL in the description; refused from clients, accepted when reading back
  // needs stored before this rule.
  bool allow_control_characters = false;
};

// Validates a parsed JSON object as a need. Unknown members are ignored (but
// must be well-formed JSON); a known member with a wrong type or unknown id,
// or given twice, is an InvalidArgument naming `field_prefix` + member (e.g.
// "need.county", "need.enterprise.name"). JSON null, and "" for an id, mean
// the member is absent. The description must be valid UTF-8, not blank, at
// most limits.max_description_chars code points.
// `taxonomy` may be null to skip id checks (needs read back from storage).
Result<Need> ParseNeed(simdjson::ondemand::value& object, const Taxonomy* taxonomy,
                       const NeedLimits& limits, std::string_view field_prefix);

// Parses a standalone JSON document holding one need object; errors name
// members as "need.<member>".
Result<Need> ParseNeedJson(std::string_view json, const Taxonomy* taxonomy,
                           const NeedLimits& limits);

// Canonical JSON of a need; ParseNeedJson(NeedToJson(n)) == n.
std::string NeedToJson(const Need& need);

bool operator==(const Need& a, const Need& b);

}  // namespace iisc
