// Inference of what a need asks for, from vocabulary hits and the votes of
// the services its text matches best.
#include "engine/understanding.h"

#include <gtest/gtest.h>

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

size_t Type(const char* id) { return static_cast<size_t>(RealTaxonomy().ServiceTypeIndex(id)); }
size_t Field(const char* id) { return static_cast<size_t>(RealTaxonomy().FieldIndex(id)); }
size_t NumTypes() { return RealTaxonomy().service_types().size(); }
size_t NumFields() { return RealTaxonomy().fields().size(); }

ConceptHits Empty() {
  ConceptHits c;
  c.fields.assign(NumFields(), 0.f);
  c.weak_fields.assign(NumFields(), 0.f);
  c.service_types.assign(NumTypes(), 0.f);
  c.weak_service_types.assign(NumTypes(), 0.f);
  c.service_type_parts.assign(NumTypes(), 0u);
  c.num_parts = 1;
  return c;
}

std::vector<float> Votes(std::initializer_list<std::pair<const char*, float>> votes) {
  std::vector<float> v(NumTypes(), 0.f);
  for (const auto& [id, vote] : votes) v[Type(id)] = vote;
  return v;
}

TEST(UnderstandingTest, MixEvidenceSharesBetweenWordsAndVotes) {
  std::vector<float> p = MixEvidence({1, 0}, {0, 3}, 0.25f);
  EXPECT_FLOAT_EQ(p[0], 0.25f);
  EXPECT_FLOAT_EQ(p[1], 0.75f);
  // A silent source leaves the decision to the other.
  p = MixEvidence({0, 0}, {1, 3}, 0.25f);
  EXPECT_FLOAT_EQ(p[1], 0.75f);
  p = MixEvidence({2, 2}, {0, 0}, 0.25f);
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  p = MixEvidence({0, 0}, {0, 0}, 0.25f);
  EXPECT_EQ(p, (std::vector<float>{0, 0}));
}

TEST(UnderstandingTest, SeparateRequestsNeedTypesInDifferentParts) {
  EXPECT_FALSE(AsksSeparately(std::vector<uint32_t>{}));
  EXPECT_FALSE(AsksSeparately(std::vector<uint32_t>{0, 1, 0}));     // one type
  EXPECT_FALSE(AsksSeparately(std::vector<uint32_t>{1, 1, 0}));     // two types, one request
  EXPECT_TRUE(AsksSeparately(std::vector<uint32_t>{1, 0, 2}));      // "A, 另外 B"
  EXPECT_TRUE(AsksSeparately(std::vector<uint32_t>{3, 2}));         // A alone in part 0
  EXPECT_TRUE(AsksSeparately(std::vector<uint32_t>{2, 3}));
}

TEST(UnderstandingTest, ANamedTypeOutweighsVotesForAnUnnamedOne) {
  // "玩具出口欧盟做EN71检测": the toy complex's export service matches the text
  // best, but the need names testing; export is only its setting.
  ConceptHits c = Empty();
  c.service_types[Type("testing")] = 1;
  c.weak_service_types[Type("intl_coop")] = 2;
  ScoringConfig config;
  std::vector<float> w = InferTypeWeights(c, Votes({{"intl_coop", 1.0f}, {"testing", 0.6f}}), config, nullptr);
  EXPECT_FLOAT_EQ(w[Type("testing")], 1.f);
  EXPECT_LT(w[Type("intl_coop")], 0.9f);
}

TEST(UnderstandingTest, WithoutNamedTypesTheVotesDecide) {
  ConceptHits c = Empty();
  ScoringConfig config;
  std::vector<float> w = InferTypeWeights(c, Votes({{"rnd", 0.9f}, {"design", 0.2f}}), config, nullptr);
  EXPECT_FLOAT_EQ(w[Type("rnd")], 1.f);
  EXPECT_EQ(w[Type("design")], 0.f);  // below inference.min_confidence of the top
  // Weak words alone are a hint, not a decision.
  c.weak_service_types[Type("design")] = 1;
  w = InferTypeWeights(c, Votes({{"intl_coop", 0.9f}, {"design", 0.1f}}), config, nullptr);
  EXPECT_FLOAT_EQ(w[Type("intl_coop")], 1.f);
  EXPECT_LT(w[Type("design")], 1.f);
}

TEST(UnderstandingTest, ANamedTypeIsNeverDropped) {
  // Named, but no matching service of its type among the best matches.
  ConceptHits c = Empty();
  c.service_types[Type("financing")] = 1;
  c.service_types[Type("incubation")] = 1;
  ScoringConfig config;
  config.inference_named_type_floor = 0.4;
  std::vector<float> confidence;
  std::vector<float> w = InferTypeWeights(c, Votes({{"incubation", 1.0f}, {"testing", 0.5f}}), config, &confidence);
  EXPECT_FLOAT_EQ(w[Type("incubation")], 1.f);
  EXPECT_GE(w[Type("financing")], 0.4f);
  EXPECT_GT(confidence[Type("financing")], 0.f);
  EXPECT_LT(confidence[Type("financing")], confidence[Type("incubation")]);

  config.inference_named_type_floor = 0;
  w = InferTypeWeights(c, Votes({{"incubation", 1.0f}, {"testing", 0.5f}}), config, nullptr);
  EXPECT_LT(w[Type("financing")], 0.4f);
}

