#include "models/intent_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>
#include <unordered_map>

#include <simdjson.h>

#include "models/byte_codec.h"
#include "models/hash.h"
#include "models/json_reader.h"
#include "models/request_parts.h"
#include "models/text.h"
#include "models/utf8.h"

namespace iisc {
namespace {

// Bumped whenever features or training change, so that a stored model of an
// older build is never taken for what this build would train.
constexpr std::string_view kFormat = "iisc-intent/1";
constexpr char kMagic[8] = {'I', 'I', 'S', 'C', 'I', 'N', 'T', '1'};

// ------------------------------------------------------------------ features

using utf8::IsHan;

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z');
  // Latin with diacritics, Greek, Cyrillic: words, not separators.
  return cp >= 0xC0 && cp < 0x2000 && cp != 0xD7 && cp != 0xF7;
}

// Phrases shown as evidence must mean something to the SME: a phrase of
// pronouns, particles and "want"-words alone does not.
bool OnlyFunctionWords(std::string_view phrase) {
  static constexpr std::string_view kHan[] = {"的", "了", "们", "我", "你", "他", "她", "它", "是", "在", "和", "就",
                                              "都", "也", "还", "要", "想", "把", "被", "给", "这", "那", "个", "些",
                                              "有", "没", "吗", "呢", "吧", "啊", "一", "点", "很", "太", "又", "得",
                                              "老", "搞", "弄", "做", "去", "来", "说", "让", "对", "跟", "能", "会"};
  static constexpr std::string_view kWords[] = {"we", "our", "us", "i", "my", "me", "you", "want", "need", "the",
                                                "a", "an", "to", "for", "of", "and", "is", "are", "do", "can", "how",
                                                "make", "get", "have", "has", "it", "this", "that", "in", "on", "with",
                                                "some", "any", "very", "so", "but", "or", "be", "will", "would"};
  size_t pos = 0;
  while (pos < phrase.size()) {
    const size_t start = pos;
    const char32_t cp = utf8::Decode(phrase, &pos);
    if (IsHan(cp)) {
      const std::string_view ch = phrase.substr(start, pos - start);
      if (std::find(std::begin(kHan), std::end(kHan), ch) == std::end(kHan)) return false;
      continue;
    }
    if (!IsWordChar(cp)) continue;
    while (pos < phrase.size()) {
      size_t next = pos;
      if (!IsWordChar(utf8::Decode(phrase, &next))) break;
      pos = next;
    }
    const std::string_view word = phrase.substr(start, pos - start);
    if (std::find(std::begin(kWords), std::end(kWords), word) == std::end(kWords)) return false;
  }
  return true;
}

// The run of Han characters around bytes [begin, end) of `text`, when those
// bytes are Han; chars = 0 otherwise.
struct HanRun {
  uint32_t begin = 0, end = 0;
  size_t chars = 0;
};
HanRun HanRunAround(std::string_view text, uint32_t begin, uint32_t end) {
  HanRun run;
  size_t pos = 0, run_start = 0, chars = 0;
  bool in_run = false;
  while (pos <= text.size()) {
    const size_t start = pos;
    const bool han = pos < text.size() && IsHan(utf8::Decode(text, &pos));
    if (han) {
      if (!in_run) {
        run_start = start;
        chars = 0;
        in_run = true;
      }
      ++chars;
      continue;
    }
    if (in_run && run_start <= begin && end <= start) {
      run.begin = static_cast<uint32_t>(run_start);
      run.end = static_cast<uint32_t>(start);
      run.chars = chars;
      return run;
    }
    in_run = false;
    if (pos == start) ++pos;  // the end of the text
  }
  return run;
}

// One occurrence of a feature, with the bytes of the normalized text it came from.
struct Occurrence {
  uint64_t hash;
  uint32_t begin, end;
};

// FNV-1a of the kind's byte, then the text.
uint64_t FeatureHash(char kind, std::string_view text) {
  return Fnv1a64::Of(text, Fnv1a64::Of(std::string_view(&kind, 1)));
}

bool AllDigits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void WordFeatures(std::string_view text, uint32_t begin, uint32_t end, std::vector<Occurrence>* out) {
  const std::string_view word = text.substr(begin, end - begin);
  out->push_back({FeatureHash('w', word), begin, end});
  const std::string stem = StemEnglish(word);
  if (stem != word) out->push_back({FeatureHash('s', stem), begin, end});
  // Character n-grams of "<word>": misspellings and word forms share most.
  std::string marked;
  marked.reserve(word.size() + 2);
  marked.push_back('<');
  marked.append(word);
  marked.push_back('>');
  for (size_t n = 3; n <= 5; ++n) {
    if (marked.size() < n) break;
    for (size_t i = 0; i + n <= marked.size(); ++i) {
      out->push_back({FeatureHash('c', std::string_view(marked).substr(i, n)), begin, end});
    }
  }
}

// Every feature occurrence of normalized text, in order of appearance.
void ExtractFeatures(std::string_view text, std::vector<Occurrence>* out) {
  out->clear();
  struct Han {
    uint32_t begin, end;
  };
  std::vector<Han> run;  // the current run of Han characters
  auto flush_run = [&] {
    for (size_t i = 0; i < run.size(); ++i) {
      for (size_t n = 1; n <= 4 && i + n <= run.size(); ++n) {
        const uint32_t b = run[i].begin, e = run[i + n - 1].end;
        out->push_back({FeatureHash('h', text.substr(b, e - b)), b, e});
      }
    }
    run.clear();
  };
  // The previous English word, while only spaces follow it (for word pairs).
  int64_t prev_begin = -1, prev_end = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const char32_t cp = utf8::Decode(text, &pos);
    if (IsHan(cp)) {
      prev_begin = -1;
      run.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(pos)});
      continue;
    }
    flush_run();
    if (!IsWordChar(cp)) {
      if (cp != ' ') prev_begin = -1;
      continue;
    }
    // An English word (or a model number): letters and digits, with '&' and
    // '\'' inside ("r&d", "don't").
    size_t end = pos;
    while (end < text.size()) {
      size_t next = end;
      const char32_t c = utf8::Decode(text, &next);
      if (IsWordChar(c)) {
        end = next;
        continue;
      }
      if ((c == '&' || c == '\'') && next < text.size()) {
        size_t after = next;
        if (IsWordChar(utf8::Decode(text, &after))) {
          end = after;
          continue;
        }
      }
      break;
    }
    pos = end;
    const std::string_view word = text.substr(start, end - start);
    if (AllDigits(word)) {
      prev_begin = -1;
      continue;
    }
    WordFeatures(text, static_cast<uint32_t>(start), static_cast<uint32_t>(end), out);
    if (prev_begin >= 0) {
      std::string pair(text.substr(static_cast<size_t>(prev_begin), static_cast<size_t>(prev_end - prev_begin)));
      pair.push_back(' ');
      pair.append(word);
      out->push_back({FeatureHash('b', pair), static_cast<uint32_t>(prev_begin), static_cast<uint32_t>(end)});
    }
    prev_begin = static_cast<int64_t>(start);
    prev_end = static_cast<int64_t>(end);
  }
  flush_run();
}

