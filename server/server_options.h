// Everything an operator sets for the server process, from configs/server.toml
// (then overridden by command-line flags). Plain data with documented
// defaults; validated once at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"

namespace iisc {

struct ServerOptions {
  // --- where ---
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;  // 0 = an ephemeral port (printed at start)
  std::string data_dir = "var/data";
  // The bureau's scoring weights (hot-reloaded on SIGHUP). Relative paths are
  // resolved against the directory of the server config file.
  std::string scoring_config = "scoring.toml";
  // Domain vocabulary (bilingual glossary) directory; relative as above.
  std::string vocabulary_dir = "vocabulary";
  // Example needs the intent model learns from (*.jsonl); relative as above;
  // empty = no intent model.
  std::string intent_corpus_dir = "intent";
  // Taxonomy and demo catalog; relative paths against the config directory.
  std::string taxonomy_file = "../data/taxonomy.json";
  std::string seed_catalog = "../data/demo-catalog.jsonl";

  // --- performance ---
  int io_threads = 0;  // 0 = one per core
  // Threads of the blocking pool, where the routes that touch the database
  // or compute for long run (catalog writes, lifecycle reads, backups,
  // replays, the map), so the I/O threads only parse, score and write.
  // 0 = run them on the I/O threads (only to measure what the pool brings).
  // The bureau's jobs take at most blocking_threads - 1 of them at once.
  int blocking_threads = 4;
  // Jobs of each lane (the bureau's, the others') that may wait for a
  // blocking thread; beyond, 503 with Retry-After.
  int blocking_queue = 64;

  // --- limits (each answered with a clear error) ---
  size_t max_body_bytes = 1 << 20;         // 413 beyond
  size_t max_import_bytes = 64 << 20;      // bulk catalog import (bureau only); 413 beyond
  size_t max_header_bytes = 16 << 10;      // 431 beyond
  size_t max_url_bytes = 4096;             // 414 beyond
  int max_json_depth = 16;                 // 400 beyond
  size_t max_description_chars = 4000;     // 400 beyond
  int max_k = 100;                         // 400 beyond
  int read_timeout_ms = 10000;             // whole request must arrive within
  int idle_timeout_ms = 30000;             // keep-alive connection idle limit
  int max_connections = 1024;              // further connections are refused with 503
  // Open connections from one client address (IPv6: one /64), so that one
  // address cannot take the places of all others (slowloris); further ones
  // are answered 503 and closed at once. Behind a reverse proxy every client
  // has the proxy's address: raise it there, and limit at the proxy.
  int max_connections_per_address = 64;
  int max_inflight_requests = 512;         // beyond: 503 (shed, do not queue)
  int shutdown_grace_ms = 10000;           // SIGTERM waits this long for requests in flight

  // --- access ---
  // The bureau's token: read from this file, or from the environment variable
  // named by bureau_token_env. Never logged. Empty = admin routes disabled.
  std::string bureau_token_file;
  std::string bureau_token_env = "IISC_BUREAU_TOKEN";
  // Who the token is, in the audit log and the config history.
  std::string bureau_token_name = "bureau";
  // More bureau tokens, one per person or system: "<name> <token>" per line
  // (server/auth.h). Each name is the actor of what its token does.
  std::string bureau_tokens_file;
  std::vector<std::string> cors_allowed_origins;
  // Per-client token bucket (by remote address): sustained rate and burst.
  // 0 turns the limit off (load benchmarks from one address).
  double rate_limit_per_second = 200;
  double rate_limit_burst = 400;

  // --- lifecycle ---
  // A request (or a complex's proposal) nobody answers within this expires.
  int64_t request_expiry_seconds = 7 * 24 * 3600;
  // How often the server looks for requests to expire.
  int expiry_sweep_seconds = 60;
  // Needs whose services score below this never reach a complex's feed.
  double feed_min_score = 0.35;

  // --- the bureau's supply-demand map ---
  // A need whose best service scored below this has no good match.
  double map_good_match_score = 0.7;
  // --- durability ---
  bool sync_need_writes = true;  // false only for benchmarks
  // Where POST /v1/admin/backup writes its checkpoints (one subdirectory per
  // backup). Relative to the working directory, like data_dir.
  std::string backup_dir = "var/backups";

  // Directory of the config file, for resolving relative paths.
  std::string config_dir = ".";

  std::string ResolvePath(const std::string& path) const;
};

// A listening address as written in `[server] listen` and the --listen flag:
// "127.0.0.1:8080", "0.0.0.0:80", "localhost:0", "[::1]:8080". The host is
// returned without IPv6 brackets, ready for address resolution; the port may
// be 0 (ephemeral). Checks syntax only: whether the host resolves is known
// when the server binds.
struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
Result<ListenAddress> ParseListenAddress(std::string_view text);

// Parses configs/server.toml strictly (unknown keys, wrong types, out-of-range
// values are InvalidArgument naming the key and line). `config_dir` is set to
// the directory of `source_path`.
Result<ServerOptions> ParseServerOptions(std::string_view toml, const std::string& source_path);
Result<ServerOptions> LoadServerOptionsFile(const std::string& path);

}  // namespace iisc
