#include "models/text_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include "models/byte_codec.h"
#include "models/hash.h"
#include "models/request_parts.h"

namespace iisc {
namespace {

// Concept terms live in the same dictionary as words; a control-character
// prefix keeps them from ever colliding with analyzed text.
std::string ConceptTerm(const Vocabulary::Group& g) {
  switch (g.kind) {
    case Vocabulary::Group::Kind::kField: return "\x01" "f:" + g.name;
    case Vocabulary::Group::Kind::kServiceType: return "\x01" "t:" + g.name;
    case Vocabulary::Group::Kind::kSynonyms: return "\x01" "s:" + g.name;
  }
  return {};
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80) == 0; });
}

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Finds vocabulary terms in a text. Terms with any non-ASCII character match
// as substrings of the normalized text (Chinese has no spaces, and the
// segmenter may split a term differently); ASCII terms match as sequences of
// analyzed (stemmed) words, so "testing" finds "tests".
class ConceptMatcher {
 public:
  // Terms that normalize (or stem) alike get the same term id. `list` names
  // the word list the term comes from (see Match).
  void Add(const std::string& term, uint32_t group, uint8_t list, const Analyzer& analyzer) {
    std::string norm = NormalizeText(term);
    if (norm.empty()) return;
    if (!IsAscii(norm)) {
      std::string key = norm.substr(0, Utf8Length(static_cast<unsigned char>(norm[0])));
      uint32_t id = TermId(norm);
      substring_terms_[key].push_back({norm, group, id, list});
      return;
    }
    std::vector<std::string> stems;
    std::string joined;
    for (const Token& t : analyzer.Analyze(norm)) {
      stems.push_back(t.text);
      joined += t.text + ' ';
    }
    if (stems.empty()) return;
    std::string first = stems.front();
    uint32_t id = TermId(joined);
    word_terms_[first].push_back({std::move(stems), group, id, list});
  }

  // Calls hit(group, term id, outermost) once per occurrence. A match lying
  // inside a longer match of the same list is dropped, so "茶树菇" (mushrooms)
  // does not also count as "茶" (tea). Inside a longer match of another list
  // it is reported with outermost = false: "茶博会" is a tea word, and its
  // "博会" still an exhibition word; "CE认证" a synonym, its "认证" still a
  // testing word. (Fields, service types and synonyms are the lists.)
  template <typename Hit>
  void Match(std::string_view normalized, const std::vector<Token>& tokens, Hit&& hit) const {
    struct Span {
      size_t begin, end;
      uint32_t group, term;
      uint8_t list;
    };
    std::vector<Span> spans;
    for (size_t pos = 0; pos < normalized.size();) {
      size_t len = Utf8Length(static_cast<unsigned char>(normalized[pos]));
      auto it = substring_terms_.find(std::string(normalized.substr(pos, len)));
      if (it != substring_terms_.end()) {
        for (const auto& [term, group, id, list] : it->second) {
          if (normalized.compare(pos, term.size(), term) == 0) spans.push_back({pos, pos + term.size(), group, id, list});
        }
      }
      pos += len;
    }
    KeepOutermost(&spans, hit);
    spans.clear();
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (!IsAscii(tokens[i].text)) continue;
      auto it = word_terms_.find(tokens[i].text);
      if (it == word_terms_.end()) continue;
      for (const auto& [stems, group, id, list] : it->second) {
        if (i + stems.size() > tokens.size()) continue;
        bool all = true;
        for (size_t j = 1; j < stems.size() && all; ++j) all = tokens[i + j].text == stems[j];
        if (all) spans.push_back({i, i + stems.size(), group, id, list});
      }
    }
    KeepOutermost(&spans, hit);
  }

 private:
  template <typename SpanT, typename Hit>
  static void KeepOutermost(std::vector<SpanT>* spans, Hit& hit) {
    std::sort(spans->begin(), spans->end(), [](const SpanT& a, const SpanT& b) {
      return a.end - a.begin != b.end - b.begin ? a.end - a.begin > b.end - b.begin : a.begin < b.begin;
    });
    std::vector<const SpanT*> kept;
    for (const SpanT& s : *spans) {
      bool inside_any = false, inside_same = false;
      for (const SpanT* k : kept) {
        // Same extent is not "inside": one term may belong to several groups.
        if (k->begin <= s.begin && s.end <= k->end && (k->end - k->begin) > (s.end - s.begin)) {
          inside_any = true;
          inside_same = inside_same || k->list == s.list;
        }
      }
      if (inside_same) continue;
      kept.push_back(&s);
      hit(s.group, s.term, !inside_any);
    }
  }

  uint32_t TermId(const std::string& key) {
    return term_ids_.emplace(key, static_cast<uint32_t>(term_ids_.size())).first->second;
  }

  struct SubstringTerm {
    std::string text;
    uint32_t group, id;
    uint8_t list;
  };
  struct WordTerm {
    std::vector<std::string> stems;
    uint32_t group, id;
    uint8_t list;
  };
  std::unordered_map<std::string, std::vector<SubstringTerm>> substring_terms_;
  std::unordered_map<std::string, std::vector<WordTerm>> word_terms_;
  std::unordered_map<std::string, uint32_t> term_ids_;
};