std::vector<uint64_t> UniqueHashes(const std::vector<Occurrence>& occ) {
  std::vector<uint64_t> h;
  h.reserve(occ.size());
  for (const Occurrence& o : occ) h.push_back(o.hash);
  std::sort(h.begin(), h.end());
  h.erase(std::unique(h.begin(), h.end()), h.end());
  return h;
}

// ------------------------------------------------------------ request parts

// Sentences of normalized text: split after 。！？!?；; and line breaks, and
// after '.' followed by a space.
std::vector<std::string_view> Sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t begin = 0, pos = 0;
  auto emit = [&](size_t end) {
    std::string_view s = text.substr(begin, end - begin);
    const size_t first = s.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) out.push_back(s.substr(first));
    begin = end;
  };
  while (pos < text.size()) {
    const char32_t cp = utf8::Decode(text, &pos);
    const bool ender = cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == '!' || cp == '?' ||
                       cp == 0xFF1B || cp == ';' || cp == '\n' ||
                       (cp == '.' && pos < text.size() && text[pos] == ' ');
    if (ender) emit(pos);
  }
  if (begin < text.size()) emit(text.size());
  return out;
}

// A sentence that asks for something rather than telling the background.
bool AsksForSomething(std::string_view s) {
  static constexpr std::string_view kMarkers[] = {
      "想", "需要", "希望", "求", "请", "帮", "找", "怎么", "如何", "能不能", "能否", "可不可以",
      "有没有", "吗", "咋", "哪里", "哪家", "哪个", "谁能", "推荐", "打算", "准备", "?", "？",
      "need", "want", "looking for", "how ", "how?", "can you", "can we", "could", "help",
      "please", "any ", "who can", "where", "would like", "wish", "hope", "plan to", "is there"};
  for (std::string_view m : kMarkers)
    if (s.find(m) != std::string_view::npos) return true;
  return false;
}

// The request sentences of a long need (three sentences or more), joined;
// empty when the need is short or every sentence asks.
std::string RequestText(std::string_view normalized) {
  const std::vector<std::string_view> sentences = Sentences(normalized);
  if (sentences.size() < 3) return {};
  std::string out;
  size_t asking = 0;
  for (std::string_view s : sentences) {
    if (!AsksForSomething(s)) continue;
    ++asking;
    out.append(s);
    out.push_back(' ');
  }
  if (asking == sentences.size()) return {};
  if (asking == 0) return std::string(sentences.back());  // the story ends with its point
  return out;
}

// ------------------------------------------------------------------- model

#if defined(__clang__)
#define IISC_HOT_LOOP __attribute__((no_sanitize("address", "undefined", "thread")))
#elif defined(__GNUC__)
#define IISC_HOT_LOOP __attribute__((optimize("O3")))
#else
#define IISC_HOT_LOOP
#endif

float Sigmoid(float z) { return 1.f / (1.f + std::exp(-z)); }

void Softmax(const float* z, size_t n, float temperature, float* out) {
  float top = -INFINITY;
  for (size_t i = 0; i < n; ++i) top = std::max(top, z[i] / temperature);
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    out[i] = std::exp(z[i] / temperature - top);
    sum += out[i];
  }
  for (size_t i = 0; i < n; ++i) out[i] /= sum;
}

