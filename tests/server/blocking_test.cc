// The blocking pool in a real server on an ephemeral port, spoken to over
// HTTP: with ONE I/O thread and a blocking route held in progress, a
// recommendation on another connection is answered before the blocking one
// completes; every route that touches the database is blocking; a full pool
// answers 503; and shutdown with blocking jobs in flight finishes the running
// ones, drops the queued ones and touches no destroyed session (the asan
// stage runs this test).
//
// The server runs in this process (so a test hook can hold a blocking job at
// its start) on the in-memory store with the demo catalog. Nothing waits on
// time: a held job stays held until the test releases it.
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "gate.h"
#include "models/taxonomy.h"
#include "server/server.h"
#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using http::verb;

constexpr const char* kToken = "bureau-blocking-test-token-0123";
constexpr const char* kJson = "application/json";
const std::map<std::string, std::string> kBureau = {{"Authorization", std::string("Bearer ") + kToken}};
constexpr const char* kRecommend = R"({"need":{"description":"鞋底防滑检测"},"k":3})";

// One client connection whose answer is read when the test chooses.
class Connection {
 public:
  explicit Connection(uint16_t port) : socket_(ioc_) {
    socket_.connect({net::ip::address_v4::loopback(), port});
  }
  void Send(verb method, const std::string& target, const std::string& body = "",
            const std::string& content_type = "",
            const std::map<std::string, std::string>& headers = {}) {
    Request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
  }
  // True when the server has sent something (or closed): never blocks.
  bool HasAnswer() {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  // The next answer; nullopt when the connection closed without one, or
  // nothing came for a minute (a safety net that turns a hang into a
  // failure: the tests assume nothing about how long an answer takes).
  std::optional<Response> Read() {
    if (buffer_.size() == 0) {
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 60000) <= 0) return std::nullopt;
    }
    Response res;
    boost::system::error_code ec;
    http::read(socket_, buffer_, res, ec);
    if (ec) return std::nullopt;
    return res;
  }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// A complex of one service, for catalog writes.
std::string Complex(const std::string& id) {
  return R"({"id":")" + id +
         R"(","name":{"zh":"测试综合体","en":"Test Complex"},"county":"taishun","level":"county",)"
         R"("provincial_listed":false,"fields":["crafts_gifts"],"services":[{"id":")" +
         id +
         R"(/testing-1","type":"testing","institution":{"zh":"测试站","en":"Test Lab"},)"
         R"("fields":["crafts_gifts"],"description":{"zh":"陶瓷釉料检测","en":"Glaze tests"},)"
         R"("capacity_per_month":10,"rating":4.0,"price_level":"subsidized"}]})";
}

class BlockingServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = Taxonomy::FromFile(IISC_SOURCE_DIR "/data/taxonomy.json");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status().ToString();
    taxonomy_ = std::make_shared<const Taxonomy>(std::move(taxonomy).value());
  }
  static void TearDownTestSuite() { taxonomy_.reset(); }

  // ONE I/O thread, ONE blocking thread, `queue` jobs may wait.
  void Start(int queue, int grace_ms = 10000) {
    auto scoring = LoadScoringConfigFile(IISC_SOURCE_DIR "/configs/scoring.toml", *taxonomy_);
    ASSERT_TRUE(scoring.ok()) << scoring.status().ToString();
    RecommenderOptions engine_options;
    engine_options.seed_catalog_path = IISC_SOURCE_DIR "/data/demo-catalog.jsonl";
    engine_options.vocabulary_dir = IISC_SOURCE_DIR "/configs/vocabulary";
    auto engine = Recommender::Open(NewMemoryStore(), taxonomy_, std::move(scoring).value(), engine_options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();

    ServerSetup setup;
    setup.options.listen_host = "127.0.0.1";
    setup.options.listen_port = 0;
    setup.options.io_threads = 1;
    setup.options.blocking_threads = 1;
    setup.options.blocking_queue = queue;
    setup.options.shutdown_grace_ms = grace_ms;
    setup.options.rate_limit_per_second = 0;
    setup.options.backup_dir = root_.path() + "/backups";
    setup.recommender = engine_.get();
    setup.bureau_token = kToken;
    setup.scoring_config_path = IISC_SOURCE_DIR "/configs/scoring.toml";
    setup.test_hooks.before_blocking_job = [this] { gate_.Enter(); };
    setup.test_hooks.io_stopped = [this] {
      io_stopped_ = true;
      if (release_when_io_stops_) gate_.Release();
    };
    auto server = Server::Create(std::move(setup));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    port_ = server_->endpoint().port();
    runner_ = std::thread([this] { server_->Run(); });
  }

  // SIGTERM, as an operator stops the server; waits for Run to return.
  void StopServer() {
    if (!runner_.joinable()) return;
    ::kill(::getpid(), SIGTERM);
    runner_.join();
  }

  void TearDown() override {
    gate_.Release();
    StopServer();
    server_.reset();
    engine_.reset();
  }

  // A value of /metrics (answered on the I/O thread, never by the pool).
  std::string Metric(const std::string& name) {
    const std::string text = Fetch(port_, verb::get, "/metrics").body();
    const size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return "";
    const size_t from = at + name.size() + 2;
    return text.substr(from, text.find('\n', from) - from);
  }
  // Waits until a metric has a value. The deadline only turns a hang into a
  // failure; nothing is assumed about how long it takes.
  void AwaitMetric(const std::string& name, const std::string& value) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Metric(name) != value) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << name << " never became " << value;
      std::this_thread::yield();
    }
  }

  static inline std::shared_ptr<const Taxonomy> taxonomy_;
  TempDir root_;
  Gate gate_;
  std::atomic<bool> release_when_io_stops_{false};
  std::atomic<bool> io_stopped_{false};
  std::unique_ptr<Recommender> engine_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
  uint16_t port_ = 0;
};

TEST_F(BlockingServerTest, ARecommendationIsAnsweredWhileABlockingRouteIsHeld) {
  Start(/*queue=*/0);
  Connection slow(port_);
  slow.Send(verb::get, "/v1/needs/no-such-need", "", "", kBureau);
  gate_.WaitEntered(1);  // the blocking job is in progress on the pool

  // The one I/O thread is free: another connection gets its recommendation.
  Connection other(port_);
  other.Send(verb::post, "/v1/recommendations", kRecommend, kJson);
  auto res = other.Read();
  ASSERT_TRUE(res.has_value()) << "no recommendation while the blocking job was held";
  ASSERT_EQ(res->result(), http::status::ok) << res->body();
  EXPECT_NE(res->body().find("\"results\":[{"), std::string::npos) << res->body();
  other.Send(verb::get, "/healthz");
  res = other.Read();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_FALSE(slow.HasAnswer()) << "the blocking job answered while it was held";
  EXPECT_EQ(Metric("iisc_blocking_jobs_running"), "1");

  gate_.Release();
  auto answer = slow.Read();
  ASSERT_TRUE(answer.has_value());
  ExpectError(*answer, http::status::not_found, "not_found");
  // The connection stays usable after an answer from the pool.
  slow.Send(verb::post, "/v1/recommendations", kRecommend, kJson);
  answer = slow.Read();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result(), http::status::ok);
}

TEST_F(BlockingServerTest, AFullPoolAnswers503WithRetryAfterAndNeverQueuesMore) {
  Start(/*queue=*/1);
  Connection running(port_);
  running.Send(verb::get, "/v1/needs/first", "", "", kBureau);
  gate_.WaitEntered(1);
  Connection queued(port_);
  queued.Send(verb::get, "/v1/needs/second", "", "", kBureau);
  AwaitMetric("iisc_blocking_jobs_queued", "1");

  Response refused = Fetch(port_, verb::get, "/v1/needs/third", "", "", kBureau);
  ExpectError(refused, http::status::service_unavailable, "unavailable");
  EXPECT_EQ(refused[http::field::retry_after], "1");
  EXPECT_EQ(Metric("iisc_blocking_jobs_rejected_total"), "1");
  EXPECT_EQ(Metric("iisc_blocking_threads"), "1");
  // Scoring does not wait for the pool.
  EXPECT_EQ(Fetch(port_, verb::post, "/v1/recommendations", kRecommend, kJson).result(), http::status::ok);

  gate_.Release();
  for (Connection* c : {&running, &queued}) {
    auto answer = c->Read();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->result(), http::status::not_found);
  }
}

