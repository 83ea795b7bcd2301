#include "server/server.h"

#include <atomic>
#include <csignal>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/blocking_pool.h"
#include "server/handlers.h"
#include "server/listener.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/router.h"
#include "server/session_registry.h"

namespace iisc {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kDrainPoll{20};

RouterOptions MakeRouterOptions(const ServerOptions& o, RateLimiter* limiter,
                                const CorsPolicy* cors, BlockingPool* blocking) {
  RouterOptions r;
  r.max_inflight = o.max_inflight_requests;
  r.max_body_bytes = o.max_body_bytes;
  r.rate_limiter = limiter;
  r.cors = cors;
  r.blocking_pool = blocking;
  return r;
}

// No pool when blocking_threads is 0: the blocking routes run on the I/O threads.
std::unique_ptr<BlockingPool> MakeBlockingPool(const ServerOptions& o, const ServerTestHooks& hooks) {
  if (o.blocking_threads <= 0) return nullptr;
  return std::make_unique<BlockingPool>(o.blocking_threads, static_cast<size_t>(o.blocking_queue),
                                        hooks.before_blocking_job);
}

int ThreadCount(int configured) {
  if (configured > 0) return configured;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(ServerSetup setup)
      : options_(std::move(setup.options)),
        hooks_(std::move(setup.test_hooks)),
        rate_limiter_(options_.rate_limit_per_second, options_.rate_limit_burst),
        cors_(options_.cors_allowed_origins),
        blocking_(MakeBlockingPool(options_, hooks_)),
        router_(&metrics_, MakeRouterOptions(options_, &rate_limiter_, &cors_, blocking_.get())),
        threads_(ThreadCount(options_.io_threads)),
        ioc_(threads_),
        signals_(ioc_, SIGINT, SIGTERM, SIGHUP),
        drain_timer_(ioc_),
        expiry_timer_(ioc_) {
    context_.recommender = setup.recommender;
    context_.metrics = &metrics_;
    context_.limits.max_json_depth = options_.max_json_depth;
    context_.limits.max_description_chars = options_.max_description_chars;
    context_.limits.max_k = options_.max_k;
    if (!setup.bureau_token.empty()) context_.bureau_tokens.push_back({options_.bureau_token_name, setup.bureau_token});
    for (BureauToken& t : setup.bureau_tokens) context_.bureau_tokens.push_back(std::move(t));
    context_.scoring_config_path = std::move(setup.scoring_config_path);
    context_.backup_dir = options_.backup_dir;
    context_.max_import_bytes = options_.max_import_bytes;
    context_.map_good_match_score = options_.map_good_match_score;
    limits_.max_header_bytes = options_.max_header_bytes;
    limits_.max_url_bytes = options_.max_url_bytes;
    limits_.read_timeout = std::chrono::milliseconds(options_.read_timeout_ms);
    limits_.idle_timeout = std::chrono::milliseconds(options_.idle_timeout_ms);
    RegisterRoutes(context_, router_);
    if (blocking_) AddBlockingMetrics();
  }

  Status Listen() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.listen_host, std::to_string(options_.listen_port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument("cannot resolve listen host " + options_.listen_host + ": " +
                                     ec.message());
    }
    auto listener = Listener::Create(ioc_, results.begin()->endpoint(), limits_,
                                     options_.max_connections,
                                     options_.max_connections_per_address, router_, &registry_);
    if (!listener.ok()) return listener.status();
    listener_ = std::move(listener).value();
    return Status::Ok();
  }

  tcp::endpoint endpoint() const override { return listener_->local_endpoint(); }