// An example as the model sees it: feature indices, each of value `value`.
struct Encoded {
  std::vector<uint32_t> features;
  float value = 0;
  int field = -1;
  uint32_t type_bits = 0;  // bit t: service type t wanted
  bool has_types = true;   // false: the example says nothing of types
};

struct Calibration {
  float field_temperature = 1.f;
  float type_a = 1.f, type_b = 0.f;  // p = sigmoid(a z + b)
};

class Weights {
 public:
  Weights(size_t features, size_t fields, size_t types)
      : fields_(fields), outputs_(fields + types), w_(features * outputs_, 0.f), bias_(outputs_, 0.f) {}

  size_t outputs() const { return outputs_; }
  size_t fields() const { return fields_; }
  std::vector<float>& w() { return w_; }
  std::vector<float>& bias() { return bias_; }
  const std::vector<float>& w() const { return w_; }
  const std::vector<float>& bias() const { return bias_; }

  // The 46-wide rows are the whole cost of training and prediction. The two
  // loops over them are vectorized even where the build does not (GCC at
  // -O2) and left out of sanitizer instrumentation: every index is a
  // dictionary entry, checked when the model is built or read, and checked
  // again per element they made each server start of the sanitizer test
  // stages ten times slower (IISC_HOT_LOOP).
  IISC_HOT_LOOP void Logits(const std::vector<uint32_t>& features, float value, float* z) const {
    std::copy(bias_.begin(), bias_.end(), z);
    for (uint32_t f : features) {
      const float* row = &w_[static_cast<size_t>(f) * outputs_];
      for (size_t o = 0; o < outputs_; ++o) z[o] += value * row[o];
    }
  }

  // Plain SGD with a decaying step: the corpus is small and the features
  // binary, so a few passes converge; deterministic given the order.
  IISC_HOT_LOOP void Train(const std::vector<const Encoded*>& examples, const IntentOptions& options) {
    std::vector<size_t> order(examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937 rng(options.seed);
    std::vector<float> z(outputs_), grad(outputs_);
    const size_t types = outputs_ - fields_;
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
      // Fisher-Yates with the generator's raw output: the same order on
      // every standard library.
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
      const float lr = options.learning_rate / (1.f + 0.5f * static_cast<float>(epoch));
      for (size_t idx : order) {
        const Encoded& ex = *examples[idx];
        Logits(ex.features, ex.value, z.data());
        if (ex.field >= 0) {
          Softmax(z.data(), fields_, 1.f, grad.data());
          grad[static_cast<size_t>(ex.field)] -= 1.f;
        } else {
          std::fill(grad.begin(), grad.begin() + static_cast<ptrdiff_t>(fields_), 0.f);
        }
        for (size_t t = 0; t < types; ++t) {
          grad[fields_ + t] = ex.has_types ? Sigmoid(z[fields_ + t]) - ((ex.type_bits >> t & 1) ? 1.f : 0.f) : 0.f;
        }
        for (size_t o = 0; o < outputs_; ++o) bias_[o] -= lr * grad[o];
        const float decay = 1.f - lr * options.l2;
        const float step = lr * ex.value;
        const float* g = grad.data();
        for (uint32_t f : ex.features) {
          float* row = &w_[static_cast<size_t>(f) * outputs_];
          for (size_t o = 0; o < outputs_; ++o) row[o] = decay * row[o] - step * g[o];
        }
      }
    }
  }

 private:
  size_t fields_, outputs_;
  std::vector<float> w_;  // [feature][output]
  std::vector<float> bias_;
};

// Feature dictionary: hashes seen in at least min_count training examples.
std::vector<uint64_t> BuildDictionary(const std::vector<std::vector<uint64_t>>& hashes, int min_count) {
  std::unordered_map<uint64_t, int> df;
  for (const auto& h : hashes)
    for (uint64_t x : h) ++df[x];
  std::vector<uint64_t> dict;
  for (const auto& [h, n] : df)
    if (n >= min_count) dict.push_back(h);
  std::sort(dict.begin(), dict.end());
  return dict;
}