// Above this many training documents (catalog sample plus vocabulary groups)
// the dense eigensolver's n^3 time and n^2 memory are out of reach (1,000
// documents take seconds, 20,000 would take hours): the randomized solver
// takes over. The demo catalog stays on the exact path.
constexpr size_t kExactFitMaxDocuments = 1024;
constexpr int kRandomizedOversample = 32;
constexpr int kRandomizedPowerIterations = 3;

// The texts a fit trains on: every step-th document, then one pseudo-document
// per vocabulary group (its terms in both languages, so that the latent space
// links the words a bureau listed as meaning the same thing).
std::vector<std::string> TrainingTexts(const std::vector<TrainingDocument>& all_documents,
                                       const Vocabulary& vocabulary, const TextModelOptions& options,
                                       size_t* num_real) {
  std::vector<std::string> texts;
  const size_t step = TextModel::TrainingSampleStep(all_documents.size(), options);
  for (size_t i = 0; i < all_documents.size(); i += step) texts.push_back(all_documents[i].text);
  *num_real = texts.size();
  for (const Vocabulary::Group& g : vocabulary.groups) {
    std::string t;
    for (const std::string& term : g.terms) t += term + " \n ";
    texts.push_back(std::move(t));
  }
  return texts;
}

// Hash of everything a fit depends on (hex): it names the model.
std::string InputHash(const std::vector<std::string>& texts, const Vocabulary& vocabulary,
                      const Taxonomy& taxonomy, const TextModelOptions& options, bool exact) {
  Fnv1a64 hash;
  hash.Update(vocabulary.fingerprint);
  hash.Update(taxonomy.source_json());
  for (const std::string& t : texts) hash.Update(t);
  char opts[160];
  std::snprintf(opts, sizeof(opts), "%d/%g/%g/%g/%g/%zu", options.dim, options.bm25_k1, options.bm25_b,
                options.concept_weight, options.bigram_weight, options.max_training_documents);
  hash.Update(opts);
  // The randomized solver is another fit; its parameters are part of the model.
  if (!exact) {
    char rsvd[64];
    std::snprintf(rsvd, sizeof(rsvd), "rsvd/%d/%d", kRandomizedOversample, kRandomizedPowerIterations);
    hash.Update(rsvd);
  }
  return hash.Hex();
}

struct RawTerms {
  std::vector<std::pair<uint32_t, float>> counts;  // term id, weighted tf
  float length = 0;
};

class TextModelImpl final : public TextModel {
 public:
  TextModelImpl(const Taxonomy& taxonomy, const Vocabulary& vocabulary,
                std::shared_ptr<const Analyzer> analyzer, const TextModelOptions& options)
      : analyzer_(std::move(analyzer)), options_(options), vocabulary_(vocabulary),
        num_fields_(taxonomy.fields().size()), num_types_(taxonomy.service_types().size()) {
    for (uint32_t g = 0; g < vocabulary_.groups.size(); ++g) {
      group_term_.push_back(InternTerm(ConceptTerm(vocabulary_.groups[g])));
      // Fields, service types and synonyms are three separate word lists.
      const uint8_t list = static_cast<uint8_t>(vocabulary_.groups[g].kind);
      for (const std::string& term : vocabulary_.groups[g].terms) matcher_.Add(term, g, list, *analyzer_);
    }
  }

