#include "models/intent_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace iisc {
namespace {

const std::string kRoot = IISC_SOURCE_DIR;

class IntentModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::FromFile(kRoot + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok()) << tax.status().ToString();
    taxonomy_ = std::make_shared<Taxonomy>(std::move(*tax));
  }
  int Type(std::string_view id) const { return taxonomy_->ServiceTypeIndex(id); }
  int Field(std::string_view id) const { return taxonomy_->FieldIndex(id); }
  std::string Likeliest(const IntentPrediction& p) const {
    return taxonomy_->service_types()[static_cast<size_t>(
                                          std::max_element(p.types.begin(), p.types.end()) - p.types.begin())]
        .id;
  }
  // A small corpus: a few ways of asking for each of three types.
  std::vector<IntentExample> SmallCorpus() const {
    std::vector<IntentExample> out;
    const auto add = [&](const char* text, const char* field, std::vector<const char*> types) {
      IntentExample ex{text, Field(field), {}};
      for (const char* t : types) ex.service_types.push_back(Type(t));
      out.push_back(ex);
    };
    for (int i = 0; i < 6; ++i) {
      add("新款鞋子被别人抄了，一模一样在网上卖", "footwear", {"ipr"});
      add("someone copied our new frame and sells it cheaper", "eyewear", {"ipr"});
      add("工人不会用新买的机器，得有人教", "apparel", {"training"});
      add("new workers cannot run the machine, need someone to teach them", "pumps_valves", {"training"});
      add("资金周转不过来，新生产线差一笔钱", "electrical", {"financing"});
      add("cash is short for the new line, bank says no", "auto_parts", {"financing"});
    }
    return out;
  }

  std::shared_ptr<Taxonomy> taxonomy_;
};

TEST_F(IntentModelTest, CorpusLinesAreCheckedAndErrorsNameFileAndLine) {
  auto ok = ParseIntentCorpus(
      "# comment\n\n{\"text\": \"镜架被抄\", \"field\": \"eyewear\", \"service_types\": [\"ipr\"], \"lang\": \"zh\"}\n",
      *taxonomy_, "a.jsonl");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].field, Field("eyewear"));
  EXPECT_EQ((*ok)[0].service_types, std::vector<int>{Type("ipr")});

  const std::pair<const char*, const char*> bad[] = {
      {"{\"text\": \"x\", \"field\": \"nowhere\", \"service_types\": [\"ipr\"]}", "unknown field"},
      {"{\"text\": \"x\", \"field\": \"eyewear\", \"service_types\": [\"magic\"]}", "unknown service type"},
      {"{\"text\": \"x\", \"field\": \"eyewear\", \"service_types\": []}", "service_types is empty"},
      {"{\"text\": \"x\", \"field\": \"eyewear\", \"service_types\": [\"ipr\", \"ipr\"]}", "listed twice"},
      {"{\"text\": \" \", \"field\": \"eyewear\", \"service_types\": [\"ipr\"]}", "text is empty"},
      {"{\"text\": \"x\", \"field\": \"eyewear\", \"service_types\": [\"ipr\"], \"extra\": 1}", "unknown member"},
      {"{\"text\": \"x\", \"field\": \"eyewear\"", "b.jsonl:2"},
  };
  for (const auto& [line, expected] : bad) {
    auto parsed = ParseIntentCorpus(std::string("{\"text\": \"ok\", \"field\": \"eyewear\", \"service_types\": "
                                                "[\"ipr\"]}\n") + line + "\n",
                                    *taxonomy_, "b.jsonl");
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_NE(parsed.status().message().find(expected), std::string::npos) << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("b.jsonl:2"), std::string::npos) << parsed.status().message();
  }
}

TEST_F(IntentModelTest, TheShippedCorpusCoversEveryTypeAndField) {
  auto corpus = LoadIntentCorpus(kRoot + "/configs/intent", *taxonomy_);
  ASSERT_TRUE(corpus.ok()) << corpus.status().ToString();
  EXPECT_GE(corpus->size(), 2000u);
  std::vector<int> per_type(taxonomy_->service_types().size()), per_field(taxonomy_->fields().size());
  size_t multi = 0;
  for (const IntentExample& ex : *corpus) {
    ++per_field[static_cast<size_t>(ex.field)];
    for (int t : ex.service_types) ++per_type[static_cast<size_t>(t)];
    multi += ex.service_types.size() > 1;
  }
  for (size_t t = 0; t < per_type.size(); ++t) EXPECT_GE(per_type[t], 100) << taxonomy_->service_types()[t].id;
  for (size_t f = 0; f < per_field.size(); ++f) EXPECT_GE(per_field[f], 30) << taxonomy_->fields()[f].id;
  EXPECT_GE(multi, corpus->size() / 10);
}

TEST_F(IntentModelTest, LearnsWaysOfAskingThatNameNoService) {
  auto model = IntentModel::Train(SmallCorpus(), *taxonomy_);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ(Likeliest((*model)->Predict("我们的新款被人抄了")), "ipr");
  EXPECT_EQ(Likeliest((*model)->Predict("the workers cannot run it")), "training");
  EXPECT_EQ(Likeliest((*model)->Predict("cash short, new line")), "financing");
  const IntentPrediction p = (*model)->Predict("新款被抄了");
  float sum = 0;
  for (float f : p.field) sum += f;
  EXPECT_NEAR(sum, 1.f, 1e-4);
  for (float t : p.types) {
    EXPECT_GE(t, 0.f);
    EXPECT_LE(t, 1.f);
  }
}