// Feature hash -> dictionary index, in one flat open-addressed table
// (linear probing, at most half full): a lookup touches one or two cache
// lines where a node-based map chases a pointer per probe. The first
// occurrence of a hash in `dict` wins, as with a map's emplace.
class Lookup {
 public:
  explicit Lookup(const std::vector<uint64_t>& dict) {
    size_t capacity = 16;
    while (capacity < dict.size() * 2) capacity *= 2;
    mask_ = capacity - 1;
    keys_.assign(capacity, 0);
    values_.assign(capacity, kEmpty);
    for (size_t i = 0; i < dict.size(); ++i) {
      size_t slot = SlotOf(dict[i]);
      while (values_[slot] != kEmpty && keys_[slot] != dict[i]) slot = (slot + 1) & mask_;
      if (values_[slot] != kEmpty) continue;  // a repeat: keep the first
      keys_[slot] = dict[i];
      values_[slot] = static_cast<uint32_t>(i);
    }
  }
  void Encode(const std::vector<uint64_t>& hashes, std::vector<uint32_t>* out) const {
    out->clear();
    for (uint64_t h : hashes) {
      const int f = Find(h);
      if (f >= 0) out->push_back(static_cast<uint32_t>(f));
    }
  }
  int Find(uint64_t h) const {
    for (size_t slot = SlotOf(h);; slot = (slot + 1) & mask_) {
      if (values_[slot] == kEmpty) return -1;
      if (keys_[slot] == h) return static_cast<int>(values_[slot]);
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  size_t SlotOf(uint64_t h) const { return static_cast<size_t>((h * 0x9E3779B97F4A7C15ULL) >> 32) & mask_; }
  size_t mask_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;  // kEmpty: a free slot
};

float ValueOf(size_t unique_features) {
  return unique_features > 0 ? 1.f / std::sqrt(static_cast<float>(unique_features)) : 0.f;
}

// Platt scaling shared by every type: a, b minimizing the log loss of
// sigmoid(a z + b) over held-out logits (Newton's method).
void FitPlatt(const std::vector<float>& z, const std::vector<uint8_t>& y, float* a, float* b) {
  double A = 1, B = 0;
  for (int iter = 0; iter < 50; ++iter) {
    double ga = 0, gb = 0, haa = 1e-6, hab = 0, hbb = 1e-6;
    for (size_t i = 0; i < z.size(); ++i) {
      const double p = 1 / (1 + std::exp(-(A * z[i] + B)));
      const double d = p - y[i], w = p * (1 - p);
      ga += d * z[i];
      gb += d;
      haa += w * z[i] * z[i];
      hab += w * z[i];
      hbb += w;
    }
    const double det = haa * hbb - hab * hab;
    if (std::abs(det) < 1e-12) break;
    const double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    A -= da;
    B -= db;
    if (std::abs(da) + std::abs(db) < 1e-7) break;
  }
  *a = static_cast<float>(A);
  *b = static_cast<float>(B);
}

// Softmax temperature minimizing the negative log-likelihood of the true
// fields (golden-section search over log T).
float FitTemperature(const std::vector<float>& z, const std::vector<int>& label, size_t classes) {
  auto nll = [&](double log_t) {
    const float t = static_cast<float>(std::exp(log_t));
    std::vector<float> p(classes);
    double loss = 0;
    for (size_t i = 0; i < label.size(); ++i) {
      if (label[i] < 0) continue;
      Softmax(&z[i * classes], classes, t, p.data());
      loss -= std::log(std::max(1e-12f, p[static_cast<size_t>(label[i])]));
    }
    return loss;
  };
  double lo = std::log(0.05), hi = std::log(5.0);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = nll(x1), f2 = nll(x2);
  for (int i = 0; i < 40; ++i) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = nll(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = nll(x2);
    }
  }
  return static_cast<float>(std::exp((lo + hi) / 2));
}

// Examples of fold f: a fixed shuffle of the indices, dealt round-robin.
std::vector<int> FoldOf(size_t n, int folds, uint32_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(seed ^ 0x9e3779b9u);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[order[i]] = static_cast<int>(i % static_cast<size_t>(folds));
  return fold;
}

struct Trained {
  std::vector<uint64_t> dictionary;
  std::unique_ptr<Weights> weights;
};

// Dictionary and weights from `examples` (their hashes precomputed).
Trained TrainOn(const std::vector<const std::vector<uint64_t>*>& hashes, const std::vector<const IntentExample*>& examples,
                size_t fields, size_t types, const IntentOptions& options) {
  Trained t;
  std::vector<std::vector<uint64_t>> copy;
  copy.reserve(hashes.size());
  for (const auto* h : hashes) copy.push_back(*h);
  t.dictionary = BuildDictionary(copy, options.min_feature_count);
  Lookup lookup(t.dictionary);
  std::vector<Encoded> encoded(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    lookup.Encode(*hashes[i], &encoded[i].features);
    encoded[i].value = ValueOf(hashes[i]->size());
    encoded[i].field = examples[i]->field;
    for (int type : examples[i]->service_types) encoded[i].type_bits |= 1u << type;
    encoded[i].has_types = !examples[i]->service_types.empty();
  }
  std::vector<const Encoded*> ptrs;
  for (const Encoded& e : encoded) ptrs.push_back(&e);
  t.weights = std::make_unique<Weights>(t.dictionary.size(), fields, types);
  t.weights->Train(ptrs, options);
  return t;
}

class IntentModelImpl final : public IntentModel {
 public:
  IntentModelImpl(std::vector<uint64_t> dictionary, std::unique_ptr<Weights> weights, Calibration calibration,
                  std::string fingerprint, size_t examples, float request_share)
      : dictionary_(std::move(dictionary)),
        lookup_(dictionary_),
        weights_(std::move(weights)),
        calibration_(calibration),
        fingerprint_(std::move(fingerprint)),
        version_("intent-" + fingerprint_.substr(0, 12)),
        examples_(examples),
        request_share_(request_share) {}

  const std::string& version() const override { return version_; }
  const std::string& fingerprint() const override { return fingerprint_; }
  size_t num_examples() const override { return examples_; }
  size_t num_features() const override { return dictionary_.size(); }

  std::string Serialize() const override;
  static Result<std::shared_ptr<const IntentModel>> Deserialize(std::string_view bytes, const Taxonomy& taxonomy);

