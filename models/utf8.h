// UTF-8 decoding shared by the JSON writer, the need validator and the text
// analyzer. Internal to models/: other modules use text.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace iisc::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;
inline constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes the code point at `*pos` and advances `*pos` past it. On an
// ill-formed sequence returns kInvalid and advances past its maximal subpart
// (the lead byte plus the continuation bytes that were still plausible), so a
// caller substituting U+FFFD per call follows the Unicode recommendation.
// REQUIRES: *pos < s.size().
inline char32_t Decode(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const size_t start = *pos;
  const unsigned char lead = byte(start);
  if (lead < 0x80) {
    *pos = start + 1;
    return lead;
  }
  size_t length;
  char32_t cp;
  // The second byte's range is narrower for some leads: it excludes overlong
  // forms (E0, F0), surrogates (ED) and values above U+10FFFF (F4).
  unsigned char second_lo = 0x80, second_hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) second_lo = 0xA0;
    if (lead == 0xED) second_hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) second_lo = 0x90;
    if (lead == 0xF4) second_hi = 0x8F;
  } else {
    *pos = start + 1;
    return kInvalid;
  }
  size_t i = start + 1;
  for (; i < start + length; ++i) {
    if (i >= s.size()) break;
    const unsigned char lo = (i == start + 1) ? second_lo : 0x80;
    const unsigned char hi = (i == start + 1) ? second_hi : 0xBF;
    const unsigned char b = byte(i);
    if (b < lo || b > hi) break;
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos = i;
  return i == start + length ? cp : kInvalid;
}

inline void Append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Unicode White_Space plus the invisible characters people paste into forms
// (zero-width space, BOM): text made only of these says nothing.
inline bool IsBlankCodePoint(char32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000: case 0x200B: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// A Han (CJK unified) ideograph, in the main, extension and compatibility blocks.
inline bool IsHan(char32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

}  // namespace iisc::utf8
