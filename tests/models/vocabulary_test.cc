// The domain vocabulary as the understanding of a need reads it: weak words,
// evidence per distinct word, nested words, and request parts.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "models/taxonomy.h"
#include "models/text.h"
#include "models/text_model.h"

namespace iisc {
namespace {

const Taxonomy& RealTaxonomy() {
  static const Taxonomy* taxonomy = [] {
    auto loaded = Taxonomy::FromFile(std::string(IISC_SOURCE_DIR) + "/data/taxonomy.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return new Taxonomy(std::move(loaded).value());
  }();
  return *taxonomy;
}

class VocabularyDir {
 public:
  VocabularyDir(const std::string& fields, const std::string& types, const std::string& synonyms) {
    path_ = std::filesystem::temp_directory_path() / ("iisc-vocabulary-test-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(counter_++));
    std::filesystem::create_directories(path_);
    Write("fields.txt", fields);
    Write("service_types.txt", types);
    Write("synonyms.txt", synonyms);
  }
  ~VocabularyDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  void Write(const std::string& name, const std::string& text) {
    std::ofstream out(path_ / name);
    out << text;
  }
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

const Vocabulary::Group* FindGroup(const Vocabulary& v, Vocabulary::Group::Kind kind, const std::string& name,
                                   bool weak) {
  for (const Vocabulary::Group& g : v.groups)
    if (g.kind == kind && g.name == name && g.weak == weak) return &g;
  return nullptr;
}

bool Has(const Vocabulary::Group& g, const std::string& term) {
  return std::find(g.terms.begin(), g.terms.end(), term) != g.terms.end();
}

constexpr auto kField = Vocabulary::Group::Kind::kField;
constexpr auto kType = Vocabulary::Group::Kind::kServiceType;

TEST(VocabularyTest, WeakLinesGetGroupsOfTheirOwn) {
  VocabularyDir dir("electrical: 断路器\nprinting_packaging (weak): 礼盒 | gift box\nprinting_packaging: 纸箱\n",
                    "intl_coop (weak): 欧盟\n", "circuit_breaker: 断路器 | breaker\n");
  auto v = Vocabulary::Load(dir.path(), RealTaxonomy());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const Vocabulary::Group* weak = FindGroup(*v, kField, "printing_packaging", true);
  ASSERT_NE(weak, nullptr);
  EXPECT_EQ(weak->label, RealTaxonomy().FieldIndex("printing_packaging"));
  EXPECT_TRUE(Has(*weak, "礼盒"));
  EXPECT_TRUE(Has(*weak, "gift box"));
  const Vocabulary::Group* strong = FindGroup(*v, kField, "printing_packaging", false);
  ASSERT_NE(strong, nullptr);
  EXPECT_TRUE(Has(*strong, "纸箱"));
  EXPECT_FALSE(Has(*strong, "礼盒"));
  const Vocabulary::Group* intl = FindGroup(*v, kType, "intl_coop", true);
  ASSERT_NE(intl, nullptr);
  EXPECT_EQ(intl->label, RealTaxonomy().ServiceTypeIndex("intl_coop"));
}

TEST(VocabularyTest, AWordListedAsWeakIsWeakEvenWhereTheTaxonomyListsIt) {
  // The taxonomy lists 包装 / packaging for printing and packaging, and
  // 出口 / export for international cooperation.
  VocabularyDir dir("printing_packaging (weak): 包装 | Packaging\n", "intl_coop (weak): 出口 | exports\n", "");
  auto v = Vocabulary::Load(dir.path(), RealTaxonomy());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const Vocabulary::Group* packaging = FindGroup(*v, kField, "printing_packaging", false);
  ASSERT_NE(packaging, nullptr);
  EXPECT_FALSE(Has(*packaging, "包装"));
  EXPECT_FALSE(Has(*packaging, "packaging"));  // case does not matter
  EXPECT_TRUE(Has(*packaging, "印刷"));
  const Vocabulary::Group* intl = FindGroup(*v, kType, "intl_coop", false);
  ASSERT_NE(intl, nullptr);
  EXPECT_FALSE(Has(*intl, "出口"));
  EXPECT_FALSE(Has(*intl, "export"));  // "exports" is the same word
  EXPECT_TRUE(Has(*intl, "外贸"));
}

TEST(VocabularyTest, AWeakLineForAnUnknownIdNamesTheLine) {
  VocabularyDir dir("# comment\nno_such_field (weak): 礼盒\n", "", "");
  auto v = Vocabulary::Load(dir.path(), RealTaxonomy());
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("fields.txt line 2: unknown field id 'no_such_field'"), std::string::npos)
      << v.status().ToString();
}

class ConceptHitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<VocabularyDir>(
        "electrical: 断路器 | 空气开关\nedible_fungi: 茶树菇\nprinting_packaging (weak): 礼盒\n",
        "intl_coop: 海外客户\nintl_coop (weak): 出口 | 欧盟\nrnd: 芯片设计\n",
        "ce_mark: CE认证 | CE marking\n");
    auto v = Vocabulary::Load(dir_->path(), RealTaxonomy());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    auto analyzer = Analyzer::Create();
    ASSERT_TRUE(analyzer.ok());
    std::vector<TrainingDocument> docs = {
        {"断路器短路分断试验 circuit breaker tests", {RealTaxonomy().FieldIndex("electrical")}, 2},
        {"茶叶加工 tea processing", {RealTaxonomy().FieldIndex("tea")}, 0},
        {"展会 博览会 展位补贴", {RealTaxonomy().FieldIndex("footwear")}, 9},
    };
    auto model = TextModel::Fit(docs, RealTaxonomy(), *v, std::shared_ptr<const Analyzer>(std::move(*analyzer)));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = *model;
  }

  ConceptHits Concepts(const std::string& text) { return model_->FeaturizeQuery(text).concepts; }
  static int Field(const char* id) { return RealTaxonomy().FieldIndex(id); }
  static int Type(const char* id) { return RealTaxonomy().ServiceTypeIndex(id); }

  std::unique_ptr<VocabularyDir> dir_;
  std::shared_ptr<const TextModel> model_;
};

TEST_F(ConceptHitsTest, EvidenceCountsDistinctWords) {
  ConceptHits c = Concepts("断路器和空气开关，断路器要做检测");
  EXPECT_EQ(c.fields[Field("electrical")], 2.f);  // 断路器 twice is one word
  EXPECT_EQ(c.service_types[Type("testing")], 1.f);
  EXPECT_EQ(c.fields[Field("tea")], 0.f);
}

TEST_F(ConceptHitsTest, WeakWordsAreCountedApart) {
  ConceptHits c = Concepts("茶叶礼盒出口欧盟");
  EXPECT_EQ(c.fields[Field("tea")], 1.f);
  EXPECT_EQ(c.fields[Field("printing_packaging")], 0.f);
  EXPECT_EQ(c.weak_fields[Field("printing_packaging")], 1.f);
  EXPECT_EQ(c.service_types[Type("intl_coop")], 0.f);
  EXPECT_EQ(c.weak_service_types[Type("intl_coop")], 2.f);
}

TEST_F(ConceptHitsTest, AWordInsideALongerWordOfTheSameListDoesNotCount) {
  ConceptHits c = Concepts("茶树菇种植");
  EXPECT_EQ(c.fields[Field("edible_fungi")], 1.f);
  EXPECT_EQ(c.fields[Field("tea")], 0.f);  // the 茶 of 茶树菇
  c = Concepts("芯片设计服务");
  EXPECT_EQ(c.service_types[Type("rnd")], 1.f);
  EXPECT_EQ(c.service_types[Type("design")], 0.f);  // the 设计 of 芯片设计
}

TEST_F(ConceptHitsTest, AWordInsideAWordOfAnotherListStillCounts) {
  // "CE认证" is a synonym; its 认证 is a testing word all the same.
  ConceptHits c = Concepts("阀门要做CE认证");
  EXPECT_EQ(c.service_types[Type("testing")], 1.f);
}

TEST_F(ConceptHitsTest, QueriesMarkTheRequestPartsOfEachType) {
  ConceptHits c = Concepts("想找海外客户，再去参加博览会");
  EXPECT_EQ(c.num_parts, 2);
  ASSERT_EQ(c.service_type_parts.size(), RealTaxonomy().service_types().size());
  EXPECT_EQ(c.service_type_parts[Type("intl_coop")], 1u);
  EXPECT_EQ(c.service_type_parts[Type("exhibition")], 2u);
  EXPECT_EQ(c.service_type_parts[Type("testing")], 0u);

  // Weak words mark no part: they do not make a request of their own.
  c = Concepts("出口欧盟做检测，还想参加展会");
  EXPECT_EQ(c.service_type_parts[Type("intl_coop")], 0u);
  EXPECT_EQ(c.service_type_parts[Type("testing")], 1u);
  EXPECT_EQ(c.service_type_parts[Type("exhibition")], 2u);

  c = Concepts("断路器检测");
  EXPECT_EQ(c.num_parts, 1);
  EXPECT_EQ(c.service_type_parts[Type("testing")], 1u);

  // A part that only describes the enterprise asks for nothing.
  c = Concepts("我们做检测设备和仪器，想申请贷款");
  EXPECT_EQ(c.num_parts, 2);
  EXPECT_EQ(c.service_types[Type("testing")], 1.f);
  EXPECT_EQ(c.service_type_parts[Type("testing")], 0u);
  EXPECT_EQ(c.service_type_parts[Type("financing")], 2u);
}

}  // namespace
}  // namespace iisc