  Status Train(const std::vector<TrainingDocument>& documents, const Taxonomy& taxonomy);
  std::string Serialize() const override;
  Status Restore(std::string_view bytes);

  const std::string& version() const override { return version_; }
  const std::string& fingerprint() const override { return fingerprint_; }
  int dim() const override { return dim_; }
  size_t num_terms() const override { return terms_.size(); }
  float DocumentWeightBound(uint32_t term) const override {
    return term < idf_.size() ? idf_[term] * (options_.bm25_k1 + 1) : 0.f;
  }

  TextFeatures FeaturizeDocument(std::string_view text) const override {
    TextFeatures f;
    RawTerms raw = Extract(text, /*add_unknown=*/nullptr, &f.concepts);
    float norm = 1 - options_.bm25_b + options_.bm25_b * raw.length / std::max(avg_length_, 1.0f);
    for (const auto& [id, tf] : raw.counts) {
      float w = idf_[id] * tf * (options_.bm25_k1 + 1) / (tf + options_.bm25_k1 * norm);
      f.terms.ids.push_back(id);
      f.terms.weights.push_back(w);
    }
    f.vector.assign(dim_, 0.f);
    Embed(f.terms, f.vector);
    return f;
  }

  TextFeatures FeaturizeQuery(std::string_view text) const override {
    TextFeatures f;
    RawTerms raw = Extract(text, nullptr, &f.concepts);
    MarkRequestParts(text, &f.concepts);
    for (const auto& [id, tf] : raw.counts) {
      f.terms.ids.push_back(id);
      f.terms.weights.push_back(idf_[id] * (1 + std::log(std::max(tf, 1.0f))));
    }
    f.vector.assign(dim_, 0.f);
    Embed(f.terms, f.vector);
    return f;
  }

  void Embed(const SparseVector& terms, std::span<float> out) const override {
    std::fill(out.begin(), out.end(), 0.f);
    if (dim_ == 0) return;
    for (size_t i = 0; i < terms.ids.size(); ++i) {
      const float* row = &projection_[static_cast<size_t>(terms.ids[i]) * dim_];
      float w = terms.weights[i];
      for (int d = 0; d < dim_; ++d) out[d] += w * row[d];
    }
    double n = 0;
    for (float v : out) n += double(v) * v;
    if (n > 0) {
      float inv = static_cast<float>(1.0 / std::sqrt(n));
      for (float& v : out) v *= inv;
    }
  }

 private:
  uint32_t InternTerm(const std::string& term) {
    auto [it, inserted] = term_ids_.emplace(term, static_cast<uint32_t>(terms_.size()));
    if (inserted) terms_.push_back(term);
    return it->second;
  }

  // The latent space of the term-document matrix (columns = documents):
  // exactly through the Gram matrix's eigenvectors for small training sets,
  // by a randomized SVD for large ones. Set dim_ and projection_.
  Status FitExact(const std::vector<std::vector<std::pair<uint32_t, float>>>& columns);
  Status FitRandomized(const std::vector<std::vector<std::pair<uint32_t, float>>>& columns);

  // Which request parts of the text name each service type.
  void MarkRequestParts(std::string_view text, ConceptHits* concepts) const {
    std::string normalized = NormalizeText(text);
    std::vector<RequestPart> parts = SplitRequestParts(normalized);
    concepts->service_type_parts.assign(num_types_, 0u);
    concepts->num_parts = static_cast<int>(parts.size());
    if (parts.size() == 1) {
      // The whole text: its words are already counted.
      for (size_t t = 0; t < num_types_ && parts[0].asks; ++t)
        if (concepts->service_types[t] > 0) concepts->service_type_parts[t] = 1u;
      return;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!parts[i].asks) continue;  // it describes the enterprise
      const uint32_t bit = uint32_t{1} << std::min<size_t>(i, 31);
      std::string part(parts[i].text);
      matcher_.Match(part, analyzer_->Analyze(part), [&](uint32_t g, uint32_t, bool) {
        const Vocabulary::Group& group = vocabulary_.groups[g];
        if (group.kind == Vocabulary::Group::Kind::kServiceType && !group.weak && group.label >= 0) {
          concepts->service_type_parts[group.label] |= bit;
        }
      });
    }
  }

  // Tokens and concepts of a text as weighted term counts. With `intern`,
  // unknown terms get new ids (training); otherwise they are dropped.
  RawTerms Extract(std::string_view text, std::unordered_map<std::string, uint32_t>* intern,
                   ConceptHits* concepts) const;

  std::shared_ptr<const Analyzer> analyzer_;
  TextModelOptions options_;
  Vocabulary vocabulary_;
  size_t num_fields_, num_types_;
  ConceptMatcher matcher_;
  std::vector<uint32_t> group_term_;  // per vocabulary group: its concept term id
  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::string> terms_;
  std::vector<float> idf_;
  float avg_length_ = 1;
  int dim_ = 0;
  std::vector<float> projection_;  // num_terms x dim, row-major
  std::string version_;
  std::string fingerprint_;

  friend class Trainer;
};

