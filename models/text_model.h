// The text model: turns free text (Chinese, English or both) into features.
//  - lexical terms weighted BM25-style, with idf learned from the catalog;
//  - concept terms from the domain vocabulary (configs/vocabulary/), which map
//    Chinese and English words for the same thing onto one term;
//  - a dense cross-lingual vector: latent semantic indexing fitted with Eigen
//    on the bilingual catalog texts, the taxonomy and the vocabulary groups, so
//    "brake pads" lands near "刹车片".
// Immutable after Fit(); all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"
#include "models/taxonomy.h"
#include "models/text.h"

namespace iisc {

// Domain vocabulary the bureau can grow: extra words for each field and each
// service type, and bilingual synonym groups. Loaded from text files
// (see configs/vocabulary/README.md for the format).
struct Vocabulary {
  struct Group {
    enum class Kind : uint8_t { kField, kServiceType, kSynonyms };
    Kind kind = Kind::kSynonyms;
    int label = -1;  // field or service type index for kField / kServiceType
    std::string name;                // field id, type id or synonym group name
    std::vector<std::string> terms;  // as written: Chinese, English, phrases
    // Weak words of a field or service type: they often name the object or
    // the setting of a need rather than what it is about ("包装" in "给茶叶
    // 做包装设计", "出口" in "出口欧盟做检测"). Written "<id> (weak): ...".
    bool weak = false;
  };
  std::vector<Group> groups;
  std::string fingerprint;  // hash of the content, part of the model version

  // Reads fields.txt, service_types.txt and synonyms.txt from `dir` and adds
  // the taxonomy's own names and keywords. Errors name file and line.
  static Result<Vocabulary> Load(const std::string& dir, const Taxonomy& taxonomy);
  // Only the taxonomy's names and keywords.
  static Vocabulary FromTaxonomy(const Taxonomy& taxonomy);
};

// A sparse vector over the model's term ids, ids ascending.
struct SparseVector {
  std::vector<uint32_t> ids;
  std::vector<float> weights;
  bool empty() const { return ids.empty(); }
};

// What a text says about fields and service types, from the vocabulary alone.
// Evidence is the number of distinct vocabulary words found for the field or
// type (a word found only inside a longer found word does not count).
struct ConceptHits {
  std::vector<float> fields;         // per field index, from its words
  std::vector<float> service_types;  // per service type index
  std::vector<float> weak_fields;    // the same from words marked weak
  std::vector<float> weak_service_types;
  // Queries only (FeaturizeQuery): bit i of a service type is set when one of
  // its (not weak) words occurs in request part i of the text and that part
  // asks for something (see models/request_parts.h); parts past the 32nd
  // share bit 31.
  std::vector<uint32_t> service_type_parts;
  int num_parts = 0;
};

// One training document: a capability's texts and labels.
struct TrainingDocument {
  std::string text;          // all its texts, both languages
  std::vector<int> fields;   // field indices
  int service_type = -1;
};

struct TextModelOptions {
  int dim = 128;             // latent dimensions (capped by the training rank)
  float bm25_k1 = 1.2f;
  float bm25_b = 0.75f;
  float concept_weight = 2.0f;  // concept terms count this much more than words
  float bigram_weight = 0.6f;   // Chinese bigrams count less than dictionary words
  size_t max_training_documents = 20000;  // larger catalogs are sampled
};

// Features of one text, computed once per need or capability.
struct TextFeatures {
  SparseVector terms;         // term ids with BM25 query/document weights
  std::vector<float> vector;  // unit-norm latent vector of dim()
  ConceptHits concepts;
};

class TextModel {
 public:
  static Result<std::shared_ptr<const TextModel>> Fit(
      const std::vector<TrainingDocument>& documents, const Taxonomy& taxonomy,
      const Vocabulary& vocabulary, std::shared_ptr<const Analyzer> analyzer,
      const TextModelOptions& options = {});

  // Fit() trains on every step-th document of `documents` when there are
  // more than options.max_training_documents; callers with huge catalogs may
  // pass only that sample (the same model results).
  static size_t TrainingSampleStep(size_t documents, const TextModelOptions& options);

  virtual ~TextModel() = default;

  // A model stored by Serialize(); Corruption when the bytes are damaged or
  // the model was fitted with another vocabulary.
  static Result<std::shared_ptr<const TextModel>> Restore(
      std::string_view bytes, const Taxonomy& taxonomy, const Vocabulary& vocabulary,
      std::shared_ptr<const Analyzer> analyzer, const TextModelOptions& options = {});
  // What Fit(documents, ...) would name its model, without fitting: a stored
  // model with this fingerprint is the model the fit would produce.
  static std::string TrainingFingerprint(const std::vector<TrainingDocument>& documents,
                                         const Taxonomy& taxonomy, const Vocabulary& vocabulary,
                                         const TextModelOptions& options = {});

  // Changes whenever the training texts, the vocabulary or the options change.
  virtual const std::string& version() const = 0;
  // The hash of the fit's inputs (the version holds its first 12 digits).
  virtual const std::string& fingerprint() const = 0;
  virtual std::string Serialize() const = 0;
  virtual int dim() const = 0;
  virtual size_t num_terms() const = 0;
  // A bound on every document weight of `term` (FeaturizeDocument): BM25's
  // saturated tf stays below k1 + 1 times the idf. The engine quantizes the
  // postings' weights against it, so it depends on the model alone.
  virtual float DocumentWeightBound(uint32_t term) const = 0;

  // Features of a document (BM25 document weights: saturated tf, length norm).
  virtual TextFeatures FeaturizeDocument(std::string_view text) const = 0;
  // Features of a query (idf weights; terms unknown to the catalog are dropped).
  virtual TextFeatures FeaturizeQuery(std::string_view text) const = 0;
  // The latent vector of a sparse term vector (unit norm), written to `out`.
  virtual void Embed(const SparseVector& terms, std::span<float> out) const = 0;
};

}  // namespace iisc
