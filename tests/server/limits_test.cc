// Every limit of configs/server.toml, enforced over real HTTP and answered in
// the contract's error shape: body, header and URL sizes, JSON depth,
// description length, k, read and idle timeouts (slowloris), the connection
// caps (overall and per client address), load shedding and the per-client
// rate limit.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
namespace net = boost::asio;
using http::verb;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kJson = "application/json";

// Small limits, so that crossing them is cheap and quick.
constexpr const char* kSmallLimits =
    "[limits]\n"
    "max_body_bytes = 4096\n"
    "max_header_bytes = 2048\n"
    "max_url_bytes = 512\n"
    "max_json_depth = 8\n"
    "max_description_chars = 200\n"
    "max_k = 20\n"
    "read_timeout_ms = 1000\n"
    "idle_timeout_ms = 6000\n";

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(kSmallLimits); }

  void Start(const std::string& sections) {
    ASSERT_FALSE(root_.path().empty());
    const std::string config = WriteTestConfig(root_.path(), sections);
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{}, config);
    ASSERT_EQ(server_->Start(), "");
  }

  uint16_t port() const { return server_->port(); }

  Response Recommend(const std::string& body) {
    return Fetch(port(), verb::post, "/v1/recommendations", body, kJson);
  }

  void ExpectHealthy() {
    EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), http::status::ok);
    EXPECT_EQ(Recommend(R"({"need":{"description":"鞋底防滑检测"},"k":3})").result(),
              http::status::ok);
  }

  TempDir root_;
  std::unique_ptr<ServerProcess> server_;
};

// Sends `bytes` one at a time, `gap` apart, then reads the answer. Stops
// sending when the server has closed its side.
std::string Trickle(uint16_t port, const std::string& bytes, milliseconds gap) {
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), port});
  boost::beast::error_code ec;
  for (char c : bytes) {
    net::write(stream.socket(), net::buffer(&c, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(gap);
    if (stream.socket().available(ec) > 0) break;  // answered already
  }
  std::string out;
  char buf[4096];
  stream.expires_after(std::chrono::seconds(20));
  for (size_t n; (n = stream.read_some(net::buffer(buf), ec)), !ec || n > 0;) {
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

TEST_F(LimitsTest, BodyOverTheLimitIs413) {
  const std::string body = R"({"need":{"description":"x"},"pad":")" + std::string(5000, 'a') + "\"}";
  std::string message;
  Response res = Recommend(body);
  ExpectError(res, http::status::payload_too_large, "payload_too_large");
  EXPECT_NE(res.body().find("4096"), std::string::npos) << res.body();
  // Announced but never sent: refused from the header alone.
  ExpectError(ParseResponse(Exchange(port(), "POST /v1/needs HTTP/1.1\r\nHost: x\r\n"
                                             "Content-Type: application/json\r\n"
                                             "Content-Length: 5000\r\n\r\n")),
              http::status::payload_too_large);
  // Chunked bodies count the same.
  std::string chunked =
      "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "400\r\n" + std::string(1024, ' ') + "\r\n";
  chunked += "0\r\n\r\n";
  ExpectError(ParseResponse(Exchange(port(), chunked)), http::status::payload_too_large);
  ExpectHealthy();
}

TEST_F(LimitsTest, HeaderAndUrlLimitsAre431And414) {
  ExpectError(ParseResponse(Exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                                 std::string(3000, 'p') + "\r\n\r\n")),
              http::status::request_header_fields_too_large, "header_too_large");
  // Many small headers add up the same way.
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 300; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  ExpectError(ParseResponse(Exchange(port(), many + "\r\n")),
              http::status::request_header_fields_too_large);
  Response url = ParseResponse(
      Exchange(port(), "GET /v1/complexes/" + std::string(600, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  ExpectError(url, http::status::uri_too_long, "uri_too_long");
  EXPECT_NE(url.body().find("512"), std::string::npos) << url.body();
  ExpectHealthy();
}

TEST_F(LimitsTest, JsonDepthDescriptionLengthAndK) {
  auto nested = [](int depth) {
    // The need object and the root count as two levels.
    return R"({"need":{"description":"x"},"x":)" + std::string(depth - 1, '[') +
           std::string(depth - 1, ']') + "}";
  };
  EXPECT_EQ(Recommend(nested(8)).result(), http::status::ok);
  Response deep = Recommend(nested(9));
  ExpectError(deep, http::status::bad_request);
  EXPECT_NE(deep.body().find("deeper than 8"), std::string::npos) << deep.body();

  std::string description;
  for (int i = 0; i < 200; ++i) description += "检";  // characters, not bytes
  EXPECT_EQ(Recommend(R"({"need":{"description":")" + description + "\"}}").result(),
            http::status::ok);
  EXPECT_EQ(ExpectError(Recommend(R"({"need":{"description":")" + description + "测\"}}"),
                        http::status::bad_request),
            "need.description");
  EXPECT_EQ(ExpectError(Fetch(port(), verb::post, "/v1/needs",
                              R"({"description":")" + description + "测\"}", kJson),
                        http::status::bad_request),
            "description");

  EXPECT_EQ(Recommend(R"({"need":{"description":"检测"},"k":20})").result(), http::status::ok);
  for (const char* k : {"0", "21", "-1", "2.5", "\"5\"", "true", "[]", "1e2", "99999999999999999999"}) {
    Response res = Recommend(std::string(R"({"need":{"description":"检测"},"k":)") + k + "}");
    EXPECT_EQ(ExpectError(res, http::status::bad_request), "k") << k;
    EXPECT_NE(res.body().find("between 1 and 20"), std::string::npos) << res.body();
  }
  ExpectHealthy();
}

TEST_F(LimitsTest, SlowlorisHeaderIsAnswered408WithinTheReadTimeout) {
  const auto start = Clock::now();
  std::atomic<bool> done{false};
  std::string raw;
  std::thread slow([&] {
    raw = Trickle(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 's') +
                              "\r\n\r\n",
                  milliseconds(50));
    done = true;
  });
  // Meanwhile other clients are served at once.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), http::status::ok);
  }
  slow.join();
  const auto elapsed = Clock::now() - start;
  ExpectError(ParseResponse(raw), http::status::request_timeout, "request_timeout");
  EXPECT_GE(elapsed, milliseconds(900));
  EXPECT_LT(elapsed, milliseconds(5000));
  ExpectHealthy();
}

