#include "server/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace iisc {

int Metrics::AddRoute(std::string method, std::string path) {
  Route& r = routes_.emplace_back();
  r.method = std::move(method);
  r.path = std::move(path);
  return static_cast<int>(routes_.size() - 1);
}

void Metrics::Record(int route, unsigned http_status, double seconds) {
  if (route < 0 || route >= static_cast<int>(routes_.size())) return;
  Route& r = routes_[static_cast<size_t>(route)];
  const unsigned cls = http_status / 100;
  if (cls >= 1 && cls <= 5) r.by_class[cls - 1].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  // Buckets are stored per interval and summed into cumulative form on render,
  // so a request touches one counter instead of every bucket above it.
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  const double micros = std::max(0.0, seconds * 1e6);
  r.sum_micros.fetch_add(static_cast<uint64_t>(std::llround(micros)), std::memory_order_relaxed);
}

void Metrics::AddSampled(std::string name, std::string type, std::string help,
                         std::function<double()> read) {
  sampled_.push_back({std::move(name), std::move(type), std::move(help), std::move(read)});
}

namespace {

std::string Labels(const std::string& method, const std::string& path) {
  // Route paths and methods come from the route table, never from clients,
  // so they hold nothing that needs escaping.
  return "method=\"" + method + "\",route=\"" + path + "\"";
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  out += "# HELP iisc_http_requests_total HTTP requests answered, by route and status class.\n";
  out += "# TYPE iisc_http_requests_total counter\n";
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const Route& r : routes_) {
    const std::string labels = Labels(r.method, r.path);
    for (size_t c = 0; c < r.by_class.size(); ++c) {
      const uint64_t n = r.by_class[c].load(std::memory_order_relaxed);
      if (n == 0 && c != 1) continue;  // keep 2xx so every route shows up
      out += "iisc_http_requests_total{" + labels + ",status=\"" + kClasses[c] + "\"} " +
             std::to_string(n) + "\n";
    }
  }
  out += "# HELP iisc_http_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE iisc_http_request_duration_seconds histogram\n";
  for (const Route& r : routes_) {
    const std::string labels = Labels(r.method, r.path);
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += r.buckets[b].load(std::memory_order_relaxed);
      const std::string le = b < kBuckets.size() ? FormatDouble(kBuckets[b]) : "+Inf";
      out += "iisc_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "iisc_http_request_duration_seconds_sum{" + labels + "} " +
           FormatDouble(static_cast<double>(r.sum_micros.load(std::memory_order_relaxed)) / 1e6) +
           "\n";
    out += "iisc_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(cumulative) + "\n";  // equals +Inf, as Prometheus expects
  }
  for (const Sampled& m : sampled_) {
    out += "# HELP " + m.name + " " + m.help + "\n# TYPE " + m.name + " " + m.type + "\n";
    const double v = m.read();
    const bool whole = v == std::floor(v) && std::fabs(v) < 1e15;
    out += m.name + " " + (whole ? std::to_string(std::llround(v)) : FormatDouble(v)) + "\n";
  }
  return out;
}

}  // namespace iisc
