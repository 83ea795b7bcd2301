#include "server/server_options.h"

#include <gtest/gtest.h>

#include <string>

namespace iisc {
namespace {

std::string ErrorOf(std::string_view toml) {
  auto result = ParseServerOptions(toml, "configs/server.toml");
  EXPECT_FALSE(result.ok()) << "accepted:\n" << toml;
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  return result.status().message();
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(ServerOptionsTest, ShippedConfigDocumentsTheDefaults) {
  auto options = LoadServerOptionsFile(IISC_SOURCE_DIR "/configs/server.toml");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  const ServerOptions& o = *options;
  // configs/server.toml is the documentation of the defaults: it must set
  // exactly the values the code uses without it.
  const ServerOptions d;
  EXPECT_EQ(o.listen_host, d.listen_host);
  EXPECT_EQ(o.listen_port, d.listen_port);
  EXPECT_EQ(o.data_dir, d.data_dir);
  EXPECT_EQ(o.scoring_config, d.scoring_config);
  EXPECT_EQ(o.vocabulary_dir, d.vocabulary_dir);
  EXPECT_EQ(o.taxonomy_file, d.taxonomy_file);
  EXPECT_EQ(o.seed_catalog, d.seed_catalog);
  EXPECT_EQ(o.io_threads, d.io_threads);
  EXPECT_EQ(o.blocking_threads, d.blocking_threads);
  EXPECT_EQ(o.blocking_queue, d.blocking_queue);
  EXPECT_EQ(o.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(o.max_import_bytes, d.max_import_bytes);
  EXPECT_EQ(o.max_header_bytes, d.max_header_bytes);
  EXPECT_EQ(o.max_url_bytes, d.max_url_bytes);
  EXPECT_EQ(o.max_json_depth, d.max_json_depth);
  EXPECT_EQ(o.max_description_chars, d.max_description_chars);
  EXPECT_EQ(o.max_k, d.max_k);
  EXPECT_EQ(o.read_timeout_ms, d.read_timeout_ms);
  EXPECT_EQ(o.idle_timeout_ms, d.idle_timeout_ms);
  EXPECT_EQ(o.max_connections, d.max_connections);
  EXPECT_EQ(o.max_connections_per_address, d.max_connections_per_address);
  EXPECT_EQ(o.max_inflight_requests, d.max_inflight_requests);
  EXPECT_EQ(o.shutdown_grace_ms, d.shutdown_grace_ms);
  EXPECT_EQ(o.request_expiry_seconds, d.request_expiry_seconds);
  EXPECT_EQ(o.expiry_sweep_seconds, d.expiry_sweep_seconds);
  EXPECT_EQ(o.feed_min_score, d.feed_min_score);
  EXPECT_EQ(o.map_good_match_score, d.map_good_match_score);
  EXPECT_EQ(o.bureau_token_file, d.bureau_token_file);
  EXPECT_EQ(o.bureau_token_env, d.bureau_token_env);
  EXPECT_EQ(o.bureau_token_name, d.bureau_token_name);
  EXPECT_EQ(o.cors_allowed_origins, d.cors_allowed_origins);
  EXPECT_EQ(o.rate_limit_per_second, d.rate_limit_per_second);
  EXPECT_EQ(o.rate_limit_burst, d.rate_limit_burst);
  EXPECT_EQ(o.sync_need_writes, d.sync_need_writes);
  EXPECT_EQ(o.backup_dir, d.backup_dir);

  EXPECT_EQ(o.config_dir, IISC_SOURCE_DIR "/configs");
  EXPECT_EQ(o.ResolvePath(o.taxonomy_file), IISC_SOURCE_DIR "/data/taxonomy.json");
  EXPECT_EQ(o.ResolvePath(o.scoring_config), IISC_SOURCE_DIR "/configs/scoring.toml");
}

TEST(ServerOptionsTest, ReadsEverySection) {
  auto options = ParseServerOptions(
      "[server]\n"
      "listen = \"[::1]:9090\"\n"
      "data_dir = \"/srv/iisc\"\n"
      "io_threads = 4\n"
      "blocking_threads = 2\n"
      "blocking_queue = 8\n"
      "[paths]\n"
      "scoring_config = \"/etc/iisc/scoring.toml\"\n"
      "[limits]\n"
      "max_body_bytes = 2048\n"
      "max_k = 50\n"
      "[access]\n"
      "bureau_token_file = \"/run/secrets/bureau\"\n"
      "bureau_token_env = \"\"\n"
      "cors_allowed_origins = [\"https://portal.example.cn\", \"http://localhost:3000\"]\n"
      "rate_limit_per_second = 5\n"
      "[map]\n"
      "good_match_score = 0.55\n"
      "[durability]\n"
      "sync_need_writes = false\n",
      "server.toml");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->listen_host, "::1");
  EXPECT_EQ(options->listen_port, 9090);
  EXPECT_EQ(options->data_dir, "/srv/iisc");
  EXPECT_EQ(options->io_threads, 4);
  EXPECT_EQ(options->blocking_threads, 2);
  EXPECT_EQ(options->blocking_queue, 8);
  EXPECT_EQ(options->max_body_bytes, 2048u);
  EXPECT_EQ(options->max_k, 50);
  EXPECT_EQ(options->max_header_bytes, ServerOptions().max_header_bytes);
  EXPECT_EQ(options->bureau_token_file, "/run/secrets/bureau");
  EXPECT_EQ(options->bureau_token_env, "");
  ASSERT_EQ(options->cors_allowed_origins.size(), 2u);
  EXPECT_EQ(options->cors_allowed_origins[1], "http://localhost:3000");
  EXPECT_EQ(options->rate_limit_per_second, 5.0);
  EXPECT_FALSE(options->sync_need_writes);
  EXPECT_EQ(options->map_good_match_score, 0.55);
  // No directory in the source path: relative paths are relative to the
  // working directory; absolute ones stay as written.
  EXPECT_EQ(options->config_dir, ".");
  EXPECT_EQ(options->ResolvePath("scoring.toml"), "scoring.toml");
  EXPECT_EQ(options->ResolvePath(options->scoring_config), "/etc/iisc/scoring.toml");
}

TEST(ServerOptionsTest, ResolvePathIsRelativeToTheConfigDirectory) {
  ServerOptions o;
  o.config_dir = "/opt/iisc/configs";
  EXPECT_EQ(o.ResolvePath("scoring.toml"), "/opt/iisc/configs/scoring.toml");
  EXPECT_EQ(o.ResolvePath("../data/taxonomy.json"), "/opt/iisc/data/taxonomy.json");
  EXPECT_EQ(o.ResolvePath("/var/lib/iisc"), "/var/lib/iisc");
  EXPECT_EQ(o.ResolvePath(""), "");
}

TEST(ServerOptionsTest, ErrorsNameKeyAndLine) {
  EXPECT_CONTAINS(ErrorOf("[server]\nlisten = \"127.0.0.1:8080\"\nio_thread = 2\n"),
                  "unknown key server.io_thread at line 3");
  EXPECT_CONTAINS(ErrorOf("[limit]\nmax_k = 5\n"), "unknown table limit at line 1");
  EXPECT_CONTAINS(ErrorOf("[map]\ngood_match_score = 1.5\n"), "map.good_match_score at line 2");
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_k = \"100\"\n"),
                  "limits.max_k at line 2: must be a whole number, got text \"100\"");
  // The contract's k is at most 100; a larger max_k would only promise more.
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_k = 101\n"),
                  "limits.max_k at line 2: must be between 1 and 100, got 101");
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_body_bytes = 0\n"),
                  "limits.max_body_bytes at line 2: must be between 1024 and 1073741824, got 0");
  EXPECT_CONTAINS(ErrorOf("[limits]\n\nread_timeout_ms = -1\n"),
                  "limits.read_timeout_ms at line 3");
  EXPECT_CONTAINS(ErrorOf("[durability]\nsync_need_writes = 1\n"),
                  "durability.sync_need_writes at line 2: must be true or false, got 1");
  EXPECT_CONTAINS(ErrorOf("[access]\nrate_limit_burst = 0.5\n"),
                  "access.rate_limit_burst at line 2");
  EXPECT_CONTAINS(ErrorOf("[server]\nlisten = 8080\n"), "server.listen at line 2: must be text");
  EXPECT_CONTAINS(ErrorOf("[server]\nblocking_queue = -1\n"),
                  "server.blocking_queue at line 2: must be between 0 and 1000000, got -1");
  EXPECT_CONTAINS(ErrorOf("[paths]\ntaxonomy_file = \"\"\n"),
                  "paths.taxonomy_file at line 2: must not be empty");
}