  void Run() override {
    WaitForSignal();
    ScheduleExpiry();
    listener_->Run();
    std::vector<std::thread> io_threads;
    io_threads.reserve(static_cast<size_t>(threads_ - 1));
    for (int i = 1; i < threads_; ++i) io_threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : io_threads) t.join();
    // No I/O thread runs now, so no blocking job can be submitted. Jobs still
    // waiting are dropped unrun at once, before a running job can finish and
    // pick one up: their connections close unanswered, like every connection
    // still open. Jobs running finish (a catalog write is not cut in half);
    // their answers are posted to the stopped io_context and never sent. The
    // sessions they answer stay alive through their replies until the
    // io_context is destroyed, after this Server's Run.
    size_t dropped = 0;
    if (blocking_) dropped = blocking_->Close();
    if (hooks_.io_stopped) hooks_.io_stopped();
    if (blocking_) {
      if (dropped > 0) LogError("%zu queued blocking job(s) dropped unanswered", dropped);
      const BlockingPool::Stats left = blocking_->stats();
      if (left.running > 0) LogInfo("waiting for %zu blocking job(s) to finish", left.running);
      blocking_->Join();
    }
    // Stopped without waiting (no grace left, or a second signal), needs
    // handed to the engine (by an I/O thread or a blocking job) may still be
    // queued; their completions answer through the sessions, the metrics and
    // the io_context, so they must run before any of those is destroyed.
    // Their answers are never sent (the io_context has stopped), but the
    // needs are stored.
    context_.recommender->Flush();
    LogInfo("stopped serving; needs flushed");
  }

 private:
  void WaitForSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;  // cancelled at the end of a drain
      if (signo == SIGHUP) {
        // Reads a file and writes the config history: blocking work.
        RunBlocking("the scoring config reload", [this] { ReloadScoringConfig(context_, "signal"); });
        return WaitForSignal();
      }
      if (draining_) {
        LogInfo("second stop signal: stopping without waiting");
        return ioc_.stop();
      }
      LogInfo("signal %d: draining %zu connection(s)", signo, registry_.size());
      draining_ = true;
      expiry_timer_.cancel();
      listener_->Stop();
      registry_.DrainAll();
      drain_deadline_ = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options_.shutdown_grace_ms);
      PollDrain();
      WaitForSignal();
    });
  }

  // The bureau's work (a signal's reload) on the blocking pool's bureau lane
  // (inline without a pool); `what` names it in the log when the pool is full.
  void RunBlocking(const char* what, std::function<void()> job) {
    if (!blocking_) return job();
    if (!blocking_->TrySubmit(std::move(job), BlockingPool::Lane::kBureau)) {
      LogError("%s was not run: the blocking pool is full; retry", what);
    }
  }

  void AddBlockingMetrics() {
    BlockingPool* pool = blocking_.get();
    metrics_.AddSampled("iisc_blocking_threads", "gauge",
                        "Threads of the pool the blocking routes run on.",
                        [pool] { return static_cast<double>(pool->stats().threads); });
    metrics_.AddSampled("iisc_blocking_jobs_running", "gauge",
                        "Blocking jobs (database work, long computations) running now.",
                        [pool] { return static_cast<double>(pool->stats().running); });
    metrics_.AddSampled("iisc_blocking_bureau_jobs_running", "gauge",
                        "Of those, the bureau's (at most all but one of the threads).",
                        [pool] { return static_cast<double>(pool->stats().running_bureau); });
    metrics_.AddSampled("iisc_blocking_jobs_queued", "gauge",
                        "Blocking jobs waiting for a thread.",
                        [pool] { return static_cast<double>(pool->stats().queued); });
    metrics_.AddSampled("iisc_blocking_jobs_rejected_total", "counter",
                        "Blocking jobs refused because the queue was full (answered 503).",
                        [pool] { return static_cast<double>(pool->stats().rejected); });
  }

  // Requests nobody answered in time expire; the sweep's write goes through
  // the engine's group commit, so this timer only starts it.
  void ScheduleExpiry() {
    expiry_timer_.expires_after(std::chrono::seconds(options_.expiry_sweep_seconds));
    expiry_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || draining_) return;
      context_.recommender->workflow().ExpireDue([](Result<size_t> expired) {
        if (!expired.ok()) {
          LogError("expiring requests failed: %s", expired.status().ToString().c_str());
        } else if (*expired > 0) {
          LogInfo("%zu request(s) expired unanswered", *expired);
        }
      });
      ScheduleExpiry();
    });
  }

  void PollDrain() {
    if (registry_.size() == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
      if (registry_.size() != 0) {
        LogError("drain deadline passed with %zu connection(s) open", registry_.size());
      }
      boost::system::error_code ignored;
      signals_.cancel(ignored);
      ioc_.stop();
      return;
    }
    drain_timer_.expires_after(kDrainPoll);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) PollDrain();
    });
  }

  // Declared before ioc_ so they outlive the handlers the io_context still
  // holds when it is destroyed (sessions unregister themselves then).
  ServerOptions options_;
  ServerTestHooks hooks_;
  Metrics metrics_;
  RateLimiter rate_limiter_;
  CorsPolicy cors_;
  ServiceContext context_;
  // Null when blocking_threads is 0. Stopped (threads joined, queue emptied)
  // in Run before the engine is flushed, so that destroying it later touches
  // nothing.
  std::unique_ptr<BlockingPool> blocking_;
  Router router_;
  SessionLimits limits_;
  SessionRegistry registry_;
  int threads_;
  net::io_context ioc_;
  net::signal_set signals_;
  net::steady_timer drain_timer_;
  net::steady_timer expiry_timer_;
  std::shared_ptr<Listener> listener_;
  std::atomic<bool> draining_{false};  // set by the signal handler, read by the expiry timer
  std::chrono::steady_clock::time_point drain_deadline_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(ServerSetup setup) {
  auto server = std::make_unique<ServerImpl>(std::move(setup));
  IISC_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace iisc