RawTerms TextModelImpl::Extract(std::string_view text,
                                std::unordered_map<std::string, uint32_t>* intern,
                                ConceptHits* concepts) const {
  RawTerms raw;
  std::string normalized = NormalizeText(text);
  std::vector<Token> tokens = analyzer_->Analyze(normalized);
  std::unordered_map<uint32_t, float> counts;
  auto add = [&](const std::string& term, float weight) {
    auto it = term_ids_.find(term);
    uint32_t id;
    if (it != term_ids_.end()) {
      id = it->second;
    } else if (intern != nullptr) {
      auto [jt, inserted] = intern->emplace(term, static_cast<uint32_t>(term_ids_.size() + intern->size()));
      id = jt->second;
    } else {
      return;
    }
    counts[id] += weight;
    raw.length += weight;
  };
  for (const Token& t : tokens) {
    add(t.text, t.kind == TokenKind::kBigram ? options_.bigram_weight : 1.0f);
  }
  if (concepts != nullptr) {
    concepts->fields.assign(num_fields_, 0.f);
    concepts->service_types.assign(num_types_, 0.f);
    concepts->weak_fields.assign(num_fields_, 0.f);
    concepts->weak_service_types.assign(num_types_, 0.f);
  }
  std::vector<std::pair<uint32_t, uint32_t>> seen;  // (group, term): a text has few
  matcher_.Match(normalized, tokens, [&](uint32_t g, uint32_t term, bool outermost) {
    const Vocabulary::Group& group = vocabulary_.groups[g];
    // Term features keep to the outermost matches.
    if (outermost) add(terms_[group_term_[g]], options_.concept_weight);
    if (concepts == nullptr || group.label < 0 || group.kind == Vocabulary::Group::Kind::kSynonyms) return;
    if (std::find(seen.begin(), seen.end(), std::make_pair(g, term)) != seen.end()) return;
    seen.emplace_back(g, term);
    if (group.kind == Vocabulary::Group::Kind::kField) {
      (group.weak ? concepts->weak_fields : concepts->fields)[group.label] += 1;
    } else {
      (group.weak ? concepts->weak_service_types : concepts->service_types)[group.label] += 1;
    }
  });
  raw.counts.assign(counts.begin(), counts.end());
  std::sort(raw.counts.begin(), raw.counts.end());
  return raw;
}

Status TextModelImpl::FitExact(const std::vector<std::vector<std::pair<uint32_t, float>>>& columns) {
  // Gram matrix through an inverted index: only documents sharing a term interact.
  const size_t num_docs = columns.size();
  std::vector<std::vector<std::pair<uint32_t, float>>> postings(terms_.size());
  for (size_t d = 0; d < num_docs; ++d)
    for (const auto& [id, w] : columns[d]) postings[id].emplace_back(static_cast<uint32_t>(d), w);
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(num_docs, num_docs);
  for (const auto& plist : postings)
    for (const auto& [a, wa] : plist)
      for (const auto& [b, wb] : plist) gram(a, b) += double(wa) * wb;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram);
  if (solver.info() != Eigen::Success) return Status::Internal("latent space fit did not converge");
  // Eigenvalues ascend; take the largest, skipping numerically null ones.
  const Eigen::VectorXd& eval = solver.eigenvalues();
  std::vector<int> keep;
  for (int i = static_cast<int>(eval.size()) - 1; i >= 0 && static_cast<int>(keep.size()) < options_.dim; --i) {
    if (eval(i) > 1e-6 * std::max(1.0, eval(eval.size() - 1))) keep.push_back(i);
  }
  dim_ = static_cast<int>(keep.size());
  projection_.assign(terms_.size() * dim_, 0.f);
  for (int k = 0; k < dim_; ++k) {
    int col = keep[k];
    double inv_sigma = 1.0 / std::sqrt(eval(col));
    for (size_t d = 0; d < num_docs; ++d) {
      double v = solver.eigenvectors()(d, col) * inv_sigma;
      if (v == 0) continue;
      for (const auto& [id, w] : columns[d]) projection_[static_cast<size_t>(id) * dim_ + k] += static_cast<float>(w * v);
    }
  }
  return Status::Ok();
}

