// Method + path → handler. Owns the protocol decisions every route shares:
// 404 for unknown paths, 405 with Allow for a known path and wrong method,
// 415 for routes that take JSON, and the per-route metrics.
//
// Thread safety: routes are added before serving starts; Dispatch may then
// run concurrently on any number of threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "server/http_types.h"
#include "server/metrics.h"

namespace iisc {

// The values of a pattern's "{name}" segments, percent-decoded, in order.
using PathParams = std::vector<std::string>;

// Handlers may reply before returning or later from another thread; they must
// reply exactly once. The request is theirs to modify (e.g. pad the body).
using Handler = std::function<void(HttpRequest& request, const PathParams& params, Reply reply)>;

struct RouteOptions {
  // The route reads a JSON body: other Content-Types are answered 415.
  bool json_body = false;
  // Answered even when overloaded (health checks and metrics must keep
  // working exactly when the service is busiest).
  bool never_shed = false;
};

class Router {
 public:
  // Beyond `max_inflight` requests being handled at once, new ones are
  // answered 503 at once instead of queueing (0 = no limit).
  explicit Router(Metrics* metrics, int max_inflight = 0);

  // `pattern` is a path whose segments are literals or "{name}" (one
  // non-empty segment), e.g. "/v1/needs/{id}".
  void Add(boost::beast::http::verb method, std::string pattern, Handler handler,
           RouteOptions options = {});

  // Routes `request` and calls `reply` exactly once with a response whose
  // version and keep-alive follow the request.
  void Dispatch(HttpRequest&& request, Reply reply) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
    RouteOptions options;
    int metric = -1;
  };
  // Rejections (404, 405) of one pattern share one metrics series.
  struct Pattern {
    std::string pattern;
    int rejected_metric = -1;
  };

  static bool Match(const std::vector<std::string>& segments, std::string_view path,
                    PathParams* params);
  std::string AllowedMethods(const std::string& pattern) const;

  Metrics* metrics_;
  int max_inflight_;
  // Shared with the replies, which may outlive a Dispatch call.
  std::shared_ptr<std::atomic<int>> inflight_ = std::make_shared<std::atomic<int>>(0);
  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;
  int unmatched_metric_ = -1;
};

}  // namespace iisc
