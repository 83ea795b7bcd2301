// Raw bytes off the wire: Beast's request parser with the session's limits,
// then the router and the real handlers over an engine on the in-memory store
// with the demo catalog. Up to a few pipelined requests per input. Every
// request that parses gets exactly one answer in time, never a 5xx, with
// well-formed headers; JSON answers parse, and errors have the contract's
// shape.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <simdjson.h>

#include "engine/recommender.h"
#include "engine/scoring_config.h"
#include "engine/store.h"
#include "fuzz_support.h"
#include "server/handlers.h"
#include "server/metrics.h"
#include "server/router.h"

namespace iisc::fuzz {
namespace {

namespace http = boost::beast::http;

// The limits of configs/server.toml, as the session applies them.
constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kMaxHeaderBytes = 16 << 10;
constexpr int kMaxRequestsPerInput = 4;
// Far above any real answer time and below the fuzzer's -timeout: beyond it
// the handler has lost the reply.
constexpr std::chrono::seconds kReplyDeadline{20};

struct Service {
  std::unique_ptr<Recommender> engine;
  Metrics metrics;
  ServiceContext context;
  std::unique_ptr<Router> router;
};

Service& SharedService() {
  static Service* service = [] {
    auto* s = new Service;
    auto taxonomy = std::make_shared<const Taxonomy>(SharedTaxonomy());
    auto scoring = LoadScoringConfigFile(SourcePath("configs/scoring.toml"), *taxonomy);
    if (!scoring.ok()) Fail("scoring config loads", __FILE__, __LINE__, scoring.status().ToString());
    RecommenderOptions options;
    options.seed_catalog_path = SourcePath("data/demo-catalog.jsonl");
    options.vocabulary_dir = SourcePath("configs/vocabulary");
    options.intent_corpus_dir = SourcePath("configs/intent");
    auto engine = Recommender::Open(NewMemoryStore(), taxonomy, std::move(scoring).value(), options);
    if (!engine.ok()) Fail("engine opens", __FILE__, __LINE__, engine.status().ToString());
    s->engine = std::move(engine).value();
    s->context.recommender = s->engine.get();
    s->context.metrics = &s->metrics;
    s->context.bureau_tokens = {{"bureau", "fuzz-bureau-token"}};
    s->context.scoring_config_path = SourcePath("configs/scoring.toml");
    s->router = std::make_unique<Router>(&s->metrics, 512);
    RegisterRoutes(s->context, *s->router);
    return s;
  }();
  return *service;
}

// Waits for the one reply, which may come from the engine's writer thread.
class ReplySlot {
 public:
  void Put(HttpResponse&& res) {
    std::lock_guard<std::mutex> lock(mu_);
    ++replies_;
    response_ = std::move(res);
    cv_.notify_all();
  }
  HttpResponse Take() {
    std::unique_lock<std::mutex> lock(mu_);
    const bool answered = cv_.wait_for(lock, kReplyDeadline, [this] { return replies_ > 0; });
    FUZZ_CHECK(answered, "no reply in time");
    return std::move(*response_);
  }
  int replies() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int replies_ = 0;
  std::optional<HttpResponse> response_;
};

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void CheckResponse(const HttpRequest& request, const HttpResponse& res) {
  const std::string what = std::string(request.method_string()) + " " +
                           std::string(request.target()) + " -> " +
                           std::to_string(res.result_int()) + " " + res.body();
  FUZZ_CHECK(res.result_int() >= 200 && res.result_int() < 500, what);
  for (const auto& header : res) {
    FUZZ_CHECK(!HasLineBreak(header.name_string()) && !HasLineBreak(header.value()), what);
  }
  FUZZ_CHECK(res.version() == request.version(), what);
  if (res[http::field::content_type] != "application/json") return;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  FUZZ_CHECK(parser.parse(res.body()).get(doc) == simdjson::SUCCESS, what);
  if (res.result_int() < 400) return;
  std::string_view code, message;
  FUZZ_CHECK(doc["error"]["code"].get(code) == simdjson::SUCCESS && !code.empty(), what);
  FUZZ_CHECK(doc["error"]["message"].get(message) == simdjson::SUCCESS && !message.empty(), what);
}

// Parses one request from the front of `input` as the session's read loop
// does: the parser sees all the bytes the stream has delivered, and once it
// answers need_more it is given more bytes or, when the stream has no more,
// the end of the stream. Beast does not allow a second put() of the same bytes
// after need_more (it asserts). The whole input is what the stream delivers,
// so need_more means the end. Returns how many bytes the request used, or
// nullopt when the bytes hold no complete, acceptable request (the session
// answers those itself and closes).
std::optional<size_t> ParseRequest(std::string_view input, HttpRequest* out) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  parser.header_limit(kMaxHeaderBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  const auto end_of_stream = [&] {
    if (!parser.got_some()) return false;  // Beast's read answers end_of_stream, without put_eof
    ec = {};
    parser.put_eof(ec);
    return !ec && parser.is_done();
  };
  while (!parser.is_done()) {
    if (used == input.size()) {
      if (!end_of_stream()) return std::nullopt;
      break;
    }
    const size_t n = parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      if (!end_of_stream()) return std::nullopt;
      break;
    }
    if (ec || n == 0) return std::nullopt;  // no progress and no error would loop
  }
  *out = parser.release();
  return used;
}

}  // namespace
}  // namespace iisc::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  iisc::fuzz::SharedService();  // the text model is fitted once, not per input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iisc;
  fuzz::Service& service = fuzz::SharedService();
  std::string_view input = fuzz::AsText(data, size);
  for (int i = 0; i < fuzz::kMaxRequestsPerInput && !input.empty(); ++i) {
    HttpRequest request;
    const std::optional<size_t> used = fuzz::ParseRequest(input, &request);
    if (!used) break;
    input.remove_prefix(*used);
    const HttpRequest copy = request;
    const bool keep_alive = request.keep_alive();
    auto slot = std::make_shared<fuzz::ReplySlot>();
    service.router->Dispatch(std::move(request), [slot](HttpResponse&& res) { slot->Put(std::move(res)); });
    const HttpResponse response = slot->Take();
    fuzz::CheckResponse(copy, response);
    FUZZ_CHECK(slot->replies() == 1, "answered twice");
    if (!keep_alive || !response.keep_alive()) break;
  }
  return 0;
}