namespace {

// Orthonormal basis of the columns of `m` (thin Q of its QR factorization).
Eigen::MatrixXd OrthonormalColumns(const Eigen::MatrixXd& m) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

}  // namespace

Status TextModelImpl::FitRandomized(const std::vector<std::vector<std::pair<uint32_t, float>>>& columns) {
  // Randomized range finder (Halko, Martinsson, Tropp 2011) on the sparse
  // term-document matrix X: a seeded random test matrix, a few power
  // iterations, then the exact SVD of the small projected matrix B = Q^T X.
  // Cost is linear in the documents, where the Gram matrix is quadratic in
  // memory and its eigensolver cubic in time.
  const auto num_docs = static_cast<Eigen::Index>(columns.size());
  const auto num_terms = static_cast<Eigen::Index>(terms_.size());
  std::vector<Eigen::Triplet<double>> triplets;
  for (Eigen::Index d = 0; d < num_docs; ++d)
    for (const auto& [id, w] : columns[d]) triplets.emplace_back(static_cast<Eigen::Index>(id), d, w);
  Eigen::SparseMatrix<double> x(num_terms, num_docs);
  x.setFromTriplets(triplets.begin(), triplets.end());
  x.makeCompressed();
  const Eigen::SparseMatrix<double> xt = x.transpose();

  const Eigen::Index width =
      std::min<Eigen::Index>(options_.dim + kRandomizedOversample, std::min(num_terms, num_docs));
  if (width < 1) return Status::Internal("latent space fit: no terms");
  Eigen::MatrixXd omega(num_docs, width);
  uint64_t state = 0x5eed5eed5eed5eedULL;  // fixed: the same texts give the same model
  for (Eigen::Index j = 0; j < width; ++j) {
    for (Eigen::Index i = 0; i < num_docs; ++i) {
      uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      omega(i, j) = static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;  // uniform in [-1, 1)
    }
  }
  Eigen::MatrixXd q = OrthonormalColumns(x * omega);
  for (int it = 0; it < kRandomizedPowerIterations; ++it) {
    Eigen::MatrixXd z = OrthonormalColumns(xt * q);
    q = OrthonormalColumns(x * z);
  }
  // B B^T = (Q^T X)(Q^T X)^T = U_B S^2 U_B^T; then X's left singular vectors are Q U_B.
  const Eigen::MatrixXd bt = xt * q;  // docs x width = B^T
  const Eigen::MatrixXd small = bt.transpose() * bt;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(small);
  if (solver.info() != Eigen::Success) return Status::Internal("latent space fit did not converge");
  const Eigen::VectorXd& eval = solver.eigenvalues();
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = eval.size() - 1; i >= 0 && static_cast<int>(keep.size()) < options_.dim; --i) {
    if (eval(i) > 1e-6 * std::max(1.0, eval(eval.size() - 1))) keep.push_back(i);
  }
  dim_ = static_cast<int>(keep.size());
  Eigen::MatrixXd ub(width, dim_);
  for (int k = 0; k < dim_; ++k) ub.col(k) = solver.eigenvectors().col(keep[k]);
  const Eigen::MatrixXd u = q * ub;  // terms x dim
  projection_.assign(terms_.size() * dim_, 0.f);
  for (Eigen::Index t = 0; t < num_terms; ++t)
    for (int k = 0; k < dim_; ++k) projection_[static_cast<size_t>(t) * dim_ + k] = static_cast<float>(u(t, k));
  return Status::Ok();
}