TEST_F(LimitsTest, SlowBodyCountsAgainstTheSameDeadlineAsItsHeader) {
  // Header and body each arrive within the read timeout, together they do
  // not: the whole request has one deadline.
  const std::string body = R"({"need":{"description":"检测"}})";
  std::string header = "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n";
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), port()});
  boost::beast::error_code ec;
  net::write(stream.socket(), net::buffer(header), ec);
  std::this_thread::sleep_for(milliseconds(700));
  net::write(stream.socket(), net::buffer(std::string("\r\n")), ec);
  for (char c : body) {
    net::write(stream.socket(), net::buffer(&c, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(milliseconds(700 / body.size() + 1));
    if (stream.socket().available(ec) > 0) break;
  }
  std::string out;
  char buf[4096];
  stream.expires_after(std::chrono::seconds(20));
  for (size_t n; (n = stream.read_some(net::buffer(buf), ec)), !ec || n > 0;) {
    out.append(buf, n);
    if (ec) break;
  }
  ExpectError(ParseResponse(out), http::status::request_timeout);
}

TEST_F(LimitsTest, KeptAliveConnectionTricklingItsNextRequestGets408NotTheIdleTimeout) {
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), port()});
  Request req{verb::get, "/healthz", 11};
  req.set(http::field::host, "x");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  Response first;
  http::read(stream, buffer, first);
  ASSERT_EQ(first.result(), http::status::ok);
  ASSERT_TRUE(first.keep_alive());

  // The next request begins, then trickles: the read timeout (1 s) applies
  // from its first byte, not the idle timeout (6 s).
  const auto start = Clock::now();
  boost::beast::error_code ec;
  const std::string next = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's');
  for (char c : next) {
    net::write(stream.socket(), net::buffer(&c, 1), ec);
    if (ec || stream.socket().available(ec) > 0) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  Response second;
  stream.expires_after(std::chrono::seconds(20));
  http::read(stream, buffer, second, ec);
  ExpectError(second, http::status::request_timeout);
  EXPECT_LT(Clock::now() - start, milliseconds(4000));
}

TEST_F(LimitsTest, SilentAndIdleConnectionsAreClosedWithoutAnswer) {
  // A connection that never speaks (a half-open or stalled client) is closed
  // after the read timeout; nothing was asked, so nothing is answered.
  bool timed_out = true;
  auto start = Clock::now();
  EXPECT_EQ(Exchange(port(), "", std::chrono::seconds(10), &timed_out), "");
  EXPECT_FALSE(timed_out);
  EXPECT_LT(Clock::now() - start, milliseconds(5000));

  // A kept-alive connection is closed after the idle timeout.
  start = Clock::now();
  const std::string raw = Exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                   std::chrono::seconds(20), &timed_out);
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(ParseResponse(raw).result(), http::status::ok);
  EXPECT_GE(Clock::now() - start, milliseconds(5500));
}

