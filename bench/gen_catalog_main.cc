// iisc-gen-catalog: grows the demo catalog to N capabilities (see
// catalog_generator.h) and writes it as JSONL, or loads it into a RocksDB data
// directory through the service's own ingestion path (Store::PutComplex, then
// Recommender::Open, which fits the text model and stores every feature vector).
//
//   iisc-gen-catalog --capabilities 100000 [--seed 1] --out catalog.jsonl
//   iisc-gen-catalog --capabilities 1000000 --data-dir var/bench/catalog-1m
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/catalog_generator.h"
#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/catalog.h"
#include "models/command_line.h"
#include "models/taxonomy.h"

namespace {

using namespace iisc;

int Fail(const std::string& what) {
  std::fprintf(stderr, "iisc-gen-catalog: %s\n", what.c_str());
  return 1;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = IISC_SOURCE_DIR;
  CatalogGeneratorOptions options;
  std::string out_path, data_dir;
  CommandLine app("iisc-gen-catalog",
                  "Grows the demo catalog to N capabilities and writes it as JSONL or loads it into a\n"
                  "new RocksDB data directory.");
  app.add_option("--capabilities", options.capabilities, "capabilities to generate")
      ->type_name("N")
      ->required()
      ->check(kPositiveCount);
  app.add_option("--seed", options.seed, "random seed")->type_name("S");
  CLI::Option_group* target = app.add_option_group("where it goes", "one of");
  target->add_option("--out", out_path, "write the catalog as JSONL (the demo catalog's format)")
      ->type_name("FILE")
      ->check(kNonEmpty);
  target->add_option("--data-dir", data_dir,
                     "load it into a new RocksDB data directory (must not exist) through\n"
                     "Store::PutComplex, then open the engine once to store feature vectors")
      ->type_name("DIR")
      ->check(kNonEmpty);
  target->require_option(1);
  app.add_option("--source-dir", root, "where data/ and configs/ are (default: the source tree)")
      ->type_name("DIR")
      ->check(kNonEmpty);
  if (auto exit_code = app.Parse(argc, argv)) return *exit_code;

  auto taxonomy = Taxonomy::FromFile(root + "/data/taxonomy.json");
  if (!taxonomy.ok()) return Fail(taxonomy.status().ToString());
  auto tax = std::make_shared<const Taxonomy>(std::move(*taxonomy));
  std::ifstream demo_in(root + "/data/demo-catalog.jsonl", std::ios::binary);
  std::stringstream demo_text;
  demo_text << demo_in.rdbuf();
  auto demo = ParseCatalogJsonl(demo_text.str(), tax.get());
  if (!demo.ok()) return Fail("demo catalog: " + demo.status().ToString());

  const auto t0 = std::chrono::steady_clock::now();
  size_t complexes = 0, capabilities = 0;
  auto count = [&](const Complex& c) {
    ++complexes;
    capabilities += c.services.size();
  };

  if (!out_path.empty()) {
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) return Fail("cannot write " + out_path);
    Status st = GenerateCatalog(*tax, *demo, options, [&](Complex&& c) {
      count(c);
      out << ComplexToJson(c) << '\n';
      return out ? Status::Ok() : Status::IOError("writing " + out_path);
    });
    if (!st.ok()) return Fail(st.ToString());
    std::printf("wrote %zu complexes, %zu capabilities to %s in %.1f s\n", complexes, capabilities,
                out_path.c_str(), SecondsSince(t0));
    return 0;
  }

  if (std::filesystem::exists(data_dir)) return Fail(data_dir + " exists; give a new directory");
  std::filesystem::create_directories(data_dir);
  {
    auto store = OpenRocksStore(data_dir, StoreOptions{});
    if (!store.ok()) return Fail(store.status().ToString());
    Status st = GenerateCatalog(*tax, *demo, options, [&](Complex&& c) {
      count(c);
      return (*store)->PutComplex(c);
    });
    if (!st.ok()) return Fail(st.ToString());
    std::printf("stored %zu complexes, %zu capabilities in %.1f s\n", complexes, capabilities,
                SecondsSince(t0));
    std::fflush(stdout);

    // The first open fits the text model and stores every capability's
    // vectors, so later opens (the cold-start benchmark) reuse them.
    auto scoring = LoadScoringConfigFile(root + "/configs/scoring.toml", *tax);
    if (!scoring.ok()) return Fail(scoring.status().ToString());
    RecommenderOptions engine_options;
    engine_options.vocabulary_dir = root + "/configs/vocabulary";
    const auto t1 = std::chrono::steady_clock::now();
    auto engine = Recommender::Open(std::move(*store), tax, *scoring, engine_options);
    if (!engine.ok()) return Fail(engine.status().ToString());
    std::printf("first open (model fit, features stored) in %.1f s\n", SecondsSince(t1));
  }
  return 0;
}
