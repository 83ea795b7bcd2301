#include "server/request_parser.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <unordered_set>

#include <boost/url/parse_query.hpp>
#include <simdjson.h>

#include "models/json_validate.h"

namespace iisc {

namespace od = simdjson::ondemand;

namespace {

// One on-demand parser per I/O thread: its buffers grow to the largest body
// seen and are reused, so steady-state parsing allocates nothing.
od::parser& ThreadParser() {
  thread_local od::parser parser;
  return parser;
}

Status NotJson() { return Status::InvalidArgument("the body is not valid JSON"); }

// Parses and checks the whole body up to the root value; the document lives
// in the thread's parser until the next call.
Result<od::document> Open(std::string& body, const RequestLimits& limits) {
  bool trailing = false;
  if (JsonTooDeepOrTrailing(body, limits.max_json_depth, &trailing)) {
    if (trailing) return Status::InvalidArgument("the body holds more than one JSON value");
    return Status::InvalidArgument("JSON nested deeper than " +
                                   std::to_string(limits.max_json_depth) + " levels");
  }
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (ThreadParser().iterate(simdjson::padded_string_view(body)).get(doc) != simdjson::SUCCESS) {
    return NotJson();
  }
  return doc;
}

Status ParseK(od::value& value, const RequestLimits& limits, int* k) {
  const std::string message =
      "k must be an integer between 1 and " + std::to_string(limits.max_k);
  od::json_type type;
  if (TypeOf(value, &type) != simdjson::SUCCESS) return NotJson();
  if (type == od::json_type::null) return Status::Ok();  // same as absent
  int64_t n = 0;
  if (type != od::json_type::number || value.get_int64().get(n) != simdjson::SUCCESS ||
      n < 1 || n > limits.max_k) {
    return Status::InvalidArgument(message, "k");
  }
  *k = static_cast<int>(n);
  return Status::Ok();
}

// `kind` selects the taxonomy list the ids must come from.
enum class IdKind { kCounty, kServiceType, kField };

bool KnownId(const Taxonomy& taxonomy, IdKind kind, std::string_view id) {
  switch (kind) {
    case IdKind::kCounty: return taxonomy.CountyIndex(id) >= 0;
    case IdKind::kServiceType: return taxonomy.ServiceTypeIndex(id) >= 0;
    case IdKind::kField: return taxonomy.FieldIndex(id) >= 0;
  }
  return false;
}

Status ParseIdList(od::value& value, const Taxonomy& taxonomy, IdKind kind,
                   const std::string& field, std::vector<std::string>* out) {
  od::json_type type;
  if (TypeOf(value, &type) != simdjson::SUCCESS) return NotJson();
  if (type == od::json_type::null) return Status::Ok();
  od::array array;
  if (type != od::json_type::array || value.get_array().get(array) != simdjson::SUCCESS) {
    return Status::InvalidArgument(field + " must be an array of ids", field);
  }
  for (auto element : array) {
    std::string_view id;
    if (element.get_string().get(id) != simdjson::SUCCESS) {
      return Status::InvalidArgument(field + " must be an array of ids", field);
    }
    if (!KnownId(taxonomy, kind, id)) {
      return Status::InvalidArgument(field + " holds an unknown id: " + std::string(id), field);
    }
    if (std::find(out->begin(), out->end(), id) == out->end()) out->emplace_back(id);
  }
  return Status::Ok();
}

Status ParseFilters(od::value& value, const Taxonomy& taxonomy, Filters* filters) {
  od::json_type type;
  if (TypeOf(value, &type) != simdjson::SUCCESS) return NotJson();
  if (type == od::json_type::null) return Status::Ok();
  od::object object;
  if (type != od::json_type::object || value.get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("filters must be an object", "filters");
  }
  for (auto member : object) {
    std::string_view key;
    od::value v;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(v) != simdjson::SUCCESS) {
      return NotJson();
    }
    Status s;
    if (key == "counties") {
      s = ParseIdList(v, taxonomy, IdKind::kCounty, "filters.counties", &filters->counties);
    } else if (key == "service_types") {
      s = ParseIdList(v, taxonomy, IdKind::kServiceType, "filters.service_types",
                      &filters->service_types);
    } else if (key == "fields") {
      s = ParseIdList(v, taxonomy, IdKind::kField, "filters.fields", &filters->fields);
    } else if (!CheckWellFormed(v).ok()) {  // other members are ignored, if well-formed
      return NotJson();
    }
    IISC_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

NeedLimits ToNeedLimits(const RequestLimits& limits) {
  NeedLimits need_limits;
  need_limits.max_description_chars = limits.max_description_chars;
  return need_limits;
}

}  // namespace

namespace {

// The media type of a Content-Type header (before any ";" parameters),
// compared case-insensitively with `want`.
bool MediaTypeIs(std::string_view content_type, std::string_view want) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  size_t begin = 0;
  size_t end = media.size();
  while (begin < end && (media[begin] == ' ' || media[begin] == '\t')) ++begin;
  while (end > begin && (media[end - 1] == ' ' || media[end - 1] == '\t')) --end;
  if (end - begin != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[begin + i])) != want[i]) return false;
  }
  return true;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  return MediaTypeIs(content_type, "application/json");
}

