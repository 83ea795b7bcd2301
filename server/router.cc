#include "server/router.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>

#include <boost/beast/http/field.hpp>
#include <boost/url/pct_string_view.hpp>

#include "server/errors.h"
#include "server/log.h"
#include "server/request_parser.h"

namespace iisc {

namespace http = boost::beast::http;

namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t pos = 1;  // paths start with '/'
  while (pos <= path.size()) {
    const size_t slash = path.find('/', pos);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.emplace_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return segments;
}

// A path segment, percent-decoded (Boost.URL). False on a broken escape or
// a decoded '/' or NUL, which no id may hold.
bool PercentDecode(std::string_view in, std::string* out) {
  const auto encoded = boost::urls::make_pct_string_view(in);
  if (!encoded) return false;
  *out = encoded->decode();
  return out->find_first_of(std::string_view("/\0", 2)) == std::string::npos;
}

// One request from dispatch to reply. Shared, because the reply may come
// from another thread after Dispatch has returned; Finish runs once whoever
// calls it, so a misbehaving handler cannot answer twice.
class Completion {
 public:
  Completion(Metrics* metrics, const CorsPolicy* cors, const HttpRequest& request, Reply reply)
      : metrics_(metrics),
        cors_(cors),
        start_(std::chrono::steady_clock::now()),
        version_(request.version()),
        keep_alive_(request.keep_alive()),
        origin_(request[http::field::origin]),
        reply_(std::move(reply)) {}

  // Counts the request as in flight until it is answered.
  void Hold(std::shared_ptr<std::atomic<int>> inflight) { inflight_ = std::move(inflight); }

  void Finish(int metric, HttpResponse&& res) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return;
    if (inflight_) inflight_->fetch_sub(1, std::memory_order_acq_rel);
    res.version(version_);
    res.keep_alive(keep_alive_ && res.keep_alive());
    if (cors_ != nullptr && res.find(http::field::vary) == res.end()) {
      cors_->Decorate(origin_, res);
    }
    res.prepare_payload();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->Record(metric, res.result_int(), seconds);
    reply_(std::move(res));
  }

 private:
  Metrics* metrics_;
  const CorsPolicy* cors_;
  std::chrono::steady_clock::time_point start_;
  unsigned version_;
  bool keep_alive_;
  std::string origin_;
  Reply reply_;
  std::shared_ptr<std::atomic<int>> inflight_;
  std::atomic<bool> done_{false};
};

// Runs a route's handler; one that throws is answered 500 (a bug or resource
// exhaustion in one request must not take the process down).
void Invoke(const Handler& handler, http::verb method, const std::string& pattern,
            HttpRequest& request, const PathParams& params, int metric,
            const std::shared_ptr<Completion>& done) {
  try {
    handler(request, params, [done, metric](HttpResponse&& res) {
      done->Finish(metric, std::move(res));
    });
  } catch (const std::exception& e) {
    LogError("handler for %s %s threw: %s", std::string(http::to_string(method)).c_str(),
             pattern.c_str(), e.what());
    done->Finish(metric, ErrorResponse(Status::Internal(e.what())));
  }
}

// True when the request carries no body (as far as its header tells).
bool WithoutBody(const HttpRequest& req) {
  if (!req.body().empty() || req.chunked()) return false;
  const auto length = req[http::field::content_length];
  return length.empty() || length == "0";
}

// 415 unless the Content-Type fits what the route reads.
std::optional<HttpResponse> CheckMediaType(const RouteOptions& options, const HttpRequest& req) {
  if (!options.json_body && !options.jsonl_body) return std::nullopt;
  const auto type = req[http::field::content_type];
  if (options.body_optional && type.empty() && WithoutBody(req)) return std::nullopt;
  if (options.json_body && IsJsonContentType(type)) return std::nullopt;
  if (options.jsonl_body && IsJsonLinesContentType(type)) return std::nullopt;
  return UnsupportedMediaType(options.jsonl_body ? "application/x-ndjson" : "application/json");
}

}  // namespace