// The state of the server's end of a loopback connection, from the kernel's
// table of IPv4 sockets (both ends are on this machine): "01" while
// established, another state once the server has closed it, empty once gone.
// Observes the connection without reading from it.
constexpr const char* kEstablished = "01";
std::string ServerEndState(uint16_t server_port, uint16_t client_port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the column names
  const auto port_of = [](const std::string& address) {  // "0100007F:1F90"
    return static_cast<uint16_t>(std::stoul(address.substr(address.find(':') + 1), nullptr, 16));
  };
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    if (port_of(local) == server_port && port_of(remote) == client_port) return state;
  }
  return "";
}

TEST_F(LimitsTest, AClientThatStopsReadingIsDisconnected) {
  // Pipelined requests for the whole catalog, never read: the answers fill
  // the socket buffers, the write times out after the read timeout, and the
  // connection is dropped instead of holding the server's memory for ever.
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), port()});
  std::string pipeline;
  for (int i = 0; i < 300; ++i) pipeline += "GET /v1/complexes HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::beast::error_code ec;
  net::write(stream.socket(), net::buffer(pipeline), ec);
  const uint16_t client_port = stream.socket().local_endpoint().port();
  ASSERT_EQ(ServerEndState(port(), client_port), kEstablished);
  ExpectHealthy();  // others are served meanwhile
  // Reading nothing until the server has closed its end (what it does with
  // unsent answers left is the kernel's), then everything there is.
  EXPECT_TRUE(PollUntil([&] { return ServerEndState(port(), client_port) != kEstablished; }))
      << "the server still holds the connection";
  std::string got;
  char buf[1 << 16];
  stream.expires_after(std::chrono::seconds(20));
  for (;;) {
    const size_t n = stream.read_some(net::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  EXPECT_NE(ec, boost::beast::error::timeout);  // closed by the server, not left hanging
  size_t answers = 0;
  for (size_t at = 0; (at = got.find("HTTP/1.1 200", at)) != std::string::npos; ++at) ++answers;
  EXPECT_LT(answers, 300u);
  ExpectHealthy();
}

TEST(LimitsCap, ConnectionsBeyondTheCapAre503) {
  TempDir root;
  const std::string config = WriteTestConfig(root.path(),
                                             "[limits]\nmax_connections = 3\n"
                                             "read_timeout_ms = 20000\n");
  ServerProcess server(root.path() + "/db", {}, config);
  ASSERT_EQ(server.Start(), "");
  net::io_context ioc;
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<boost::beast::tcp_stream>(ioc));
    held.back()->connect({net::ip::make_address("127.0.0.1"), server.port()});
    // Answered and kept alive: the server has accepted it and holds it open.
    Request req{verb::get, "/healthz", 11};
    req.set(http::field::host, "x");
    http::write(*held.back(), req);
    boost::beast::flat_buffer buffer;
    Response res;
    held.back()->expires_after(std::chrono::seconds(20));
    http::read(*held.back(), buffer, res);
    ASSERT_EQ(res.result(), http::status::ok);
    ASSERT_TRUE(res.keep_alive());
  }
  Response refused = Fetch(server.port(), verb::get, "/healthz");
  ExpectError(refused, http::status::service_unavailable, "unavailable");
  EXPECT_EQ(refused[http::field::retry_after], "1");

  held.clear();  // closed: room again, once the server has seen them close
  http::status status = http::status::service_unavailable;
  EXPECT_TRUE(PollUntil([&] {
    status = Fetch(server.port(), verb::get, "/healthz").result();
    return status == http::status::ok;
  })) << "still " << static_cast<int>(status);
}

// A connection from `source`: any address of 127/8 (Linux routes all of it
// to the loopback interface), so one test can be several clients.
std::unique_ptr<boost::beast::tcp_stream> ConnectFrom(net::io_context& ioc, const char* source,
                                                      uint16_t port) {
  auto stream = std::make_unique<boost::beast::tcp_stream>(ioc);
  stream->socket().open(net::ip::tcp::v4());
  stream->socket().bind({net::ip::make_address(source), 0});
  stream->connect({net::ip::make_address("127.0.0.1"), port});
  return stream;
}