bool IsJsonLinesContentType(std::string_view content_type) {
  for (std::string_view type : {"application/x-ndjson", "application/jsonl",
                                "application/x-jsonlines", "application/jsonlines"}) {
    if (MediaTypeIs(content_type, type)) return true;
  }
  return false;
}

bool JsonTooDeepOrTrailing(std::string_view json, int max_depth, bool* trailing) {
  *trailing = false;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool closed = false;  // the first top-level container is complete
  for (const char c : json) {
    if (closed) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
      *trailing = true;
      return true;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > max_depth) return true;
        break;
      case '}':
      case ']':
        // Unbalanced input is left for the parser to reject.
        if (--depth == 0) closed = true;
        break;
      default: break;
    }
  }
  return false;
}

Result<RecommendRequest> ParseRecommendRequest(std::string& body, const Taxonomy& taxonomy,
                                               const RequestLimits& limits,
                                               RecommendBodyOptions options) {
  auto doc = Open(body, limits);
  if (!doc.ok()) return doc.status();
  od::object root;
  if (doc->get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  RecommendRequest request;
  request.k = limits.default_k;
  bool have_need = false;
  for (auto member : root) {
    std::string_view key;
    od::value value;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(value) != simdjson::SUCCESS) {
      return NotJson();
    }
    if (key == "need") {
      if (!options.need_in_body) {
        return Status::InvalidArgument("need is not taken where a stored need is named", "need");
      }
      if (have_need) return Status::InvalidArgument("need is given twice", "need");
      auto need = ParseNeed(value, &taxonomy, ToNeedLimits(limits), "need.");
      if (!need.ok()) return need.status();
      request.need = std::move(need).value();
      have_need = true;
    } else if (key == "k") {
      IISC_RETURN_IF_ERROR(ParseK(value, limits, &request.k));
    } else if (key == "filters") {
      IISC_RETURN_IF_ERROR(ParseFilters(value, taxonomy, &request.filters));
    } else if (!CheckWellFormed(value).ok()) {  // unknown members are ignored, if well-formed
      return NotJson();
    }
  }
  if (!have_need && options.need_in_body) {
    return Status::InvalidArgument("need is required", "need");
  }
  return request;
}

Result<Need> ParseNeedRequest(std::string& body, const Taxonomy& taxonomy,
                              const RequestLimits& limits) {
  auto doc = Open(body, limits);
  if (!doc.ok()) return doc.status();
  od::value root;
  if (doc->get_value().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the body must be a JSON object (the need)");
  }
  return ParseNeed(root, &taxonomy, ToNeedLimits(limits), "");
}

namespace {

constexpr size_t kMaxIdBytes = 128;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

bool IsSafeId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdBytes && id != "." && id != ".." &&
         std::all_of(id.begin(), id.end(), IsIdChar);
}

// Depth and trailing-content checks of one JSON document, as for every body.
Status CheckShape(std::string_view json, const RequestLimits& limits) {
  bool trailing = false;
  if (!JsonTooDeepOrTrailing(json, limits.max_json_depth, &trailing)) return Status::Ok();
  if (trailing) return Status::InvalidArgument("more than one JSON value");
  return Status::InvalidArgument("JSON nested deeper than " +
                                 std::to_string(limits.max_json_depth) + " levels");
}

Result<Complex> ParseRecord(std::string_view json, const Taxonomy& taxonomy,
                            const RequestLimits& limits) {
  IISC_RETURN_IF_ERROR(CheckShape(json, limits));
  auto complex = ParseComplexJson(json, &taxonomy);
  if (!complex.ok()) return complex.status();
  IISC_RETURN_IF_ERROR(CheckCatalogIds(*complex));
  return complex;
}

}  // namespace