Status TextModelImpl::Train(const std::vector<TrainingDocument>& all_documents,
                            const Taxonomy& taxonomy) {
  // A deterministic sample keeps fitting bounded on very large catalogs.
  size_t num_real = 0;
  std::vector<std::string> texts = TrainingTexts(all_documents, vocabulary_, options_, &num_real);

  // Pass 1: the term dictionary and document frequencies.
  std::vector<RawTerms> raws;
  raws.reserve(texts.size());
  for (const std::string& text : texts) {
    std::unordered_map<std::string, uint32_t> fresh;
    RawTerms raw = Extract(text, &fresh, nullptr);
    if (!fresh.empty()) {
      // Intern new terms in id order so ids stay dense and deterministic.
      std::vector<std::pair<uint32_t, std::string>> order;
      for (auto& [term, id] : fresh) order.emplace_back(id, term);
      std::sort(order.begin(), order.end());
      for (auto& [id, term] : order) InternTerm(term);
    }
    raws.push_back(std::move(raw));
  }
  std::vector<float> df(terms_.size(), 0.f);
  double total_length = 0;
  for (size_t i = 0; i < num_real; ++i) {
    for (const auto& [id, tf] : raws[i].counts) df[id] += 1;
    total_length += raws[i].length;
  }
  avg_length_ = num_real ? static_cast<float>(total_length / num_real) : 1.0f;
  // Terms that occur only in the vocabulary still get an idf, as if rare.
  float n = static_cast<float>(std::max<size_t>(num_real, 1));
  idf_.resize(terms_.size());
  for (size_t t = 0; t < terms_.size(); ++t) {
    idf_[t] = std::log(1.0f + (n - df[t] + 0.5f) / (df[t] + 0.5f));
  }

  // Pass 2: the weighted, L2-normalized term-document matrix, and its SVD via
  // the (documents x documents) Gram matrix: X = U S V^T, U = X V S^-1.
  const size_t num_docs = raws.size();
  std::vector<std::vector<std::pair<uint32_t, float>>> columns(num_docs);
  for (size_t d = 0; d < num_docs; ++d) {
    float norm = 1 - options_.bm25_b + options_.bm25_b * raws[d].length / std::max(avg_length_, 1.0f);
    double sq = 0;
    for (const auto& [id, tf] : raws[d].counts) {
      float w = idf_[id] * tf * (options_.bm25_k1 + 1) / (tf + options_.bm25_k1 * norm);
      columns[d].emplace_back(id, w);
      sq += double(w) * w;
    }
    if (sq > 0) {
      float inv = static_cast<float>(1.0 / std::sqrt(sq));
      for (auto& e : columns[d]) e.second *= inv;
    }
  }
  const bool exact = num_docs <= kExactFitMaxDocuments;
  Status fitted = exact ? FitExact(columns) : FitRandomized(columns);
  if (!fitted.ok()) return fitted;

  fingerprint_ = InputHash(texts, vocabulary_, taxonomy, options_, exact);
  version_ = "lsi" + std::to_string(dim_) + "-" + fingerprint_.substr(0, 12);
  return Status::Ok();
}

// Stored model layout: "ITM1", then u32-length-prefixed fingerprint,
// version and vocabulary fingerprint, u32 dim, f32 average length, u32 term count, per term its
// u32-length-prefixed text and f32 idf, then terms x dim f32 projection.
// Little-endian (models/byte_codec.h).
constexpr std::string_view kModelMagic = "ITM1";

using byte_codec::PutF32;
using byte_codec::PutFloats;
using byte_codec::PutString;
using byte_codec::PutU32;
using byte_codec::Reader;

std::string TextModelImpl::Serialize() const {
  std::string out;
  out.reserve(64 + terms_.size() * 16 + projection_.size() * 4);
  out.append(kModelMagic);
  PutString(&out, fingerprint_);
  PutString(&out, version_);
  PutString(&out, vocabulary_.fingerprint);
  PutU32(&out, static_cast<uint32_t>(dim_));
  PutF32(&out, avg_length_);
  PutU32(&out, static_cast<uint32_t>(terms_.size()));
  for (size_t t = 0; t < terms_.size(); ++t) {
    PutString(&out, terms_[t]);
    PutF32(&out, idf_[t]);
  }
  PutFloats(&out, projection_);
  return out;
}

