#include "models/need.h"

#include <algorithm>
#include <utility>

#include "models/json_reader.h"
#include "models/json_validate.h"
#include "models/json_writer.h"
#include "models/text.h"
#include "models/utf8.h"

namespace iisc {

namespace {

namespace ondemand = simdjson::ondemand;

enum class Member : unsigned {
  kUnknown = 0,
  kDescription = 1u << 0,
  kCounty = 1u << 1,
  kField = 1u << 2,
  kServiceTypes = 1u << 3,
  kSize = 1u << 4,
  kEnterprise = 1u << 5,
};

Member LookupMember(std::string_view key) {
  if (key == "description") return Member::kDescription;
  if (key == "county") return Member::kCounty;
  if (key == "field") return Member::kField;
  if (key == "service_types") return Member::kServiceTypes;
  if (key == "size") return Member::kSize;
  if (key == "enterprise") return Member::kEnterprise;
  return Member::kUnknown;
}

Status Malformed(simdjson::error_code error) {
  return Status::InvalidArgument(json_reader::DescribeParseError(error));
}

bool IsBlank(std::string_view utf8_text) {
  size_t pos = 0;
  while (pos < utf8_text.size()) {
    if (!utf8::IsBlankCodePoint(utf8::Decode(utf8_text, &pos))) return false;
  }
  return true;
}

// Reads a string or null (absent). `*present` tells which.
Status ReadOptionalString(ondemand::value& value, const std::string& field, std::string* out,
                          bool* present) {
  ondemand::json_type type;
  if (const auto error = TypeOf(value, &type)) return Malformed(error);
  *present = type != ondemand::json_type::null;
  if (!*present) return Status::Ok();
  std::string_view text;
  if (type != ondemand::json_type::string) return Status::InvalidArgument("must be a string", field);
  if (const auto error = value.get_string().get(text)) return Malformed(error);
  out->assign(text);
  return Status::Ok();
}

// An id member: a string naming an entry of the taxonomy, or null. An empty
// string means "not given", as an unselected form field sends it.
using IndexOf = int (Taxonomy::*)(std::string_view) const;
Status ReadTaxonomyId(ondemand::value& value, const std::string& field, const char* what,
              const Taxonomy* taxonomy, IndexOf index_of, std::string* out) {
  bool present = false;
  IISC_RETURN_IF_ERROR(ReadOptionalString(value, field, out, &present));
  if (!present || out->empty() || taxonomy == nullptr) return Status::Ok();
  if ((taxonomy->*index_of)(*out) < 0) {
    return Status::InvalidArgument(std::string("unknown ") + what + " \"" + *out + "\"", field);
  }
  return Status::Ok();
}

Status ReadServiceTypes(ondemand::value& value, const std::string& field,
                        const Taxonomy* taxonomy, std::vector<std::string>* out) {
  ondemand::json_type type;
  if (const auto error = TypeOf(value, &type)) return Malformed(error);
  if (type == ondemand::json_type::null) return Status::Ok();
  if (type != ondemand::json_type::array) {
    return Status::InvalidArgument("must be an array of service type ids", field);
  }
  ondemand::array array;
  if (const auto error = value.get_array().get(array)) return Malformed(error);
  out->clear();
  for (auto item : array) {
    std::string_view id;
    if (const auto error = item.get_string().get(id)) {
      if (error == simdjson::INCORRECT_TYPE) {
        return Status::InvalidArgument("must be an array of service type ids", field);
      }
      return Malformed(error);
    }
    if (taxonomy != nullptr && taxonomy->ServiceTypeIndex(id) < 0) {
      return Status::InvalidArgument("unknown service type \"" + std::string(id) + "\"", field);
    }
    // Repeats carry no meaning; keep the first occurrence's order.
    if (std::find(out->begin(), out->end(), id) == out->end()) out->emplace_back(id);
  }
  return Status::Ok();
}

Status ReadEnterprise(ondemand::value& value, const std::string& field, Need* need) {
  ondemand::json_type type;
  if (const auto error = TypeOf(value, &type)) return Malformed(error);
  if (type == ondemand::json_type::null) return Status::Ok();
  if (type != ondemand::json_type::object) return Status::InvalidArgument("must be an object", field);
  ondemand::object object;
  if (const auto error = value.get_object().get(object)) return Malformed(error);
  for (auto member : object) {
    ondemand::field entry;
    if (const auto error = std::move(member).get(entry)) return Malformed(error);
    std::string_view key;
    if (const auto error = entry.unescaped_key().get(key)) return Malformed(error);
    std::string* target = key == "name" ? &need->enterprise_name
                          : key == "contact" ? &need->enterprise_contact
                                             : nullptr;
    ondemand::value member_value = entry.value();
    if (target == nullptr) {  // unknown members are ignored
      IISC_RETURN_IF_ERROR(CheckWellFormed(member_value));
      continue;
    }
    bool present = false;
    IISC_RETURN_IF_ERROR(
        ReadOptionalString(member_value, field + "." + std::string(key), target, &present));
  }
  return Status::Ok();
}

Status CheckDescription(const std::string& description, const NeedLimits& limits,
                        const std::string& field) {
  if (!IsValidUtf8(description)) return Status::InvalidArgument("must be valid UTF-8", field);
  const size_t length = CountCodePoints(description);
  if (length == 0 || length > limits.max_description_chars) {
    return Status::InvalidArgument(
        "must be 1 to " + std::to_string(limits.max_description_chars) + " characters", field);
  }
  if (IsBlank(description)) return Status::InvalidArgument("must not be blank", field);
  // Free text has no use for NUL and the other C0 controls (tabs and line
  // breaks excepted); they only break the logs and tools that show it.
  for (const char c : limits.allow_control_characters ? std::string_view() : description) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7F) {
      return Status::InvalidArgument("must not contain control characters", field);
    }
  }
  return Status::Ok();
}