// The classification of every route: with the pool's one thread held and no
// queue, a blocking route is answered 503 at once; every other route is
// answered by the I/O thread as usual.
TEST_F(BlockingServerTest, TheRoutesThatTouchTheDatabaseOrComputeForLongAreBlocking) {
  Start(/*queue=*/0);
  Connection held(port_);
  held.Send(verb::get, "/v1/needs/held", "", "", kBureau);
  gate_.WaitEntered(1);

  struct Call {
    verb method;
    std::string target;
    std::string body;
    std::string content_type;
    std::map<std::string, std::string> headers = {};
  };
  const std::vector<Call> blocking = {
      // With a key the engine reads the key's record before storing the need.
      {verb::post, "/v1/needs", "{}", kJson, {{"Idempotency-Key", "k-1"}}},
      {verb::get, "/v1/needs/n1", "", ""},
      {verb::delete_, "/v1/needs/n1", "", ""},
      {verb::post, "/v1/needs/n1/requests", "{}", kJson},
      {verb::get, "/v1/needs/n1/requests", "", ""},
      {verb::post, "/v1/needs/n1/withdraw", "", ""},
      {verb::get, "/v1/requests/r1", "", ""},
      {verb::post, "/v1/requests/r1/accept", "", ""},
      {verb::get, "/v1/complexes/iisc-yueqing-electrical/requests", "", ""},
      {verb::get, "/v1/complexes/iisc-yueqing-electrical/needs", "", ""},
      {verb::post, "/v1/complexes/iisc-yueqing-electrical/why-not", "{}", kJson},
      {verb::put, "/v1/complexes/iisc-new", Complex("iisc-new"), kJson},
      {verb::delete_, "/v1/complexes/iisc-yueqing-electrical", "", ""},
      {verb::post, "/v1/admin/catalog", Complex("iisc-new"), "application/x-ndjson"},
      {verb::post, "/v1/admin/reload-config", "", ""},
      {verb::post, "/v1/admin/intent-model/retrain", "", ""},
      {verb::post, "/v1/admin/backup", "", ""},
      {verb::get, "/v1/events", "", ""},
      {verb::get, "/v1/admin/outcomes", "", ""},
      {verb::post, "/v1/admin/assignment", "", ""},
      {verb::get, "/v1/admin/map", "", ""},
      {verb::get, "/v1/admin/map.csv", "", ""},
      {verb::post, "/v1/admin/config-versions", "{}", kJson},
      {verb::post, "/v1/admin/config-versions/1/rollback", "", ""},
      {verb::post, "/v1/admin/what-if", "{}", kJson},
      {verb::post, "/v1/admin/learned-weights", "", ""},
      {verb::post, "/v1/admin/why-not", "{}", kJson},
  };
  auto send = [this](const Call& c) {
    std::map<std::string, std::string> headers = kBureau;
    headers.insert(c.headers.begin(), c.headers.end());
    return Fetch(port_, c.method, c.target, c.body, c.content_type, headers);
  };
  for (const Call& c : blocking) {
    Response res = send(c);
    EXPECT_EQ(res.result(), http::status::service_unavailable)
        << http::to_string(c.method) << " " << c.target << " is not blocking: " << res.body();
  }
  const std::vector<Call> in_memory = {
      {verb::post, "/v1/recommendations", kRecommend, kJson},
      {verb::post, "/v1/needs", "{}", kJson},  // no key; refused by validation, before any write
      {verb::get, "/v1/taxonomy", "", ""},
      {verb::get, "/v1/complexes", "", ""},
      {verb::get, "/v1/complexes/iisc-yueqing-electrical", "", ""},
      {verb::get, "/v1/admin/intent-model", "", ""},
      {verb::get, "/v1/admin/demand", "", ""},
      {verb::get, "/v1/admin/complex-tokens", "", ""},
      {verb::post, "/v1/admin/complex-tokens", "{}", kJson},
      {verb::get, "/v1/admin/config-versions", "", ""},
      {verb::get, "/v1/admin/config-versions/1", "", ""},
      {verb::get, "/v1/admin/audit", "", ""},
      {verb::get, "/healthz", "", ""},
      {verb::get, "/metrics", "", ""},
      {verb::get, "/", "", ""},
      {verb::get, "/map.html", "", ""},
  };
  for (const Call& c : in_memory) {
    Response res = send(c);
    EXPECT_NE(res.result(), http::status::service_unavailable)
        << http::to_string(c.method) << " " << c.target << " waited for the pool";
    EXPECT_NE(res.result(), http::status::unknown) << c.target;
  }
  EXPECT_EQ(Metric("iisc_blocking_jobs_rejected_total"), std::to_string(blocking.size()));
  EXPECT_FALSE(held.HasAnswer());
}

