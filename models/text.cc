#include "models/text.h"

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "models/utf8.h"

namespace iisc {

namespace {

// Stop words: words that say how a need is phrased, not what it is about.
// Compared after normalization (lower case) and, for English, before
// stemming. Keep domain words out: "testing", "design", "export", "认证" all
// carry meaning here even when frequent.
constexpr std::string_view kEnglishStopWords[] = {
    "a",     "about", "also",   "an",    "and",    "any",    "are",     "as",      "at",
    "be",    "been",  "but",    "by",    "can",    "could",  "do",      "does",    "for",
    "from",  "get",   "had",    "has",   "have",   "help",   "how",     "i",       "if",
    "in",    "into",  "is",     "it",    "its",    "just",   "looking", "me",      "my",
    "need",  "needs", "needed", "of",    "on",     "or",     "our",     "ours",    "please",
    "seek",  "seeking", "should", "so",  "some",   "such",   "that",    "the",     "their",
    "them",  "these", "they",   "this",  "those",  "to",     "us",      "want",    "wanted",
    "wants", "was",   "we",     "were",  "what",   "which",  "who",     "will",    "with",
    "would", "you",   "your",
};

// Chinese function words and request phrasing ("我们想做…", "请帮忙…"), as
// ICU's dictionary segments them. They also cut a Han run for bigrams, so
// "我们需要做认证" yields no "要做" or "做认" bigram.
constexpr std::string_view kChineseStopWords[] = {
    "我", "我们", "我司", "我厂", "本公司", "你", "你们", "您", "的", "了", "地", "得",
    "着", "过", "是", "在", "和", "与", "及", "以及", "或", "或者", "并", "而", "把",
    "被", "对", "给", "让", "为", "从", "向", "想", "想要", "想做", "要", "需要", "希望",
    "打算", "准备", "一下", "做", "请", "帮", "帮忙", "能", "能否", "可以", "能够", "有",
    "没有", "个", "一个", "一些", "些", "这", "那", "这个", "那个", "哪些", "哪里", "什么",
    "如何", "怎么", "怎样", "吗", "呢", "吧", "啊", "呀", "就", "都", "也", "还", "又",
    "很", "比较", "目前", "现在", "相关", "进行", "关于", "等", "等等", "之", "其", "但",
    "但是", "因为", "所以", "如果",
};

// Irregular words the suffix rules below would get wrong.
struct StemException {
  std::string_view word;
  std::string_view stem;
};
constexpr StemException kStemExceptions[] = {
    {"lens", "lens"},     {"lenses", "lens"}, {"news", "news"},
    {"series", "series"}, {"species", "species"},
};

bool IsAsciiLowerWord(std::string_view word) {
  return !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

bool EndsWith(const std::string& word, std::string_view suffix) {
  return word.size() >= suffix.size() &&
         word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "cutt" -> "cut" after "cutting"; l, s and z stay doubled ("fill", "pass").
void Undouble(std::string* word) {
  const size_t n = word->size();
  if (n < 2) return;
  const char last = (*word)[n - 1];
  if (last == (*word)[n - 2] && !IsVowel(last) && last != 'l' && last != 's' && last != 'z') {
    word->pop_back();
  }
}

// Strips `suffix` when what remains is a plausible stem: at least three
// letters, one of them a vowel ("string" keeps its "ing").
bool StripVerbSuffix(std::string* word, std::string_view suffix) {
  if (!EndsWith(*word, suffix)) return false;
  const size_t stem_size = word->size() - suffix.size();
  if (stem_size < 3) return false;
  if (std::none_of(word->begin(), word->begin() + static_cast<ptrdiff_t>(stem_size), IsVowel)) {
    return false;
  }
  word->resize(stem_size);
  Undouble(word);
  return true;
}

// A well-formed UTF-16 range of `text` appended as UTF-8.
void AppendUtf8(const icu::UnicodeString& text, int32_t begin, int32_t end, std::string* out) {
  const char16_t* units = text.getBuffer();
  int32_t i = begin;
  while (i < end) {
    UChar32 c;
    U16_NEXT(units, i, end, c);
    utf8::Append(out, static_cast<char32_t>(c));
  }
}

// Decodes UTF-8 (invalid sequences become U+FFFD) and applies NFKC_Casefold.
// `scratch` and `out` are reused across calls to keep their capacity.
void NormalizeInto(std::string_view utf8_text, icu::UnicodeString* scratch,
                   icu::UnicodeString* out) {
  UErrorCode status = U_ZERO_ERROR;
  // UTF-16 never needs more units than UTF-8 has bytes.
  const int32_t capacity = static_cast<int32_t>(utf8_text.size()) + 1;
  char16_t* buffer = scratch->getBuffer(capacity);
  int32_t length = 0;
  u_strFromUTF8WithSub(buffer, capacity, &length, utf8_text.data(),
                       static_cast<int32_t>(utf8_text.size()), 0xFFFD, nullptr, &status);
  scratch->releaseBuffer(U_SUCCESS(status) ? length : 0);
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    *out = *scratch;
    return;
  }
  normalizer->normalize(*scratch, *out, status);
  if (U_FAILURE(status)) *out = *scratch;
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool IsAsciiLetter(char16_t c) { return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z'); }

class IcuAnalyzer final : public Analyzer {
 public:
  explicit IcuAnalyzer(std::unique_ptr<icu::BreakIterator> prototype) : prototype_(std::move(prototype)) {
    for (std::string_view word : kEnglishStopWords) stop_words_.insert(word);
    for (std::string_view word : kChineseStopWords) stop_words_.insert(word);
  }

  std::vector<Token> Analyze(std::string_view text) const override;

 private:
  // Per-thread state: BreakIterator is not thread-safe, and reusing the
  // buffers avoids allocating on every call.
  struct ThreadState {
    std::unique_ptr<icu::BreakIterator> breaker;
    icu::UnicodeString input;
    icu::UnicodeString normalized;
    std::string scratch;
  };
  ThreadState& State() const;

  bool IsStopWord(std::string_view word) const {
    return stop_words_.count(word) != 0;
  }
  void EmitLatin(const icu::UnicodeString& text, int32_t begin, int32_t end, bool is_number,
                 ThreadState& state, std::vector<Token>* tokens) const;
  void EmitHan(const icu::UnicodeString& text, int32_t begin, int32_t end,
               int32_t* previous_char, std::string word, std::vector<Token>* tokens) const;

  const std::unique_ptr<icu::BreakIterator> prototype_;
  mutable std::mutex clone_mutex_;
  std::unordered_set<std::string_view> stop_words_;
};

IcuAnalyzer::ThreadState& IcuAnalyzer::State() const {
  // Every analyzer's prototype is the same root-locale word iterator, so one
  // clone per thread serves all analyzers.
  thread_local ThreadState state;
  if (state.breaker == nullptr) {
    std::lock_guard<std::mutex> lock(clone_mutex_);
    state.breaker.reset(prototype_->clone());
  }
  return state;
}

void IcuAnalyzer::EmitLatin(const icu::UnicodeString& text, int32_t begin, int32_t end,
                            bool is_number, ThreadState& state,
                            std::vector<Token>* tokens) const {
  std::string& word = state.scratch;
  word.clear();
  AppendUtf8(text, begin, end, &word);
  if (is_number) {
    tokens->push_back(Token{word, TokenKind::kNumber});
    return;
  }
  // Possessive "'s" says nothing about the subject ("company's").
  if (word.size() > 3 && EndsWith(word, "'s")) word.resize(word.size() - 2);
  if (IsStopWord(word)) return;
  if (IsAsciiLowerWord(word)) {
    tokens->push_back(Token{StemEnglish(word), TokenKind::kWord});
  } else {
    tokens->push_back(Token{word, TokenKind::kWord});
  }
}

// Emits the dictionary word [begin, end), then each bigram ending inside it.
// `*previous_char` is the start of the run's last Han character so far, or
// -1 at the start of a run; bigrams never cross a run boundary.
void IcuAnalyzer::EmitHan(const icu::UnicodeString& text, int32_t begin, int32_t end,
                          int32_t* previous_char, std::string word,
                          std::vector<Token>* tokens) const {
  tokens->push_back(Token{std::move(word), TokenKind::kWord});
  const char16_t* units = text.getBuffer();
  int32_t current = begin;
  while (current < end) {
    int32_t next = current;
    U16_FWD_1(units, next, end);
    if (*previous_char >= 0) {
      Token& bigram = tokens->emplace_back(Token{std::string(), TokenKind::kBigram});
      AppendUtf8(text, *previous_char, next, &bigram.text);
    }
    *previous_char = current;
    current = next;
  }
}

std::vector<Token> IcuAnalyzer::Analyze(std::string_view text) const {
  std::vector<Token> tokens;
  if (text.empty()) return tokens;
  ThreadState& state = State();
  NormalizeInto(text, &state.input, &state.normalized);
  const icu::UnicodeString& normalized = state.normalized;
  const char16_t* units = normalized.getBuffer();
  const int32_t length = normalized.length();
  tokens.reserve(static_cast<size_t>(length / 2) + 1);

  icu::BreakIterator& breaker = *state.breaker;
  breaker.setText(normalized);
  int32_t previous_han = -1;  // see EmitHan
  int32_t start = breaker.first();
  for (int32_t end = breaker.next(); end != icu::BreakIterator::DONE;
       start = end, end = breaker.next()) {
    const int32_t rule = breaker.getRuleStatus();
    if (rule >= UBRK_WORD_IDEO && rule < UBRK_WORD_IDEO_LIMIT) {
      std::string word;
      AppendUtf8(normalized, start, end, &word);
      if (IsStopWord(word)) {
        previous_han = -1;  // a function word ends the run
      } else {
        EmitHan(normalized, start, end, &previous_han, std::move(word), &tokens);
      }
      continue;
    }
    previous_han = -1;
    if (rule < UBRK_WORD_NONE_LIMIT) continue;  // spaces and punctuation

    if (rule >= UBRK_WORD_LETTER && rule < UBRK_WORD_LETTER_LIMIT) {
      // Standard codes split by the word rules: "gb/t", "jb/t", "r&d". A
      // short letter word, '/' or '&', then one letter and a boundary.
      const int32_t size = end - start;
      if (size <= 3 && end + 1 < length && (units[end] == u'/' || units[end] == u'&') &&
          IsAsciiLetter(units[end + 1]) &&
          (end + 2 == length || !(IsAsciiLetter(units[end + 2]) ||
                                  (units[end + 2] >= u'0' && units[end + 2] <= u'9'))) &&
          std::all_of(units + start, units + end, IsAsciiLetter)) {
        end = breaker.following(end + 1);
        EmitLatin(normalized, start, end, /*is_number=*/true, state, &tokens);
        continue;
      }
    }
    const bool has_digit = std::any_of(units + start, units + end,
                                       [](char16_t c) { return c >= u'0' && c <= u'9'; });
    const bool is_number = (rule >= UBRK_WORD_NUMBER && rule < UBRK_WORD_NUMBER_LIMIT) || has_digit;
    EmitLatin(normalized, start, end, is_number, state, &tokens);
  }
  return tokens;
}

}  // namespace

std::string NormalizeText(std::string_view utf8_text) {
  if (IsAscii(utf8_text)) {
    // NFKC_Casefold changes nothing in ASCII but upper-case letters.
    std::string out(utf8_text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString scratch;
  icu::UnicodeString normalized;
  NormalizeInto(utf8_text, &scratch, &normalized);
  std::string out;
  out.reserve(utf8_text.size());
  AppendUtf8(normalized, 0, normalized.length(), &out);
  return out;
}

std::string_view TextLanguage(std::string_view text) {
  size_t han = 0, latin = 0;
  for (size_t pos = 0; pos < text.size();) {
    const char32_t cp = utf8::Decode(text, &pos);
    han += utf8::IsHan(cp);
    latin += (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  return latin > 4 * han ? "en" : "zh";
}

size_t CountCodePoints(std::string_view utf8_text) {
  size_t count = 0;
  size_t pos = 0;
  while (pos < utf8_text.size()) {
    if (static_cast<unsigned char>(utf8_text[pos]) < 0x80) {
      ++pos;
      ++count;
      continue;
    }
    const size_t start = pos;
    count += utf8::Decode(utf8_text, &pos) == utf8::kInvalid ? pos - start : 1;
  }
  return count;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if (utf8::Decode(bytes, &pos) == utf8::kInvalid) return false;
  }
  return true;
}

// Rules, applied in order to a lower-case ASCII word longer than 3 letters;
// none leaves a stem shorter than 3 letters:
//   1. plurals: batteries -> battery, processes -> process, boxes -> box,
//      batches -> batch, tests -> test; no change after s, u, i or a
//      (glass, status, analysis, cnas).
//   2. -ification, -ify, -ified, -ifying -> -if: certification,
//      certifications, certify, certified -> certif.
//      -ation -> -at when 5+ letters remain: automation, automate,
//      automated -> automat; application -> applicat (station stays).
//   3. -ing, -ed (not -eed), undoubling: testing, tested -> test;
//      cutting -> cut; string, need unchanged.
//   4. a final silent e: automate -> automat, service(s) -> servic,
//      package, packaging -> packag (not after e: free, degree).
std::string StemEnglish(std::string_view lower_word) {
  std::string word(lower_word);
  if (word.size() <= 3 || !IsAsciiLowerWord(word)) return word;
  for (const StemException& exception : kStemExceptions) {
    if (exception.word == word) return std::string(exception.stem);
  }

  if (EndsWith(word, "ies") && word.size() > 4) {
    word.resize(word.size() - 3);
    word.push_back('y');
  } else if (EndsWith(word, "sses") || EndsWith(word, "xes") || EndsWith(word, "ches") ||
             EndsWith(word, "shes")) {
    word.resize(word.size() - 2);
  } else if (EndsWith(word, "s") && !EndsWith(word, "ss") && !EndsWith(word, "us") &&
             !EndsWith(word, "is") && !EndsWith(word, "as")) {
    word.pop_back();
  }

  if (EndsWith(word, "ification") && word.size() - 7 >= 3) {
    word.resize(word.size() - 7);
    return word;
  }
  if (EndsWith(word, "ifying") && word.size() - 4 >= 3) {
    word.resize(word.size() - 4);
    return word;
  }
  if (EndsWith(word, "ified") && word.size() - 3 >= 3) {
    word.resize(word.size() - 3);
    return word;
  }
  if (EndsWith(word, "ify") && word.size() - 1 >= 3) {
    word.pop_back();
    return word;
  }
  if (EndsWith(word, "ation") && word.size() - 3 >= 5) {
    word.resize(word.size() - 3);
    return word;
  }

  if (!StripVerbSuffix(&word, "ing") && !EndsWith(word, "eed")) {
    StripVerbSuffix(&word, "ed");
  }

  if (word.size() > 3 && word.back() == 'e' && word[word.size() - 2] != 'e') word.pop_back();
  return word;
}

Result<std::unique_ptr<Analyzer>> Analyzer::Create() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> prototype(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || prototype == nullptr) {
    return Status::Internal(std::string("ICU word break iterator unavailable: ") +
                            u_errorName(status));
  }
  icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("ICU NFKC_Casefold data unavailable: ") +
                            u_errorName(status));
  }
  return std::unique_ptr<Analyzer>(new IcuAnalyzer(std::move(prototype)));
}

}  // namespace iisc
