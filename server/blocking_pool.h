// A bounded pool of threads for the routes that block: RocksDB reads and
// writes, catalog writes, checkpoints, model retraining, what-if replays,
// assignment planning, the supply-demand map. The I/O threads only parse,
// score and write; a route declares itself blocking (RouteOptions::blocking)
// and the router hands its handler to this pool.
//
// Bounded: at most `threads` jobs run and at most `max_queued` of each lane
// wait. A job beyond that is refused at once (the router answers 503 with
// Retry-After), never queued; bureau jobs waiting never take the places of
// serving ones.
//
// Two lanes: the bureau's jobs (imports, retraining, backups, replays, plans,
// the map: seconds each) run on at most threads - 1 threads at once (one
// thread when there is one), so SMEs' and complexes' jobs (need reads,
// lifecycle writes: milliseconds) always find a thread. Jobs start in the
// order they came, except that a bureau job waits while its lane is full.
//
// Shutdown (Server::Run): as soon as the I/O threads have stopped, Close()
// refuses new jobs and destroys the queued ones without running them (on the
// caller's thread, while the io_context their replies would post to is still
// alive); Join() then waits for the running ones to finish. Closing first
// matters: a running job that finishes in between must not hand its thread
// to a queued one.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace iisc {

class BlockingPool {
 public:
  using Job = std::function<void()>;
  enum class Lane { kServing, kBureau };

  struct Stats {
    int threads = 0;
    size_t queued = 0;      // waiting for a thread
    size_t running = 0;     // on a thread now
    size_t running_bureau = 0;  // of which bureau jobs
    uint64_t rejected = 0;  // refused since start: queue full or stopped
  };

  // `threads` >= 1. `before_job`, when set, runs on the pool thread before
  // each job (tests hold a job in progress with it).
  BlockingPool(int threads, size_t max_queued, Job before_job = nullptr);
  ~BlockingPool();  // Stop()

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `job`; false (and `job` is not run) when `max_queued` jobs already
  // wait or the pool is stopped. A job that throws is logged, not propagated.
  bool TrySubmit(Job job, Lane lane = Lane::kServing);

  // Refuses new jobs and destroys the queued ones unrun; running jobs go on.
  // Returns how many queued jobs were dropped. Idempotent.
  size_t Close();

  // Waits for the running jobs and joins the threads. Call after Close();
  // must not be called from a pool thread.
  void Join();

  // Close() then Join(); returns what Close() dropped.
  size_t Stop();

  Stats stats() const;

 private:
  struct Queued {
    Job job;
    Lane lane;
  };
  void Work();
  size_t IdleThreadsLocked() const;  // REQUIRES: mu_ held
  // Whether a job of `lane` may be queued now. REQUIRES: mu_ held
  bool AdmitsLocked(Lane lane) const;
  // The first queued job whose lane has room, or queue_.end().
  std::deque<Queued>::iterator NextLocked();  // REQUIRES: mu_ held

  const size_t max_queued_;
  const Job before_job_;
  size_t max_bureau_running_ = 1;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;  // GUARDED_BY(mu_)
  size_t running_ = 0;     // GUARDED_BY(mu_)
  size_t running_bureau_ = 0;  // GUARDED_BY(mu_)
  size_t queued_bureau_ = 0;   // GUARDED_BY(mu_): of queue_
  uint64_t rejected_ = 0;  // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace iisc