TEST(ServerOptionsTest, SyntaxErrorNamesLineAndColumn) {
  std::string message = ErrorOf("[server]\nlisten = \"127.0.0.1:8080\n");
  EXPECT_CONTAINS(message, "configs/server.toml: syntax error at line 2, column");
}

TEST(ServerOptionsTest, ListenIsValidatedWhereItIsWritten) {
  std::string message = ErrorOf("[server]\n\nlisten = \"localhost\"\n");
  EXPECT_CONTAINS(message, "server.listen at line 3");
  EXPECT_CONTAINS(message, "missing :PORT");
}

TEST(ServerOptionsTest, UrlLimitMustFitInTheHeaderLimit) {
  std::string message = ErrorOf("[limits]\nmax_header_bytes = 2048\nmax_url_bytes = 4096\n");
  EXPECT_CONTAINS(message, "limits.max_url_bytes at line 3");
  // The default URL limit against a lowered header limit: the header line is at fault.
  message = ErrorOf("[limits]\nmax_header_bytes = 2048\n");
  EXPECT_CONTAINS(message, "limits.max_header_bytes at line 2");
}

TEST(ServerOptionsTest, AccessValuesAreChecked) {
  EXPECT_CONTAINS(ErrorOf("[access]\ncors_allowed_origins = [\"https://portal.example.cn/\"]\n"),
                  "access.cors_allowed_origins at line 2");
  EXPECT_CONTAINS(ErrorOf("[access]\ncors_allowed_origins = [\"portal.example.cn\"]\n"),
                  "is not an origin");
  EXPECT_CONTAINS(ErrorOf("[access]\ncors_allowed_origins = [\n  \"https://a.cn\",\n  3,\n]\n"),
                  "access.cors_allowed_origins[1] at line 4: must be text");
  EXPECT_CONTAINS(ErrorOf("[access]\ncors_allowed_origins = \"https://a.cn\"\n"),
                  "access.cors_allowed_origins at line 2: must be a list");
  EXPECT_CONTAINS(ErrorOf("[access]\nbureau_token_env = \"BUREAU TOKEN\"\n"),
                  "access.bureau_token_env at line 2");
  auto ok = ParseServerOptions(
      "[access]\ncors_allowed_origins = [\"http://[::1]:8080\", \"https://x.example.cn:8443\"]\n",
      "s.toml");
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(ServerOptionsTest, RateLimitCanBeTurnedOffButNotNearlyOff) {
  auto off = ParseServerOptions("[access]\nrate_limit_per_second = 0\n", "s.toml");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->rate_limit_per_second, 0.0);
  EXPECT_CONTAINS(ErrorOf("[access]\nrate_limit_per_second = 0.001\n"),
                  "access.rate_limit_per_second at line 2: must be 0 (off) or at least 0.01");
  EXPECT_CONTAINS(ErrorOf("[access]\nrate_limit_per_second = -1\n"),
                  "access.rate_limit_per_second at line 2");
}