ondemand::parser& ThreadParser() {
  thread_local ondemand::parser parser;
  return parser;
}

}  // namespace

Result<Need> ParseNeed(ondemand::value& object, const Taxonomy* taxonomy, const NeedLimits& limits,
                       std::string_view field_prefix) {
  const auto field_of = [&](std::string_view member) {
    std::string name(field_prefix);
    name.append(member);
    return name;
  };
  ondemand::object members;
  if (const auto error = object.get_object().get(members)) {
    if (error != simdjson::INCORRECT_TYPE) return Malformed(error);
    std::string_view self = field_prefix;
    if (!self.empty() && self.back() == '.') self.remove_suffix(1);
    return Status::InvalidArgument("must be an object", std::string(self));
  }

  Need need;
  unsigned seen = 0;
  for (auto member : members) {
    ondemand::field entry;
    if (const auto error = std::move(member).get(entry)) return Malformed(error);
    std::string_view key;
    if (const auto error = entry.unescaped_key().get(key)) return Malformed(error);
    const Member which = LookupMember(key);
    ondemand::value value = entry.value();
    if (which == Member::kUnknown) {
      IISC_RETURN_IF_ERROR(CheckWellFormed(value));
      continue;
    }
    const std::string field = field_of(key);
    // A repeated member would make the need ambiguous.
    if (seen & static_cast<unsigned>(which)) return Status::InvalidArgument("repeated member", field);
    seen |= static_cast<unsigned>(which);

    bool present = false;
    switch (which) {
      case Member::kDescription:
        IISC_RETURN_IF_ERROR(ReadOptionalString(value, field, &need.description, &present));
        if (!present) return Status::InvalidArgument("required member is missing", field);
        IISC_RETURN_IF_ERROR(CheckDescription(need.description, limits, field));
        break;
      case Member::kCounty:
        IISC_RETURN_IF_ERROR(
            ReadTaxonomyId(value, field, "county", taxonomy, &Taxonomy::CountyIndex, &need.county));
        break;
      case Member::kField:
        IISC_RETURN_IF_ERROR(
            ReadTaxonomyId(value, field, "field", taxonomy, &Taxonomy::FieldIndex, &need.field));
        break;
      case Member::kSize:
        IISC_RETURN_IF_ERROR(
            ReadTaxonomyId(value, field, "enterprise size", taxonomy, &Taxonomy::SizeIndex, &need.size));
        break;
      case Member::kServiceTypes:
        IISC_RETURN_IF_ERROR(ReadServiceTypes(value, field, taxonomy, &need.service_types));
        break;
      case Member::kEnterprise:
        IISC_RETURN_IF_ERROR(ReadEnterprise(value, field, &need));
        break;
      case Member::kUnknown:
        break;
    }
  }
  if (!(seen & static_cast<unsigned>(Member::kDescription))) {
    return Status::InvalidArgument("required member is missing", field_of("description"));
  }
  return need;
}

Result<Need> ParseNeedJson(std::string_view json, const Taxonomy* taxonomy,
                           const NeedLimits& limits) {
  constexpr std::string_view kPrefix = "need.";
  const simdjson::padded_string padded(json);
  ondemand::document document;
  if (const auto error = ThreadParser().iterate(padded).get(document)) return Malformed(error);
  ondemand::value root;
  if (const auto error = document.get_value().get(root)) {
    // A scalar root (a string, a number) is well-formed JSON but not a need.
    if (error == simdjson::SCALAR_DOCUMENT_AS_VALUE || error == simdjson::INCORRECT_TYPE) {
      return Status::InvalidArgument("must be an object", "need");
    }
    return Malformed(error);
  }
  Result<Need> need = ParseNeed(root, taxonomy, limits, kPrefix);
  if (!need.ok()) return need;
  // On-demand parsing stops at the end of the object; anything after it
  // (a second value) makes the document invalid.
  const char* rest = nullptr;
  if (document.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidArgument("unexpected content after the need object");
  }
  return need;
}

std::string NeedToJson(const Need& need) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("description").String(need.description);
  if (!need.county.empty()) w.Key("county").String(need.county);
  if (!need.field.empty()) w.Key("field").String(need.field);
  if (!need.service_types.empty()) {
    w.Key("service_types").BeginArray();
    for (const std::string& type : need.service_types) w.String(type);
    w.EndArray();
  }
  if (!need.size.empty()) w.Key("size").String(need.size);
  if (!need.enterprise_name.empty() || !need.enterprise_contact.empty()) {
    w.Key("enterprise").BeginObject();
    if (!need.enterprise_name.empty()) w.Key("name").String(need.enterprise_name);
    if (!need.enterprise_contact.empty()) w.Key("contact").String(need.enterprise_contact);
    w.EndObject();
  }
  w.EndObject();
  return out;
}

bool operator==(const Need& a, const Need& b) {
  return a.description == b.description && a.county == b.county && a.field == b.field &&
         a.service_types == b.service_types && a.size == b.size &&
         a.enterprise_name == b.enterprise_name && a.enterprise_contact == b.enterprise_contact;
}

}  // namespace iisc