Status CheckCatalogIds(const Complex& complex) {
  if (!IsSafeId(complex.id)) {
    return Status::InvalidArgument(
        "complex id must be 1 to 128 letters, digits, '.', '_' or '-' (not \".\" or \"..\")",
        "id");
  }
  for (size_t i = 0; i < complex.services.size(); ++i) {
    const std::string& id = complex.services[i].id;
    const std::string_view suffix = std::string_view(id).substr(
        std::min(id.size(), complex.id.size() + 1));
    if (!id.starts_with(complex.id + "/") || !IsSafeId(suffix)) {
      return Status::InvalidArgument("service id must be \"" + complex.id +
                                         "/\" followed by 1 to 128 letters, digits, '.', '_' "
                                         "or '-'",
                                     "services[" + std::to_string(i) + "].id");
    }
  }
  return Status::Ok();
}

Result<Complex> ParseComplexRequest(std::string& body, std::string_view path_id,
                                    const Taxonomy& taxonomy, const RequestLimits& limits) {
  auto complex = ParseRecord(body, taxonomy, limits);
  if (!complex.ok()) return complex.status();
  if (complex->id != path_id) {
    return Status::InvalidArgument("the record's id \"" + complex->id +
                                       "\" differs from the id in the path \"" +
                                       std::string(path_id) + "\"",
                                   "id");
  }
  return complex;
}

Result<std::vector<Complex>> ParseCatalogImport(std::string_view body, const Taxonomy& taxonomy,
                                                const RequestLimits& limits) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (body.starts_with(kByteOrderMark)) body.remove_prefix(kByteOrderMark.size());
  std::vector<Complex> complexes;
  std::unordered_set<std::string> ids;
  size_t line_number = 0;
  for (size_t pos = 0; pos < body.size();) {
    ++line_number;
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string at = "line " + std::to_string(line_number) + ": ";
    auto complex = ParseRecord(line, taxonomy, limits);
    if (!complex.ok()) {
      return Status::InvalidArgument(at + complex.status().message(), complex.status().field());
    }
    if (!ids.insert(complex->id).second) {
      return Status::InvalidArgument(at + "complex \"" + complex->id + "\" is listed twice", "id");
    }
    complexes.push_back(std::move(complex).value());
  }
  if (complexes.empty()) {
    return Status::InvalidArgument("the body holds no catalog records (one JSON object per line)");
  }
  return complexes;
}

Result<std::string> ParseBackupRequest(std::string& body, const RequestLimits& limits) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::string();
  auto doc = Open(body, limits);
  if (!doc.ok()) return doc.status();
  od::object root;
  if (doc->get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  std::string name;
  for (auto member : root) {
    std::string_view key;
    od::value value;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(value) != simdjson::SUCCESS) {
      return NotJson();
    }
    if (key != "name") continue;
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return Status::InvalidArgument("name must be a non-empty string", "name");
    }
    name.assign(text);
  }
  return name;
}

namespace {

constexpr size_t kMaxNoteChars = 2000;  // messages, reasons, comments (code points)

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// Reads a JSON object body member by member; `read` sees each known key.
Status ForEachMember(std::string& body, const RequestLimits& limits, bool allow_empty,
                     const std::function<Status(std::string_view key, od::value& value)>& read) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return allow_empty ? Status::Ok() : Status::InvalidArgument("the body must be a JSON object");
  }
  auto doc = Open(body, limits);
  if (!doc.ok()) return doc.status();
  od::object root;
  if (doc->get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  std::unordered_set<std::string> seen;
  for (auto member : root) {
    std::string_view key;
    od::value value;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(value) != simdjson::SUCCESS) {
      return NotJson();
    }
    if (!seen.insert(std::string(key)).second) {
      return Status::InvalidArgument("member \"" + std::string(key) + "\" is given twice",
                                     std::string(key));
    }
    IISC_RETURN_IF_ERROR(read(key, value));
  }
  return Status::Ok();
}

Status ReadNote(od::value& value, std::string_view name, bool required, std::string* out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string(name) + " must be a string", std::string(name));
  }
  if (CodePoints(text) > kMaxNoteChars) {
    return Status::InvalidArgument(std::string(name) + " is longer than " +
                                       std::to_string(kMaxNoteChars) + " characters",
                                   std::string(name));
  }
  if (required && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(std::string(name) + " must not be blank", std::string(name));
  }
  out->assign(text);
  return Status::Ok();
}

Status ReadId(od::value& value, std::string_view name, std::string* out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS || text.empty() || text.size() > 300) {
    return Status::InvalidArgument(std::string(name) + " must be a service id", std::string(name));
  }
  out->assign(text);
  return Status::Ok();
}

}  // namespace

