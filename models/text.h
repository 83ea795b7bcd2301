// Text analysis for Chinese and English: ICU normalization and segmentation.
// Chinese runs become dictionary words plus character bigrams; Latin runs
// become lower-case words with light stemming; stop words are dropped.
// Thread-safe: an Analyzer is immutable after construction (ICU objects are
// cloned per call or kept thread-local).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"

namespace iisc {

// NFKC, case folding, full-width to half-width; invalid UTF-8 sequences become
// U+FFFD. Idempotent.
std::string NormalizeText(std::string_view utf8);

// The language a text is written in, for answering in it: "en" when its
// Latin letters outnumber its Han characters four to one, else "zh".
std::string_view TextLanguage(std::string_view utf8);

// Number of Unicode code points in valid UTF-8 (invalid bytes count as one each).
size_t CountCodePoints(std::string_view utf8);
bool IsValidUtf8(std::string_view bytes);

enum class TokenKind : uint8_t {
  kWord,     // a Chinese dictionary word or an English stem
  kBigram,   // two adjacent Han characters
  kNumber,   // digits, model numbers ("60947", "gb/t")
};

struct Token {
  std::string text;  // normalized; English stemmed
  TokenKind kind;
};

class Analyzer {
 public:
  static Result<std::unique_ptr<Analyzer>> Create();
  virtual ~Analyzer() = default;
  // Normalizes and splits `text` into tokens, in order of appearance: each
  // Han dictionary word (single characters included) is followed by the
  // bigrams that end inside it; a stop word or non-Han text ends the run, so
  // no bigram spans them. "gb/t" and "r&d" stay one kNumber token.
  virtual std::vector<Token> Analyze(std::string_view text) const = 0;
};

// Light English stemmer (plural and common suffixes): "testing" -> "test",
// "certifications" -> "certif"... Exposed for the glossary and tests.
std::string StemEnglish(std::string_view lower_word);

}  // namespace iisc
