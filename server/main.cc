// iisc-server: loads the taxonomy, the scoring weights and the store, opens
// the engine (seeding an empty store with the demo catalog) and serves HTTP.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "models/command_line.h"
#include "models/taxonomy.h"
#include "server/commands.h"
#include "server/log.h"
#include "server/server.h"
#include "server/server_options.h"

namespace fs = std::filesystem;

namespace {

// The flags; each overrides the config file.
struct Flags {
  std::optional<std::string> listen;
  std::optional<std::string> data_dir;
  std::optional<std::string> config;
};

void AddServeFlags(CLI::App& app, Flags* flags) {
  app.footer(
      "Flags override the config file. SIGHUP reloads the scoring weights; SIGINT and\n"
      "SIGTERM finish the requests in flight and stop (a second one stops at once).");
  app.add_option_function<std::string>(
         "--listen", [flags](const std::string& v) { flags->listen = v; },
         "address to listen on (default 127.0.0.1:8080; port 0 picks a free port, printed at start)")
      ->type_name("HOST:PORT")
      ->check(iisc::kNonEmpty);
  app.add_option_function<std::string>(
         "--data-dir", [flags](const std::string& v) { flags->data_dir = v; },
         "RocksDB data directory (created if missing; an empty one is seeded with the demo catalog)")
      ->type_name("DIR")
      ->check(iisc::kNonEmpty);
  app.add_option_function<std::string>(
         "--config", [flags](const std::string& v) { flags->config = v; },
         "server config (default: configs/server.toml of the source tree or of the working directory)")
      ->type_name("FILE")
      ->check(iisc::kNonEmpty);
}

fs::path ExecutableDir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

// The default config: the working directory's configs/ first (how the demo
// script runs), then the source tree this binary was built from, found from
// the executable's place in build/server/ or the path compiled in.
std::optional<std::string> FindDefaultConfig() {
  std::vector<fs::path> candidates = {fs::current_path() / "configs" / "server.toml"};
  const fs::path exe = ExecutableDir();
  if (!exe.empty()) {
    candidates.push_back(exe / ".." / ".." / "configs" / "server.toml");
    candidates.push_back(exe / ".." / "configs" / "server.toml");
  }
#ifdef IISC_SOURCE_DIR
  candidates.push_back(fs::path(IISC_SOURCE_DIR) / "configs" / "server.toml");
#endif
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec).string();
  }
  return std::nullopt;
}

std::string Trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  const size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// A shorter bureau token could be guessed; the bureau's routes write the catalog.
// Warns when a secret's file can be read by others.
void WarnIfReadableByOthers(const std::string& path) {
  std::error_code ec;
  const auto perms = fs::status(path, ec).permissions();
  if (!ec && (perms & (fs::perms::group_read | fs::perms::others_read)) != fs::perms::none) {
    iisc::LogInfo("warning: %s is readable by other users (chmod 600 it)", path.c_str());
  }
}

iisc::Result<std::string> ReadWholeFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return iisc::Status::IOError("cannot read " + what + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  WarnIfReadableByOthers(path);
  return ss.str();
}

iisc::Result<std::string> LoadBureauToken(const iisc::ServerOptions& options) {
  std::string token;
  std::string source;
  if (!options.bureau_token_file.empty()) {
    const std::string path = options.ResolvePath(options.bureau_token_file);
    auto text = ReadWholeFile(path, "the bureau token file");
    if (!text.ok()) return text.status();
    token = Trim(*text);
    source = "the bureau token file " + path;
  } else if (!options.bureau_token_env.empty()) {
    if (const char* v = std::getenv(options.bureau_token_env.c_str())) token = Trim(v);
    source = "the environment variable " + options.bureau_token_env;
  }
  if (!token.empty() && token.size() < iisc::kMinBureauTokenChars) {
    return iisc::Status::InvalidArgument("the bureau token in " + source + " is too short: use " +
                                         std::to_string(iisc::kMinBureauTokenChars) +
                                         " characters or more (e.g. openssl rand -hex 32)");
  }
  return token;
}

// The named tokens of bureau_tokens_file; none when it is not set. A name or
// a token it shares with the single token (`token`, named
// bureau_token_name) is refused: the audit log must say who acted.
iisc::Result<std::vector<iisc::BureauToken>> LoadBureauTokens(const iisc::ServerOptions& options,
                                                              const std::string& token) {
  if (options.bureau_tokens_file.empty()) return std::vector<iisc::BureauToken>{};
  const std::string path = options.ResolvePath(options.bureau_tokens_file);
  auto text = ReadWholeFile(path, "the bureau tokens file");
  if (!text.ok()) return text.status();
  auto tokens = iisc::ParseBureauTokens(*text);
  if (!tokens.ok()) return iisc::Status::InvalidArgument("the bureau tokens file " + path + ", " + tokens.status().message());
  for (const iisc::BureauToken& t : *tokens) {
    if (!token.empty() && (t.name == options.bureau_token_name || t.token == token)) {
      return iisc::Status::InvalidArgument("the bureau tokens file " + path + " repeats the name or the token of " +
                                           options.bureau_token_name + " (bureau_token_name)");
    }
  }
  return tokens;
}

int Fail(const std::string& what) {
  iisc::LogError("%s", what.c_str());
  return 1;
}

std::string HostForUrl(const boost::asio::ip::address& address) {
  return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

}  // namespace

