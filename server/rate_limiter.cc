#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace iisc {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)) {}

size_t RateLimiter::tracked_clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

bool RateLimiter::AdmitAt(std::string_view client, Clock::time_point now,
                          Clock::duration* retry_after) {
  if (!enabled()) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= prune_at_) PruneLocked(now);
    it = buckets_.emplace(std::string(client), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  const double wait = (1.0 - b.tokens) / per_second_;
  *retry_after = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
  return false;
}

void RateLimiter::PruneLocked(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * per_second_ >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Sweep again only when the map has doubled: amortized O(1) per request.
  prune_at_ = std::max<size_t>(1024, buckets_.size() * 2);
}

}  // namespace iisc
