#include "models/json_writer.h"

#include <charconv>
#include <cmath>

#include "models/utf8.h"

namespace iisc {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendEscapedByte(std::string* out, unsigned char c) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    default:
      out->append("\\u00");
      out->push_back(kHexDigits[c >> 4]);
      out->push_back(kHexDigits[c & 0xF]);
  }
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void AppendJsonString(std::string* out, std::string_view value) {
  out->reserve(out->size() + value.size() + 2);
  out->push_back('"');
  size_t pos = 0;
  while (pos < value.size()) {
    // Copy the longest run of plain ASCII in one append: the common case.
    size_t run_end = pos;
    while (run_end < value.size()) {
      const auto c = static_cast<unsigned char>(value[run_end]);
      if (c >= 0x80 || NeedsEscape(c)) break;
      ++run_end;
    }
    out->append(value.data() + pos, run_end - pos);
    pos = run_end;
    if (pos == value.size()) break;

    const auto c = static_cast<unsigned char>(value[pos]);
    if (c < 0x80) {
      AppendEscapedByte(out, c);
      ++pos;
      continue;
    }
    const size_t start = pos;
    if (utf8::Decode(value, &pos) == utf8::kInvalid) {
      utf8::Append(out, utf8::kReplacement);
    } else {
      out->append(value.data() + start, pos - start);
    }
  }
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_->push_back(':');
  // The value that follows belongs to this key: no comma before it.
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  if (!std::isfinite(value)) return Null();
  BeforeValue();
  // Shortest form that parses back to the same double; it never uses a
  // leading '+', "inf" or "nan", so it is always a valid JSON number.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, result.ptr);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
  return *this;
}

}  // namespace iisc