  // Raw logits of normalized text: the whole text, and a long need's request
  // sentences on their own.
  void Logits(std::string_view normalized, std::vector<float>* z) const {
    const size_t outputs = weights_->outputs();
    z->assign(outputs, 0.f);
    thread_local std::vector<Occurrence> occ;
    thread_local std::vector<uint32_t> features;
    ExtractFeatures(normalized, &occ);
    std::vector<uint64_t> hashes = UniqueHashes(occ);
    lookup_.Encode(hashes, &features);
    weights_->Logits(features, ValueOf(hashes.size()), z->data());
    const std::string request = RequestText(normalized);
    if (request.empty() || request_share_ <= 0) return;
    ExtractFeatures(request, &occ);
    hashes = UniqueHashes(occ);
    lookup_.Encode(hashes, &features);
    std::vector<float> zr(outputs);
    weights_->Logits(features, ValueOf(hashes.size()), zr.data());
    for (size_t o = 0; o < outputs; ++o) (*z)[o] = (1 - request_share_) * (*z)[o] + request_share_ * zr[o];
  }

  IntentPrediction FromLogits(const std::vector<float>& z) const {
    IntentPrediction p;
    const size_t fields = weights_->fields(), types = weights_->outputs() - fields;
    p.field.resize(fields);
    Softmax(z.data(), fields, calibration_.field_temperature, p.field.data());
    p.types.resize(types);
    for (size_t t = 0; t < types; ++t) p.types[t] = Sigmoid(calibration_.type_a * z[fields + t] + calibration_.type_b);
    return p;
  }

  IntentPrediction Predict(std::string_view text) const override {
    const std::string normalized = NormalizeText(text);
    std::vector<float> z;
    Logits(normalized, &z);
    IntentPrediction p = FromLogits(z);
    const std::vector<RequestPart> parts = SplitRequestParts(normalized);
    if (parts.size() >= 2) {
      const size_t fields = weights_->fields();
      for (const RequestPart& part : parts) {
        if (!part.asks) continue;
        Logits(part.text, &z);
        const auto best = std::max_element(z.begin() + static_cast<ptrdiff_t>(fields), z.end());
        p.request_types.push_back(static_cast<int>(best - z.begin() - static_cast<ptrdiff_t>(fields)));
      }
    }
    return p;
  }

  std::vector<IntentEvidence> Explain(std::string_view text, int type, size_t max) const override;

  const Weights& weights() const { return *weights_; }
  const Calibration& calibration() const { return calibration_; }

