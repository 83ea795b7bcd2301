// Hostile input over real HTTP: malformed, abusive and tricky requests, each
// with the status and error shape it must get. The server must answer every
// one (never close without an answer, never crash or hang) and be healthy
// afterwards: GET /healthz 200 and a normal recommendation works.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
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
using http::status;
using http::verb;

constexpr const char* kToken = "bureau-test-token-0123456789";
constexpr const char* kJson = "application/json";

// A complete request with Host, Connection: close and Content-Length.
std::string Raw(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = kJson, const std::string& extra_headers = "") {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!content_type.empty()) out += "Content-Type: " + content_type + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + extra_headers + "\r\n" + body;
}

std::string Recommend(const std::string& body) { return Raw("POST", "/v1/recommendations", body); }
std::string Need(const std::string& body) { return Raw("POST", "/v1/needs", body); }

struct Case {
  std::string name;
  std::string bytes;
  status expected;
  std::string code;   // "" = any code
  std::string field;  // "" = not checked; "-" = must be absent
  bool half_close = false;
};

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    server_ = std::make_unique<ServerProcess>(root_.path() + "/db",
                                              std::map<std::string, std::string>{
                                                  {"IISC_BUREAU_TOKEN", kToken}});
    ASSERT_EQ(server_->Start(), "");
    Response need = Fetch(port(), verb::post, "/v1/needs", R"({"description":"模具设计"})", kJson);
    ASSERT_EQ(need.result(), status::created) << need.body();
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(need.body()).get(doc), simdjson::SUCCESS);
    need_id_ = std::string(std::string_view(doc["id"]));
    need_token_ = std::string(std::string_view(doc["access_token"]));
  }

  uint16_t port() const { return server_->port(); }

  void ExpectHealthy() {
    EXPECT_EQ(Fetch(port(), verb::get, "/healthz").result(), status::ok);
    Response res = Fetch(port(), verb::post, "/v1/recommendations",
                         R"({"need":{"description":"鞋底防滑检测"},"k":3})", kJson);
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_NE(res.body().find("\"results\":[{"), std::string::npos) << res.body();
  }

  std::vector<Case> Cases() const {
    const std::string need_path = "/v1/needs/" + need_id_;
    const std::string bureau = std::string("Authorization: Bearer ") + kToken + "\r\n";
    const std::string deep = std::string(10000, '[') + std::string(10000, ']');
    std::string huge_headers = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 3000; ++i) huge_headers += "X-" + std::to_string(i) + ": v\r\n";
    const std::string chunked_head =
        "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    const std::string post_head =
        "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    return {
        // --- broken JSON ---
        {"truncated object", Recommend(R"({"need":)"), status::bad_request, "invalid_argument", "-"},
        {"unterminated", Recommend(R"({"need":{"description":"x"})"), status::bad_request, "", "-"},
        {"not JSON at all", Recommend("need=shoes&k=3"), status::bad_request, "", "-"},
        {"empty body", Recommend(""), status::bad_request, "", "-"},
        {"array root", Recommend("[]"), status::bad_request, "", "-"},
        {"null root", Recommend("null"), status::bad_request, "", "-"},
        {"trailing garbage", Recommend(R"({"need":{"description":"x"}} xyz)"), status::bad_request, "", "-"},
        {"two documents", Recommend(R"({"need":{"description":"x"}}{})"), status::bad_request, "", "-"},
        {"single quotes", Recommend("{'need':{'description':'x'}}"), status::bad_request, "", "-"},
        {"raw control character", Recommend("{\"need\":{\"description\":\"a\x01" "b\"}}"),
         status::bad_request, "", "-"},
        {"need body not an object", Need("\"just text\""), status::bad_request, "", ""},
        // --- wrong types ---
        {"need is a string", Recommend(R"({"need":"shoes"})"), status::bad_request, "", "need"},
        {"description is a number", Recommend(R"({"need":{"description":42}})"), status::bad_request,
         "", "need.description"},
        {"k is text", Recommend(R"({"need":{"description":"x"},"k":"5"})"), status::bad_request, "", "k"},
        {"k is negative", Recommend(R"({"need":{"description":"x"},"k":-3})"), status::bad_request, "", "k"},
        {"k is huge", Recommend(R"({"need":{"description":"x"},"k":1e400})"), status::bad_request, "", ""},
        {"filters is an array", Recommend(R"({"need":{"description":"x"},"filters":[]})"),
         status::bad_request, "", "filters"},
        {"filter list is text", Recommend(R"({"need":{"description":"x"},"filters":{"counties":"lucheng"}})"),
         status::bad_request, "", "filters.counties"},
        {"service type is a number", Recommend(R"({"need":{"description":"x","service_types":[1]}})"),
         status::bad_request, "", "need.service_types"},
        {"enterprise is text", Recommend(R"({"need":{"description":"x","enterprise":"acme"}})"),
         status::bad_request, "", "need.enterprise"},
        {"need given twice", Recommend(R"({"need":{"description":"x"},"need":{"description":"y"}})"),
         status::bad_request, "", "need"},
        // --- unknown ids ---
        {"unknown county", Recommend(R"({"need":{"description":"x","county":"atlantis"}})"),
         status::bad_request, "", "need.county"},
        {"unknown field", Need(R"({"description":"x","field":"alchemy"})"), status::bad_request, "", "field"},
        {"unknown size", Need(R"({"description":"x","size":"gigantic"})"), status::bad_request, "", "size"},
        {"unknown filter id", Recommend(R"({"need":{"description":"x"},"filters":{"service_types":["magic"]}})"),
         status::bad_request, "", "filters.service_types"},
        {"unknown complex", Raw("GET", "/v1/complexes/iisc-nowhere", "", ""), status::not_found, "not_found", ""},
        {"unknown need", Raw("GET", "/v1/needs/need-0000", "", "", "Authorization: Bearer " + need_token_ + "\r\n"),
         status::not_found, "not_found", ""},
        {"delete unknown complex", Raw("DELETE", "/v1/complexes/iisc-nowhere", "", "", bureau),
         status::not_found, "not_found", ""},
        // --- invalid UTF-8 ---
        {"invalid UTF-8 bytes", Recommend("{\"need\":{\"description\":\"\xff\xfe\"}}"), status::bad_request, "", ""},
        {"overlong UTF-8", Recommend("{\"need\":{\"description\":\"\xc0\xaf\"}}"), status::bad_request, "", ""},
        {"lone surrogate escape", Recommend(R"({"need":{"description":"\ud800"}})"), status::bad_request, "", ""},
        {"truncated UTF-8 in a need", Need("{\"description\":\"\xe6\xa3\"}"), status::bad_request, "", ""},
        {"NUL escape in description", Need(R"({"description":"\u0000"})"), status::bad_request, "", ""},
        // --- deep nesting ---
        {"ten thousand brackets", Recommend(deep), status::bad_request, "", ""},
        {"deep inside the need", Need(R"({"description":"x","enterprise":)" + std::string(40, '[') +
                                      std::string(40, ']') + "}"),
         status::bad_request, "", ""},
        {"deep catalog record", Raw("PUT", "/v1/complexes/x", std::string(50, '{'), kJson, bureau),
         status::bad_request, "", ""},
        // --- huge bodies, headers, URLs ---
        {"2 MiB body", Recommend(R"({"need":{"description":")" + std::string(2 << 20, 'a') + "\"}}"),
         status::payload_too_large, "payload_too_large", ""},
        {"announced 50 MB", post_head + "Content-Length: 50000000\r\n\r\n", status::payload_too_large, "", ""},
        {"description over 4000 characters",
         Need(R"({"description":")" + std::string(4001, 'x') + "\"}"), status::bad_request, "", "description"},
        {"20 KB header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n",
         status::request_header_fields_too_large, "header_too_large", ""},
        {"3000 headers", huge_headers + "\r\n", status::request_header_fields_too_large, "", ""},
        {"5 KB URL", "GET /v1/complexes/" + std::string(5000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n",
         status::uri_too_long, "uri_too_long", ""},
        // --- bad chunking ---
        {"chunk size not hex", chunked_head + "zz\r\n{}\r\n0\r\n\r\n", status::bad_request, "bad_request", ""},
        {"negative chunk size", chunked_head + "-5\r\nabc\r\n0\r\n\r\n", status::bad_request, "", ""},
        {"chunk data overrun", chunked_head + "3\r\nabcXX\r\n0\r\n\r\n", status::bad_request, "", ""},
        {"chunk cut short", chunked_head + "10\r\nabc", status::bad_request, "", "", true},
        {"chunk size overflow", chunked_head + "ffffffffffffffffff\r\n", status::bad_request, "", ""},
        {"chunked bodies over the limit", chunked_head + "200000\r\n" + std::string(1 << 16, 'a'),
         status::payload_too_large, "", ""},
        {"transfer coding not chunked", post_head + "Transfer-Encoding: gzip\r\n\r\nabc",
         status::bad_request, "bad_request", ""},
        {"chunked then gzip", post_head + "Transfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         status::bad_request, "", ""},
        {"length and chunked together", post_head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "2\r\n{}\r\n0\r\n\r\n",
         status::bad_request, "", ""},
        // --- lying Content-Length ---
        {"longer than the body", post_head + "Content-Length: 100\r\n\r\n{}", status::bad_request, "", "", true},
        {"shorter than the body", post_head + "Content-Length: 5\r\nConnection: close\r\n\r\n"
                                  R"({"need":{"description":"x"}})",
         status::bad_request, "", ""},
        {"two different lengths", post_head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
         status::bad_request, "", ""},
        {"negative length", post_head + "Content-Length: -1\r\n\r\n{}", status::bad_request, "", ""},
        {"length overflow", post_head + "Content-Length: 99999999999999999999999\r\n\r\n{}",
         status::bad_request, "", ""},
        {"length not a number", post_head + "Content-Length: abc\r\n\r\n{}", status::bad_request, "", ""},
        // --- wrong methods ---
        {"DELETE recommendations", Raw("DELETE", "/v1/recommendations", "", ""), status::method_not_allowed,
         "method_not_allowed", ""},
        {"PATCH needs", Raw("PATCH", "/v1/needs", "{}"), status::method_not_allowed, "", ""},
        {"GET the needs collection", Raw("GET", "/v1/needs", "", ""), status::method_not_allowed, "", ""},
        {"invented method", Raw("FOO", "/healthz", "", ""), status::method_not_allowed, "", ""},
        {"lower-case method", Raw("get", "/healthz", "", ""), status::method_not_allowed, "", ""},
        {"TRACE", Raw("TRACE", "/v1/taxonomy", "", ""), status::method_not_allowed, "", ""},
        {"CONNECT", Raw("CONNECT", "evil.example:443", "", ""), status::not_found, "", ""},
        {"POST to a complex", Raw("POST", "/v1/complexes/iisc-yueqing-electrical", "{}"),
         status::method_not_allowed, "", ""},
        // --- path tricks ---
        {"dot segments", Raw("GET", "/v1/complexes/../..", "", ""), status::not_found, "", ""},
        {"dot-dot id", Raw("GET", "/v1/complexes/..", "", ""), status::not_found, "", ""},
        {"encoded slashes", Raw("GET", "/v1/complexes/..%2f..%2fetc%2fpasswd", "", ""), status::not_found, "", ""},
        {"encoded NUL", Raw("GET", "/v1/complexes/%00", "", ""), status::not_found, "", ""},
        {"double encoding", Raw("GET", "/v1/complexes/%252e%252e", "", ""), status::not_found, "", ""},
        {"broken escape", Raw("GET", "/v1/complexes/%zz", "", ""), status::not_found, "", ""},
        // --- query string tricks (read by RFC 3986's rules) ---
        {"broken query escape", Raw("GET", "/v1/complexes?x=%zz", "", ""), status::bad_request,
         "invalid_argument", "query"},
        {"truncated query escape", Raw("GET", "/v1/events?after=1%4", "", "", bureau), status::bad_request,
         "invalid_argument", "query"},
        {"raw UTF-8 in the query", Raw("GET", "/v1/admin/map?service_type=\xe6\xa3\x80", "", "", bureau),
         status::bad_request, "invalid_argument", "query"},
        {"empty segment", Raw("GET", "/v1//complexes", "", ""), status::not_found, "", ""},
        {"upper-case path", Raw("GET", "/V1/TAXONOMY", "", ""), status::not_found, "", ""},
        {"asset traversal", Raw("GET", "/index.html/../../etc/passwd", "", ""), status::not_found, "", ""},
        {"absolute-form target", Raw("GET", "http://evil.example/v1/taxonomy", "", ""), status::not_found, "", ""},
        {"asterisk target", Raw("OPTIONS", "*", "", ""), status::not_found, "", ""},
        {"raw NUL in the target", std::string("GET /heal") + '\0' + "thz HTTP/1.1\r\nHost: x\r\n\r\n",
         status::bad_request, "bad_request", ""},
        {"space in the target", "GET /v1/complexes/a b HTTP/1.1\r\nHost: x\r\n\r\n", status::bad_request, "", ""},
        {"PUT with a traversing id", Raw("PUT", "/v1/complexes/..", "{}", kJson, bureau), status::bad_request,
         "", ""},
        // --- missing and wrong credentials ---
        {"need without a token", Raw("GET", need_path, "", ""), status::unauthorized, "unauthenticated", ""},
        {"need with a wrong token", Raw("GET", need_path, "", "", "Authorization: Bearer guess\r\n"),
         status::forbidden, "permission_denied", ""},
        {"need with an empty Bearer", Raw("GET", need_path, "", "", "Authorization: Bearer \r\n"),
         status::unauthorized, "", ""},
        {"need with Basic credentials", Raw("GET", need_path, "", "", "Authorization: Basic YTpi\r\n"),
         status::unauthorized, "", ""},
        {"need with a 10 KB token", Raw("GET", need_path, "", "",
                                        "Authorization: Bearer " + std::string(10000, 't') + "\r\n"),
         status::forbidden, "", ""},
        {"bureau route with a need's token", Raw("GET", "/v1/admin/demand", "", "",
                                                 "Authorization: Bearer " + need_token_ + "\r\n"),
         status::forbidden, "", ""},
        {"import without a token", Raw("POST", "/v1/admin/catalog", "{}", "application/x-ndjson"),
         status::unauthorized, "", ""},
        {"delete without a token", Raw("DELETE", "/v1/complexes/iisc-yueqing-electrical", "", ""),
         status::unauthorized, "", ""},
        {"backup with a wrong token", Raw("POST", "/v1/admin/backup", "", "", "Authorization: Bearer nope\r\n"),
         status::forbidden, "", ""},
        {"token in the query string", Raw("GET", need_path + "?access_token=" + need_token_, "", ""),
         status::unauthorized, "", ""},
        // --- media types and protocol ---
        {"text/plain body", Raw("POST", "/v1/recommendations", R"({"need":{"description":"x"}})", "text/plain"),
         status::unsupported_media_type, "unsupported_media_type", ""},
        {"no content type", Raw("POST", "/v1/needs", R"({"description":"x"})", ""),
         status::unsupported_media_type, "", ""},
        {"JSON patch type", Raw("POST", "/v1/needs", R"({"description":"x"})", "application/json-patch+json"),
         status::unsupported_media_type, "", ""},
        {"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", status::bad_request, "bad_request", ""},
        {"two Hosts", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status::bad_request, "", ""},
        {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status::bad_request, "", ""},
        {"TLS hello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(40, '\0'),
         status::bad_request, "", ""},
        {"HTTP/0.9 style", "GET /healthz\r\n\r\n", status::bad_request, "", ""},
        {"header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
         status::bad_request, "", ""},
        {"control byte in a header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n",
         status::bad_request, "", ""},
        {"bare LF line ends", "GET /healthz HTTP/1.1\nHost: x\n\n", status::bad_request, "", ""},
        {"unknown HTTP version", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", status::bad_request, "", ""},
    };
  }

  TempDir root_;
  std::unique_ptr<ServerProcess> server_;
  std::string need_id_;
  std::string need_token_;
};

