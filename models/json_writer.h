// A small streaming JSON writer: appends to a std::string, escapes strings
// per RFC 8259, writes finite numbers with enough digits to round-trip.
// Not thread-safe; one writer per output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace iisc {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Number(double value);  // non-finite values are written as null
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialized JSON as one value.
  JsonWriter& Raw(std::string_view json);
  // Inserts already-serialized members ("a":1,"b":2) into the open object;
  // nothing when `members` is empty.
  JsonWriter& RawMembers(std::string_view members);

 private:
  void BeforeValue();
  std::string* out_;
  bool need_comma_ = false;
};

// Appends `value` to `out` as a quoted, escaped JSON string. Invalid UTF-8 is
// replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string* out, std::string_view value);

}  // namespace iisc
