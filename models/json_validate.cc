#include "models/json_validate.h"

#include "models/json_reader.h"

namespace iisc {

namespace {

namespace ondemand = simdjson::ondemand;

Status Malformed(simdjson::error_code error) {
  return Status::InvalidArgument(json_reader::DescribeParseError(error));
}

}  // namespace

simdjson::error_code TypeOf(ondemand::value& value, ondemand::json_type* type) {
  if (const auto error = value.type().get(*type)) return error;
  if (*type != ondemand::json_type::null) return simdjson::SUCCESS;
  bool is_null = false;
  if (const auto error = value.is_null().get(is_null)) return error;
  return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
}

Status CheckWellFormed(ondemand::value& value) {
  ondemand::json_type type;
  if (const auto error = TypeOf(value, &type)) return Malformed(error);
  simdjson::error_code error = simdjson::SUCCESS;
  switch (type) {
    case ondemand::json_type::array: {
      ondemand::array array;
      if ((error = value.get_array().get(array))) break;
      for (auto item : array) {
        ondemand::value element;
        if ((error = std::move(item).get(element))) break;
        IISC_RETURN_IF_ERROR(CheckWellFormed(element));
      }
      break;
    }
    case ondemand::json_type::object: {
      ondemand::object object;
      if ((error = value.get_object().get(object))) break;
      for (auto member : object) {
        ondemand::field entry;
        if ((error = std::move(member).get(entry))) break;
        std::string_view key;
        if ((error = entry.unescaped_key().get(key))) break;
        IISC_RETURN_IF_ERROR(CheckWellFormed(entry.value()));
      }
      break;
    }
    case ondemand::json_type::number: {
      ondemand::number number;
      error = value.get_number().get(number);
      break;
    }
    case ondemand::json_type::string: {
      std::string_view text;
      error = value.get_string().get(text);
      break;
    }
    case ondemand::json_type::boolean: {
      bool flag;
      error = value.get_bool().get(flag);
      break;
    }
    case ondemand::json_type::null:
      break;  // TypeOf checked the atom
  }
  return error ? Malformed(error) : Status::Ok();
}

}  // namespace iisc