 private:
  std::vector<uint64_t> dictionary_;
  Lookup lookup_;
  std::unique_ptr<Weights> weights_;
  Calibration calibration_;
  std::string fingerprint_;
  std::string version_;
  size_t examples_;
  float request_share_;
};

std::vector<IntentEvidence> IntentModelImpl::Explain(std::string_view text, int type, size_t max) const {
  std::vector<IntentEvidence> out;
  const size_t fields = weights_->fields(), outputs = weights_->outputs();
  if (type < 0 || static_cast<size_t>(type) >= outputs - fields || max == 0) return out;
  const std::string normalized = NormalizeText(text);
  std::vector<Occurrence> occ;
  ExtractFeatures(normalized, &occ);
  const float value = ValueOf(UniqueHashes(occ).size());
  // Each feature's push towards the type (once per feature, however often it occurs).
  std::unordered_map<uint64_t, float> contribution;
  for (const Occurrence& o : occ) {
    if (contribution.contains(o.hash)) continue;
    const int f = lookup_.Find(o.hash);
    const float c = f < 0 ? 0.f
                          : value * weights_->w()[static_cast<size_t>(f) * outputs + fields + static_cast<size_t>(type)];
    contribution.emplace(o.hash, c);
  }
  // The strongest features mark their spans; touching spans form a phrase.
  std::vector<std::pair<float, uint64_t>> strongest;
  for (const auto& [h, c] : contribution)
    if (c > 0) strongest.emplace_back(c, h);
  std::sort(strongest.begin(), strongest.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (strongest.size() > 10) strongest.resize(10);
  if (strongest.empty()) return out;
  const float floor = strongest.front().first * 0.25f;
  struct Span {
    uint32_t begin, end;
    float weight;
  };
  std::vector<Span> spans;
  for (const auto& [c, h] : strongest) {
    if (c < floor) continue;
    for (const Occurrence& o : occ) {
      if (o.hash == h) {
        spans.push_back({o.begin, o.end, c});
        break;  // its first occurrence
      }
    }
  }
  // A fragment of a short Chinese clause reads better as the whole clause
  // ("产品想改一" of "产品想改一改"): Han spans grow to their run of Han
  // characters when it is short.
  for (Span& s : spans) {
    const HanRun run = HanRunAround(normalized, s.begin, s.end);
    if (run.chars > 0 && run.chars <= 8) {
      s.begin = run.begin;
      s.end = run.end;
    }
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> merged;
  for (const Span& s : spans) {
    if (!merged.empty() && s.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, s.end);
      merged.back().weight += s.weight;
    } else {
      merged.push_back(s);
    }
  }
  std::sort(merged.begin(), merged.end(),
            [](const Span& a, const Span& b) { return a.weight != b.weight ? a.weight > b.weight : a.begin < b.begin; });
  for (const Span& s : merged) {
    if (out.size() >= max) break;
    const std::string_view phrase = std::string_view(normalized).substr(s.begin, s.end - s.begin);
    // True to the model, but says nothing to a person: function words, or
    // one Chinese character out of its word.
    if (OnlyFunctionWords(phrase) || CountCodePoints(phrase) == 1) continue;
    out.push_back({std::string(phrase), s.weight});
  }
  return out;
}

// ------------------------------------------------------------ serialization

using byte_codec::PutF32;
using byte_codec::PutFloats;
using byte_codec::PutString;
using byte_codec::PutU32;
using byte_codec::PutU64s;
using byte_codec::Reader;

std::string LabelsKey(const Taxonomy& taxonomy) {
  std::string key;
  for (const FieldInfo& f : taxonomy.fields()) key += f.id + ",";
  key += "|";
  for (const ServiceTypeInfo& t : taxonomy.service_types()) key += t.id + ",";
  return key;
}

std::string IntentModelImpl::Serialize() const {
  std::string out(kMagic, sizeof(kMagic));
  PutString(&out, fingerprint_);
  PutU32(&out, static_cast<uint32_t>(examples_));
  PutU32(&out, static_cast<uint32_t>(weights_->fields()));
  PutU32(&out, static_cast<uint32_t>(weights_->outputs() - weights_->fields()));
  PutU32(&out, static_cast<uint32_t>(dictionary_.size()));
  PutF32(&out, calibration_.field_temperature);
  PutF32(&out, calibration_.type_a);
  PutF32(&out, calibration_.type_b);
  PutF32(&out, request_share_);
  PutU64s(&out, dictionary_);
  PutFloats(&out, weights_->w());
  PutFloats(&out, weights_->bias());
  Fnv1a64 check;
  check.Update(out);
  out.append(check.Hex());
  return out;
}

Result<std::shared_ptr<const IntentModel>> IntentModelImpl::Deserialize(std::string_view bytes,
                                                                         const Taxonomy& taxonomy) {
  const auto corrupt = [](const char* what) { return Status::Corruption(std::string("stored intent model: ") + what); };
  if (bytes.size() < sizeof(kMagic) + 16 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("not an intent model");
  }
  Fnv1a64 check;
  check.Update(bytes.substr(0, bytes.size() - 16));
  if (check.Hex() != bytes.substr(bytes.size() - 16)) return corrupt("checksum mismatch");
  Reader r(bytes.substr(sizeof(kMagic), bytes.size() - 16 - sizeof(kMagic)));
  std::string fingerprint;
  uint32_t examples, fields, types, features;
  Calibration cal;
  float request_share;
  if (!r.String(&fingerprint) || !r.U32(&examples) || !r.U32(&fields) || !r.U32(&types) || !r.U32(&features) ||
      !r.F32(&cal.field_temperature) || !r.F32(&cal.type_a) || !r.F32(&cal.type_b) || !r.F32(&request_share)) {
    return corrupt("truncated header");
  }
  if (fields != taxonomy.fields().size() || types != taxonomy.service_types().size() || types > 32) {
    return corrupt("made for another taxonomy");
  }
  std::vector<uint64_t> dictionary(features);
  auto weights = std::make_unique<Weights>(features, fields, types);
  if (!r.U64s(dictionary.data(), dictionary.size()) || !r.Floats(weights->w().data(), weights->w().size()) ||
      !r.Floats(weights->bias().data(), weights->bias().size()) || !r.AtEnd()) {
    return corrupt("truncated weights");
  }
  return std::shared_ptr<const IntentModel>(std::make_shared<IntentModelImpl>(
      std::move(dictionary), std::move(weights), cal, std::move(fingerprint), examples, request_share));
}

// ------------------------------------------------------------------ corpus

Status CorpusError(std::string_view source, size_t line, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ":" + std::to_string(line) + ": " + what);
}

// The same model for the same inputs: processes that open the engine many
// times (tests, benchmarks) train once.
std::mutex& CacheMutex() {
  static std::mutex mu;
  return mu;
}
std::unordered_map<std::string, std::weak_ptr<const IntentModel>>& Cache() {
  static auto* cache = new std::unordered_map<std::string, std::weak_ptr<const IntentModel>>;
  return *cache;
}

}  // namespace

std::vector<IntentExample> IntentExamplesFromVocabulary(const Vocabulary& vocabulary) {
  std::vector<IntentExample> out;
  for (const Vocabulary::Group& g : vocabulary.groups) {
    if (g.weak || g.label < 0) continue;
    for (const std::string& term : g.terms) {
      IntentExample ex;
      ex.text = term;
      if (g.kind == Vocabulary::Group::Kind::kServiceType) {
        ex.service_types.push_back(g.label);
      } else if (g.kind == Vocabulary::Group::Kind::kField) {
        ex.field = g.label;
      } else {
        continue;
      }
      out.push_back(std::move(ex));
    }
  }
  return out;
}

