// Typed member access on simdjson DOM objects for the taxonomy and catalog
// loaders. Every error is an InvalidArgument naming the member by its path
// ("services[2].type"). Internal to models/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "models/status.h"
#include "models/taxonomy.h"

namespace iisc::json_reader {

// "parent.member", or "member" at the top level (empty parent).
std::string Path(std::string_view parent, std::string_view member);
// "parent[index]".
std::string Path(std::string_view parent, size_t index);

// A member that is missing or JSON null reads as absent.
struct Member {
  bool present = false;
  simdjson::dom::element value;
};
Member Find(simdjson::dom::object object, std::string_view key);

// Each Read* fails when the member is required but absent, or present with
// the wrong type. An absent optional member leaves `*out` untouched.
Status ReadString(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, std::string* out);
// Like ReadString, and the value must not be empty.
Status ReadId(simdjson::dom::object object, std::string_view parent, std::string_view key,
              std::string* out);
Status ReadStringArray(simdjson::dom::object object, std::string_view parent,
                       std::string_view key, bool required, std::vector<std::string>* out);
Status ReadDouble(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, double* out);
Status ReadInt(simdjson::dom::object object, std::string_view parent, std::string_view key,
               bool required, int64_t* out);
Status ReadBool(simdjson::dom::object object, std::string_view parent, std::string_view key,
                bool required, bool* out);
Status ReadObject(simdjson::dom::object object, std::string_view parent, std::string_view key,
                  bool required, simdjson::dom::object* out, bool* present);
Status ReadArray(simdjson::dom::object object, std::string_view parent, std::string_view key,
                 bool required, simdjson::dom::array* out, bool* present);
// {"zh": "...", "en": "..."}: zh required and not empty, en optional.
Status ReadLocalized(simdjson::dom::object object, std::string_view parent,
                     std::string_view key, bool required, LocalizedText* out);

// The message for a document simdjson rejected ("invalid UTF-8", ...).
std::string DescribeParseError(simdjson::error_code error);

}  // namespace iisc::json_reader