TEST_F(HostileTest, EveryHostileRequestGetsItsStatusAndTheErrorShape) {
  const std::vector<Case> cases = Cases();
  ASSERT_GE(cases.size(), 40u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    bool timed_out = false;
    const std::string raw =
        Exchange(port(), c.bytes, std::chrono::seconds(20), &timed_out, c.half_close);

    EXPECT_FALSE(timed_out) << "no answer and no close";
    const Response res = ParseResponse(raw);
    ASSERT_NE(res.result_int(), 0u) << "closed without an answer: " << raw.substr(0, 200);
    const std::string field = ExpectError(res, c.expected, c.code);
    if (c.field == "-") {
      EXPECT_EQ(field, "");
    } else if (!c.field.empty()) {
      EXPECT_EQ(field, c.field);
    }
  }
  ExpectHealthy();
}

TEST_F(HostileTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string bad = "POST /v1/recommendations HTTP/1.1\r\nHost: x\r\n"
                          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";
  const std::string last = "GET /v1/complexes/iisc-nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string raw = Exchange(port(), one + bad + one + last);
  size_t at = 0;
  std::vector<unsigned> statuses;
  while ((at = raw.find("HTTP/1.1 ", at)) != std::string::npos) {
    statuses.push_back(static_cast<unsigned>(std::stoi(raw.substr(at + 9, 3))));
    at += 9;
  }
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 400, 200, 404})) << raw;
  ExpectHealthy();
}