Result<std::vector<IntentExample>> ParseIntentCorpus(std::string_view jsonl, const Taxonomy& taxonomy,
                                                     std::string_view source) {
  std::vector<IntentExample> out;
  simdjson::dom::parser parser;
  size_t line_number = 0, pos = 0;
  while (pos < jsonl.size()) {
    ++line_number;
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    simdjson::dom::element doc;
    if (auto error = parser.parse(line.data(), line.size()).get(doc); error) {
      return CorpusError(source, line_number, json_reader::DescribeParseError(error));
    }
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) {
      return CorpusError(source, line_number, "an example is a JSON object");
    }
    for (auto member : object) {
      const std::string_view key = member.key;
      if (key != "text" && key != "field" && key != "service_types" && key != "lang" && key != "note") {
        return CorpusError(source, line_number, "unknown member \"" + std::string(key) + "\"");
      }
    }
    IntentExample ex;
    std::string field;
    std::vector<std::string> types;
    Status st = json_reader::ReadString(object, "", "text", true, &ex.text);
    if (st.ok()) st = json_reader::ReadId(object, "", "field", &field);
    if (st.ok()) st = json_reader::ReadStringArray(object, "", "service_types", true, &types);
    if (!st.ok()) return CorpusError(source, line_number, st.message());
    if (ex.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return CorpusError(source, line_number, "text is empty");
    }
    if (!IsValidUtf8(ex.text)) return CorpusError(source, line_number, "text is not valid UTF-8");
    ex.field = taxonomy.FieldIndex(field);
    if (ex.field < 0) return CorpusError(source, line_number, "unknown field \"" + field + "\"");
    if (types.empty()) return CorpusError(source, line_number, "service_types is empty");
    for (const std::string& t : types) {
      const int idx = taxonomy.ServiceTypeIndex(t);
      if (idx < 0) return CorpusError(source, line_number, "unknown service type \"" + t + "\"");
      if (std::find(ex.service_types.begin(), ex.service_types.end(), idx) != ex.service_types.end()) {
        return CorpusError(source, line_number, "service type \"" + t + "\" listed twice");
      }
      ex.service_types.push_back(idx);
    }
    out.push_back(std::move(ex));
  }
  return out;
}

Result<std::vector<IntentExample>> LoadIntentCorpus(const std::string& dir, const Taxonomy& taxonomy) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::InvalidArgument("intent corpus: " + dir + " is not a directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  if (ec) return Status::IOError("intent corpus: cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<IntentExample> all;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::IOError("intent corpus: cannot read " + file.string());
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = ParseIntentCorpus(buf.str(), taxonomy, file.filename().string());
    if (!parsed.ok()) return parsed.status();
    std::move(parsed->begin(), parsed->end(), std::back_inserter(all));
  }
  if (all.empty()) return Status::InvalidArgument("intent corpus: no examples in " + dir);
  return all;
}

std::string IntentModel::Fingerprint(const std::vector<IntentExample>& examples, const Taxonomy& taxonomy,
                                     const IntentOptions& options) {
  Fnv1a64 h;
  h.Update(kFormat);
  h.Update(LabelsKey(taxonomy));
  std::ostringstream opts;
  opts << options.epochs << ' ' << options.learning_rate << ' ' << options.l2 << ' ' << options.min_feature_count
       << ' ' << options.calibration_parts << ' ' << options.request_share << ' ' << options.seed;
  h.Update(opts.str());
  for (const IntentExample& ex : examples) {
    h.Update(ex.text);
    std::string labels = std::to_string(ex.field) + ":";
    for (int t : ex.service_types) labels += std::to_string(t) + ",";
    h.Update(labels);
  }
  return h.Hex();
}

Result<std::shared_ptr<const IntentModel>> IntentModel::Train(const std::vector<IntentExample>& examples,
                                                              const Taxonomy& taxonomy, const IntentOptions& options) {
  const size_t fields = taxonomy.fields().size(), types = taxonomy.service_types().size();
  if (examples.empty()) return Status::InvalidArgument("intent model: no training examples");
  if (types > 32) return Status::InvalidArgument("intent model: at most 32 service types");
  for (const IntentExample& ex : examples) {
    if (ex.field >= static_cast<int>(fields) || ex.field < -1 || (ex.field < 0 && ex.service_types.empty())) {
      return Status::InvalidArgument("intent model: an example without a valid field or service type");
    }
    for (int t : ex.service_types)
      if (t < 0 || t >= static_cast<int>(types)) return Status::InvalidArgument("intent model: bad service type");
  }
  const std::string fingerprint = Fingerprint(examples, taxonomy, options);
  {
    std::lock_guard<std::mutex> lock(CacheMutex());
    auto it = Cache().find(fingerprint);
    if (it != Cache().end()) {
      if (auto cached = it->second.lock()) return cached;
    }
  }

  std::vector<std::vector<uint64_t>> hashes(examples.size());
  std::vector<Occurrence> occ;
  for (size_t i = 0; i < examples.size(); ++i) {
    ExtractFeatures(NormalizeText(examples[i].text), &occ);
    hashes[i] = UniqueHashes(occ);
  }

  // Calibration on held-out logits: a model fitted without one part of the
  // examples (1 / calibration_parts of them, a fixed shuffle) predicts it.
  Calibration cal;
  if (options.calibration_parts >= 2 && examples.size() >= static_cast<size_t>(4 * options.calibration_parts)) {
    const std::vector<int> fold = FoldOf(examples.size(), options.calibration_parts, options.seed);
    std::vector<float> field_z(examples.size() * fields), type_z;
    std::vector<int> field_label(examples.size(), -1);
    std::vector<uint8_t> type_y;
    for (int f = 0; f < 1; ++f) {  // the held-out part
      std::vector<const std::vector<uint64_t>*> h;
      std::vector<const IntentExample*> ex;
      for (size_t i = 0; i < examples.size(); ++i) {
        if (fold[i] != f) {
          h.push_back(&hashes[i]);
          ex.push_back(&examples[i]);
        }
      }
      Trained t = TrainOn(h, ex, fields, types, options);
      Lookup lookup(t.dictionary);
      std::vector<uint32_t> features;
      std::vector<float> z(fields + types);
      for (size_t i = 0; i < examples.size(); ++i) {
        if (fold[i] != f) continue;
        lookup.Encode(hashes[i], &features);
        t.weights->Logits(features, ValueOf(hashes[i].size()), z.data());
        std::copy(z.begin(), z.begin() + static_cast<ptrdiff_t>(fields), field_z.begin() + static_cast<ptrdiff_t>(i * fields));
        field_label[i] = examples[i].field;
        if (examples[i].service_types.empty()) continue;
        for (size_t ty = 0; ty < types; ++ty) {
          type_z.push_back(z[fields + ty]);
          type_y.push_back(std::find(examples[i].service_types.begin(), examples[i].service_types.end(),
                                     static_cast<int>(ty)) != examples[i].service_types.end());
        }
      }
    }
    cal.field_temperature = FitTemperature(field_z, field_label, fields);
    FitPlatt(type_z, type_y, &cal.type_a, &cal.type_b);
  }

  std::vector<const std::vector<uint64_t>*> h;
  std::vector<const IntentExample*> ex;
  for (size_t i = 0; i < examples.size(); ++i) {
    h.push_back(&hashes[i]);
    ex.push_back(&examples[i]);
  }
  Trained t = TrainOn(h, ex, fields, types, options);
  auto model = std::make_shared<const IntentModelImpl>(std::move(t.dictionary), std::move(t.weights), cal, fingerprint,
                                                       examples.size(), options.request_share);
  std::lock_guard<std::mutex> lock(CacheMutex());
  Cache()[fingerprint] = model;
  return std::shared_ptr<const IntentModel>(model);
}

