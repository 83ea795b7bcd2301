// A fitted text model stored and restored is the same model: same version,
// same fingerprint, the same features bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <sstream>

#include "models/catalog.h"
#include "models/text_model.h"

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class TextModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok());
    taxonomy_ = std::make_unique<Taxonomy>(std::move(*tax));
    auto vocab = Vocabulary::Load(kRoot + "/configs/vocabulary", *taxonomy_);
    ASSERT_TRUE(vocab.ok());
    vocabulary_ = std::move(*vocab);
    auto analyzer = Analyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    analyzer_ = std::move(*analyzer);
    std::ifstream in(kRoot + "/data/demo-catalog.jsonl");
    std::stringstream text;
    text << in.rdbuf();
    auto catalog = ParseCatalogJsonl(text.str(), taxonomy_.get());
    ASSERT_TRUE(catalog.ok());
    for (const Complex& c : *catalog) {
      for (const Capability& cap : c.services) {
        TrainingDocument d;
        d.text = cap.institution.zh + "\n" + cap.description.zh + "\n" + cap.description.en + "\n" + c.name.zh;
        docs_.push_back(std::move(d));
      }
    }
  }

  static void ExpectSameFeatures(const TextFeatures& a, const TextFeatures& b) {
    EXPECT_EQ(a.terms.ids, b.terms.ids);
    ASSERT_EQ(a.terms.weights.size(), b.terms.weights.size());
    for (size_t i = 0; i < a.terms.weights.size(); ++i) {
      EXPECT_EQ(std::bit_cast<uint32_t>(a.terms.weights[i]), std::bit_cast<uint32_t>(b.terms.weights[i]));
    }
    ASSERT_EQ(a.vector.size(), b.vector.size());
    for (size_t i = 0; i < a.vector.size(); ++i) {
      EXPECT_EQ(std::bit_cast<uint32_t>(a.vector[i]), std::bit_cast<uint32_t>(b.vector[i]));
    }
  }

  std::unique_ptr<Taxonomy> taxonomy_;
  Vocabulary vocabulary_;
  std::shared_ptr<const Analyzer> analyzer_;
  std::vector<TrainingDocument> docs_;
};

TEST_F(TextModelStoreTest, RestoredModelIsTheFittedModel) {
  auto fitted = TextModel::Fit(docs_, *taxonomy_, vocabulary_, analyzer_);
  ASSERT_TRUE(fitted.ok()) << fitted.status().ToString();
  EXPECT_EQ((*fitted)->fingerprint(), TextModel::TrainingFingerprint(docs_, *taxonomy_, vocabulary_));
  EXPECT_EQ((*fitted)->version().substr((*fitted)->version().find('-') + 1),
            (*fitted)->fingerprint().substr(0, 12));
  auto restored = TextModel::Restore((*fitted)->Serialize(), *taxonomy_, vocabulary_, analyzer_);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->version(), (*fitted)->version());
  EXPECT_EQ((*restored)->fingerprint(), (*fitted)->fingerprint());
  EXPECT_EQ((*restored)->dim(), (*fitted)->dim());
  EXPECT_EQ((*restored)->num_terms(), (*fitted)->num_terms());
  for (const char* text : {"鞋底防滑检测", "CE marking and EMC tests for circuit breakers", "茶叶品牌 design",
                           "专利申请", ""}) {
    ExpectSameFeatures((*fitted)->FeaturizeQuery(text), (*restored)->FeaturizeQuery(text));
    ExpectSameFeatures((*fitted)->FeaturizeDocument(text), (*restored)->FeaturizeDocument(text));
  }
}

TEST_F(TextModelStoreTest, OtherInputsGiveAnotherFingerprint) {
  const std::string base = TextModel::TrainingFingerprint(docs_, *taxonomy_, vocabulary_);
  std::vector<TrainingDocument> edited = docs_;
  edited[3].text += " 新增";
  EXPECT_NE(TextModel::TrainingFingerprint(edited, *taxonomy_, vocabulary_), base);
  TextModelOptions options;
  options.dim = 64;
  EXPECT_NE(TextModel::TrainingFingerprint(docs_, *taxonomy_, vocabulary_, options), base);
  EXPECT_NE(TextModel::TrainingFingerprint(docs_, *taxonomy_, Vocabulary::FromTaxonomy(*taxonomy_)), base);
}

TEST_F(TextModelStoreTest, AnotherVocabularyOrDamagedBytesDoNotRestore) {
  auto fitted = TextModel::Fit(docs_, *taxonomy_, vocabulary_, analyzer_);
  ASSERT_TRUE(fitted.ok());
  const std::string bytes = (*fitted)->Serialize();
  auto other = TextModel::Restore(bytes, *taxonomy_, Vocabulary::FromTaxonomy(*taxonomy_), analyzer_);
  EXPECT_EQ(other.status().code(), StatusCode::kCorruption);
  for (size_t size : {size_t{0}, size_t{3}, size_t{4}, size_t{9}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    auto cut = TextModel::Restore(std::string_view(bytes).substr(0, size), *taxonomy_, vocabulary_, analyzer_);
    EXPECT_EQ(cut.status().code(), StatusCode::kCorruption) << size;
  }
  auto longer = TextModel::Restore(bytes + "x", *taxonomy_, vocabulary_, analyzer_);
  EXPECT_EQ(longer.status().code(), StatusCode::kCorruption);
  std::string huge = bytes;
  // The term count sits after magic, fingerprint, version and vocabulary
  // fingerprint (each with its length), dim and average length.
  const size_t count_at = 4 + 4 + (*fitted)->fingerprint().size() + 4 + (*fitted)->version().size() + 4 +
                          vocabulary_.fingerprint.size() + 8;
  huge.replace(count_at, 4, "\xff\xff\xff\x7f", 4);
  EXPECT_EQ(TextModel::Restore(huge, *taxonomy_, vocabulary_, analyzer_).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace iisc