Router::Router(Metrics* metrics, int max_inflight)
    : Router(metrics, RouterOptions{.max_inflight = max_inflight}) {}

Router::Router(Metrics* metrics, RouterOptions options) : metrics_(metrics), options_(options) {
  unmatched_metric_ = metrics_->AddRoute("*", "unmatched");
}

void Router::Add(http::verb method, std::string pattern, Handler handler, RouteOptions options) {
  Route route;
  route.method = method;
  route.segments = SplitPath(pattern);
  route.pattern = pattern;
  route.handler = std::move(handler);
  route.options = std::move(options);
  route.metric = metrics_->AddRoute(std::string(http::to_string(method)), pattern);
  bool known = false;
  for (const Pattern& p : patterns_) known = known || p.pattern == pattern;
  if (!known) patterns_.push_back({pattern, metrics_->AddRoute("other", pattern)});
  routes_.push_back(std::move(route));
}

bool Router::Match(const std::vector<std::string>& segments, std::string_view path,
                   PathParams* params) {
  params->clear();
  size_t pos = 1;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (pos > path.size()) return false;
    const size_t slash = path.find('/', pos);
    const bool last = i + 1 == segments.size();
    if (last != (slash == std::string_view::npos)) return false;
    const size_t end = last ? path.size() : slash;
    const std::string_view segment = path.substr(pos, end - pos);
    const std::string& want = segments[i];
    if (want.size() >= 2 && want.front() == '{' && want.back() == '}') {
      std::string value;
      if (segment.empty() || !PercentDecode(segment, &value)) return false;
      params->push_back(std::move(value));
    } else if (segment != want) {
      return false;
    }
    pos = end + 1;
  }
  return true;
}

Router::Lookup Router::Find(const HttpRequest& request, PathParams* params) const {
  Lookup found;
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path.front() != '/') return found;
  // HEAD is GET without the body (RFC 9110, 9.3.2): the session leaves the
  // body out, so every GET route answers HEAD with the same status and headers.
  const bool head = request.method() == http::verb::head;
  const Route* get = nullptr;
  PathParams get_params;
  for (const Route& r : routes_) {
    if (!Match(r.segments, path, params)) continue;
    if (found.pattern == nullptr) {
      for (const Pattern& p : patterns_) {
        if (p.pattern == r.pattern) found.pattern = &p;
      }
    }
    if (r.method == request.method()) {
      found.route = &r;
      return found;
    }
    if (head && r.method == http::verb::get && get == nullptr) {
      get = &r;
      get_params = *params;
    }
  }
  if (get != nullptr) {
    found.route = get;
    *params = std::move(get_params);
  }
  return found;
}

std::string Router::AllowedMethods(const std::string& pattern) const {
  std::string allow;
  for (const Route& r : routes_) {
    if (r.pattern != pattern) continue;
    if (!allow.empty()) allow += ", ";
    allow += http::to_string(r.method);
    // Every GET route answers HEAD too (Find), so the list says so.
    if (r.method == http::verb::get) allow += ", HEAD";
  }
  return allow;
}

std::optional<HttpResponse> Router::Precheck(const HttpRequest& request, const Lookup& found,
                                             int* metric) const {
  if (found.route == nullptr) {
    if (found.pattern == nullptr) {
      *metric = unmatched_metric_;
      return RouteNotFound();
    }
    *metric = found.pattern->rejected_metric;
    const std::string allow = AllowedMethods(found.pattern->pattern);
    if (request.method() != http::verb::options) return MethodNotAllowed(allow);
    const auto origin = request[http::field::origin];
    if (!origin.empty() && request.count(http::field::access_control_request_method) > 0) {
      if (options_.cors != nullptr) return options_.cors->Preflight(origin, allow);
      return CorsPolicy().Preflight(origin, allow);
    }
    // A plain OPTIONS asks what the path supports.
    HttpResponse res{http::status::no_content, 11};
    res.set(http::field::allow, allow);
    return res;
  }
  const Route& route = *found.route;
  *metric = route.metric;
  if (route.options.guard) {
    if (Status s = route.options.guard(request); !s.ok()) return ErrorResponse(s);
  }
  if (Status s = CheckQueryString(request.target()); !s.ok()) return ErrorResponse(s);
  return CheckMediaType(route.options, request);
}