TEST_F(IntentModelTest, TrainingIsDeterministicAndTheStoredModelPredictsTheSame) {
  IntentOptions options;
  options.calibration_parts = 3;
  auto a = IntentModel::Train(SmallCorpus(), *taxonomy_, options);
  ASSERT_TRUE(a.ok());
  // Once no one holds it, the next fit really trains again: the same bytes.
  const std::string first = (*a)->Serialize();
  a = Status::Internal("released");
  a = IntentModel::Train(SmallCorpus(), *taxonomy_, options);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->Serialize(), first);
  // A different seed is a different fit.
  options.seed += 1;
  auto b = IntentModel::Train(SmallCorpus(), *taxonomy_, options);
  options.seed -= 1;
  ASSERT_TRUE(b.ok());
  EXPECT_NE((*a)->fingerprint(), (*b)->fingerprint());
  const std::string bytes = (*a)->Serialize();
  auto restored = IntentModel::Restore(bytes, *taxonomy_);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->version(), (*a)->version());
  EXPECT_EQ((*restored)->Serialize(), bytes);
  for (const char* text : {"新款被抄了", "workers need teaching", "缺钱"}) {
    const IntentPrediction x = (*a)->Predict(text), y = (*restored)->Predict(text);
    EXPECT_EQ(x.types, y.types) << text;
    EXPECT_EQ(x.field, y.field) << text;
  }
  EXPECT_EQ(IntentModel::Fingerprint(SmallCorpus(), *taxonomy_, options), (*a)->fingerprint());
}

TEST_F(IntentModelTest, DamagedOrForeignBytesAreRefused) {
  auto model = IntentModel::Train(SmallCorpus(), *taxonomy_);
  ASSERT_TRUE(model.ok());
  std::string bytes = (*model)->Serialize();
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5a;
  EXPECT_FALSE(IntentModel::Restore(flipped, *taxonomy_).ok());
  EXPECT_FALSE(IntentModel::Restore(bytes.substr(0, bytes.size() - 20), *taxonomy_).ok());
  EXPECT_FALSE(IntentModel::Restore("not a model", *taxonomy_).ok());
}

TEST_F(IntentModelTest, ExplainsWithPhrasesOfTheNeed) {
  auto model = IntentModel::Train(SmallCorpus(), *taxonomy_);
  ASSERT_TRUE(model.ok());
  const std::string text = "我们的新款鞋子被别人抄了";
  const std::vector<IntentEvidence> evidence = (*model)->Explain(text, Type("ipr"), 3);
  ASSERT_FALSE(evidence.empty());
  EXPECT_LE(evidence.size(), 3u);
  for (const IntentEvidence& e : evidence) {
    EXPECT_NE(text.find(e.phrase), std::string::npos) << e.phrase;
    EXPECT_GT(e.weight, 0.f);
  }
  EXPECT_TRUE((*model)->Explain(text, -1, 3).empty());
  EXPECT_TRUE((*model)->Explain(text, 99, 3).empty());
}

TEST_F(IntentModelTest, SeparateRequestsAreReadOneByOne) {
  auto model = IntentModel::Train(SmallCorpus(), *taxonomy_);
  ASSERT_TRUE(model.ok());
  const IntentPrediction p = (*model)->Predict("工人不会用新机器，另外资金周转不过来");
  const std::set<int> types(p.request_types.begin(), p.request_types.end());
  EXPECT_TRUE(types.contains(Type("training")));
  EXPECT_TRUE(types.contains(Type("financing")));
  EXPECT_TRUE((*model)->Predict("工人不会用新机器").request_types.empty());
}

TEST_F(IntentModelTest, OddInputNeverBreaksIt) {
  auto model = IntentModel::Train(SmallCorpus(), *taxonomy_);
  ASSERT_TRUE(model.ok());
  for (std::string text : {std::string(""), std::string("\xff\xfe broken"), std::string(5000, 'a'),
                           std::string("。。。！！？？"), std::string("r&d r&d don't")}) {
    const IntentPrediction p = (*model)->Predict(text);
    EXPECT_EQ(p.types.size(), taxonomy_->service_types().size());
    (*model)->Explain(text, 0, 3);
  }
}

TEST_F(IntentModelTest, VocabularyWordsBecomeExamples) {
  auto vocabulary = Vocabulary::Load(kRoot + "/configs/vocabulary", *taxonomy_);
  ASSERT_TRUE(vocabulary.ok());
  const std::vector<IntentExample> examples = IntentExamplesFromVocabulary(*vocabulary);
  ASSERT_FALSE(examples.empty());
  bool type_only = false, field_only = false;
  for (const IntentExample& ex : examples) {
    EXPECT_FALSE(ex.text.empty());
    type_only |= ex.field < 0 && ex.service_types.size() == 1;
    field_only |= ex.field >= 0 && ex.service_types.empty();
  }
  EXPECT_TRUE(type_only);
  EXPECT_TRUE(field_only);
}

TEST_F(IntentModelTest, CrossValidationReportsPerType) {
  const IntentCrossValidation cv = IntentModel::CrossValidate(SmallCorpus(), *taxonomy_, 3);
  EXPECT_EQ(cv.folds, 3);
  EXPECT_EQ(cv.examples, SmallCorpus().size());
  EXPECT_EQ(cv.type_f1.size(), taxonomy_->service_types().size());
  EXPECT_GT(cv.type_top1_accuracy, 0.9);  // the same sentences repeat across folds
  EXPECT_GE(cv.type_brier, 0.0);
}

}  // namespace
}  // namespace iisc
