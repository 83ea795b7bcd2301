// Graceful shutdown: on SIGTERM or SIGINT the server stops accepting,
// finishes the requests in flight (a need still being uploaded is stored and
// answered 201), flushes and closes the database, and exits 0. Stopping
// without waiting (no grace, or a second signal) still writes every queued
// need and exits 0, with needs in flight at that moment.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using http::verb;

struct Acknowledged {
  std::string id;
  std::string token;
};

Acknowledged Parse(const Response& res) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Acknowledged ack;
  if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) return ack;
  std::string_view v;
  if (doc["id"].get(v) == simdjson::SUCCESS) ack.id = v;
  if (doc["access_token"].get(v) == simdjson::SUCCESS) ack.token = v;
  return ack;
}

http::status ReadBack(uint16_t port, const Acknowledged& ack) {
  return Fetch(port, verb::get, "/v1/needs/" + ack.id, "", "",
               {{"Authorization", "Bearer " + ack.token}})
      .result();
}

// True once a new connection to `port` is refused (the server stopped
// accepting), false if it is still accepted at the deadline.
bool WaitUntilRefused(uint16_t port, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    boost::beast::error_code ec;
    socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (ec == net::error::connection_refused) return true;
  }
  return false;
}

class ShutdownTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    // Clients here write as fast as they can from one address.
    config_ = WriteTestConfig(root_.path(), "[access]\nrate_limit_per_second = 0\n");
    Restart();
  }

  void Restart() {
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{}, config_);
    ASSERT_EQ(server_->Start(), "");
  }

  TempDir root_;
  std::string config_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ShutdownTest, NeedUploadInFlightIsAnswered201AndPersisted) {
  const int signal = GetParam();
  const std::string body =
      R"({"description":"我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测","county":"yueqing"})";
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), server_->port()});
  const std::string head = "POST /v1/needs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Expect: 100-continue\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  net::write(stream.socket(), net::buffer(head));
  // The interim answer says the server has read the header and waits for
  // the body: the request is in flight.
  boost::beast::flat_buffer buffer;
  {
    Response interim;
    stream.expires_after(std::chrono::seconds(30));
    http::read(stream, buffer, interim);
    ASSERT_EQ(interim.result(), http::status::continue_);
  }
  const size_t half = body.size() / 2;
  net::write(stream.socket(), net::buffer(body.substr(0, half)));

  server_->Signal(signal);
  // The signal is handled asynchronously: accepting has stopped once a new
  // connection is refused. Nor is a new client served.
  ASSERT_TRUE(WaitUntilRefused(server_->port(), std::chrono::seconds(30)));
  {
    boost::beast::error_code ec;
    net::io_context other;
    boost::beast::tcp_stream late(other);
    late.expires_after(std::chrono::seconds(5));
    late.connect({net::ip::make_address("127.0.0.1"), server_->port()}, ec);
    if (!ec) {
      net::write(late.socket(), net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")), ec);
      boost::beast::flat_buffer buffer;
      Response res;
      if (!ec) http::read(late, buffer, res, ec);
      EXPECT_TRUE(ec) << "served after the stop signal: " << res.result_int();
    }
  }

  // The request in flight completes.
  net::write(stream.socket(), net::buffer(body.substr(half)));
  Response res;
  stream.expires_after(std::chrono::seconds(30));
  http::read(stream, buffer, res);
  ASSERT_EQ(res.result(), http::status::created) << res.body();
  EXPECT_FALSE(res.keep_alive());  // and the connection closes after it
  const Acknowledged ack = Parse(res);
  ASSERT_FALSE(ack.id.empty());

  EXPECT_EQ(server_->Wait(), 0);
  Restart();
  EXPECT_EQ(ReadBack(server_->port(), ack), http::status::ok);
}

TEST_P(ShutdownTest, EveryNeedAcknowledgedDuringAStopIsStored) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable answered;
  std::vector<Acknowledged> acknowledged;  // GUARDED_BY(mu)
  std::vector<std::thread> clients;
  const uint16_t port = server_->port();
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        Response res;
        try {
          res = Fetch(port, verb::post, "/v1/needs",
                      R"({"description":"模具设计和注塑工艺改进 )" + std::to_string(t * 1000 + i) +
                          "\"}",
                      "application/json");
        } catch (const std::exception&) {
          return;  // the server stopped taking connections
        }
        if (res.result() == http::status::created) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(Parse(res));
          answered.notify_all();
        } else {
          ADD_FAILURE() << "answered " << res.result_int() << ": " << res.body();
        }
      }
    });
  }
  {
    // The stop comes while the clients are writing: once each has had a
    // need stored, on average.
    std::unique_lock<std::mutex> lock(mu);
    answered.wait_for(lock, std::chrono::seconds(60), [&] { return acknowledged.size() >= 6; });
  }
  server_->Signal(GetParam());
  EXPECT_EQ(server_->Wait(), 0);
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_FALSE(acknowledged.empty());

  Restart();
  for (const Acknowledged& ack : acknowledged) {
    EXPECT_EQ(ReadBack(server_->port(), ack), http::status::ok) << ack.id;
  }
}

// Needs posted on connections of their own, each request written up to a
// point the test chooses, the answers read at the end.
class NeedsOnTheWire {
 public:
  NeedsOnTheWire(uint16_t port, int count) {
    for (int i = 0; i < count; ++i) {
      Connection& c = connections_.emplace_back(ioc_);
      c.stream.connect({net::ip::make_address("127.0.0.1"), port});
      Request req{verb::post, "/v1/needs", 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::content_type, "application/json");
      req.body() = R"({"description":"模具设计和注塑工艺改进，第 )" + std::to_string(i) + R"( 批"})";
      req.prepare_payload();
      c.request = std::move(req);
      c.serializer.emplace(c.request);
    }
  }