Result<ServiceRequestBody> ParseServiceRequestBody(std::string& body, const RequestLimits& limits) {
  ServiceRequestBody out;
  bool has_ids = false;
  IISC_RETURN_IF_ERROR(ForEachMember(body, limits, false, [&](std::string_view key, od::value& value) {
    if (key == "message") return ReadNote(value, "message", false, &out.message);
    if (key != "capability_ids") return Status::Ok();
    od::array ids;
    if (value.get_array().get(ids) != simdjson::SUCCESS) {
      return Status::InvalidArgument("capability_ids must be an array of service ids", "capability_ids");
    }
    has_ids = true;
    for (auto element : ids) {
      od::value id_value;
      if (element.get(id_value) != simdjson::SUCCESS) return NotJson();
      const std::string field = "capability_ids[" + std::to_string(out.capability_ids.size()) + "]";
      std::string id;
      IISC_RETURN_IF_ERROR(ReadId(id_value, field, &id));
      out.capability_ids.push_back(std::move(id));
      if (out.capability_ids.size() > 20) {
        return Status::InvalidArgument("request at most 20 services at once", "capability_ids");
      }
    }
    return Status::Ok();
  }));
  if (!has_ids || out.capability_ids.empty()) {
    return Status::InvalidArgument("capability_ids must name at least one service", "capability_ids");
  }
  return out;
}

Result<ActionInput> ParseActionBody(std::string& body, RequestAction action,
                                    const RequestLimits& limits) {
  ActionInput in;
  IISC_RETURN_IF_ERROR(ForEachMember(body, limits, true, [&](std::string_view key, od::value& value) {
    switch (action) {
      case RequestAction::kDecline:
        if (key == "reason") return ReadNote(value, "reason", true, &in.reason);
        break;
      case RequestAction::kPropose:
        if (key == "capability_id") return ReadId(value, "capability_id", &in.capability_id);
        if (key == "message") return ReadNote(value, "message", false, &in.message);
        break;
      case RequestAction::kRate:
        if (key == "comment") return ReadNote(value, "comment", false, &in.comment);
        if (key == "rating") {
          int64_t rating = 0;
          if (value.get_int64().get(rating) != simdjson::SUCCESS || rating < 1 || rating > 5) {
            return Status::InvalidArgument("rating must be an integer from 1 to 5", "rating");
          }
          in.rating = static_cast<int>(rating);
        }
        break;
      default:
        break;
    }
    return Status::Ok();
  }));
  if (action == RequestAction::kDecline && in.reason.empty()) {
    return Status::InvalidArgument("a decline needs a reason the SME can read", "reason");
  }
  if (action == RequestAction::kPropose && in.capability_id.empty()) {
    return Status::InvalidArgument("name the service proposed instead", "capability_id");
  }
  if (action == RequestAction::kRate && in.rating == 0) {
    return Status::InvalidArgument("rating must be an integer from 1 to 5", "rating");
  }
  return in;
}

Result<ComplexTokenBody> ParseComplexTokenBody(std::string& body, const RequestLimits& limits) {
  ComplexTokenBody out;
  IISC_RETURN_IF_ERROR(ForEachMember(body, limits, false, [&](std::string_view key, od::value& value) {
    if (key == "complex_id") {
      std::string_view id;
      if (value.get_string().get(id) != simdjson::SUCCESS || id.empty()) {
        return Status::InvalidArgument("complex_id must be a complex id", "complex_id");
      }
      out.complex_id.assign(id);
    } else if (key == "name") {
      IISC_RETURN_IF_ERROR(ReadNote(value, "name", false, &out.name));
      if (out.name.size() > 200) return Status::InvalidArgument("name is too long", "name");
    }
    return Status::Ok();
  }));
  if (out.complex_id.empty()) return Status::InvalidArgument("complex_id is required", "complex_id");
  return out;
}

