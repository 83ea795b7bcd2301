// The HTTP service around a Recommender: a listener, sessions on a pool of
// I/O threads, a bounded pool for the routes that block (server/blocking_pool.h),
// the routes, metrics, and the process signals (SIGINT/SIGTERM drain and
// stop, SIGHUP reloads the scoring weights).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "engine/recommender.h"
#include "models/status.h"
#include "server/auth.h"
#include "server/server_options.h"

namespace iisc {

// For tests only: the server runs as usual when these are empty.
struct ServerTestHooks {
  // Runs on a blocking thread before each blocking job (a blocking route's
  // handler, a SIGHUP reload): a test holds one in progress with it.
  std::function<void()> before_blocking_job;
  // Runs in Run once the I/O threads have stopped, before the blocking pool
  // is stopped (jobs still running then finish; queued ones are dropped).
  std::function<void()> io_stopped;
};

struct ServerSetup {
  ServerOptions options;
  Recommender* recommender = nullptr;  // not owned; outlives the Server
  // The bureau's token of bureau_token_file / bureau_token_env, named
  // options.bureau_token_name (empty: none), and those of bureau_tokens_file.
  // None at all: the bureau's routes answer 403.
  std::string bureau_token;
  std::vector<BureauToken> bureau_tokens;
  std::string scoring_config_path;     // resolved path, for reloads
  ServerTestHooks test_hooks;
};

class Server {
 public:
  // Binds the listening socket (so the port is known) without serving yet.
  static Result<std::unique_ptr<Server>> Create(ServerSetup setup);
  virtual ~Server() = default;

  // The bound address, with the real port when port 0 was asked.
  virtual boost::asio::ip::tcp::endpoint endpoint() const = 0;

  // Serves on options.io_threads threads (0 = one per core), with the
  // blocking routes on options.blocking_threads more, until SIGINT or
  // SIGTERM; then stops accepting, lets in-flight requests finish (bounded
  // by shutdown_grace_ms; a second signal stops at once), stops the I/O
  // threads, lets the blocking jobs still running finish (those still queued
  // are dropped unrun) and flushes the engine (Recommender::Flush): every
  // need it accepted is written and its completion has run when Run returns.
  // The engine then takes no more needs; destroy the Server before the
  // Recommender.
  virtual void Run() = 0;
};

}  // namespace iisc
