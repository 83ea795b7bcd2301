#include "server/request_parser.h"

#include <algorithm>
#include <cctype>

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

bool IsJsonContentType(std::string_view content_type) {
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  size_t begin = 0;
  size_t end = media.size();
  while (begin < end && (media[begin] == ' ' || media[begin] == '\t')) ++begin;
  while (end > begin && (media[end - 1] == ' ' || media[end - 1] == '\t')) --end;
  constexpr std::string_view kJson = "application/json";
  if (end - begin != kJson.size()) return false;
  for (size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[begin + i])) != kJson[i]) return false;
  }
  return true;
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
                                               const RequestLimits& limits) {
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
  if (!have_need) return Status::InvalidArgument("need is required", "need");
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

}  // namespace iisc
