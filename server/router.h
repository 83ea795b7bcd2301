// Method + path → handler. Owns the protocol decisions every route shares:
// 404 for unknown paths, 405 with Allow for a known path and wrong method,
// credentials (a route's guard), 415 for routes that take JSON or JSON Lines,
// body limits per route, the per-client rate limit, CORS and preflights,
// load shedding, and the per-route metrics.
//
// HEAD is answered by the path's GET route (counted in its metrics), as GET
// would be; the session sends only the header. Allow lists the routes added,
// so it names GET and not HEAD.
//
// Two steps: Screen sees the request's header before its body is read, so
// refusals (429, 401/403, 415, preflights) cost no body upload; Dispatch runs
// the handler on the complete request (and repeats the checks that do not
// need the client's address, so it is safe on its own).
//
// Blocking routes (RouteOptions::blocking: RocksDB reads and writes, long
// computations) run on the blocking pool instead of the calling I/O thread;
// when the pool's queue is full they are answered 503 with Retry-After.
//
// Thread safety: routes are added before serving starts; Screen and Dispatch
// may then run concurrently on any number of threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "models/status.h"
#include "server/blocking_pool.h"
#include "server/cors.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"

namespace iisc {

// The values of a pattern's "{name}" segments, percent-decoded, in order.
using PathParams = std::vector<std::string>;

// Handlers may reply before returning or later from another thread; they must
// reply exactly once. The request is theirs to modify (e.g. pad the body).
using Handler = std::function<void(HttpRequest& request, const PathParams& params, Reply reply)>;

// Admits or refuses a request from its header alone; a non-OK status is the
// answer (e.g. Unauthenticated → 401).
using Guard = std::function<Status(const HttpRequest& header)>;

struct RouteOptions {
  // The route reads a JSON body: other Content-Types are answered 415.
  bool json_body = false;
  // The route reads JSON Lines (application/x-ndjson, application/jsonl).
  bool jsonl_body = false;
  // With json_body: an empty body needs no Content-Type.
  bool body_optional = false;
  // Answered even when overloaded or rate limited (health checks and metrics
  // must keep working exactly when the service is busiest).
  bool never_shed = false;
  // The largest body this route takes; 0 = the server's max_body_bytes.
  // Raise it only together with a guard, so strangers cannot upload as much.
  size_t max_body_bytes = 0;
  // Checked before the body is read, and again before the handler runs.
  Guard guard = nullptr;
  // The handler reads or writes the database or computes for long: it runs
  // on the blocking pool (RouterOptions::blocking_pool), never on an I/O
  // thread. Pure in-memory work (scoring, static answers) leaves it false.
  bool blocking = false;
  // With `blocking`: the bureau's work, run in the pool's bureau lane (at
  // most all but one of its threads; see BlockingPool).
  bool bureau_job = false;
  // Blocking for the requests this is true of (checked on the whole request
  // when `blocking` is false), e.g. only those whose handling reads the
  // database because of a header.
  std::function<bool(const HttpRequest&)> blocking_if = nullptr;
};

struct RouterOptions {
  // Beyond this many requests being handled at once, new ones are answered
  // 503 at once instead of queueing (0 = no limit).
  int max_inflight = 0;
  // Body limit of routes that do not set their own.
  size_t max_body_bytes = 1 << 20;
  RateLimiter* rate_limiter = nullptr;  // not owned; null = no rate limit
  const CorsPolicy* cors = nullptr;     // not owned; null = no CORS grants
  // Where blocking routes run; not owned. Null: they run on the calling
  // thread like the others (unit tests, and blocking_threads = 0).
  BlockingPool* blocking_pool = nullptr;
};

class Router {
 public:
  explicit Router(Metrics* metrics, int max_inflight = 0);
  Router(Metrics* metrics, RouterOptions options);

  // `pattern` is a path whose segments are literals or "{name}" (one
  // non-empty segment), e.g. "/v1/needs/{id}".
  void Add(boost::beast::http::verb method, std::string pattern, Handler handler,
           RouteOptions options = {});

  struct Screening {
    // Set: send this answer and do not read the body.
    std::optional<HttpResponse> answer;
    // Otherwise: read at most this many body bytes (413 beyond).
    size_t body_limit = 0;
  };
  // Judges a request by its header; `client` identifies the sender for the
  // rate limit (its address).
  Screening Screen(const HttpRequest& header, std::string_view client) const;

  // The body limit of the request's route (the server's when none matches).
  size_t BodyLimitFor(const HttpRequest& header) const;

  // The largest body any route takes: the parser's limit until the route is
  // known (a Content-Length beyond it is refused while reading the header).
  size_t max_body_limit() const;

  // Routes `request` and calls `reply` exactly once with a response whose
  // version and keep-alive follow the request.
  void Dispatch(HttpRequest&& request, Reply reply) const;

  // Adds the CORS headers to an answer made outside the router (a refused
  // read: 408, 413, 414).
  void Decorate(const HttpRequest& header, HttpResponse& response) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
    RouteOptions options;
    int metric = -1;
  };
  // Rejections (404, 405) and preflights of one pattern share one metrics series.
  struct Pattern {
    std::string pattern;
    int rejected_metric = -1;
  };
  struct Lookup {
    const Route* route = nullptr;      // the route of this method, if any
    const Pattern* pattern = nullptr;  // the matching path, if any
  };

  static bool Match(const std::vector<std::string>& segments, std::string_view path,
                    PathParams* params);
  Lookup Find(const HttpRequest& request, PathParams* params) const;
  std::string AllowedMethods(const std::string& pattern) const;
  // The answer decided without the handler (404, 405, OPTIONS, guard, 415),
  // and the metric it counts under; nullopt = go on.
  std::optional<HttpResponse> Precheck(const HttpRequest& request, const Lookup& found,
                                       int* metric) const;

  Metrics* metrics_;
  RouterOptions options_;
  // Shared with the replies, which may outlive a Dispatch call.
  std::shared_ptr<std::atomic<int>> inflight_ = std::make_shared<std::atomic<int>>(0);
  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;
  int unmatched_metric_ = -1;
};

}  // namespace iisc
