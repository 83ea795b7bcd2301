// Per-client token buckets: each client (remote address) may send `burst`
// requests at once and `per_second` sustained; beyond, requests are refused
// with the time after which one would be admitted. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace iisc {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second <= 0 disables limiting (every request is admitted).
  RateLimiter(double per_second, double burst);

  // Takes one token from `client`'s bucket. When it is empty, returns false
  // and sets *retry_after to how long until a token is back.
  bool Admit(std::string_view client, Clock::duration* retry_after) {
    return AdmitAt(client, Clock::now(), retry_after);
  }
  // The same at a given time (for tests).
  bool AdmitAt(std::string_view client, Clock::time_point now, Clock::duration* retry_after);

  bool enabled() const { return per_second_ > 0; }
  size_t tracked_clients() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  // Forgets clients whose bucket has refilled (they are indistinguishable
  // from new ones), so memory is bounded by the clients of the last few
  // seconds, not by every address ever seen. REQUIRES: mu_ held.
  void PruneLocked(Clock::time_point now);

  const double per_second_;
  const double burst_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
  size_t prune_at_ = 1024;                           // GUARDED_BY(mu_)
};

}  // namespace iisc