  // Writes every header with "Expect: 100-continue" and waits for the
  // server's interim answer: the server has then read the header and is
  // waiting for the body, so the request counts as in progress.
  void SendHeadersAndWaitFor100() {
    for (Connection& c : connections_) {
      c.request.set(http::field::expect, "100-continue");
      c.serializer.emplace(c.request);
      http::write_header(c.stream, *c.serializer);
    }
    for (Connection& c : connections_) {
      Response interim;
      c.stream.expires_after(std::chrono::seconds(60));
      http::read(c.stream, c.buffer, interim);
      ASSERT_EQ(interim.result(), http::status::continue_);
    }
  }

  // Writes the bodies whose headers SendHeadersAndWaitFor100 sent.
  void SendBodies() {
    for (Connection& c : connections_) http::write(c.stream, *c.serializer);
  }

  // The needs answered 201; a connection closed without an answer was cut
  // off by the stop. Any other answer fails the test.
  std::vector<Acknowledged> Acknowledgements() {
    std::vector<Acknowledged> acks;
    for (Connection& c : connections_) {
      Response res;
      boost::beast::error_code ec;
      c.stream.expires_after(std::chrono::seconds(60));
      http::read(c.stream, c.buffer, res, ec);
      if (ec) continue;
      if (res.result() != http::status::created) {
        ADD_FAILURE() << "answered " << res.result_int() << ": " << res.body();
        continue;
      }
      acks.push_back(Parse(res));
      EXPECT_FALSE(acks.back().id.empty()) << res.body();
    }
    return acks;
  }

  size_t size() const { return connections_.size(); }

 private:
  struct Connection {
    explicit Connection(net::io_context& ioc) : stream(ioc) {}
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    Request request;
    std::optional<http::request_serializer<http::string_body>> serializer;
  };
  net::io_context ioc_;
  std::deque<Connection> connections_;  // a deque: serializers point into their requests
};

class StopWithoutWaitingTest : public ::testing::Test {
 protected:
  void Start(const std::string& limits) {
    ASSERT_FALSE(root_.path().empty());
    // More I/O threads than cores: at the stop, more of them are in the
    // middle of a need, which they finish and hand to the writer.
    config_ = WriteTestConfig(root_.path(), "[server]\nio_threads = 4\n" + limits +
                                                "[access]\nrate_limit_per_second = 0\n");
    Restart();
  }

  void Restart() {
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{}, config_);
    ASSERT_EQ(server_->Start(), "");
  }

  // After the stop: every need answered 201 reads back after a restart.
  void ExpectAcknowledgedNeedsStored(const std::vector<Acknowledged>& acknowledged) {
    Restart();
    for (const Acknowledged& ack : acknowledged) {
      EXPECT_EQ(ReadBack(server_->port(), ack), http::status::ok) << ack.id;
    }
  }

  static constexpr int kNeeds = 48;
  TempDir root_;
  std::string config_;
  std::unique_ptr<ServerProcess> server_;
};

// With no grace the server stops at once, while the needs whose bodies just
// arrived are being ranked, written and acknowledged; their
// acknowledgements must find the server's objects alive (under ASan a use
// after free fails the exit code).
// On a loaded machine the server may answer every need before the signal
// lands (the bodies go out one connection after another): then the stop met
// nothing in flight, and it is tried again. Every try must exit cleanly and
// keep what it acknowledged; at least one must stop with needs in flight.
TEST_F(StopWithoutWaitingTest, NoGraceWithNeedsInFlightExitsCleanly) {
  constexpr int kTries = 5;
  bool stopped_in_flight = false;
  for (int attempt = 0; attempt < kTries && !stopped_in_flight; ++attempt) {
    SCOPED_TRACE("try " + std::to_string(attempt + 1));
    Start("[limits]\nshutdown_grace_ms = 0\n");
    NeedsOnTheWire needs(server_->port(), kNeeds);
    ASSERT_NO_FATAL_FAILURE(needs.SendHeadersAndWaitFor100());
    needs.SendBodies();
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(), 0);
    const std::vector<Acknowledged> acknowledged = needs.Acknowledgements();
    stopped_in_flight = acknowledged.size() < needs.size();
    ExpectAcknowledgedNeedsStored(acknowledged);
  }
  EXPECT_TRUE(stopped_in_flight) << "in " << kTries << " tries every need was answered before the stop";
}

// The first signal drains; the second, while needs are in flight, stops
// without waiting for the grace period.
TEST_F(StopWithoutWaitingTest, SecondSignalDuringTheGraceExitsCleanly) {
  Start("[limits]\nshutdown_grace_ms = 600000\n");
  NeedsOnTheWire needs(server_->port(), kNeeds);
  ASSERT_NO_FATAL_FAILURE(needs.SendHeadersAndWaitFor100());
  server_->Signal(SIGTERM);
  ASSERT_TRUE(WaitUntilRefused(server_->port(), std::chrono::seconds(30)));
  needs.SendBodies();
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0);
  const std::vector<Acknowledged> acknowledged = needs.Acknowledgements();
  EXPECT_LT(acknowledged.size(), needs.size()) << "every need was answered before the second signal";
  ExpectAcknowledgedNeedsStored(acknowledged);
}

INSTANTIATE_TEST_SUITE_P(Signals, ShutdownTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGTERM ? std::string("Sigterm")
                                                        : std::string("Sigint");
                         });

}  // namespace
}  // namespace iisc::testing
