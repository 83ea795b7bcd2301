#include "server/router.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>

#include <boost/beast/http/field.hpp>

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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// False on a broken escape or a decoded '/' or NUL, which no id may hold.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '/' || c == '\0') return false;
    out->push_back(c);
    i += 2;
  }
  return true;
}

// One request from dispatch to reply. Shared, because the reply may come
// from another thread after Dispatch has returned; Finish runs once whoever
// calls it, so a misbehaving handler cannot answer twice.
class Completion {
 public:
  Completion(Metrics* metrics, const HttpRequest& request, Reply reply)
      : metrics_(metrics),
        start_(std::chrono::steady_clock::now()),
        version_(request.version()),
        keep_alive_(request.keep_alive()),
        reply_(std::move(reply)) {}

  // Counts the request as in flight until it is answered.
  void Hold(std::shared_ptr<std::atomic<int>> inflight) { inflight_ = std::move(inflight); }

  void Finish(int metric, HttpResponse&& res) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return;
    if (inflight_) inflight_->fetch_sub(1, std::memory_order_acq_rel);
    res.version(version_);
    res.keep_alive(keep_alive_ && res.keep_alive());
    res.prepare_payload();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->Record(metric, res.result_int(), seconds);
    reply_(std::move(res));
  }

 private:
  Metrics* metrics_;
  std::chrono::steady_clock::time_point start_;
  unsigned version_;
  bool keep_alive_;
  Reply reply_;
  std::shared_ptr<std::atomic<int>> inflight_;
  std::atomic<bool> done_{false};
};

}  // namespace

Router::Router(Metrics* metrics, int max_inflight)
    : metrics_(metrics), max_inflight_(max_inflight) {
  unmatched_metric_ = metrics_->AddRoute("*", "unmatched");
}

void Router::Add(http::verb method, std::string pattern, Handler handler, RouteOptions options) {
  Route route;
  route.method = method;
  route.segments = SplitPath(pattern);
  route.pattern = pattern;
  route.handler = std::move(handler);
  route.options = options;
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

std::string Router::AllowedMethods(const std::string& pattern) const {
  std::string allow;
  for (const Route& r : routes_) {
    if (r.pattern != pattern) continue;
    if (!allow.empty()) allow += ", ";
    allow += http::to_string(r.method);
  }
  return allow;
}

void Router::Dispatch(HttpRequest&& request, Reply reply) const {
  auto done = std::make_shared<Completion>(metrics_, request, std::move(reply));

  std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path.front() != '/') {
    done->Finish(unmatched_metric_, RouteNotFound());
    return;
  }

  PathParams params;
  const Route* route = nullptr;
  const Pattern* pattern = nullptr;
  for (const Route& r : routes_) {
    if (!Match(r.segments, path, &params)) continue;
    if (pattern == nullptr) {
      for (const Pattern& p : patterns_) {
        if (p.pattern == r.pattern) pattern = &p;
      }
    }
    if (r.method == request.method()) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    if (pattern == nullptr) {
      done->Finish(unmatched_metric_, RouteNotFound());
    } else {
      done->Finish(pattern->rejected_metric, MethodNotAllowed(AllowedMethods(pattern->pattern)));
    }
    return;
  }
  const int metric = route->metric;
  if (route->options.json_body && !IsJsonContentType(request[http::field::content_type])) {
    done->Finish(metric, UnsupportedMediaType());
    return;
  }
  if (!route->options.never_shed && max_inflight_ > 0) {
    if (inflight_->fetch_add(1, std::memory_order_acq_rel) >= max_inflight_) {
      inflight_->fetch_sub(1, std::memory_order_acq_rel);
      done->Finish(metric, Overloaded("the service is busy; retry shortly"));
      return;
    }
    done->Hold(inflight_);
  }

  try {
    route->handler(request, params, [done, metric](HttpResponse&& res) {
      done->Finish(metric, std::move(res));
    });
  } catch (const std::exception& e) {
    // A bug or resource exhaustion in one request must not take the process down.
    LogError("handler for %s %s threw: %s", std::string(http::to_string(route->method)).c_str(),
             route->pattern.c_str(), e.what());
    done->Finish(metric, ErrorResponse(Status::Internal(e.what())));
  }
}

}  // namespace iisc
