// Starts the real iisc-server on an ephemeral port with a temporary data dir
// and exercises every route over HTTP, including restart persistence.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr const char* kBureauToken = "bureau-test-token-0123456789";
constexpr const char* kJson = "application/json";

// A string member's value; empty when absent or not a string.
std::string Str(simdjson::simdjson_result<simdjson::dom::element> element) {
  std::string_view v;
  if (element.get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(data_.path().empty());
    server_ = std::make_unique<ServerProcess>(
        data_.path(), std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}});
    const std::string error = server_->Start();
    ASSERT_EQ(error, "");
  }

  uint16_t port() const { return server_->port(); }

  // The parsed body; the document lives until the next call.
  simdjson::dom::element Json(const Response& res) {
    auto doc = parser_.parse(res.body());
    EXPECT_EQ(doc.error(), simdjson::SUCCESS) << res.body();
    return doc.value_unsafe();
  }

  // Checks the contract's error shape and returns error.field ("" if none).
  std::string ErrorField(const Response& res, http::status status) {
    EXPECT_EQ(res.result(), status) << res.body();
    EXPECT_EQ(res[http::field::content_type], kJson);
    auto error = Json(res)["error"];
    EXPECT_EQ(error.error(), simdjson::SUCCESS) << res.body();
    std::string_view code, message, field;
    EXPECT_EQ(error["code"].get(code), simdjson::SUCCESS) << res.body();
    EXPECT_EQ(error["message"].get(message), simdjson::SUCCESS) << res.body();
    EXPECT_FALSE(message.empty());
    if (error["field"].get(field) != simdjson::SUCCESS) return "";
    return std::string(field);
  }

  Response Recommend(const std::string& body) {
    return Fetch(port(), verb::post, "/v1/recommendations", body, kJson);
  }

  TempDir data_;
  std::unique_ptr<ServerProcess> server_;
  simdjson::dom::parser parser_;
};

TEST_F(ServerTest, HealthzTaxonomyAndForm) {
  Response health = Fetch(port(), verb::get, "/healthz");
  EXPECT_EQ(health.result(), http::status::ok);

  Response taxonomy = Fetch(port(), verb::get, "/v1/taxonomy");
  ASSERT_EQ(taxonomy.result(), http::status::ok);
  EXPECT_EQ(Json(taxonomy)["service_types"].get_array().size(), 11u);
  EXPECT_EQ(Json(taxonomy)["counties"].get_array().size(), 12u);

  Response page = Fetch(port(), verb::get, "/");
  ASSERT_EQ(page.result(), http::status::ok);
  EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(page.body().find("<form"), std::string::npos);
  for (const char* asset : {"/app.js", "/style.css", "/index.html"}) {
    EXPECT_EQ(Fetch(port(), verb::get, asset).result(), http::status::ok) << asset;
  }
}

TEST_F(ServerTest, RecommendsRankedResultsWithExplanations) {
  Response res = Recommend(R"({"need":{"description":"鞋底防滑检测"}})");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res[http::field::content_type], kJson);
  auto body = Json(res);
  simdjson::dom::array results;
  ASSERT_EQ(body["results"].get(results), simdjson::SUCCESS);
  ASSERT_GT(results.size(), 0u);
  EXPECT_LE(results.size(), 10u);
  int64_t expected_rank = 1;
  double previous = 2.0;
  for (auto r : results) {
    EXPECT_EQ(int64_t(r["rank"]), expected_rank++);
    const double score = double(r["score"]);
    EXPECT_LE(score, previous);
    previous = score;
    EXPECT_FALSE(std::string_view(r["capability_id"]).empty());
    EXPECT_FALSE(std::string_view(r["complex_id"]).empty());
    simdjson::dom::object explanation;
    ASSERT_EQ(r["explanation"].get(explanation), simdjson::SUCCESS);
    EXPECT_EQ(explanation.size(), 9u);
    for (const char* c : {"text", "semantic", "field", "service", "region", "quality",
                          "capacity", "price", "priority"}) {
      double v = -1;
      EXPECT_EQ(explanation[c].get(v), simdjson::SUCCESS) << c;
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    EXPECT_FALSE(std::string_view(r["institution"]["zh"]).empty());
    EXPECT_FALSE(std::string_view(r["complex_name"]["zh"]).empty());
  }
  // Slip-resistance testing of soles is a testing need: the top result is one.
  EXPECT_EQ(std::string_view(results.at(0)["service_type"]), "testing");
  EXPECT_FALSE(std::string_view(body["config_version"]).empty());
  EXPECT_EQ(body["understanding"].error(), simdjson::SUCCESS);

  Response few = Recommend(
      R"({"need":{"description":"鞋底防滑检测"},"k":2,"filters":{"counties":["lucheng"]}})");
  ASSERT_EQ(few.result(), http::status::ok) << few.body();
  for (auto r : Json(few)["results"].get_array()) {
    EXPECT_EQ(std::string_view(r["county"]), "lucheng");
  }
  EXPECT_LE(Json(few)["results"].get_array().size(), 2u);
}

