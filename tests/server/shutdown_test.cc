// Graceful shutdown: on SIGTERM or SIGINT the server stops accepting,
// finishes the requests in flight (a need still being uploaded is stored and
// answered 201), flushes and closes the database, and exits 0.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
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
#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using http::verb;
using std::chrono::milliseconds;

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
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const size_t half = body.size() / 2;
  net::write(stream.socket(), net::buffer(head + body.substr(0, half)));
  std::this_thread::sleep_for(milliseconds(200));  // the server has read the header

  server_->Signal(signal);
  std::this_thread::sleep_for(milliseconds(300));
  // Accepting has stopped: a new client is not served.
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
  boost::beast::flat_buffer buffer;
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
  std::vector<Acknowledged> acknowledged;
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
        } else {
          ADD_FAILURE() << "answered " << res.result_int() << ": " << res.body();
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(500));
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

INSTANTIATE_TEST_SUITE_P(Signals, ShutdownTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGTERM ? std::string("Sigterm")
                                                        : std::string("Sigint");
                         });

}  // namespace
}  // namespace iisc::testing
