// Request metrics in the Prometheus text format: per route, a request count
// by status class and a latency histogram; then sampled values (gauges).
//
// Thread safety: routes and sampled values are added before serving starts
// (not thread-safe); Record and Render may then run concurrently (Record is
// lock-free; Render calls the sampled values' readers).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace iisc {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // Registers a route label ("POST /v1/recommendations") and returns its
  // index for Record.
  int AddRoute(std::string method, std::string path);

  void Record(int route, unsigned http_status, double seconds);

  // A value read each time the metrics are rendered (e.g. the blocking
  // pool's queue); `type` is "gauge" or "counter". Added before serving.
  void AddSampled(std::string name, std::string type, std::string help,
                  std::function<double()> read);

  std::string Render() const;

 private:
  struct Route {
    std::string method;
    std::string path;
    std::array<std::atomic<uint64_t>, 5> by_class{};  // 1xx..5xx
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last is +Inf
    std::atomic<uint64_t> sum_micros{0};
  };
  struct Sampled {
    std::string name, type, help;
    std::function<double()> read;
  };
  // A deque never moves its elements, and atomics cannot move.
  std::deque<Route> routes_;
  std::vector<Sampled> sampled_;
};

}  // namespace iisc
