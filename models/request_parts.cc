#include "models/request_parts.h"

#include <algorithm>
#include <bitset>

namespace iisc {
namespace {

enum class Link { kNone, kAdditive, kCoordinating };

struct Cue {
  std::string_view text;
  Link link;
};

// Chinese cues match anywhere (no spaces mark words), so the single
// characters "再" and "还" appear only with a verb: "再生" (recycled) and
// "还款" (repayment) are no boundary. Longer entries first where one is a
// prefix of another.
constexpr Cue kChineseCues[] = {
    {"另外", Link::kAdditive},   {"此外", Link::kAdditive},   {"同时", Link::kAdditive},
    {"顺便", Link::kAdditive},   {"顺带", Link::kAdditive},   {"并且", Link::kAdditive},
    {"而且", Link::kAdditive},   {"加上", Link::kAdditive},   {"然后", Link::kAdditive},
    {"其次", Link::kAdditive},   {"还有", Link::kAdditive},   {"还想", Link::kAdditive},
    {"还要", Link::kAdditive},   {"还需", Link::kAdditive},   {"还得", Link::kAdditive},
    {"还打算", Link::kAdditive}, {"还希望", Link::kAdditive}, {"还准备", Link::kAdditive},
    {"也想", Link::kAdditive},   {"也要", Link::kAdditive},   {"也需", Link::kAdditive},
    {"也希望", Link::kAdditive}, {"也打算", Link::kAdditive}, {"再去", Link::kAdditive},
    {"再找", Link::kAdditive},   {"再做", Link::kAdditive},   {"再办", Link::kAdditive},
    {"再申请", Link::kAdditive}, {"再参加", Link::kAdditive}, {"再请", Link::kAdditive},
    {"以及", Link::kCoordinating}, {"和", Link::kCoordinating}, {"及", Link::kCoordinating},
    // List separators; after NFKC the full-width semicolon is ';'.
    {";", Link::kCoordinating},  {"\n", Link::kCoordinating}, {"、", Link::kCoordinating},
};
constexpr Cue kEnglishCues[] = {
    {"and also", Link::kAdditive}, {"as well as", Link::kAdditive}, {"in addition", Link::kAdditive},
    {"additionally", Link::kAdditive}, {"besides", Link::kAdditive}, {"as well", Link::kAdditive},
    {"also", Link::kAdditive}, {"plus", Link::kAdditive}, {"and", Link::kCoordinating},
};

// Words that ask. Chinese ones match as substrings, English ones as words.
constexpr std::string_view kChineseRequestWords[] = {
    "想", "要", "需", "希望", "找", "申请", "参加", "办理", "求", "请", "能否", "能不能", "可否",
    "有没有", "怎么", "如何", "帮", "打算", "准备", "寻求", "对接", "咨询",
};
constexpr std::string_view kEnglishRequestWords[] = {
    "need", "needs", "needed", "want", "wants", "would like", "'d like", "looking for", "look for",
    "seek", "seeking", "require", "requires", "request", "help", "please", "interested", "how to",
    "how can", "can we", "could we", "can you", "could you", "apply", "plan to", "hope", "wish", "find",
};

// English words are letters and digits: "and" is no cue inside "brand".
bool IsWordByte(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool WordAt(std::string_view text, size_t pos, std::string_view word) {
  if (text.compare(pos, word.size(), word) != 0) return false;
  if (pos > 0 && IsWordByte(word.front()) && IsWordByte(text[pos - 1])) return false;
  size_t end = pos + word.size();
  return end == text.size() || !IsWordByte(word.back()) || !IsWordByte(text[end]);
}

// The first byte of each one-byte cue and the first two bytes of each longer
// one: most positions of a text start no cue, and these tell which cannot.
struct CueStarts {
  std::bitset<256> one;
  std::bitset<65536> two;
  CueStarts() {
    const auto add = [&](std::string_view text) {
      if (text.size() == 1) {
        one.set(static_cast<unsigned char>(text[0]));
      } else {
        two.set(size_t{static_cast<unsigned char>(text[0])} << 8 | static_cast<unsigned char>(text[1]));
      }
    };
    for (const Cue& cue : kChineseCues) add(cue.text);
    for (const Cue& cue : kEnglishCues) add(cue.text);
  }
};

// The cue starting at `pos`, if any.
const Cue* CueAt(std::string_view text, size_t pos) {
  static const CueStarts starts;
  const auto first = static_cast<unsigned char>(text[pos]);
  if (!starts.one.test(first) &&
      (pos + 1 >= text.size() ||
       !starts.two.test(size_t{first} << 8 | static_cast<unsigned char>(text[pos + 1])))) {
    return nullptr;
  }
  std::string_view rest = text.substr(pos);
  for (const Cue& cue : kChineseCues) {
    if (rest.starts_with(cue.text)) return &cue;
  }
  for (const Cue& cue : kEnglishCues) {
    if (WordAt(text, pos, cue.text)) return &cue;
  }
  return nullptr;
}

bool HasRequestWord(std::string_view part) {
  for (std::string_view w : kChineseRequestWords) {
    if (part.find(w) != std::string_view::npos) return true;
  }
  for (std::string_view w : kEnglishRequestWords) {
    for (size_t pos = part.find(w); pos != std::string_view::npos; pos = part.find(w, pos + 1)) {
      if (WordAt(part, pos, w)) return true;
    }
  }
  return false;
}

size_t Utf8Step(unsigned char lead) { return lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2; }

}  // namespace

std::vector<RequestPart> SplitRequestParts(std::string_view normalized) {
  struct Raw {
    std::string_view text;
    Link link;  // to the part before
  };
  std::vector<Raw> raw;
  Link pending = Link::kNone;
  auto emit = [&](size_t begin, size_t end) {
    std::string_view part = normalized.substr(begin, end - begin);
    // Parts of nothing but spaces and punctuation ("，" before "另外") say nothing.
    if (std::any_of(part.begin(), part.end(), [](char c) { return (c & 0x80) != 0 || IsWordByte(c); })) {
      raw.push_back({part, pending});
      pending = Link::kNone;
    }
  };
  size_t start = 0;
  for (size_t pos = 0; pos < normalized.size();) {
    const Cue* cue = CueAt(normalized, pos);
    if (cue == nullptr) {
      // Step over a whole UTF-8 character so cues only match at its start.
      pos = std::min(normalized.size(), pos + Utf8Step(static_cast<unsigned char>(normalized[pos])));
      continue;
    }
    emit(start, pos);
    // An additive cue anywhere in a run of cues makes the next part additive.
    if (pending != Link::kAdditive) pending = cue->link;
    if (raw.empty()) pending = cue->link == Link::kAdditive ? Link::kAdditive : Link::kNone;
    pos += cue->text.size();
    start = pos;
  }
  emit(start, normalized.size());

  // A part asks by its own words; an additive cue says both the part after it
  // and the one before ask ("出口欧盟做检测，还想参加展会": 还想 is "also want").
  std::vector<bool> own(raw.size());
  bool any_request = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const bool request_word = HasRequestWord(raw[i].text);
    any_request = any_request || request_word;
    own[i] = request_word || raw[i].link == Link::kAdditive ||
             (i + 1 < raw.size() && raw[i + 1].link == Link::kAdditive);
  }
  std::vector<RequestPart> parts;
  for (size_t i = 0; i < raw.size(); ++i) {
    bool asks = !any_request || own[i] || (raw[i].link == Link::kCoordinating && i > 0 && parts.back().asks);
    parts.push_back({raw[i].text, asks});
  }
  return parts;
}

}  // namespace iisc