TEST_F(ServerTest, InvalidInputIsAnswered400NamingTheField) {
  EXPECT_EQ(ErrorField(Recommend("{}"), http::status::bad_request), "need");
  EXPECT_EQ(ErrorField(Recommend(R"({"need":{"description":"x"},"k":0})"),
                       http::status::bad_request),
            "k");
  EXPECT_EQ(ErrorField(Recommend(R"({"need":{"description":"x","county":"atlantis"}})"),
                       http::status::bad_request),
            "need.county");
  EXPECT_EQ(ErrorField(Recommend(R"({"need":{"description":"x"},"filters":{"fields":["?"]}})"),
                       http::status::bad_request),
            "filters.fields");
  EXPECT_EQ(ErrorField(Recommend(R"({"need":{"description":"")"), http::status::bad_request), "");
  EXPECT_EQ(ErrorField(Recommend(R"({"need":{"description":""}})"), http::status::bad_request),
            "need.description");
  std::string deep = R"({"need":{"description":"x"},"x":)" + std::string(64, '[') +
                     std::string(64, ']') + "}";
  ErrorField(Recommend(deep), http::status::bad_request);
  // The connection's owner is still fine afterwards.
  EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(ServerTest, ProtocolErrors) {
  ErrorField(Fetch(port(), verb::get, "/no/such/route"), http::status::not_found);
  Response wrong_method = Fetch(port(), verb::get, "/v1/recommendations");
  ErrorField(wrong_method, http::status::method_not_allowed);
  EXPECT_EQ(wrong_method[http::field::allow], "POST");
  ErrorField(Fetch(port(), verb::delete_, "/healthz"), http::status::method_not_allowed);
  ErrorField(Fetch(port(), verb::post, "/v1/recommendations",
                   R"({"need":{"description":"x"}})", "text/plain"),
             http::status::unsupported_media_type);
  ErrorField(Fetch(port(), verb::post, "/v1/needs", R"({"description":"x"})"),
             http::status::unsupported_media_type);

  // A body over the 1 MiB default: the server reads the headers, refuses, and
  // still delivers its answer.
  const std::string huge = R"({"need":{"description":")" + std::string(1 << 20, 'a') + "\"}}";
  ErrorField(Recommend(huge), http::status::payload_too_large);
  ErrorField(SendRaw(port(), "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n"),
             http::status::payload_too_large);
  ErrorField(SendRaw(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                 std::string(20000, 'b') + "\r\n\r\n"),
             http::status::request_header_fields_too_large);
  ErrorField(SendRaw(port(), "GET /" + std::string(5000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
             http::status::uri_too_long);
  ErrorField(SendRaw(port(), "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "zz\r\n{}\r\n0\r\n\r\n"),
             http::status::bad_request);
  EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(ServerTest, ComplexesListAndLookup) {
  Response list = Fetch(port(), verb::get, "/v1/complexes");
  ASSERT_EQ(list.result(), http::status::ok);
  simdjson::dom::array complexes;
  ASSERT_EQ(Json(list)["complexes"].get(complexes), simdjson::SUCCESS);
  ASSERT_GT(complexes.size(), 10u);
  const std::string id = Str(complexes.at(0)["id"]);
  EXPECT_GT(complexes.at(0)["services"].get_array().size(), 0u);

  Response one = Fetch(port(), verb::get, "/v1/complexes/" + id);
  ASSERT_EQ(one.result(), http::status::ok);
  EXPECT_EQ(std::string_view(Json(one)["id"]), id);
  ErrorField(Fetch(port(), verb::get, "/v1/complexes/iisc-nowhere"), http::status::not_found);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
  boost::beast::flat_buffer buffer;
  for (int i = 0; i < 3; ++i) {
    Request req{verb::get, "/healthz", 11};
    req.set(http::field::host, "x");
    http::write(stream, req);
    Response res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST_F(ServerTest, HeadAnswersLikeGetWithoutABody) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
  stream.expires_after(std::chrono::seconds(30));
  boost::beast::flat_buffer buffer;
  auto head = [&](const std::string& target) {
    Request req{verb::head, target, 11};
    req.set(http::field::host, "x");
    http::write(stream, req);
    // A response to HEAD announces a body it does not send.
    http::response_parser<http::string_body> parser;
    parser.skip(true);
    http::read(stream, buffer, parser);
    return parser.release();
  };
  // One connection throughout: a body sent after any HEAD answer would be
  // read as the next response's status line, and fail.
  for (const char* target : {"/", "/index.html", "/need.html", "/complex.html", "/map.html",
                             "/app.js", "/style.css", "/openapi.json", "/healthz", "/v1/taxonomy",
                             "/v1/complexes"}) {
    SCOPED_TRACE(target);
    const Response get = Fetch(port(), verb::get, target);
    ASSERT_EQ(get.result(), http::status::ok);
    const Response res = head(target);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[http::field::content_length], std::to_string(get.body().size()));
    EXPECT_EQ(res[http::field::content_type], get[http::field::content_type]);
    EXPECT_EQ(res[http::field::cache_control], get[http::field::cache_control]);
    EXPECT_TRUE(res.keep_alive());
  }
  // The refusals of GET are HEAD's too, still without their body.
  const Response guarded = head("/v1/admin/demand");
  EXPECT_EQ(guarded.result(), http::status::unauthorized);
  EXPECT_TRUE(guarded.body().empty());
  EXPECT_NE(guarded[http::field::content_length], "0");
  const Response post_only = head("/v1/recommendations");
  EXPECT_EQ(post_only.result(), http::status::method_not_allowed);
  EXPECT_EQ(post_only[http::field::allow], "POST");
  EXPECT_TRUE(post_only.body().empty());

  Request req{verb::get, "/healthz", 11};
  req.set(http::field::host, "x");
  http::write(stream, req);
  Response after;
  http::read(stream, buffer, after);
  EXPECT_EQ(after.result(), http::status::ok);
  EXPECT_EQ(after.body(), R"({"status":"ok"})");
}

TEST_F(ServerTest, ConfigReloadNeedsTheBureauToken) {
  ErrorField(Fetch(port(), verb::post, "/v1/admin/reload-config"), http::status::unauthorized);
  ErrorField(Fetch(port(), verb::post, "/v1/admin/reload-config", "", "",
                   {{"Authorization", "Bearer wrong"}}),
             http::status::forbidden);
  Response ok = Fetch(port(), verb::post, "/v1/admin/reload-config", "", "",
                      {{"Authorization", std::string("Bearer ") + kBureauToken}});
  ASSERT_EQ(ok.result(), http::status::ok) << ok.body();
  EXPECT_FALSE(std::string_view(Json(ok)["config_version"]).empty());
  // SIGHUP does the same and the server keeps serving.
  server_->Signal(SIGHUP);
  EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), http::status::ok);
}

// A broken scoring file is refused with its reason and the old weights stay;
// a good one is taken. Runs on a copy of configs/ so the file can be edited.
TEST(ServerReload, BadScoringConfigKeepsTheOldOne) {
  namespace fs = std::filesystem;
  TempDir root;
  ASSERT_FALSE(root.path().empty());
  fs::copy(IISC_SOURCE_DIR "/configs", root.path() + "/configs", fs::copy_options::recursive);
  fs::copy(IISC_SOURCE_DIR "/data", root.path() + "/data", fs::copy_options::recursive);
  fs::create_directory(root.path() + "/db");
  const std::string scoring = root.path() + "/configs/scoring.toml";
  std::string original;
  {
    std::ifstream in(scoring);
    std::stringstream ss;
    ss << in.rdbuf();
    original = ss.str();
  }
  ServerProcess server(root.path() + "/db", {{"IISC_BUREAU_TOKEN", kBureauToken}},
                       root.path() + "/configs/server.toml");
  ASSERT_EQ(server.Start(), "");
  const std::map<std::string, std::string> bureau = {
      {"Authorization", std::string("Bearer ") + kBureauToken}};
  auto version = [&] {
    Response res = Fetch(server.port(), verb::post, "/v1/recommendations",
                         R"({"need":{"description":"鞋底防滑检测"}})", kJson);
    simdjson::dom::parser parser;
    return Str(parser.parse(res.body())["config_version"]);
  };
  const std::string before = version();
  ASSERT_FALSE(before.empty());

  std::ofstream(scoring, std::ios::trunc) << "[weights]\ntext = \"heavy\"\n";
  Response refused = Fetch(server.port(), verb::post, "/v1/admin/reload-config", "", "", bureau);
  EXPECT_EQ(refused.result(), http::status::bad_request) << refused.body();
  EXPECT_NE(refused.body().find("text"), std::string::npos) << refused.body();
  server.Signal(SIGHUP);
  EXPECT_EQ(Fetch(server.port(), verb::get, "/healthz").result(), http::status::ok);
  EXPECT_EQ(version(), before);

  std::ofstream(scoring, std::ios::trunc) << original << "\n# edited\n";
  Response taken = Fetch(server.port(), verb::post, "/v1/admin/reload-config", "", "", bureau);
  ASSERT_EQ(taken.result(), http::status::ok) << taken.body();
  EXPECT_NE(version(), before);  // the version hashes the file's content
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

TEST_F(ServerTest, StoredNeedSurvivesRestartAndNeedsItsToken) {
  const std::string need = R"({"description":"我们是乐清的小型断路器厂，产品要出口欧盟，需要做CE认证检测",)"
                           R"("county":"yueqing","size":"small"})";
  Response created = Fetch(port(), verb::post, "/v1/needs", need, kJson);
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  auto body = Json(created);
  const std::string id = Str(body["id"]);
  const std::string token = Str(body["access_token"]);
  ASSERT_FALSE(id.empty());
  ASSERT_FALSE(token.empty());
  EXPECT_GT(body["recommendations"].get_array().size(), 0u);
  EXPECT_EQ(created[http::field::location], "/v1/needs/" + id);

  ErrorField(Fetch(port(), verb::post, "/v1/needs", R"({"county":"yueqing"})", kJson),
             http::status::bad_request);

  const std::string path = "/v1/needs/" + id;
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  ErrorField(Fetch(port(), verb::get, path), http::status::unauthorized);
  ErrorField(Fetch(port(), verb::get, path, "", "", {{"Authorization", "Bearer nope"}}),
             http::status::forbidden);
  ErrorField(Fetch(port(), verb::get, "/v1/needs/no-such-need", "", "", auth),
             http::status::not_found);
  ASSERT_EQ(Fetch(port(), verb::get, path, "", "", auth).result(), http::status::ok);

  // Graceful stop, then a new process on the same data dir.
  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<ServerProcess>(
      data_.path(), std::map<std::string, std::string>{{"IISC_BUREAU_TOKEN", kBureauToken}});
  ASSERT_EQ(server_->Start(), "");

  Response again = Fetch(port(), verb::get, path, "", "", auth);
  ASSERT_EQ(again.result(), http::status::ok) << again.body();
  auto stored = Json(again);
  EXPECT_EQ(std::string_view(stored["id"]), id);
  EXPECT_EQ(std::string_view(stored["need"]["county"]), "yueqing");
  EXPECT_NE(Str(stored["need"]["description"]).find("CE认证"),
            std::string::npos);
  EXPECT_EQ(again.body().find(token), std::string::npos);  // the token is never echoed
  Response by_bureau = Fetch(port(), verb::get, path, "", "",
                             {{"Authorization", std::string("Bearer ") + kBureauToken}});
  EXPECT_EQ(by_bureau.result(), http::status::ok);
}

TEST_F(ServerTest, MetricsCountRequests) {
  Recommend(R"({"need":{"description":"鞋底防滑检测"}})");
  Recommend(R"({"need":{"description":"鞋底防滑检测"}})");
  Recommend("{}");
  Fetch(port(), verb::get, "/nope");
  Response metrics = Fetch(port(), verb::get, "/metrics");
  ASSERT_EQ(metrics.result(), http::status::ok);
  EXPECT_EQ(metrics[http::field::content_type].substr(0, 10), "text/plain");
  const std::string& text = metrics.body();
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="POST",route="/v1/recommendations",status="2xx"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="POST",route="/v1/recommendations",status="4xx"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_requests_total{method="*",route="unmatched",status="4xx"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(iisc_http_request_duration_seconds_count{method="POST",route="/v1/recommendations"} 3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE iisc_http_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(ServerTest, SigtermClosesIdleConnectionsAndExitsCleanly) {
  // A kept-alive connection waiting for its next request must not hold up
  // the shutdown: it is closed, and the process exits 0 well before the
  // idle timeout.
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
  Request req{verb::get, "/healthz", 11};
  req.set(http::field::host, "x");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  Response res;
  http::read(stream, buffer, res);
  ASSERT_TRUE(res.keep_alive());

  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  boost::beast::error_code ec;
  http::read(stream, buffer, res, ec);
  EXPECT_TRUE(ec);  // closed by the server
}

}  // namespace
}  // namespace iisc::testing
