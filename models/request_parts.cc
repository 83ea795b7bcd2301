#include "models/request_parts.h"

#include <algorithm>

namespace iisc {
namespace {

// Connectives that add a request to the one before. Chinese ones match
// anywhere (no spaces to mark words), so the single-character "再" and "还"
// appear only with a verb: "再生" (recycled) and "还款" (repayment) are no
// boundary. Longer entries first where one is a prefix of another.
constexpr std::string_view kChineseCues[] = {
    "另外", "此外", "同时", "顺便", "顺带", "以及", "并且", "而且", "加上", "然后", "其次",
    "还有", "还想", "还要", "还需", "还得", "还打算", "还希望", "还准备",
    "也想", "也要", "也需", "也希望", "也打算",
    "再去", "再找", "再做", "再办", "再申请", "再参加", "再请",
    "和", "及",
};
constexpr std::string_view kEnglishCues[] = {
    "and also", "as well as", "in addition", "additionally", "besides", "as well", "also", "plus", "and",
};
// List separators: after NFKC the full-width semicolon is ';'.
constexpr std::string_view kSeparators[] = {";", "\n", "、"};

// English cues must stand as words: "and" is no boundary inside "brand".
bool IsWordByte(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Length of the boundary starting at `pos`, or 0.
size_t BoundaryAt(std::string_view text, size_t pos) {
  std::string_view rest = text.substr(pos);
  for (std::string_view s : kSeparators) {
    if (rest.starts_with(s)) return s.size();
  }
  for (std::string_view cue : kChineseCues) {
    if (rest.starts_with(cue)) return cue.size();
  }
  if (pos > 0 && IsWordByte(text[pos - 1])) return 0;
  for (std::string_view cue : kEnglishCues) {
    if (rest.starts_with(cue) && (cue.size() == rest.size() || !IsWordByte(rest[cue.size()]))) {
      return cue.size();
    }
  }
  return 0;
}

}  // namespace

std::vector<std::string_view> SplitRequestParts(std::string_view normalized) {
  std::vector<std::string_view> parts;
  auto emit = [&](size_t begin, size_t end) {
    std::string_view part = normalized.substr(begin, end - begin);
    // Parts of nothing but spaces and punctuation ("，" before "另外") say nothing.
    bool has_content = std::any_of(part.begin(), part.end(), [](char c) { return (c & 0x80) != 0 || IsWordByte(c); });
    if (has_content) parts.push_back(part);
  };
  size_t start = 0;
  for (size_t pos = 0; pos < normalized.size();) {
    size_t len = BoundaryAt(normalized, pos);
    if (len == 0) {
      // Step over a whole UTF-8 character so cues only match at its start.
      unsigned char lead = static_cast<unsigned char>(normalized[pos]);
      pos = std::min(normalized.size(), pos + (lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2));
      continue;
    }
    emit(start, pos);
    pos += len;
    start = pos;
  }
  emit(start, normalized.size());
  return parts;
}

}  // namespace iisc