TEST(UnderstandingTest, EveryTypeOfASeparateRequestGetsTheFloor) {
  // "做滑梯的，想找中东的采购商，再去参加个博览会": the toy complex's testing
  // service matches the product best; the need asks for buyers and an expo.
  ConceptHits c = Empty();
  c.service_types[Type("intl_coop")] = 1;
  c.service_types[Type("exhibition")] = 1;
  c.service_type_parts[Type("intl_coop")] = 1;
  c.service_type_parts[Type("exhibition")] = 2;
  c.num_parts = 2;
  ScoringConfig config;
  config.inference_separate_request_floor = 0.9;
  auto votes = Votes({{"testing", 0.7f}, {"design", 0.3f}, {"intl_coop", 0.1f}, {"exhibition", 0.3f}});
  std::vector<float> w = InferTypeWeights(c, votes, config, nullptr);
  EXPECT_GE(w[Type("intl_coop")], 0.9f);
  EXPECT_GE(w[Type("exhibition")], 0.9f);
  EXPECT_LT(w[Type("testing")], w[Type("intl_coop")]);

  // The same words in one request: no floor, the stronger evidence leads.
  c.service_type_parts[Type("exhibition")] = 1;
  c.num_parts = 1;
  std::vector<float> one = InferTypeWeights(c, votes, config, nullptr);
  EXPECT_LT(std::min(one[Type("intl_coop")], one[Type("exhibition")]), 0.9f);
}

TEST(UnderstandingTest, WeakFieldWordsYieldToAnotherFieldsWord) {
  // "礼盒包装" for white tea: the need is about tea.
  ConceptHits c = Empty();
  c.weak_fields[Field("printing_packaging")] = 2;
  std::vector<float> alone = FieldWordEvidence(c, NumFields());
  c.fields[Field("tea")] = 1;
  std::vector<float> beside = FieldWordEvidence(c, NumFields());
  EXPECT_GT(alone[Field("printing_packaging")], 0.f);
  EXPECT_LT(beside[Field("printing_packaging")], alone[Field("printing_packaging")]);
  EXPECT_LT(beside[Field("printing_packaging")], 0.25f * beside[Field("tea")]);
  // More distinct words, more evidence.
  c.fields[Field("tea")] = 4;
  EXPECT_GT(FieldWordEvidence(c, NumFields())[Field("tea")], beside[Field("tea")]);
}

TEST(UnderstandingTest, TheLikeliestFieldCountsFullyOnceLikelyEnough) {
  ScoringConfig config;
  config.inference_field_full_confidence = 0.7;
  std::vector<float> w = FieldWeights({0.8f, 0.2f, 0.f}, config);
  EXPECT_FLOAT_EQ(w[0], 1.f);
  EXPECT_FLOAT_EQ(w[1], 0.25f);
  w = FieldWeights({0.35f, 0.35f, 0.3f}, config);
  EXPECT_FLOAT_EQ(w[0], 0.5f);
  // The weights sum to at most 1 / field_full_confidence: a general service
  // (field score 0.6 for every field) stays below a specialist.
  EXPECT_LE(w[0] + w[1] + w[2], 1.f / 0.7f + 1e-6f);
  config.inference_field_full_confidence = 1.0;
  w = FieldWeights({0.5f, 0.5f}, config);
  EXPECT_FLOAT_EQ(w[0], 0.5f);  // the distribution itself
}

TEST(UnderstandingTest, GivenFieldAndTypesAreTakenAsTheyAre) {
  Need need;
  need.description = "x";
  need.field = "tea";
  need.service_types = {"design", "financing"};
  ConceptHits c = Empty();
  c.fields[Field("electrical")] = 3;
  c.service_types[Type("testing")] = 3;
  ScoringConfig config;
  Understanding u = UnderstandNeed(need, c, {}, {}, RealTaxonomy(), config);
  EXPECT_EQ(u.signals.field_weight[Field("tea")], 1.f);
  EXPECT_EQ(u.signals.field_weight[Field("electrical")], 0.f);
  EXPECT_EQ(u.signals.category, RealTaxonomy().fields()[Field("tea")].category);
  EXPECT_EQ(u.signals.type_weight[Type("design")], 1.f);
  EXPECT_EQ(u.signals.type_weight[Type("testing")], 0.f);
  EXPECT_FALSE(u.report.field_inferred);
  EXPECT_FALSE(u.report.service_types_inferred);
}

TEST(UnderstandingTest, InferredTypesAreReportedBestFirst) {
  Need need;
  need.description = "x";
  ConceptHits c = Empty();
  c.fields[Field("electrical")] = 1;
  c.service_types[Type("testing")] = 1;
  c.service_types[Type("financing")] = 1;
  c.service_type_parts[Type("testing")] = 1;
  c.service_type_parts[Type("financing")] = 2;
  std::vector<CapabilityRow> rows(1);
  rows[0].service_type = static_cast<int16_t>(Type("testing"));
  rows[0].field_bits = uint64_t{1} << Field("electrical");
  rows[0].num_fields = 1;
  FirstStageHit hit{0.9f, 0};
  ScoringConfig config;
  Understanding u = UnderstandNeed(need, c, std::span<const FirstStageHit>(&hit, 1), rows, RealTaxonomy(), config);
  EXPECT_TRUE(u.report.field_inferred);
  EXPECT_EQ(u.report.field.id, "electrical");
  EXPECT_TRUE(u.report.service_types_inferred);
  ASSERT_EQ(u.report.service_types.size(), 2u);
  EXPECT_EQ(u.report.service_types[0].id, "testing");
  EXPECT_EQ(u.report.service_types[1].id, "financing");
  EXPECT_GT(u.report.service_types[1].confidence, 0.0);
  EXPECT_LE(u.report.service_types[1].confidence, u.report.service_types[0].confidence);
  EXPECT_FLOAT_EQ(u.signals.field_weight[Field("electrical")], 1.f);
}

}  // namespace
}  // namespace iisc
