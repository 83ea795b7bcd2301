#include "models/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <simdjson.h>

#include "models/hash.h"
#include "models/utf8.h"

namespace iisc {

namespace {

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
      AppendHexByte(out, c);
  }
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// True when none of the 8 bytes at p needs escaping: none is a control
// character, '"' or '\\' (SWAR; each test is exact for "any byte").
bool NoEscape8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const uint64_t control = (v - kOnes * 0x20) & ~v;
  const uint64_t quote = v ^ (kOnes * '"');
  const uint64_t backslash = v ^ (kOnes * '\\');
  const uint64_t zero_quote = (quote - kOnes) & ~quote;
  const uint64_t zero_backslash = (backslash - kOnes) & ~backslash;
  return ((control | zero_quote | zero_backslash) & kHigh) == 0;
}

bool Ascii8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return (v & 0x8080808080808080ULL) == 0;
}

// Well-formed UTF-8 (the common case): only ASCII bytes can need escaping,
// since every byte of a multi-byte sequence is >= 0x80.
void AppendValidUtf8(std::string* out, std::string_view value) {
  size_t pos = 0;
  while (pos < value.size()) {
    size_t run_end = pos;
    for (;;) {
      while (run_end + 8 <= value.size() && NoEscape8(value.data() + run_end)) run_end += 8;
      if (run_end == value.size() || NeedsEscape(static_cast<unsigned char>(value[run_end]))) break;
      ++run_end;
    }
    out->append(value.data() + pos, run_end - pos);
    if (run_end == value.size()) break;
    AppendEscapedByte(out, static_cast<unsigned char>(value[run_end]));
    pos = run_end + 1;
  }
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view value) {
  out->reserve(out->size() + value.size() + 2);
  out->push_back('"');
  // Long text: validate with SIMD, then only ASCII needs a look. Short
  // strings (keys, ids) cost less than the validator's call.
  if (value.size() >= 64 && simdjson::validate_utf8(value.data(), value.size())) {
    AppendValidUtf8(out, value);
    out->push_back('"');
    return;
  }
  size_t pos = 0;
  while (pos < value.size()) {
    // The longest run that needs no escaping, plain ASCII and well-formed
    // UTF-8 alike (Chinese text is most of a response), in one append.
    size_t run_end = pos;
    while (run_end < value.size()) {
      // Eight plain ASCII bytes at a time.
      while (run_end + 8 <= value.size() && NoEscape8(value.data() + run_end) && Ascii8(value.data() + run_end)) {
        run_end += 8;
      }
      if (run_end == value.size()) break;
      const auto c = static_cast<unsigned char>(value[run_end]);
      if (c < 0x80) {
        if (NeedsEscape(c)) break;
        ++run_end;
        continue;
      }
      // Most of it is CJK: a three-byte sequence whose lead byte allows any
      // continuation (not E0, not ED) is well-formed without decoding.
      if (((c >= 0xE1 && c <= 0xEC) || c >= 0xEE) && c <= 0xEF && run_end + 2 < value.size() &&
          (static_cast<unsigned char>(value[run_end + 1]) & 0xC0) == 0x80 &&
          (static_cast<unsigned char>(value[run_end + 2]) & 0xC0) == 0x80) {
        run_end += 3;
        continue;
      }
      size_t next = run_end;
      if (utf8::Decode(value, &next) == utf8::kInvalid) break;
      run_end = next;
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
    utf8::Decode(value, &pos);  // ill-formed: skip its maximal subpart
    utf8::Append(out, utf8::kReplacement);
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

JsonWriter& JsonWriter::RawMembers(std::string_view members) {
  if (members.empty()) return *this;
  BeforeValue();
  out_->append(members);
  return *this;
}

}  // namespace iisc