// Everything the server sends on `stream` until it closes, or the deadline.
std::string ReadToEnd(boost::beast::tcp_stream& stream, Clock::time_point deadline) {
  std::string out;
  char buf[4096];
  boost::beast::error_code ec;
  stream.expires_at(deadline);
  for (size_t n; (n = stream.read_some(net::buffer(buf), ec)), !ec || n > 0;) {
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

// The issue's slowloris from one address (1,000 connections sending their
// headers slowly) took the whole connection cap, and a client on another
// address got 503s. Connections are now also capped per address.
TEST(LimitsPerAddress, ConnectionsOfOneAddressCannotCrowdOutAnother) {
  constexpr int kCap = 32;
  constexpr int kPerAddress = 8;
  TempDir root;
  const std::string config = WriteTestConfig(
      root.path(), "[limits]\nmax_connections = " + std::to_string(kCap) +
                       "\nmax_connections_per_address = " + std::to_string(kPerAddress) +
                       "\nread_timeout_ms = 60000\n");
  ServerProcess server(root.path() + "/db", {}, config);
  ASSERT_EQ(server.Start(), "");
  const uint16_t port = server.port();
  const char* kAttacker = "127.0.0.2";

  // The attacker's first connections are accepted: each starts a request
  // and does not finish it.
  net::io_context ioc;
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> held;
  for (int i = 0; i < kPerAddress; ++i) {
    held.push_back(ConnectFrom(ioc, kAttacker, port));
    net::write(held.back()->socket(), net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  }
  // Then as many as would fill the whole cap.
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> extra;
  for (int i = kPerAddress; i < kCap; ++i) extra.push_back(ConnectFrom(ioc, kAttacker, port));

  // While the attacker keeps trying, every request of another address succeeds.
  std::atomic<bool> stop{false};
  std::atomic<int> attempts{0}, refusals{0}, errors{0};
  std::thread attacker([&] {
    net::io_context own;
    while (!stop) {
      try {
        auto stream = ConnectFrom(own, kAttacker, port);
        ++attempts;
        const std::string answer = ReadToEnd(*stream, Clock::now() + std::chrono::seconds(20));
        if (answer.starts_with("HTTP/1.1 503")) ++refusals;
      } catch (const std::exception&) {
        ++errors;
      }
    }
  });
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Fetch(port, verb::get, "/healthz").result(), http::status::ok) << i;
    EXPECT_EQ(Fetch(port, verb::post, "/v1/recommendations",
                    R"({"need":{"description":"鞋底防滑检测"},"k":3})", kJson)
                  .result(),
              http::status::ok)
        << i;
  }
  stop = true;
  attacker.join();
  EXPECT_GT(attempts.load(), 0);
  EXPECT_EQ(refusals.load(), attempts.load());
  EXPECT_EQ(errors.load(), 0);

  // The attacker's connections beyond its limit were refused at once: 503
  // in the API's error shape, then closed.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (auto& stream : extra) {
    Response refused = ParseResponse(ReadToEnd(*stream, deadline));
    ExpectError(refused, http::status::service_unavailable, "unavailable");
    EXPECT_EQ(refused[http::field::retry_after], "1");
    EXPECT_FALSE(refused.keep_alive());
  }
  extra.clear();

  // The attacker's accepted connections were served all along.
  for (auto& stream : held) {
    net::write(stream->socket(), net::buffer(std::string("\r\n")));
    boost::beast::flat_buffer buffer;
    Response res;
    stream->expires_after(std::chrono::seconds(20));
    http::read(*stream, buffer, res);
    EXPECT_EQ(res.result(), http::status::ok);
  }
  // Once they close, the address may connect again.
  held.clear();
  http::status status = http::status::service_unavailable;
  const auto retry_until = Clock::now() + std::chrono::seconds(20);
  while (status != http::status::ok && Clock::now() < retry_until) {
    auto stream = ConnectFrom(ioc, kAttacker, port);
    boost::beast::error_code ec;  // a refused connection may be closed before the write
    net::write(stream->socket(),
               net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
               ec);
    status = ParseResponse(ReadToEnd(*stream, retry_until)).result();
  }
  EXPECT_EQ(status, http::status::ok);
}

