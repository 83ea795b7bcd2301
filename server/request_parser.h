// Turns request bodies into engine requests: simdjson on-demand parsing with
// one parser per thread, a nesting-depth limit checked before parsing, and
// the validation rules of the API contract. Every error is InvalidArgument
// naming the member at fault ("k", "need.county", "filters.fields").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/recommender.h"
#include "models/catalog.h"
#include "models/need.h"
#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc {

struct RequestLimits {
  int max_json_depth = 16;
  size_t max_description_chars = 4000;
  int max_k = 100;
  int default_k = 10;
};

// True for "application/json" with optional parameters ("; charset=utf-8"),
// compared case-insensitively. Anything else is answered 415.
bool IsJsonContentType(std::string_view content_type);
// The same for JSON Lines: "application/x-ndjson", "application/jsonl",
// "application/x-jsonlines" or "application/jsonlines".
bool IsJsonLinesContentType(std::string_view content_type);

// True when `json` nests arrays/objects deeper than `max_depth`, or holds
// anything but whitespace after its first complete value. Run before the
// on-demand parser, which never visits the members it skips.
bool JsonTooDeepOrTrailing(std::string_view json, int max_depth, bool* trailing);

// How a body in the shape of a recommendation request is read.
struct RecommendBodyOptions {
  // False for a body that names a stored need instead of carrying one (a
  // why-not's need_id): "k" and "filters" are read, a "need" member is
  // refused, and the request's need is left empty for the caller to load.
  bool need_in_body = true;
};

// The body of POST /v1/recommendations: {"need":{...},"k":10,"filters":{...}}.
// `body` may be grown in capacity to hold simdjson's padding (its content is
// unchanged), which saves a copy of the body.
Result<RecommendRequest> ParseRecommendRequest(std::string& body, const Taxonomy& taxonomy,
                                               const RequestLimits& limits,
                                               RecommendBodyOptions options = {});

// The body of POST /v1/needs: the need object itself.
Result<Need> ParseNeedRequest(std::string& body, const Taxonomy& taxonomy,
                              const RequestLimits& limits);

// Ids the API accepts for catalog writes: a complex id is 1 to 128 of
// A-Z a-z 0-9 . _ - (not "." or "..", which paths would misread), and a
// service id is "<complex id>/" followed by the same. Such ids travel in URLs
// and file listings without escaping.
Status CheckCatalogIds(const Complex& complex);

// The body of PUT /v1/complexes/{id}: one catalog record (a line of the
// catalog JSONL), whose "id" must be `path_id`.
Result<Complex> ParseComplexRequest(std::string& body, std::string_view path_id,
                                    const Taxonomy& taxonomy, const RequestLimits& limits);

// The body of POST /v1/admin/catalog: JSON Lines, one complex record per line
// (blank lines and a leading byte-order mark allowed). All or nothing: the
// first bad line is the error, its message starting "line N:".
Result<std::vector<Complex>> ParseCatalogImport(std::string_view body, const Taxonomy& taxonomy,
                                                const RequestLimits& limits);

// The body of POST /v1/admin/backup: empty, or {"name": "..."} (a non-empty
// string). Returns the name, empty when none was given.
Result<std::string> ParseBackupRequest(std::string& body, const RequestLimits& limits);

// The body of POST /v1/needs/{id}/requests:
// {"capability_ids": ["c/rd-1", ...] (1..20 distinct ids), "message": "..."}.
struct ServiceRequestBody {
  std::vector<std::string> capability_ids;
  std::string message;
};
Result<ServiceRequestBody> ParseServiceRequestBody(std::string& body, const RequestLimits& limits);
// The body of POST /v1/requests/{id}/{action}: empty, or the members the
// action reads ("reason"; "capability_id", "message"; "rating", "comment").
// A decline without a reason, a rating outside 1..5 are refused here.
Result<ActionInput> ParseActionBody(std::string& body, RequestAction action,
                                    const RequestLimits& limits);
// The body of POST /v1/admin/complex-tokens: {"complex_id": "...", "name": "..."}.
struct ComplexTokenBody {
  std::string complex_id;
  std::string name;
};
Result<ComplexTokenBody> ParseComplexTokenBody(std::string& body, const RequestLimits& limits);

// The body of POST /v1/admin/assignment: empty, or
// {"candidates_per_type": 10, "objective": "fill_first" | "score_only"}.
Result<AssignmentRequest> ParseAssignmentBody(std::string& body, const RequestLimits& limits);

// The body of POST /v1/admin/config-versions and of POST /v1/admin/what-if:
// {"toml": "<a whole scoring.toml>", "reason": "...", "last_n": 10000,
// "from_unix_ms": ..., "to_unix_ms": ...}; `toml_required` for the former.
struct DeskBody {
  std::string toml;
  std::string reason;
  int64_t last_n = 0;
  int64_t from_unix_ms = 0;
  int64_t to_unix_ms = 0;
};
Result<DeskBody> ParseDeskBody(std::string& body, bool toml_required, const RequestLimits& limits);
// The body of POST .../why-not: a recommendation request ({"need", "k",
// "filters"}) or {"need_id", "k", "filters"}, with "capability_id" or
// "complex_id". need_id is returned apart for the handler to load.
struct WhyNotBody {
  RecommendRequest request;
  std::string need_id;
  std::string capability_id;
  std::string complex_id;
};
Result<WhyNotBody> ParseWhyNotBody(std::string& body, const Taxonomy& taxonomy, const RequestLimits& limits);

// Query strings are read with Boost.URL, by RFC 3986's rules.
// InvalidArgument (field "query") when the target's query string is not one:
// a broken percent escape, or a character a query may not hold unescaped
// (a space, a quote, a byte beyond ASCII...). The router answers it 400.
Status CheckQueryString(std::string_view target);
// The value of the first `name` parameter in the target's query string
// ("/x?mode=replace"), name and value percent-decoded, '+' as a space; "" when
// it has no '='; nullopt when absent or when the query string is not valid.
std::optional<std::string> QueryParameter(std::string_view target, std::string_view name);

}  // namespace iisc
