#include "engine/scorer.h"

#include <gtest/gtest.h>

#include "models/taxonomy.h"

namespace iisc {
namespace {

class ScorerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::FromFile(std::string(IISC_SOURCE_DIR) + "/data/taxonomy.json");
    ASSERT_TRUE(tax.ok()) << tax.status().ToString();
    taxonomy_ = std::make_unique<Taxonomy>(std::move(*tax));
    config_.weights = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    tables_ = ScoringTables::Build(*taxonomy_, config_);
  }

  CapabilityRow Row(std::initializer_list<const char*> fields, const char* type, const char* county) {
    CapabilityRow r;
    for (const char* f : fields) {
      int idx = taxonomy_->FieldIndex(f);
      r.field_bits |= uint64_t{1} << idx;
      r.category_bits |= static_cast<uint16_t>(1u << taxonomy_->fields()[idx].category);
    }
    r.num_fields = static_cast<uint8_t>(fields.size());
    r.service_type = static_cast<int16_t>(taxonomy_->ServiceTypeIndex(type));
    r.county = static_cast<int16_t>(taxonomy_->CountyIndex(county));
    r.capacity_per_month = 10;
    r.rating = 4.5f;
    return r;
  }

  NeedSignals Need(const char* field, const char* type, const char* county) {
    NeedSignals s;
    s.field_weight.assign(taxonomy_->fields().size(), 0.f);
    s.type_weight.assign(taxonomy_->service_types().size(), 0.f);
    if (field) s.field_weight[taxonomy_->FieldIndex(field)] = 1.f;
    if (type) s.type_weight[taxonomy_->ServiceTypeIndex(type)] = 1.f;
    s.county = county ? taxonomy_->CountyIndex(county) : -1;
    return s;
  }

  std::unique_ptr<Taxonomy> taxonomy_;
  ScoringConfig config_;
  ScoringTables tables_;
};

TEST_F(ScorerTest, FieldMatchIsExactThenSameCategoryThenNone) {
  CapabilityRow shoes = Row({"footwear"}, "testing", "lucheng");
  EXPECT_EQ(FieldMatch(shoes, taxonomy_->FieldIndex("footwear"), tables_, config_), 1.f);
  // apparel is a traditional industry like footwear
  EXPECT_FLOAT_EQ(FieldMatch(shoes, taxonomy_->FieldIndex("apparel"), tables_, config_),
                  static_cast<float>(config_.field_same_category));
  EXPECT_EQ(FieldMatch(shoes, taxonomy_->FieldIndex("tea"), tables_, config_), 0.f);
}

TEST_F(ScorerTest, GeneralServiceGetsPartialFieldMatch) {
  CapabilityRow general = Row({"ecommerce", "footwear", "apparel", "electrical", "pumps_valves", "eyewear"},
                              "exhibition", "lucheng");
  EXPECT_FLOAT_EQ(FieldMatch(general, taxonomy_->FieldIndex("tea"), tables_, config_),
                  static_cast<float>(config_.field_general));
}

TEST_F(ScorerTest, MunicipalServiceRanksAsGeneralBelowSpecialists) {
  CapabilityRow city_lab = Row({"electrical", "auto_parts"}, "testing", "ouhai");
  city_lab.municipal = true;
  CapabilityRow specialist = Row({"electrical"}, "testing", "yueqing");
  int electrical = taxonomy_->FieldIndex("electrical");
  EXPECT_FLOAT_EQ(FieldMatch(city_lab, electrical, tables_, config_), static_cast<float>(config_.field_general));
  EXPECT_GT(FieldMatch(specialist, electrical, tables_, config_), FieldMatch(city_lab, electrical, tables_, config_));
  config_.municipal_services_general = false;
  EXPECT_EQ(FieldMatch(city_lab, electrical, tables_, config_), 1.f);
}

TEST_F(ScorerTest, RegionIsOneInSameCountyAndDecaysWithDistance) {
  std::array<double, kNumComponents> same{}, near{}, far{};
  NeedSignals need = Need("footwear", "testing", "lucheng");
  StructuredComponents(Row({"footwear"}, "testing", "lucheng"), need, tables_, config_, 0, &same);
  StructuredComponents(Row({"footwear"}, "testing", "ouhai"), need, tables_, config_, 0, &near);
  StructuredComponents(Row({"footwear"}, "testing", "taishun"), need, tables_, config_, 0, &far);
  EXPECT_EQ(same[kRegion], 1.0);
  EXPECT_LT(near[kRegion], 1.0);
  EXPECT_GT(near[kRegion], far[kRegion]);
  EXPECT_GT(far[kRegion], 0.0);
}

