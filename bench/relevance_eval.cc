// Relevance evaluation: runs labeled needs through the real engine (the same
// Recommender the server uses, over an in-memory store seeded with the
// catalog) and prints nDCG@5, Success@1/@5, complex Hit@1 and MRR@10, overall
// and per tag, for the full hybrid scorer and, in the same run, a lexical-only
// baseline and one ablation per component; one table per needs file.
//
//   iisc-eval [--needs FILE]... [--config-dir DIR] [--data-dir DIR] [--verbose]
//             [--no-ablations] [--oracle-understanding] [--cv-folds N] [--no-intent] [--clarify]
//
// --needs may be repeated: one engine, one table per file (default: every
// labeled set in data/eval/). First the intent model's k-fold
// cross-validation on its corpus (configs/intent/), then per set the full
// engine ("hybrid"), the same engine without the intent model ("rules"),
// the lexical baseline and the ablations. --clarify also measures the
// clarifying question: how often it is asked, and nDCG@5 once the SME picks
// the answer that fits (the labeled type).

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/command_line.h"
#include "models/intent_model.h"
#include "models/need.h"
#include "models/taxonomy.h"

namespace {

using namespace iisc;

struct LabeledNeed {
  std::string id;
  Need need;
  std::map<std::string, int> grades;  // capability id -> 1 or 2
  std::vector<std::string> tags;
  std::vector<std::string> truth_types;  // the labeled service types
  std::string truth_field;
};

struct Metrics {
  double ndcg5 = 0, success1 = 0, success5 = 0, complex_hit1 = 0, mrr10 = 0;
  // The understanding: its likeliest service type is a labeled one; its field is the labeled one.
  double type1 = 0, field1 = 0;
  int count = 0;
  void Add(const Metrics& m) {
    ndcg5 += m.ndcg5; success1 += m.success1; success5 += m.success5;
    complex_hit1 += m.complex_hit1; mrr10 += m.mrr10; type1 += m.type1; field1 += m.field1;
    count += m.count;
  }
  Metrics Mean() const {
    Metrics m = *this;
    if (count > 0) {
      m.ndcg5 /= count; m.success1 /= count; m.success5 /= count;
      m.complex_hit1 /= count; m.mrr10 /= count; m.type1 /= count; m.field1 /= count;
    }
    return m;
  }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<LabeledNeed> LoadNeeds(const std::string& path, const Taxonomy& taxonomy, bool oracle) {
  std::vector<LabeledNeed> out;
  std::istringstream lines(ReadFile(path));
  std::string line;
  simdjson::ondemand::parser parser;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    auto fail = [&](const std::string& why) {
      std::fprintf(stderr, "%s line %d: %s\n", path.c_str(), line_no, why.c_str());
      std::exit(2);
    };
    if (parser.iterate(padded).get(doc)) fail("not JSON");
    LabeledNeed n;
    std::string_view id;
    if (doc["id"].get_string().get(id)) fail("no id");
    n.id = std::string(id);
    simdjson::ondemand::value need_value;
    if (doc["need"].get(need_value)) fail("no need");
    auto need = ParseNeed(need_value, &taxonomy, NeedLimits{}, "need");
    if (!need.ok()) fail(need.status().ToString());
    n.need = std::move(*need);
    // The labeled field and types, read once: for --clarify's answers and,
    // in --oracle-understanding (diagnosis only), as if the SME had given them.
    simdjson::ondemand::object truth;
    std::string_view truth_field;
    simdjson::ondemand::array types;
    if (doc["truth"].get_object().get(truth) || truth["field"].get_string().get(truth_field) ||
        truth["service_types"].get_array().get(types)) {
      fail("no truth");
    }
    for (auto t : types) {
      std::string_view type;
      if (t.get_string().get(type)) fail("bad truth.service_types");
      n.truth_types.emplace_back(type);
    }
    n.truth_field = std::string(truth_field);
    if (oracle) {
      n.need.field = std::string(truth_field);
      n.need.service_types = n.truth_types;
    }
    simdjson::ondemand::object relevant;
    if (doc["relevant"].get_object().get(relevant)) fail("no relevant");
    for (auto field : relevant) {
      std::string_view key;
      int64_t grade = 0;
      if (field.unescaped_key().get(key) || field.value().get_int64().get(grade)) fail("bad relevant");
      n.grades[std::string(key)] = static_cast<int>(grade);
    }
    simdjson::ondemand::array tags;
    if (!doc["tags"].get_array().get(tags)) {
      for (auto t : tags) {
        std::string_view tag;
        if (!t.get_string().get(tag)) n.tags.emplace_back(tag);
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

Metrics Score(const LabeledNeed& n, const std::vector<std::string>& ranked) {
  Metrics m;
  m.count = 1;
  auto grade_of = [&](const std::string& id) {
    auto it = n.grades.find(id);
    return it == n.grades.end() ? 0 : it->second;
  };
  double dcg = 0;
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) {
    dcg += (std::pow(2.0, grade_of(ranked[i])) - 1) / std::log2(i + 2.0);
  }
  std::vector<int> ideal;
  for (const auto& [id, g] : n.grades) ideal.push_back(g);
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < 5; ++i) idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(i + 2.0);
  m.ndcg5 = idcg > 0 ? dcg / idcg : 0;
  for (size_t i = 0; i < ranked.size() && i < 10; ++i) {
    if (grade_of(ranked[i]) == 2) {
      if (i == 0) m.success1 = 1;
      if (i < 5) m.success5 = 1;
      m.mrr10 = 1.0 / (i + 1);
      break;
    }
  }
  if (!ranked.empty()) {
    std::string complex = ranked[0].substr(0, ranked[0].find('/'));
    for (const auto& [id, g] : n.grades)
      if (g == 2 && id.rfind(complex + "/", 0) == 0) m.complex_hit1 = 1;
  }
  return m;
}

struct RunResult {
  std::string name;
  Metrics overall;
  std::map<std::string, Metrics> by_tag;
};

RunResult Evaluate(const std::string& name, Recommender& engine, std::shared_ptr<const ScoringConfig> config,
                   const std::vector<LabeledNeed>& needs, bool verbose) {
  engine.SetScoringConfig(config);
  RunResult run{name, {}, {}};
  for (const LabeledNeed& n : needs) {
    RecommendRequest req;
    req.need = n.need;
    req.k = 10;
    auto resp = engine.Recommend(req);
    if (!resp.ok()) {
      std::fprintf(stderr, "%s: %s\n", n.id.c_str(), resp.status().ToString().c_str());
      std::exit(1);
    }
    std::vector<std::string> ranked;
    for (const Recommendation& r : resp->results) ranked.push_back(r.capability->id);
    Metrics m = Score(n, ranked);
    const NeedUnderstanding& u = resp->understanding;
    m.type1 = !u.service_types.empty() && std::find(n.truth_types.begin(), n.truth_types.end(),
                                                    u.service_types.front().id) != n.truth_types.end();
    m.field1 = u.field.id == n.truth_field;
    run.overall.Add(m);
    run.by_tag["all"].Add(m);
    for (const std::string& t : n.tags) run.by_tag[t].Add(m);
    if (verbose) {
      std::printf("%-8s %-12s ndcg5=%.3f s1=%.0f field=%s(%.2f)", name.c_str(), n.id.c_str(), m.ndcg5, m.success1,
                  resp->understanding.field.id.c_str(), resp->understanding.field.confidence);
      for (const auto& t : resp->understanding.service_types) std::printf(" %s(%.2f)", t.id.c_str(), t.confidence);
      if (!resp->results.empty()) {
        std::printf("  top: text %.2f semantic %.2f", resp->results[0].components[kText],
                    resp->results[0].components[kSemantic]);
      }
      if (!resp->understanding.clarify_between.empty()) std::printf("  ask");
      std::printf("\n");
      for (size_t i = 0; i < ranked.size() && i < 5; ++i) {
        auto it = n.grades.find(ranked[i]);
        std::printf("    %zu [%d] %s %.3f\n", i + 1, it == n.grades.end() ? 0 : it->second, ranked[i].c_str(),
                    resp->results[i].score);
      }
    }
  }
  return run;
}

std::shared_ptr<const ScoringConfig> WithWeights(const ScoringConfig& base, const ComponentWeights& w,
                                                 const std::string& tag) {
  auto c = std::make_shared<ScoringConfig>(base);
  c->weights = w;
  c->category_overrides.assign(base.category_overrides.size(), {});
  c->version = base.version + "+" + tag;
  return c;
}

void PrintRuns(std::vector<RunResult>& runs, size_t num_needs, const std::string& needs_path,
               const std::string& scoring_version, bool separate) {
  if (separate) std::printf("\n");
  std::printf("needs: %zu from %s\nscoring: %s\n\n", num_needs, needs_path.c_str(), scoring_version.c_str());
  std::set<std::string> tags;
  for (const auto& [t, m] : runs[0].by_tag) tags.insert(t);
  std::printf("%-16s %-14s %5s %7s %7s %7s %8s %7s %7s %7s\n", "run", "tag", "n", "nDCG@5", "S@1", "S@5", "cHit@1",
              "MRR@10", "type@1", "field@1");
  for (const RunResult& r : runs) {
    for (const std::string& t : tags) {
      if (r.name != "hybrid" && r.name != "lexical" && r.name != "rules" && t != "all") continue;  // ablations: overall only
      auto it = r.by_tag.find(t);
      if (it == r.by_tag.end()) continue;
      Metrics m = it->second.Mean();
      std::printf("%-16s %-14s %5d %7.3f %7.3f %7.3f %8.3f %7.3f", r.name.c_str(), t.c_str(), m.count, m.ndcg5,
                  m.success1, m.success5, m.complex_hit1, m.mrr10);
      // The lexical runs rank by the text alone: their understanding is not used.
      if (r.name.starts_with("lexical")) {
        std::printf(" %7s %7s\n", "-", "-");
      } else {
        std::printf(" %7.3f %7.3f\n", m.type1, m.field1);
      }
    }
  }
  std::printf("\nhybrid / lexical nDCG@5:");
  for (const std::string& t : tags) {
    double h = runs[0].by_tag[t].Mean().ndcg5, l = runs[1].by_tag[t].Mean().ndcg5;
    std::printf("  %s %.2fx", t.c_str(), l > 0 ? h / l : 0.0);
  }
  std::printf("\n");
}

void PrintCrossValidation(const std::string& corpus_dir, const Taxonomy& taxonomy, int folds,
                          const std::vector<IntentExample>& vocabulary_examples) {
  auto examples = LoadIntentCorpus(corpus_dir, taxonomy);
  if (!examples.ok()) {
    std::fprintf(stderr, "%s\n", examples.status().ToString().c_str());
    std::exit(2);
  }
  const IntentCrossValidation cv = IntentModel::CrossValidate(*examples, taxonomy, folds, {}, vocabulary_examples);
  std::printf("intent model, %d-fold cross-validation on %zu examples of %s\n", cv.folds, cv.examples,
              corpus_dir.c_str());
  std::printf("  type top-1 accuracy %.3f   type set exact %.3f   type macro-F1 %.3f   field accuracy %.3f   "
              "type Brier %.4f\n",
              cv.type_top1_accuracy, cv.type_exact, cv.type_macro_f1, cv.field_accuracy, cv.type_brier);
  std::printf("  F1 per type:");
  for (size_t t = 0; t < cv.type_f1.size(); ++t) {
    std::printf(" %s %.2f", taxonomy.service_types()[t].id.c_str(), cv.type_f1[t]);
  }
  std::printf("\n\n");
}

// The clarifying question: how often the engine asks, and what the answer
// that fits the labels (the first offered type the need really wants) gives.
void PrintClarification(Recommender& engine, std::shared_ptr<const ScoringConfig> config,
                        const std::vector<LabeledNeed>& needs) {
  engine.SetScoringConfig(config);
  int asked = 0, answerable = 0;
  Metrics before, after;
  for (const LabeledNeed& n : needs) {
    RecommendRequest req;
    req.need = n.need;
    req.k = 10;
    auto resp = engine.Recommend(req);
    if (!resp.ok() || resp->understanding.clarify_between.empty()) continue;
    ++asked;
    // The SME answers with every offered type it wants: one, or "all of these".
    const std::vector<std::string>& wanted = n.truth_types;
    std::vector<std::string> answer;
    for (const std::string& t : resp->understanding.clarify_between) {
      if (std::find(wanted.begin(), wanted.end(), t) != wanted.end()) answer.push_back(t);
    }
    if (answer.size() > 1 && answer.size() < resp->understanding.clarify_between.size()) answer.resize(1);
    if (answer.empty()) continue;
    ++answerable;
    std::vector<std::string> ranked;
    for (const Recommendation& r : resp->results) ranked.push_back(r.capability->id);
    before.Add(Score(n, ranked));
    req.need.service_types = answer;
    auto again = engine.Recommend(req);
    if (!again.ok()) continue;
    ranked.clear();
    for (const Recommendation& r : again->results) ranked.push_back(r.capability->id);
    after.Add(Score(n, ranked));
  }
  const Metrics b = before.Mean(), a = after.Mean();
  std::printf("clarifying question: asked for %d of %zu needs (%.1f%%); a fitting answer offered for %d; "
              "on those nDCG@5 %.3f -> %.3f, S@1 %.3f -> %.3f after the answer\n",
              asked, needs.size(), needs.empty() ? 0.0 : 100.0 * asked / static_cast<double>(needs.size()),
              answerable, b.ndcg5, a.ndcg5, b.success1, a.success1);
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = IISC_SOURCE_DIR;
  std::vector<std::string> needs_paths;
  std::string config_dir = root + "/configs";
  std::string data_dir = root + "/data";
  bool verbose = false, ablations = true, oracle = false, use_intent = true, clarify = false;
  int cv_folds = 5;
  CommandLine app("iisc-eval", "Runs the labeled needs through the engine and prints the relevance metrics.");
  app.add_option("--needs", needs_paths, "a labeled needs file; repeat for more (default: every set in data/eval/)")
      ->type_name("FILE")
      ->check(kNonEmpty);
  app.add_option("--config-dir", config_dir, "where scoring.toml, vocabulary/ and intent/ are")
      ->type_name("DIR")
      ->check(kNonEmpty);
  app.add_option("--data-dir", data_dir, "where taxonomy.json, demo-catalog.jsonl and eval/ are")
      ->type_name("DIR")
      ->check(kNonEmpty);
  app.add_flag("--verbose", verbose, "per need: the understanding and the ranking");
  app.add_flag_callback("--no-ablations", [&] { ablations = false; }, "skip the runs without one component");
  app.add_flag("--oracle-understanding", oracle, "give the engine the labeled field and types");
  app.add_flag_callback("--no-intent", [&] { use_intent = false; }, "no intent model (and no cross-validation)");
  app.add_option("--cv-folds", cv_folds, "folds of the intent model's cross-validation (0: none)")
      ->check(CLI::Range(0, 100));
  app.add_flag("--clarify", clarify, "also measure the clarifying question");
  if (auto exit_code = app.Parse(argc, argv)) return *exit_code;

  auto taxonomy = Taxonomy::FromFile(data_dir + "/taxonomy.json");
  if (!taxonomy.ok()) {
    std::fprintf(stderr, "%s\n", taxonomy.status().ToString().c_str());
    return 2;
  }
  auto tax = std::make_shared<const Taxonomy>(std::move(*taxonomy));
  auto scoring = LoadScoringConfigFile(config_dir + "/scoring.toml", *tax);
  if (!scoring.ok()) {
    std::fprintf(stderr, "%s\n", scoring.status().ToString().c_str());
    return 2;
  }
  RecommenderOptions options;
  options.seed_catalog_path = data_dir + "/demo-catalog.jsonl";
  options.vocabulary_dir = config_dir + "/vocabulary";
  if (use_intent) options.intent_corpus_dir = config_dir + "/intent";
  auto engine = Recommender::Open(NewMemoryStore(), tax, *scoring, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 2;
  }
  if (needs_paths.empty()) {
    for (const char* set : {"public", "heldout", "blind", "problem-first", "blind-problem"}) {
      needs_paths.push_back(data_dir + "/eval/" + set + ".jsonl");
    }
  }
  if (use_intent && cv_folds >= 2) {
    auto vocabulary = Vocabulary::Load(options.vocabulary_dir, *tax);
    if (!vocabulary.ok()) {
      std::fprintf(stderr, "%s\n", vocabulary.status().ToString().c_str());
      return 2;
    }
    PrintCrossValidation(config_dir + "/intent", *tax, cv_folds, IntentExamplesFromVocabulary(*vocabulary));
  }
  // The same engine without the intent model: what the vocabulary and the
  // best matches alone give.
  RecommenderOptions rules_options = options;
  rules_options.intent_corpus_dir.clear();
  auto rules_engine = Recommender::Open(NewMemoryStore(), tax, *scoring, rules_options);
  if (!rules_engine.ok()) {
    std::fprintf(stderr, "%s\n", rules_engine.status().ToString().c_str());
    return 2;
  }
  const ScoringConfig& base = **scoring;

  // The lexical-only baseline: BM25 over words and Chinese bigrams of the
  // same texts, without the domain vocabulary, no other component, no
  // diversity limit -- what a plain search engine gives.
  RecommenderOptions plain = options;
  plain.use_domain_vocabulary = false;
  auto bm25_engine = Recommender::Open(NewMemoryStore(), tax, *scoring, plain);
  if (!bm25_engine.ok()) {
    std::fprintf(stderr, "%s\n", bm25_engine.status().ToString().c_str());
    return 2;
  }
  ComponentWeights lexical{};
  lexical[kText] = 1;
  auto lexical_config = WithWeights(base, lexical, "lexical-only");
  std::const_pointer_cast<ScoringConfig>(lexical_config)->max_results_per_complex = 0;

  for (size_t set = 0; set < needs_paths.size(); ++set) {
    const std::string& needs_path = needs_paths[set];
    std::vector<LabeledNeed> needs = LoadNeeds(needs_path, *tax, oracle);
    std::vector<RunResult> runs;
    runs.push_back(Evaluate("hybrid", **engine, *scoring, needs, verbose));
    runs.push_back(Evaluate("lexical", **bm25_engine, lexical_config, needs, false));
    if (use_intent) runs.push_back(Evaluate("rules", **rules_engine, *scoring, needs, false));
    runs.push_back(Evaluate("lexical+vocab", **engine, lexical_config, needs, false));
    if (ablations) {
      for (int c = 0; c < kNumComponents; ++c) {
        if (base.weights[c] == 0) continue;
        ComponentWeights w = base.weights;
        w[c] = 0;
        runs.push_back(Evaluate(std::string("-") + ComponentName(static_cast<Component>(c)), **engine,
                                WithWeights(base, w, std::string("no-") + ComponentName(static_cast<Component>(c))),
                                needs, false));
      }
    }
    PrintRuns(runs, needs.size(), needs_path, base.version, set > 0);
    if (clarify) PrintClarification(**engine, *scoring, needs);
  }
  return 0;
}
