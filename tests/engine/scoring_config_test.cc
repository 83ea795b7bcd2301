#include "engine/scoring_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace iisc {
namespace {

const Taxonomy& TestTaxonomy() {
  static const Taxonomy* taxonomy = [] {
    auto loaded = Taxonomy::FromFile(IISC_SOURCE_DIR "/data/taxonomy.json");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString();
      std::abort();
    }
    return new Taxonomy(std::move(loaded).value());
  }();
  return *taxonomy;
}

Result<std::shared_ptr<const ScoringConfig>> Parse(std::string_view toml) {
  return ParseScoringConfig(toml, "configs/scoring.toml", TestTaxonomy());
}

// The error message for `toml`, which must be rejected as InvalidArgument.
std::string ErrorOf(std::string_view toml) {
  auto result = Parse(toml);
  EXPECT_FALSE(result.ok()) << "accepted:\n" << toml;
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  return result.status().message();
}

int CategoryIndex(std::string_view id) {
  int index = TestTaxonomy().CategoryIndex(id);
  EXPECT_GE(index, 0) << id;
  return index;
}

TEST(ScoringConfigTest, ShippedConfigParsesWithTheDocumentedStartingWeights) {
  auto config = LoadScoringConfigFile(IISC_SOURCE_DIR "/configs/scoring.toml", TestTaxonomy());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ComponentWeights expected = {1.0, 0.75, 1.5, 2.0, 0.5, 0.3, 0.2, 0.2, 0.2};
  EXPECT_EQ((*config)->weights, expected);
  EXPECT_EQ((*config)->max_results_per_complex, 3);
  EXPECT_EQ((*config)->price_fit[0][2], 0.4);
  // The shipped file documents the defaults: it must change nothing.
  const ScoringConfig defaults;
  EXPECT_EQ((*config)->weights, defaults.weights);
  EXPECT_EQ((*config)->price_fit, defaults.price_fit);
  EXPECT_EQ((*config)->field_same_category, defaults.field_same_category);
  EXPECT_EQ((*config)->field_general, defaults.field_general);
  EXPECT_EQ((*config)->general_service_min_fields, defaults.general_service_min_fields);
  EXPECT_EQ((*config)->municipal_services_general, defaults.municipal_services_general);
  EXPECT_EQ((*config)->field_counts_only_for_wanted_types, defaults.field_counts_only_for_wanted_types);
  EXPECT_EQ((*config)->region_decay_km, defaults.region_decay_km);
  EXPECT_EQ((*config)->quality_prior_rating, defaults.quality_prior_rating);
  EXPECT_EQ((*config)->quality_prior_weight, defaults.quality_prior_weight);
  EXPECT_EQ((*config)->priority_leading, defaults.priority_leading);
  EXPECT_EQ((*config)->priority_strategic, defaults.priority_strategic);
  EXPECT_EQ((*config)->priority_normal, defaults.priority_normal);
  EXPECT_EQ((*config)->inference_min_confidence, defaults.inference_min_confidence);
  EXPECT_EQ((*config)->inference_type_word_share, defaults.inference_type_word_share);
  EXPECT_EQ((*config)->inference_named_type_floor, defaults.inference_named_type_floor);
  EXPECT_EQ((*config)->inference_separate_request_floor, defaults.inference_separate_request_floor);
  EXPECT_EQ((*config)->inference_field_full_confidence, defaults.inference_field_full_confidence);
  EXPECT_EQ((*config)->inference_intent_type_share_sure, defaults.inference_intent_type_share_sure);
  EXPECT_EQ((*config)->inference_intent_type_share_unsure, defaults.inference_intent_type_share_unsure);
  EXPECT_EQ((*config)->inference_intent_sure_probability, defaults.inference_intent_sure_probability);
  EXPECT_EQ((*config)->inference_intent_unsure_probability, defaults.inference_intent_unsure_probability);
  EXPECT_EQ((*config)->inference_intent_field_share, defaults.inference_intent_field_share);
  EXPECT_EQ((*config)->inference_intent_wanted_probability, defaults.inference_intent_wanted_probability);
  EXPECT_EQ((*config)->inference_hedge_min_relative, defaults.inference_hedge_min_relative);
  EXPECT_EQ((*config)->inference_clarify_min_relative, defaults.inference_clarify_min_relative);
  EXPECT_EQ((*config)->max_general_in_top5, defaults.max_general_in_top5);
  EXPECT_EQ((*config)->general_defer_min_relative, defaults.general_defer_min_relative);
  for (const auto& overrides : (*config)->category_overrides) {
    for (const auto& w : overrides) EXPECT_FALSE(w.has_value());
  }
  EXPECT_EQ((*config)->version.substr(0, 8), "scoring@");
  EXPECT_EQ((*config)->version.size(), 8u + 12u);
  EXPECT_EQ((*config)->version.find_first_not_of("0123456789abcdef", 8), std::string::npos);
}