Result<AssignmentRequest> ParseAssignmentBody(std::string& body, const RequestLimits& limits) {
  AssignmentRequest out;
  IISC_RETURN_IF_ERROR(ForEachMember(body, limits, true, [&](std::string_view key, od::value& value) {
    if (key == "candidates_per_type") {
      int64_t k = 0;
      if (value.get_int64().get(k) != simdjson::SUCCESS || k < 1 || k > 50) {
        return Status::InvalidArgument("candidates_per_type must be an integer from 1 to 50",
                                       "candidates_per_type");
      }
      out.candidates_per_type = static_cast<int>(k);
    } else if (key == "objective") {
      std::string_view objective;
      if (value.get_string().get(objective) != simdjson::SUCCESS ||
          (objective != "fill_first" && objective != "score_only")) {
        return Status::InvalidArgument("objective must be \"fill_first\" or \"score_only\"", "objective");
      }
      out.objective = objective == "score_only" ? AssignmentObjective::kScoreOnly
                                                : AssignmentObjective::kFillFirst;
    }
    return Status::Ok();
  }));
  return out;
}

Result<DeskBody> ParseDeskBody(std::string& body, bool toml_required, const RequestLimits& limits) {
  DeskBody out;
  IISC_RETURN_IF_ERROR(ForEachMember(body, limits, !toml_required, [&](std::string_view key, od::value& value) {
    if (key == "toml") {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
        return Status::InvalidArgument("toml must be the whole scoring configuration as a string", "toml");
      }
      out.toml.assign(text);
    } else if (key == "reason") {
      return ReadNote(value, "reason", false, &out.reason);
    } else if (key == "last_n" || key == "from_unix_ms" || key == "to_unix_ms") {
      int64_t n = 0;
      if (value.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
        return Status::InvalidArgument(std::string(key) + " must be a non-negative integer", std::string(key));
      }
      (key == "last_n" ? out.last_n : key == "from_unix_ms" ? out.from_unix_ms : out.to_unix_ms) = n;
    }
    return Status::Ok();
  }));
  if (toml_required && out.toml.empty()) return Status::InvalidArgument("toml is required", "toml");
  return out;
}

Result<WhyNotBody> ParseWhyNotBody(std::string& body, const Taxonomy& taxonomy, const RequestLimits& limits) {
  WhyNotBody out;
  bool has_need = false;
  std::string copy = body;
  IISC_RETURN_IF_ERROR(ForEachMember(copy, limits, false, [&](std::string_view key, od::value& value) {
    std::string* target = key == "need_id"         ? &out.need_id
                          : key == "capability_id" ? &out.capability_id
                          : key == "complex_id"    ? &out.complex_id
                                                   : nullptr;
    if (key == "need") has_need = true;
    if (target == nullptr) return Status::Ok();
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS || text.empty() || text.size() > 300) {
      return Status::InvalidArgument(std::string(key) + " must be an id", std::string(key));
    }
    target->assign(text);
    return Status::Ok();
  }));
  if (out.capability_id.empty() == out.complex_id.empty()) {
    return Status::InvalidArgument("name one capability_id or one complex_id", "capability_id");
  }
  if (has_need == !out.need_id.empty()) {
    return Status::InvalidArgument("give the need itself (need) or a stored need's id (need_id)", "need");
  }
  auto request = ParseRecommendRequest(body, taxonomy, limits, {.need_in_body = has_need});
  if (!request.ok()) return request.status();
  out.request = std::move(request).value();
  return out;
}

namespace {

// The query string of a request target (what follows the first '?') as
// Boost.URL reads it: a std::string, since 1.81's parse_query reads its
// argument up to a NUL whatever the view's length (boostorg/url#757), and
// a request target is a view into the request.
using ParsedQuery = boost::urls::result<boost::urls::params_encoded_view>;
std::optional<ParsedQuery> ParseQueryOf(std::string_view target, std::string* copy) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  copy->assign(target.substr(question + 1));
  if (copy->find('\0') != std::string::npos) return ParsedQuery(boost::urls::error::illegal_null);
  return boost::urls::parse_query(*copy);
}

}  // namespace

Status CheckQueryString(std::string_view target) {
  std::string query;
  const std::optional<ParsedQuery> params = ParseQueryOf(target, &query);
  if (!params || *params) return Status::Ok();
  return Status::InvalidArgument("the query string is not valid (" + params->error().message() +
                                     "): percent-encode it as RFC 3986 says",
                                 "query");
}

std::optional<std::string> QueryParameter(std::string_view target, std::string_view name) {
  std::string query;
  const std::optional<ParsedQuery> params = ParseQueryOf(target, &query);
  if (!params || !*params) return std::nullopt;
  // Forms write a space as '+'.
  const boost::urls::encoding_opts form{/*space_as_plus=*/true, false, false};
  for (const boost::urls::param_pct_view& param : **params) {
    if (param.key.decode(form) != name) continue;
    return param.has_value ? param.value.decode(form) : std::string();
  }
  return std::nullopt;
}

}  // namespace iisc
