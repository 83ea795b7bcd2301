#include "server/blocking_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "server/log.h"

namespace iisc {

BlockingPool::BlockingPool(int threads, size_t max_queued, Job before_job)
    : max_queued_(max_queued), before_job_(std::move(before_job)) {
  const int n = threads < 1 ? 1 : threads;
  max_bureau_running_ = n > 1 ? static_cast<size_t>(n - 1) : 1;
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

BlockingPool::~BlockingPool() { Stop(); }

bool BlockingPool::TrySubmit(Job job, Lane lane) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !AdmitsLocked(lane)) {
      ++rejected_;
      return false;
    }
    queue_.push_back({std::move(job), lane});
    if (lane == Lane::kBureau) ++queued_bureau_;
  }
  wake_.notify_one();
  return true;
}

size_t BlockingPool::Stop() {
  const size_t dropped = Close();
  Join();
  return dropped;
}

size_t BlockingPool::Close() {
  std::deque<Queued> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
    queued_bureau_ = 0;
  }
  wake_.notify_all();
  const size_t count = dropped.size();
  // Destroyed here, unrun: their captures (a session and its reply) are
  // released on this thread, before anything they refer to is torn down.
  dropped.clear();
  return count;
}

void BlockingPool::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

BlockingPool::Stats BlockingPool::stats() const {
  std::lock_guard lock(mu_);
  return Stats{static_cast<int>(threads_.size()), queue_.size(), running_, running_bureau_, rejected_};
}

size_t BlockingPool::IdleThreadsLocked() const { return threads_.size() - running_; }

// Jobs an idle thread will take at once do not count as waiting: any idle
// thread takes a serving job, a bureau job only while its lane has room.
bool BlockingPool::AdmitsLocked(Lane lane) const {
  const size_t idle = IdleThreadsLocked();
  if (lane == Lane::kServing) return queue_.size() - queued_bureau_ < max_queued_ + idle;
  const size_t lane_room = max_bureau_running_ > running_bureau_ ? max_bureau_running_ - running_bureau_ : 0;
  return queued_bureau_ < max_queued_ + std::min(idle, lane_room);
}

std::deque<BlockingPool::Queued>::iterator BlockingPool::NextLocked() {
  if (running_bureau_ < max_bureau_running_) return queue_.begin();
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->lane == Lane::kServing) return it;
  }
  return queue_.end();
}

void BlockingPool::Work() {
  for (;;) {
    Job job;
    Lane lane = Lane::kServing;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || NextLocked() != queue_.end(); });
      const auto next = NextLocked();
      if (next == queue_.end()) return;  // stopping, nothing left that may run
      job = std::move(next->job);
      lane = next->lane;
      queue_.erase(next);
      if (lane == Lane::kBureau) --queued_bureau_;
      ++running_;
      if (lane == Lane::kBureau) ++running_bureau_;
    }
    try {
      if (before_job_) before_job_();
      job();
    } catch (const std::exception& e) {
      LogError("a blocking job threw: %s", e.what());
    } catch (...) {
      LogError("a blocking job threw a non-standard exception");
    }
    job = nullptr;  // its captures go before the job counts as finished
    std::lock_guard lock(mu_);
    --running_;
    if (lane == Lane::kBureau) {
      --running_bureau_;
      // A bureau job that waited for the lane may start now, on any idle thread.
      if (!queue_.empty()) wake_.notify_all();
    }
  }
}

}  // namespace iisc