TEST(LimitsDescriptors, OutOfDescriptorsTheServerPausesAndRecovers) {
  TempDir root;
  const std::string config = WriteTestConfig(root.path(), "");
  // Under UBSan the vptr check needs a free descriptor of its own; see the file.
  std::map<std::string, std::string> env;
  if (const char* ubsan = std::getenv("UBSAN_OPTIONS")) {
    env["UBSAN_OPTIONS"] = std::string(ubsan) +
                           ":suppressions=" IISC_SOURCE_DIR "/tests/sanitizers/out-of-descriptors.supp";
  }
  ServerProcess server(root.path() + "/db", env, config);
  const std::string log = root.path() + "/server.log";
  server.set_log_file(log);
  // The server inherits a small descriptor limit; the test keeps its own.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  const std::string started = server.Start();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(started, "");

  net::io_context ioc;
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> held;
  for (int i = 0; i < 100; ++i) {
    held.push_back(std::make_unique<boost::beast::tcp_stream>(ioc));
    held.back()->connect({net::ip::make_address("127.0.0.1"), server.port()});
  }
  const auto accept_failures = [&log] {
    std::ifstream in(log);
    size_t failures = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.find("accept failed") != std::string::npos) ++failures;
    }
    return failures;
  };
  // Out of descriptors once it says so; then kept out of them for a second,
  // the time over which its pace of retries is counted below.
  ASSERT_TRUE(PollUntil([&] { return accept_failures() > 0; }));
  std::this_thread::sleep_for(milliseconds(1000));
  held.clear();
  http::status status = http::status::unknown;
  EXPECT_TRUE(PollUntil([&] {
    try {
      status = Fetch(server.port(), verb::get, "/healthz").result();
    } catch (const std::exception&) {
    }
    return status == http::status::ok;
  }));
  EXPECT_EQ(server.Stop(SIGTERM), 0);
  // It ran out of descriptors, and retried at a measured pace rather than in
  // a tight loop (thousands of failures a second).
  const size_t failures = accept_failures();
  EXPECT_GT(failures, 0u);
  EXPECT_LT(failures, 100u);
}

TEST(LimitsShedding, BeyondTheInflightLimitRequestsAre503NotQueued) {
  TempDir root;
  const std::string config =
      WriteTestConfig(root.path(),
                      "[server]\nio_threads = 4\n"
                      "[limits]\nmax_inflight_requests = 1\n"
                      "[access]\nrate_limit_per_second = 0\n");
  ServerProcess server(root.path() + "/db", {}, config);
  ASSERT_EQ(server.Start(), "");
  std::atomic<int> ok{0}, shed{0}, other{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 12; ++t) {
    clients.emplace_back([&] {
      while (!stop) {
        Response res = Fetch(server.port(), verb::post, "/v1/recommendations",
                             R"({"need":{"description":"出口欧盟的断路器需要CE认证检测"},"k":100})",
                             kJson);
        if (res.result() == http::status::ok) {
          ++ok;
        } else if (res.result() == http::status::service_unavailable &&
                   res[http::field::retry_after] == "1" &&
                   res.body().find(R"("code":"unavailable")") != std::string::npos) {
          ++shed;
        } else {
          ++other;
        }
      }
    });
  }
  // Health checks are never shed, however busy the server is.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (shed == 0 && Clock::now() < deadline) {
    EXPECT_EQ(Fetch(server.port(), verb::get, "/healthz").result(), http::status::ok);
  }
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_GT(shed.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
}

TEST(LimitsRate, ClientsBeyondTheirBucketGet429WithRetryAfter) {
  TempDir root;
  const std::string config = WriteTestConfig(
      root.path(), "[access]\nrate_limit_per_second = 1\nrate_limit_burst = 3\n");
  ServerProcess server(root.path() + "/db", {}, config);
  ASSERT_EQ(server.Start(), "");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Fetch(server.port(), verb::get, "/v1/taxonomy").result(), http::status::ok) << i;
  }
  Response limited = Fetch(server.port(), verb::get, "/v1/taxonomy");
  ExpectError(limited, http::status::too_many_requests, "rate_limited");
  EXPECT_EQ(limited[http::field::retry_after], "1");
  // Health and metrics are exempt.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Fetch(server.port(), verb::get, "/healthz").result(), http::status::ok);
    EXPECT_EQ(Fetch(server.port(), verb::get, "/metrics").result(), http::status::ok);
  }
  // Refused from the header: a body announced but never sent is not awaited.
  const auto start = Clock::now();
  ExpectError(ParseResponse(Exchange(server.port(),
                                     "POST /v1/needs HTTP/1.1\r\nHost: x\r\n"
                                     "Content-Type: application/json\r\n"
                                     "Content-Length: 1000\r\n\r\n",
                                     std::chrono::seconds(20))),
              http::status::too_many_requests);
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  // After Retry-After, the bucket has a token again.
  std::this_thread::sleep_for(milliseconds(1100));
  EXPECT_EQ(Fetch(server.port(), verb::get, "/v1/taxonomy").result(), http::status::ok);
}

}  // namespace
}  // namespace iisc::testing
