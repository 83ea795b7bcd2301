#include "models/json_reader.h"

namespace iisc::json_reader {

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

Status Missing(std::string_view parent, std::string_view key) {
  return Status::InvalidArgument("required member is missing", Path(parent, key));
}

Status WrongType(std::string_view parent, std::string_view key, const char* expected) {
  return Status::InvalidArgument(std::string("must be ") + expected, Path(parent, key));
}

// Shared by the Read* functions: absent is an error only when required.
Status Locate(simdjson::dom::object object, std::string_view parent, std::string_view key,
              bool required, Member* member) {
  *member = Find(object, key);
  if (!member->present && required) return Missing(parent, key);
  return Status::Ok();
}

}  // namespace

std::string Path(std::string_view parent, std::string_view member) {
  std::string path;
  path.reserve(parent.size() + member.size() + 1);
  path.append(parent);
  if (!parent.empty()) path.push_back('.');
  path.append(member);
  return path;
}

std::string Path(std::string_view parent, size_t index) {
  std::string path(parent);
  path.push_back('[');
  path.append(std::to_string(index));
  path.push_back(']');
  return path;
}

Member Find(simdjson::dom::object object, std::string_view key) {
  Member member;
  if (object.at_key(key).get(member.value) == simdjson::SUCCESS) {
    member.present = !member.value.is_null();
  }
  return member;
}

Status ReadString(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, std::string* out) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  if (!m.present) return Status::Ok();
  std::string_view value;
  if (m.value.get(value) != simdjson::SUCCESS) return WrongType(parent, key, "a string");
  out->assign(value);
  return Status::Ok();
}

Status ReadId(simdjson::dom::object object, std::string_view parent, std::string_view key,
              std::string* out) {
  IISC_RETURN_IF_ERROR(ReadString(object, parent, key, /*required=*/true, out));
  if (out->empty()) return Status::InvalidArgument("must not be empty", Path(parent, key));
  return Status::Ok();
}

Status ReadStringArray(simdjson::dom::object object, std::string_view parent,
                       std::string_view key, bool required, std::vector<std::string>* out) {
  simdjson::dom::array array;
  bool present = false;
  IISC_RETURN_IF_ERROR(ReadArray(object, parent, key, required, &array, &present));
  if (!present) return Status::Ok();
  out->clear();
  out->reserve(array.size());
  size_t index = 0;
  for (element item : array) {
    std::string_view value;
    if (item.get(value) != simdjson::SUCCESS) {
      return Status::InvalidArgument("must be a string", Path(Path(parent, key), index));
    }
    out->emplace_back(value);
    ++index;
  }
  return Status::Ok();
}

Status ReadDouble(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, double* out) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  if (!m.present) return Status::Ok();
  // get_double also accepts integers ("rating": 4).
  if (m.value.get_double().get(*out) != simdjson::SUCCESS) {
    return WrongType(parent, key, "a number");
  }
  return Status::Ok();
}

Status ReadInt(simdjson::dom::object object, std::string_view parent, std::string_view key,
               bool required, int64_t* out) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  if (!m.present) return Status::Ok();
  if (m.value.get_int64().get(*out) != simdjson::SUCCESS) {
    return WrongType(parent, key, "an integer");
  }
  return Status::Ok();
}

Status ReadBool(simdjson::dom::object object, std::string_view parent, std::string_view key,
                bool required, bool* out) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  if (!m.present) return Status::Ok();
  if (m.value.get_bool().get(*out) != simdjson::SUCCESS) {
    return WrongType(parent, key, "true or false");
  }
  return Status::Ok();
}

Status ReadObject(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, simdjson::dom::object* out, bool* present) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  *present = m.present;
  if (!m.present) return Status::Ok();
  if (m.value.get_object().get(*out) != simdjson::SUCCESS) {
    return WrongType(parent, key, "an object");
  }
  return Status::Ok();
}

Status ReadArray(simdjson::dom::object object, std::string_view parent, std::string_view key,
                 bool required, simdjson::dom::array* out, bool* present) {
  Member m;
  IISC_RETURN_IF_ERROR(Locate(object, parent, key, required, &m));
  *present = m.present;
  if (!m.present) return Status::Ok();
  if (m.value.get_array().get(*out) != simdjson::SUCCESS) {
    return WrongType(parent, key, "an array");
  }
  return Status::Ok();
}

Status ReadLocalized(simdjson::dom::object object, std::string_view parent,
                     std::string_view key, bool required, LocalizedText* out) {
  simdjson::dom::object text;
  bool present = false;
  IISC_RETURN_IF_ERROR(ReadObject(object, parent, key, required, &text, &present));
  if (!present) return Status::Ok();
  const std::string path = Path(parent, key);
  LocalizedText value;
  IISC_RETURN_IF_ERROR(ReadId(text, path, "zh", &value.zh));
  IISC_RETURN_IF_ERROR(ReadString(text, path, "en", /*required=*/false, &value.en));
  *out = std::move(value);
  return Status::Ok();
}

std::string DescribeParseError(simdjson::error_code error) {
  switch (error) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::EMPTY: return "empty document";
    case simdjson::CAPACITY: return "document too large";
    default: return std::string("malformed JSON: ") + simdjson::error_message(error);
  }
}

}  // namespace iisc::json_reader