Status TextModelImpl::Restore(std::string_view bytes) {
  auto bad = [](const std::string& why) { return Status::Corruption("stored text model: " + why); };
  if (bytes.substr(0, kModelMagic.size()) != kModelMagic) return bad("bad magic");
  Reader in(bytes.substr(kModelMagic.size()));
  uint32_t dim = 0, count = 0;
  std::string vocabulary;
  if (!in.String(&fingerprint_) || !in.String(&version_) || !in.String(&vocabulary) || !in.U32(&dim) ||
      !in.F32(&avg_length_) || !in.U32(&count)) {
    return bad("truncated header");
  }
  if (vocabulary != vocabulary_.fingerprint) return bad("fitted with another vocabulary");
  if (dim > 1024) return bad("dimension " + std::to_string(dim));
  // The vocabulary's concept terms come first, in the vocabulary's order:
  // a model fitted with another vocabulary does not restore.
  const size_t groups = terms_.size();
  if (count < groups) return bad("fewer terms than the vocabulary has groups");
  if (count > in.remaining() / 8) return bad("more terms than bytes");  // each takes >= 8
  idf_.assign(count, 0.f);
  for (uint32_t t = 0; t < count; ++t) {
    std::string term;
    if (!in.String(&term) || !in.F32(&idf_[t])) return bad("truncated terms");
    if (t < groups) {
      if (term != terms_[t]) return bad("fitted with another vocabulary");
    } else if (InternTerm(term) != t) {
      return bad("duplicate term");
    }
  }
  dim_ = static_cast<int>(dim);
  if (in.remaining() != static_cast<size_t>(count) * dim * sizeof(float)) return bad("projection size");
  projection_.assign(static_cast<size_t>(count) * dim, 0.f);
  if (!in.Floats(projection_.data(), projection_.size()) || !in.AtEnd()) return bad("projection size");
  return Status::Ok();
}

}  // namespace

std::string TextModel::TrainingFingerprint(const std::vector<TrainingDocument>& documents,
                                           const Taxonomy& taxonomy, const Vocabulary& vocabulary,
                                           const TextModelOptions& options) {
  size_t num_real = 0;
  const std::vector<std::string> texts = TrainingTexts(documents, vocabulary, options, &num_real);
  return InputHash(texts, vocabulary, taxonomy, options, texts.size() <= kExactFitMaxDocuments);
}

Result<std::shared_ptr<const TextModel>> TextModel::Restore(std::string_view bytes, const Taxonomy& taxonomy,
                                                            const Vocabulary& vocabulary,
                                                            std::shared_ptr<const Analyzer> analyzer,
                                                            const TextModelOptions& options) {
  if (!analyzer) return Status::InvalidArgument("text model needs an analyzer");
  auto model = std::make_shared<TextModelImpl>(taxonomy, vocabulary, std::move(analyzer), options);
  IISC_RETURN_IF_ERROR(model->Restore(bytes));
  return std::shared_ptr<const TextModel>(std::move(model));
}

Result<std::shared_ptr<const TextModel>> TextModel::Fit(const std::vector<TrainingDocument>& documents,
                                                        const Taxonomy& taxonomy,
                                                        const Vocabulary& vocabulary,
                                                        std::shared_ptr<const Analyzer> analyzer,
                                                        const TextModelOptions& options) {
  if (!analyzer) return Status::InvalidArgument("text model needs an analyzer");
  if (options.dim < 1 || options.dim > 1024) return Status::InvalidArgument("dim must be in 1..1024");
  auto model = std::make_shared<TextModelImpl>(taxonomy, vocabulary, std::move(analyzer), options);
  IISC_RETURN_IF_ERROR(model->Train(documents, taxonomy));
  return std::shared_ptr<const TextModel>(std::move(model));
}

size_t TextModel::TrainingSampleStep(size_t documents, const TextModelOptions& options) {
  const size_t cap = std::max<size_t>(1, options.max_training_documents);
  return std::max<size_t>(1, (documents + cap - 1) / cap);
}

}  // namespace iisc