TEST(ScoringConfigTest, IntentAndTopFiveSettingsAreChecked) {
  EXPECT_NE(ErrorOf("[inference]\nintent_sure_probability = 0.5\nintent_unsure_probability = 0.6\n")
                .find("intent_unsure_probability"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[inference]\nintent_type_share_sure = 1.5\n").find("intent_type_share_sure"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[inference]\nhedge_min_relative = -0.1\n").find("hedge_min_relative"), std::string::npos);
  EXPECT_NE(ErrorOf("[diversity]\nmax_general_in_top5 = 6\n").find("max_general_in_top5"), std::string::npos);
  auto config = Parse("[inference]\nclarify_min_relative = 1\n[diversity]\nmax_general_in_top5 = 5\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)->inference_clarify_min_relative, 1.0);
  EXPECT_EQ((*config)->max_general_in_top5, 5);
}

TEST(ScoringConfigTest, EmptyFileKeepsEveryDefault) {
  auto config = Parse("");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ScoringConfig defaults;
  EXPECT_EQ((*config)->weights, defaults.weights);
  EXPECT_EQ((*config)->max_results_per_complex, defaults.max_results_per_complex);
  EXPECT_EQ((*config)->category_overrides.size(), TestTaxonomy().categories().size());
}

TEST(ScoringConfigTest, PartialSectionsKeepTheOtherDefaults) {
  auto config = Parse(
      "[weights]\n"
      "region = 2\n"  // an integer is a fine number
      "[price_fit.micro]\n"
      "market = 0.1\n"
      "[diversity]\n"
      "max_results_per_complex = 0\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ScoringConfig defaults;
  EXPECT_EQ((*config)->weights[kRegion], 2.0);
  EXPECT_EQ((*config)->weights[kText], defaults.weights[kText]);
  EXPECT_EQ((*config)->price_fit[0][2], 0.1);
  EXPECT_EQ((*config)->price_fit[0][1], defaults.price_fit[0][1]);
  EXPECT_EQ((*config)->max_results_per_complex, 0);
}

TEST(ScoringConfigTest, CategoryOverridesApplyOnlyToTheirCategory) {
  auto config = Parse(
      "[weights]\n"
      "semantic = 1.0\n"
      "[weights.category.emerging]\n"
      "semantic = 3.0\n"
      "region = 0\n"
      "[weights.category.agriculture]\n"
      "region = 4\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ScoringConfig& c = **config;

  ComponentWeights emerging = c.WeightsFor(CategoryIndex("emerging"));
  EXPECT_EQ(emerging[kSemantic], 3.0);
  EXPECT_EQ(emerging[kRegion], 0.0);
  EXPECT_EQ(emerging[kText], c.weights[kText]);

  ComponentWeights agriculture = c.WeightsFor(CategoryIndex("agriculture"));
  EXPECT_EQ(agriculture[kRegion], 4.0);
  EXPECT_EQ(agriculture[kSemantic], 1.0);

  EXPECT_EQ(c.WeightsFor(CategoryIndex("traditional")), c.weights);
  EXPECT_EQ(c.WeightsFor(-1), c.weights);
  EXPECT_EQ(c.WeightsFor(1000), c.weights);
}

TEST(ScoringConfigTest, OutOfRangeNamesKeyLineAndValue) {
  std::string message = ErrorOf(
      "[weights]\n"
      "text = 1.0\n"
      "semantic = 12.5\n");
  EXPECT_NE(message.find("weights.semantic at line 3: must be between 0 and 10, got 12.5"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("configs/scoring.toml"), std::string::npos) << message;

  message = ErrorOf("[price_fit.small]\nmarket = -0.5\n");
  EXPECT_NE(message.find("price_fit.small.market at line 2: must be between 0 and 1, got -0.5"),
            std::string::npos)
      << message;

  message = ErrorOf("[diversity]\nmax_results_per_complex = 101\n");
  EXPECT_NE(message.find("diversity.max_results_per_complex at line 2"), std::string::npos)
      << message;

  // An unrated service is scored by the prior alone; it needs a weight.
  message = ErrorOf("[quality]\nprior_weight = 0\n");
  EXPECT_NE(message.find("quality.prior_weight at line 2"), std::string::npos) << message;

  message = ErrorOf("[quality]\nprior_rating = nan\n");
  EXPECT_NE(message.find("quality.prior_rating at line 2"), std::string::npos) << message;
}

TEST(ScoringConfigTest, InferenceKeysAreReadAndRangeChecked) {
  auto config = Parse(
      "[inference]\n"
      "type_word_share = 0.5\n"
      "named_type_floor = 0\n"
      "separate_request_floor = 1\n"
      "field_full_confidence = 0.6\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)->inference_type_word_share, 0.5);
  EXPECT_EQ((*config)->inference_named_type_floor, 0.0);
  EXPECT_EQ((*config)->inference_separate_request_floor, 1.0);
  EXPECT_EQ((*config)->inference_field_full_confidence, 0.6);

  std::string message = ErrorOf("[inference]\nseparate_request_floor = 1.5\n");
  EXPECT_NE(message.find("inference.separate_request_floor at line 2: must be between 0 and 1, got 1.5"),
            std::string::npos)
      << message;
  // The field weight is divided by it: 0 is no value.
  message = ErrorOf("[inference]\nfield_full_confidence = 0\n");
  EXPECT_NE(message.find("inference.field_full_confidence at line 2"), std::string::npos) << message;
}

TEST(ScoringConfigTest, UnknownKeysAndTablesAreErrors) {
  std::string message = ErrorOf(
      "# weights\n"
      "[weights]\n"
      "text = 1.0\n"
      "txt = 2.0\n");
  EXPECT_NE(message.find("unknown key weights.txt at line 4"), std::string::npos) << message;

  message = ErrorOf("[weight]\ntext = 1\n");
  EXPECT_NE(message.find("unknown table weight at line 1"), std::string::npos) << message;

  message = ErrorOf("version = \"mine\"\n");
  EXPECT_NE(message.find("unknown key version at line 1"), std::string::npos) << message;

  message = ErrorOf("[price_fit.large]\nfree = 1\n");
  EXPECT_NE(message.find("unknown table price_fit.large at line 1"), std::string::npos) << message;
}

TEST(ScoringConfigTest, WrongTypesAreErrors) {
  std::string message = ErrorOf("[weights]\ntext = \"high\"\n");
  EXPECT_NE(message.find("weights.text at line 2: must be a number, got text \"high\""),
            std::string::npos)
      << message;

  message = ErrorOf("[diversity]\nmax_results_per_complex = 2.5\n");
  EXPECT_NE(message.find("diversity.max_results_per_complex at line 2: must be a whole number"),
            std::string::npos)
      << message;

  message = ErrorOf("weights = 3\n");
  EXPECT_NE(message.find("weights at line 1: must be a table"), std::string::npos) << message;

  // A whole number written as a decimal is what the person meant.
  auto config = Parse("[diversity]\nmax_results_per_complex = 5.0\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)->max_results_per_complex, 5);
}

TEST(ScoringConfigTest, UnknownCategoryIsNamedWithTheKnownOnes) {
  std::string message = ErrorOf(
      "[weights]\n"
      "text = 1\n"
      "[weights.category.emergent]\n"
      "semantic = 2\n");
  EXPECT_NE(message.find("weights.category.emergent at line 3: unknown category \"emergent\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("emerging"), std::string::npos) << message;
  // One message for the category, not one more per key inside it.
  EXPECT_EQ(message.find("unknown key"), std::string::npos) << message;

  message = ErrorOf("[weights.category.emerging]\nsemantc = 2\n");
  EXPECT_NE(message.find("unknown key weights.category.emerging.semantc at line 2"),
            std::string::npos)
      << message;
}

TEST(ScoringConfigTest, AllWeightsZeroIsRejected) {
  std::string message = ErrorOf(
      "[weights]\n"
      "text = 0\nsemantic = 0\nfield = 0\nservice = 0\nregion = 0\n"
      "quality = 0\ncapacity = 0\nprice = 0\npriority = 0\n");
  EXPECT_NE(message.find("weights at line 1: at least one weight must be above 0"),
            std::string::npos)
      << message;

  message = ErrorOf(
      "[weights]\n"
      "text = 1\nsemantic = 0\nfield = 0\nservice = 0\nregion = 0\n"
      "quality = 0\ncapacity = 0\nprice = 0\npriority = 0\n"
      "[weights.category.agriculture]\n"
      "text = 0\n");
  EXPECT_NE(message.find("weights.category.agriculture at line 11"), std::string::npos) << message;
}

TEST(ScoringConfigTest, SyntaxErrorNamesLineAndColumn) {
  std::string message = ErrorOf(
      "[weights]\n"
      "text = 1.0\n"
      "semantic = = 2\n");
  EXPECT_NE(message.find("configs/scoring.toml: syntax error at line 3, column"), std::string::npos)
      << message;

  message = ErrorOf("[weights]\ntext = 1\n[weights]\n");
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
}

TEST(ScoringConfigTest, EveryProblemIsReportedInLineOrder) {
  auto result = Parse(
      "[weights]\n"
      "txt = 1\n"
      "semantic = 11\n"
      "[region]\n"
      "decay_km = 0\n");
  ASSERT_FALSE(result.ok());
  const std::string& message = result.status().message();
  size_t a = message.find("weights.txt at line 2");
  size_t b = message.find("weights.semantic at line 3");
  size_t c = message.find("region.decay_km at line 5");
  ASSERT_NE(a, std::string::npos) << message;
  ASSERT_NE(b, std::string::npos) << message;
  ASSERT_NE(c, std::string::npos) << message;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(result.status().field(), "weights.txt");
}

TEST(ScoringConfigTest, VersionFollowsTheContent) {
  const std::string text = "[weights]\ntext = 1.0\n";
  auto a = Parse(text);
  auto b = Parse(text);
  auto changed = Parse("[weights]\ntext = 1.1\n");
  ASSERT_TRUE(a.ok() && b.ok() && changed.ok());
  EXPECT_EQ((*a)->version, (*b)->version);
  EXPECT_NE((*a)->version, (*changed)->version);
  EXPECT_EQ((*a)->version.substr(0, 8), "scoring@");

  auto other_name = ParseScoringConfig(text, "/etc/iisc/weights-2025.toml", TestTaxonomy());
  ASSERT_TRUE(other_name.ok());
  EXPECT_EQ((*other_name)->version.substr(0, 13), "weights-2025@");
  EXPECT_EQ((*other_name)->version.substr(13), (*a)->version.substr(8));
}

TEST(ScoringConfigTest, LoadReportsAMissingFile) {
  auto result = LoadScoringConfigFile(IISC_BINARY_DIR "/no-such-dir/scoring.toml", TestTaxonomy());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kIOError);
  EXPECT_NE(result.status().message().find("no-such-dir/scoring.toml"), std::string::npos);
}

TEST(ScoringConfigTest, LoadUsesTheFileNameForTheVersion) {
  std::string path = IISC_BINARY_DIR "/scoring_config_test_bureau.toml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "[diversity]\nmax_results_per_complex = 2\n";
  }
  auto result = LoadScoringConfigFile(path, TestTaxonomy());
  std::remove(path.c_str());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ((*result)->max_results_per_complex, 2);
  EXPECT_EQ((*result)->version.rfind("scoring_config_test_bureau@", 0), 0u) << (*result)->version;
}

TEST(ScoringConfigTest, ComponentNamesMatchTheFileKeys) {
  EXPECT_STREQ(ComponentName(kText), "text");
  EXPECT_STREQ(ComponentName(kSemantic), "semantic");
  EXPECT_STREQ(ComponentName(kField), "field");
  EXPECT_STREQ(ComponentName(kService), "service");
  EXPECT_STREQ(ComponentName(kRegion), "region");
  EXPECT_STREQ(ComponentName(kQuality), "quality");
  EXPECT_STREQ(ComponentName(kCapacity), "capacity");
  EXPECT_STREQ(ComponentName(kPrice), "price");
  EXPECT_STREQ(ComponentName(kPriority), "priority");
  // Every component can be set by its name.
  for (int c = 0; c < kNumComponents; ++c) {
    std::string toml = std::string("[weights]\n") + ComponentName(Component(c)) + " = 7\n";
    auto config = Parse(toml);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ((*config)->weights[static_cast<size_t>(c)], 7.0);
  }
}

}  // namespace
}  // namespace iisc