// Graceful stop: a blocking job in progress when SIGTERM arrives finishes and
// is answered (the connection then closes), within shutdown_grace_ms.
TEST_F(BlockingServerTest, SigtermLetsARunningBlockingJobFinishAndAnswer) {
  Start(/*queue=*/0);
  Connection slow(port_);
  slow.Send(verb::put, "/v1/complexes/iisc-late", Complex("iisc-late"), kJson, kBureau);
  gate_.WaitEntered(1);
  ::kill(::getpid(), SIGTERM);
  // The listener closes when the signal is handled: from then on the drain
  // waits for the held job.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    net::io_context ioc;
    net::ip::tcp::socket probe(ioc);
    boost::system::error_code ec;
    probe.connect({net::ip::address_v4::loopback(), port_}, ec);
    if (ec) break;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "the listener never closed";
    std::this_thread::yield();
  }
  gate_.Release();
  auto answer = slow.Read();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result(), http::status::created) << answer->body();
  EXPECT_FALSE(answer->keep_alive());
  runner_.join();
  EXPECT_TRUE(io_stopped_);
  const auto snapshot = engine_->Snapshot();
  EXPECT_NE(engine_->FindComplex(*snapshot, "iisc-late"), nullptr);
}

// Stop without grace: the I/O thread stops with one blocking job running and
// one queued. The running one finishes after the I/O thread is gone (its
// answer goes to the stopped io_context, its session kept alive until the
// server is destroyed); the queued one is dropped unrun. Under ASan this is
// the check that no job touches a destroyed session or io_context.
TEST_F(BlockingServerTest, StoppingWithBlockingJobsInFlightFinishesTheRunningAndDropsTheQueued) {
  Start(/*queue=*/1, /*grace_ms=*/0);
  Connection running(port_);
  running.Send(verb::put, "/v1/complexes/iisc-running", Complex("iisc-running"), kJson, kBureau);
  gate_.WaitEntered(1);
  Connection queued(port_);
  queued.Send(verb::put, "/v1/complexes/iisc-queued", Complex("iisc-queued"), kJson, kBureau);
  AwaitMetric("iisc_blocking_jobs_queued", "1");

  release_when_io_stops_ = true;  // read by the hook on the server's thread, after the signal
  StopServer();
  EXPECT_TRUE(io_stopped_);
  const auto snapshot = engine_->Snapshot();
  EXPECT_NE(engine_->FindComplex(*snapshot, "iisc-running"), nullptr) << "the running write was cut off";
  EXPECT_EQ(engine_->FindComplex(*snapshot, "iisc-queued"), nullptr) << "a dropped job ran";

  // Destroying the server closes both connections without an answer.
  server_.reset();
  EXPECT_FALSE(running.Read().has_value());
  EXPECT_FALSE(queued.Read().has_value());
}

}  // namespace
}  // namespace iisc::testing