Result<std::shared_ptr<const IntentModel>> IntentModel::Restore(std::string_view bytes, const Taxonomy& taxonomy) {
  return IntentModelImpl::Deserialize(bytes, taxonomy);
}

IntentCrossValidation IntentModel::CrossValidate(const std::vector<IntentExample>& examples, const Taxonomy& taxonomy,
                                                 int folds, const IntentOptions& options,
                                                 const std::vector<IntentExample>& always_train) {
  IntentCrossValidation cv;
  const size_t types = taxonomy.service_types().size();
  cv.folds = folds;
  cv.examples = examples.size();
  cv.type_f1.assign(types, 0.0);
  if (folds < 2 || examples.size() < static_cast<size_t>(folds)) return cv;
  const std::vector<int> fold = FoldOf(examples.size(), folds, options.seed + 1);
  std::vector<double> tp(types, 0), fp(types, 0), fn(types, 0);
  double field_ok = 0, top1_ok = 0, exact = 0, brier = 0;
  for (int f = 0; f < folds; ++f) {
    std::vector<IntentExample> train = always_train;
    for (size_t i = 0; i < examples.size(); ++i)
      if (fold[i] != f) train.push_back(examples[i]);
    auto model = Train(train, taxonomy, options);
    if (!model.ok()) return cv;
    for (size_t i = 0; i < examples.size(); ++i) {
      if (fold[i] != f) continue;
      const IntentExample& ex = examples[i];
      const IntentPrediction p = (*model)->Predict(ex.text);
      const size_t best_field = static_cast<size_t>(std::max_element(p.field.begin(), p.field.end()) - p.field.begin());
      field_ok += static_cast<int>(best_field) == ex.field;
      const size_t best_type = static_cast<size_t>(std::max_element(p.types.begin(), p.types.end()) - p.types.begin());
      auto wanted = [&](size_t t) {
        return std::find(ex.service_types.begin(), ex.service_types.end(), static_cast<int>(t)) != ex.service_types.end();
      };
      top1_ok += wanted(best_type);
      bool same = true;
      for (size_t t = 0; t < types; ++t) {
        const bool predicted = p.types[t] >= 0.5f || t == best_type;
        const bool truth = wanted(t);
        tp[t] += predicted && truth;
        fp[t] += predicted && !truth;
        fn[t] += !predicted && truth;
        same = same && predicted == truth;
        brier += (p.types[t] - (truth ? 1.0 : 0.0)) * (p.types[t] - (truth ? 1.0 : 0.0));
      }
      exact += same;
    }
  }
  const double n = static_cast<double>(examples.size());
  cv.field_accuracy = field_ok / n;
  cv.type_top1_accuracy = top1_ok / n;
  cv.type_exact = exact / n;
  cv.type_brier = brier / (n * static_cast<double>(types));
  double macro = 0;
  for (size_t t = 0; t < types; ++t) {
    const double denom = 2 * tp[t] + fp[t] + fn[t];
    cv.type_f1[t] = denom > 0 ? 2 * tp[t] / denom : 0.0;
    macro += cv.type_f1[t];
  }
  cv.type_macro_f1 = macro / static_cast<double>(types);
  return cv;
}

}  // namespace iisc