TEST_F(HostileTest, ARequestCutOffMidBodyLosesNothingAndStoresNothing) {
  // The client gives up halfway through a need: no 201 was given, and the
  // server stored nothing it would later serve.
  const std::string body = R"({"description":"半截需求不应被保存"})";
  const std::string raw = Exchange(
      port(),
      "POST /v1/needs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10),
      std::chrono::seconds(20), nullptr, /*half_close=*/true);
  ExpectError(ParseResponse(raw), status::bad_request);
  Response demand = Fetch(port(), verb::get, "/v1/admin/demand", "", "",
                          {{"Authorization", std::string("Bearer ") + kToken}});
  ASSERT_EQ(demand.result(), status::ok);
  EXPECT_NE(demand.body().find("\"total_needs\":1,"), std::string::npos) << demand.body();
  ExpectHealthy();
}

TEST_F(HostileTest, ManyConnectionsThatNeverSpeakDoNotStarveOthers) {
  net::io_context ioc;
  std::vector<std::unique_ptr<boost::beast::tcp_stream>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<boost::beast::tcp_stream>(ioc));
    // From 4 addresses other than the checking client's (Linux routes all of
    // 127/8 to lo): 50 each stay under the per-address connection limit, so
    // all 200 are held open.
    idle.back()->socket().open(net::ip::tcp::v4());
    idle.back()->socket().bind({net::ip::make_address_v4(0x7f000002u + i % 4), 0});
    idle.back()->connect({net::ip::make_address("127.0.0.1"), port()});
    if (i % 2 == 0) {
      net::write(idle.back()->socket(), net::buffer(std::string("GET /healthz HTTP/1.1\r\n")));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  ExpectHealthy();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace iisc::testing