int main(int argc, char** argv) {
  iisc::CommandLine app(
      "iisc-server",
      "Serves IISC Match: the recommendation API and the web form. The backup and restore\n"
      "commands work on a stopped server's data directory (see `iisc-server backup --help`).");
  const iisc::MaintenanceCommands commands(app);
  app.require_subcommand(0, 1);
  Flags flags;
  AddServeFlags(app, &flags);  // after the subcommands, which do not share its footer
  if (auto exit_code = app.Parse(argc, argv)) return *exit_code;
  if (auto exit_code = commands.Run()) return *exit_code;

  std::optional<std::string> config_path = flags.config;
  if (!config_path) config_path = FindDefaultConfig();
  if (!config_path) {
    return Fail("no config file: pass --config FILE (configs/server.toml in the source tree)");
  }
  auto loaded = iisc::LoadServerOptionsFile(*config_path);
  if (!loaded.ok()) return Fail("config " + *config_path + ": " + loaded.status().ToString());
  iisc::ServerOptions options = std::move(loaded).value();
  if (flags.listen) {
    auto address = iisc::ParseListenAddress(*flags.listen);
    if (!address.ok()) return Fail("--listen: " + address.status().message());
    options.listen_host = address->host;
    options.listen_port = address->port;
  }
  if (flags.data_dir) options.data_dir = *flags.data_dir;

  auto bureau_token = LoadBureauToken(options);
  if (!bureau_token.ok()) return Fail(bureau_token.status().ToString());
  auto bureau_tokens = LoadBureauTokens(options, *bureau_token);
  if (!bureau_tokens.ok()) return Fail(bureau_tokens.status().ToString());

  const std::string taxonomy_path = options.ResolvePath(options.taxonomy_file);
  auto taxonomy = iisc::Taxonomy::FromFile(taxonomy_path);
  if (!taxonomy.ok()) return Fail("taxonomy " + taxonomy_path + ": " + taxonomy.status().ToString());
  auto shared_taxonomy = std::make_shared<const iisc::Taxonomy>(std::move(taxonomy).value());

  const std::string scoring_path = options.ResolvePath(options.scoring_config);
  auto scoring = iisc::LoadScoringConfigFile(scoring_path, *shared_taxonomy);
  if (!scoring.ok()) return Fail("scoring config: " + scoring.status().ToString());

  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return Fail("cannot create data dir " + options.data_dir + ": " + ec.message());
  iisc::StoreOptions store_options;
  store_options.sync_need_writes = options.sync_need_writes;
  auto store = iisc::OpenRocksStore(options.data_dir, store_options);
  if (!store.ok()) return Fail("store " + options.data_dir + ": " + store.status().ToString());

  iisc::RecommenderOptions engine_options;
  engine_options.seed_catalog_path = options.ResolvePath(options.seed_catalog);
  engine_options.vocabulary_dir = options.ResolvePath(options.vocabulary_dir);
  if (!options.intent_corpus_dir.empty()) engine_options.intent_corpus_dir = options.ResolvePath(options.intent_corpus_dir);
  engine_options.workflow.request_expiry_ms = options.request_expiry_seconds * 1000;
  engine_options.workflow.feed_min_score = options.feed_min_score;
  auto engine = iisc::Recommender::Open(std::move(store).value(), shared_taxonomy,
                                        std::move(scoring).value(), engine_options);
  if (!engine.ok()) return Fail("engine: " + engine.status().ToString());
  std::unique_ptr<iisc::Recommender> recommender = std::move(engine).value();
  {
    // The configuration serving from now on enters the history (nothing is
    // recorded when it is the one the history ends with).
    std::ifstream in(scoring_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto recorded = recommender->governance().RecordConfig(recommender->scoring_config()->version, text.str(),
                                                           "file", "server start", "start");
    if (!recorded.ok()) return Fail("recording the scoring config: " + recorded.status().ToString());
  }

  iisc::ServerSetup setup;
  setup.options = options;
  setup.recommender = recommender.get();
  setup.bureau_token = std::move(bureau_token).value();
  setup.bureau_tokens = std::move(bureau_tokens).value();
  const size_t bureau_token_count = (setup.bureau_token.empty() ? 0 : 1) + setup.bureau_tokens.size();
  setup.scoring_config_path = scoring_path;
  auto server = iisc::Server::Create(std::move(setup));
  if (!server.ok()) return Fail(server.status().ToString());

  const auto endpoint = (*server)->endpoint();
  const std::string bureau_routes = bureau_token_count == 0   ? "disabled (no token)"
                                    : bureau_token_count == 1 ? "enabled"
                                                              : "enabled (" + std::to_string(bureau_token_count) + " tokens)";
  iisc::LogInfo("config %s, data %s, scoring %s, bureau routes %s", config_path->c_str(),
                options.data_dir.c_str(), recommender->scoring_config()->version.c_str(), bureau_routes.c_str());
  // Tests and scripts wait for this exact line to learn the port.
  std::printf("listening on http://%s:%u\n", HostForUrl(endpoint.address()).c_str(),
              static_cast<unsigned>(endpoint.port()));
  std::fflush(stdout);

  // Returns with the engine flushed, while the server's sessions, metrics
  // and io_context that the needs' completions touch are still alive.
  (*server)->Run();
  server->reset();
  recommender.reset();  // closes the database
  iisc::LogInfo("needs flushed, database closed; bye");
  return 0;
}