Router::Screening Router::Screen(const HttpRequest& header, std::string_view client) const {
  Screening screening;
  screening.body_limit = options_.max_body_bytes;
  PathParams params;
  const Lookup found = Find(header, &params);
  const bool exempt = found.route != nullptr && found.route->options.never_shed;
  int metric = unmatched_metric_;
  std::optional<HttpResponse> answer;
  RateLimiter::Clock::duration retry_after{};
  if (!exempt && options_.rate_limiter != nullptr &&
      !options_.rate_limiter->Admit(client, &retry_after)) {
    metric = found.route != nullptr   ? found.route->metric
             : found.pattern != nullptr ? found.pattern->rejected_metric
                                        : unmatched_metric_;
    answer = RateLimited(retry_after);
  } else if (found.route == nullptr && found.pattern != nullptr &&
             header.method() != http::verb::options) {
    return screening;  // 405 after the body, which keeps the connection usable
  } else if (found.route == nullptr && found.pattern == nullptr) {
    return screening;  // 404 likewise
  } else {
    answer = Precheck(header, found, &metric);
  }
  if (answer) {
    Completion done(metrics_, options_.cors, header,
                    [&screening](HttpResponse&& res) { screening.answer = std::move(res); });
    done.Finish(metric, std::move(*answer));
    return screening;
  }
  if (found.route->options.max_body_bytes > 0) {
    screening.body_limit = found.route->options.max_body_bytes;
  }
  return screening;
}

size_t Router::BodyLimitFor(const HttpRequest& header) const {
  PathParams params;
  const Lookup found = Find(header, &params);
  if (found.route != nullptr && found.route->options.max_body_bytes > 0) {
    return found.route->options.max_body_bytes;
  }
  return options_.max_body_bytes;
}

size_t Router::max_body_limit() const {
  size_t limit = options_.max_body_bytes;
  for (const Route& r : routes_) limit = std::max(limit, r.options.max_body_bytes);
  return limit;
}

void Router::Decorate(const HttpRequest& header, HttpResponse& response) const {
  if (options_.cors != nullptr) options_.cors->Decorate(header[http::field::origin], response);
}

void Router::Dispatch(HttpRequest&& request, Reply reply) const {
  auto done = std::make_shared<Completion>(metrics_, options_.cors, request, std::move(reply));

  PathParams params;
  const Lookup found = Find(request, &params);
  int metric = unmatched_metric_;
  if (auto answer = Precheck(request, found, &metric)) {
    done->Finish(metric, std::move(*answer));
    return;
  }
  const Route* route = found.route;
  if (!route->options.never_shed && options_.max_inflight > 0) {
    if (inflight_->fetch_add(1, std::memory_order_acq_rel) >= options_.max_inflight) {
      inflight_->fetch_sub(1, std::memory_order_acq_rel);
      done->Finish(metric, Overloaded("the service is busy; retry shortly"));
      return;
    }
    done->Hold(inflight_);
  }

  const bool blocking =
      route->options.blocking || (route->options.blocking_if && route->options.blocking_if(request));
  if (blocking && options_.blocking_pool != nullptr) {
    // The job owns the request; the reply (and through it the session) is
    // kept alive by `done` until the handler answers on the pool thread.
    auto owned = std::make_shared<HttpRequest>(std::move(request));
    const bool queued = options_.blocking_pool->TrySubmit(
        [route, metric, done, owned, params = std::move(params)] {
          Invoke(route->handler, route->method, route->pattern, *owned, params, metric, done);
        },
        route->options.bureau_job ? BlockingPool::Lane::kBureau : BlockingPool::Lane::kServing);
    if (!queued) {
      done->Finish(metric, Overloaded("the service is busy with slow work; retry shortly"));
    }
    return;
  }
  Invoke(route->handler, route->method, route->pattern, request, params, metric, done);
}

}  // namespace iisc
