// The intent model: what kind of service a need asks for, and its field,
// learned from example needs written the way SMEs write them (the training
// corpus in configs/intent/). Word lists name a service; examples also teach
// the ways of asking that name none ("someone copied our new frame" asks for
// IP protection).
//
// A linear model over sparse features of the normalized text: Han character
// n-grams (1-4), English words, their stems, word pairs and character n-grams
// of each word (3-5, so misspellings and word forms share most features).
// Field: softmax over the taxonomy's fields. Service types: one logistic
// output each (a need may ask for several). Trained by SGD in a fixed
// order (deterministic); probabilities calibrated on held-out predictions
// (temperature for the field, Platt scaling for the types).
//
// Long needs often ask only after several sentences of background; their
// request sentences are scored on their own too and count as much as the
// whole text.
//
// Immutable after Train()/Restore(); thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"
#include "models/taxonomy.h"
#include "models/text_model.h"

namespace iisc {

struct IntentExample {
  std::string text;
  int field = -1;                  // taxonomy field index; -1: teaches the types only
  std::vector<int> service_types;  // taxonomy service type indices; empty: teaches the field only
};

// Reads a corpus file's JSONL: one example a line, {"text": "...", "field":
// "<field id>", "service_types": ["<type id>", ...]}; "lang" and "note" are
// allowed and ignored, other members are refused. Blank lines and lines
// starting with '#' are skipped. Errors name `source` and the line.
Result<std::vector<IntentExample>> ParseIntentCorpus(std::string_view jsonl,
                                                     const Taxonomy& taxonomy,
                                                     std::string_view source);
// Every *.jsonl file of `dir`, in file name order.
Result<std::vector<IntentExample>> LoadIntentCorpus(const std::string& dir,
                                                    const Taxonomy& taxonomy);

// The vocabulary's words as short examples: each word of a service type (or
// field) teaches that type (or field) alone, so that needs which name the
// service in the catalog's own words are understood as well as those that
// tell a problem. Weak words are left out.
std::vector<IntentExample> IntentExamplesFromVocabulary(const Vocabulary& vocabulary);

struct IntentOptions {
  int epochs = 10;
  float learning_rate = 2.0f;  // the first epoch's step; epoch e takes lr / (1 + e / 2)
  float l2 = 1e-5f;
  int min_feature_count = 2;   // features seen in fewer examples are dropped
  int calibration_parts = 4;   // 1 / this of the examples held out for calibration (0: none)
  float request_share = 0.5f;  // weight of a long need's request sentences
  uint32_t seed = 20240601;
};

struct IntentPrediction {
  std::vector<float> field;  // per field index, sums to 1
  std::vector<float> types;  // per service type index, each 0..1
  // When the need makes several requests (models/request_parts.h): the
  // likeliest type of each request on its own. Two types asked for in
  // requests of their own are both wanted; two types close in one request
  // leave the need unclear between them.
  std::vector<int> request_types;
};

// A phrase of the need that raised a service type, with how much.
struct IntentEvidence {
  std::string phrase;  // as normalized (lower case, half-width)
  float weight = 0;
};

// Per-fold measurement of the model on its own corpus.
struct IntentCrossValidation {
  int folds = 0;
  size_t examples = 0;
  double field_accuracy = 0;
  double type_top1_accuracy = 0;  // the likeliest type is one of the wanted
  double type_exact = 0;          // the predicted set (p >= 0.5, at least one) equals the wanted
  std::vector<double> type_f1;    // per service type index, predicted set against wanted
  double type_macro_f1 = 0;
  double type_brier = 0;          // calibration: mean squared error of the type probabilities
};

class IntentModel {
 public:
  static Result<std::shared_ptr<const IntentModel>> Train(const std::vector<IntentExample>& examples,
                                                          const Taxonomy& taxonomy,
                                                          const IntentOptions& options = {});
  // What Train(examples, ...) would name its model, without training.
  static std::string Fingerprint(const std::vector<IntentExample>& examples, const Taxonomy& taxonomy,
                                 const IntentOptions& options = {});
  // A model stored by Serialize(); Corruption when the bytes are damaged or
  // were made for another taxonomy.
  static Result<std::shared_ptr<const IntentModel>> Restore(std::string_view bytes,
                                                            const Taxonomy& taxonomy);
  // k-fold cross-validation on `examples` (folds by a fixed shuffle);
  // `always_train` joins every fold's training set and is never tested.
  static IntentCrossValidation CrossValidate(const std::vector<IntentExample>& examples,
                                             const Taxonomy& taxonomy, int folds,
                                             const IntentOptions& options = {},
                                             const std::vector<IntentExample>& always_train = {});

  virtual ~IntentModel() = default;
  virtual const std::string& version() const = 0;      // "intent-" + 12 hex digits
  virtual const std::string& fingerprint() const = 0;  // hash of the training inputs
  virtual size_t num_examples() const = 0;
  virtual size_t num_features() const = 0;
  virtual std::string Serialize() const = 0;

  virtual IntentPrediction Predict(std::string_view text) const = 0;
  // Up to `max` phrases of `text` that most raised service type `type`, best first.
  virtual std::vector<IntentEvidence> Explain(std::string_view text, int type, size_t max) const = 0;
};

}  // namespace iisc