TEST_F(ScorerTest, ComponentsStayInUnitRange) {
  NeedSignals need = Need("electrical", "testing", "yueqing");
  need.size = 0;
  for (int used : {0, 5, 10, 50}) {
    std::array<double, kNumComponents> c{};
    StructuredComponents(Row({"electrical", "smart_equipment"}, "testing", "yueqing"), need, tables_, config_, used,
                         &c);
    for (int i = kField; i < kNumComponents; ++i) {
      EXPECT_GE(c[i], 0.0) << ComponentName(static_cast<Component>(i));
      EXPECT_LE(c[i], 1.0) << ComponentName(static_cast<Component>(i));
    }
  }
}

TEST_F(ScorerTest, CapacityLeftFallsWithDemand) {
  NeedSignals need = Need("electrical", "testing", "yueqing");
  std::array<double, kNumComponents> idle{}, busy{}, full{};
  CapabilityRow row = Row({"electrical"}, "testing", "yueqing");
  StructuredComponents(row, need, tables_, config_, 0, &idle);
  StructuredComponents(row, need, tables_, config_, 5, &busy);
  StructuredComponents(row, need, tables_, config_, 40, &full);
  EXPECT_EQ(idle[kCapacity], 1.0);
  EXPECT_DOUBLE_EQ(busy[kCapacity], 0.5);
  EXPECT_EQ(full[kCapacity], 0.0);
}

TEST_F(ScorerTest, CombineIsWeightedMean) {
  std::array<double, kNumComponents> c{};
  c[kText] = 1.0;
  c[kService] = 0.5;
  ComponentWeights w{};
  w[kText] = 1;
  w[kService] = 3;
  EXPECT_DOUBLE_EQ(CombineComponents(c, w, false), (1.0 + 1.5) / 4);
  EXPECT_EQ(CombineComponents(c, ComponentWeights{}, false), 0.0);
}

TEST_F(ScorerTest, FieldCountsOnlyForWantedTypesWhenAsked) {
  std::array<double, kNumComponents> c{};
  c[kField] = 1.0;
  c[kService] = 0.25;
  ComponentWeights w{};
  w[kField] = 1;
  w[kService] = 1;
  EXPECT_DOUBLE_EQ(CombineComponents(c, w, false), (1.0 + 0.25) / 2);
  EXPECT_DOUBLE_EQ(CombineComponents(c, w, true), (0.25 + 0.25) / 2);
}

TEST_F(ScorerTest, DiversityCapsResultsPerComplex) {
  std::vector<CapabilityRow> rows(6);
  for (uint32_t i = 0; i < 6; ++i) rows[i].complex_index = i < 4 ? 0 : i;  // rows 0-3 share a complex
  std::vector<RankedRow> cands;
  for (uint32_t i = 0; i < 6; ++i) cands.push_back({1.0 - 0.1 * i, i});
  auto picked = SelectDiverseTopK(cands, rows, 5, 2);
  ASSERT_EQ(picked.size(), 4u);
  EXPECT_EQ(picked[0].row, 0u);
  EXPECT_EQ(picked[1].row, 1u);
  EXPECT_EQ(picked[2].row, 4u);
  EXPECT_EQ(picked[3].row, 5u);
  auto unlimited = SelectDiverseTopK(cands, rows, 5, 0);
  EXPECT_EQ(unlimited.size(), 5u);
}

TEST_F(ScorerTest, TiesBreakByRow) {
  std::vector<CapabilityRow> rows(3);
  for (uint32_t i = 0; i < 3; ++i) rows[i].complex_index = i;
  auto picked = SelectDiverseTopK({{0.5, 2}, {0.5, 0}, {0.5, 1}}, rows, 3, 0);
  EXPECT_EQ(picked[0].row, 0u);
  EXPECT_EQ(picked[1].row, 1u);
  EXPECT_EQ(picked[2].row, 2u);
}

}  // namespace
}  // namespace iisc