TEST(ServerOptionsTest, ImportShutdownAndBackupSettings) {
  auto options = ParseServerOptions(
      "[limits]\nmax_import_bytes = 2048\nshutdown_grace_ms = 500\n"
      "[durability]\nbackup_dir = \"/srv/iisc-backups\"\n",
      "s.toml");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->max_import_bytes, 2048u);
  EXPECT_EQ(options->shutdown_grace_ms, 500);
  EXPECT_EQ(options->backup_dir, "/srv/iisc-backups");
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_import_bytes = 10\n"), "limits.max_import_bytes at line 2");
  EXPECT_CONTAINS(ErrorOf("[limits]\nshutdown_grace_ms = -5\n"), "limits.shutdown_grace_ms");
  EXPECT_CONTAINS(ErrorOf("[durability]\nbackup_dir = \"\"\n"),
                  "durability.backup_dir at line 2: must not be empty");
}

TEST(ServerOptionsTest, ConnectionsPerAddress) {
  EXPECT_EQ(ServerOptions().max_connections_per_address, 64);
  auto options = ParseServerOptions("[limits]\nmax_connections_per_address = 8\n", "s.toml");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->max_connections_per_address, 8);
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_connections_per_address = 0\n"),
                  "limits.max_connections_per_address at line 2: must be between 1 and 1000000, got 0");
  EXPECT_CONTAINS(ErrorOf("[limits]\nmax_connections_per_address = \"64\"\n"),
                  "limits.max_connections_per_address at line 2: must be a whole number");
}

TEST(ServerOptionsTest, LoadReportsAMissingFile) {
  auto result = LoadServerOptionsFile(IISC_BINARY_DIR "/no-such-dir/server.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kIOError);
}

TEST(ParseListenAddressTest, AcceptsHostPortForms) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8080", "127.0.0.1", 8080}, Case{"0.0.0.0:80", "0.0.0.0", 80},
        Case{"localhost:0", "localhost", 0}, Case{"[::1]:8080", "::1", 8080},
        Case{"[::]:65535", "::", 65535}, Case{"[fe80::1%eth0]:1", "fe80::1%eth0", 1},
        Case{"api.example.cn:443", "api.example.cn", 443}}) {
    auto address = ParseListenAddress(c.text);
    ASSERT_TRUE(address.ok()) << c.text << ": " << address.status().ToString();
    EXPECT_EQ(address->host, c.host) << c.text;
    EXPECT_EQ(address->port, c.port) << c.text;
  }
}

TEST(ParseListenAddressTest, RejectsMalformedAddresses) {
  for (const char* text : {"", "8080", ":8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                           "127.0.0.1:-1", "127.0.0.1:80x", "::1:8080", "[::1]8080", "[::1",
                           "[]:80", "[abc]:80", "host name:80", "127.0.0.1:+80", "a/b:80"}) {
    auto address = ParseListenAddress(text);
    EXPECT_FALSE(address.ok()) << "accepted \"" << text << "\"";
    if (!address.ok()) {
      EXPECT_EQ(address.status().code(), StatusCode::kInvalidArgument);
      EXPECT_CONTAINS(address.status().message(), "HOST:PORT");
    }
  }
}

}  // namespace
}  // namespace iisc
