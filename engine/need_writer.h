// Group commit for needs and the lifecycle records written with them
// (requests, their transitions, events): callers enqueue, one writer thread writes everything
// queued as one synced batch, then hands the batch's acknowledgements to a
// completion thread and takes the next batch at once. Under load many needs
// share one fsync, and the fsync of one batch overlaps the acknowledgements
// (and the answers they serialize) of the previous one, so durability costs
// little throughput.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/store.h"

namespace iisc {

class NeedWriter {
 public:
  // `store` must outlive the writer.
  NeedWriter(Store* store, size_t max_batch);
  ~NeedWriter();  // Stop()s

  // `done` runs on the completion thread after the need is durable (OK) or
  // failed, in submission order. After Stop() it runs at once with Unavailable.
  void Submit(StoredNeed need, std::function<void(Status)> done);
  // The same for any durable write; writes queued together share one batch,
  // so a later write to the same key wins.
  void Submit(DurableWrite write, std::function<void(Status)> done);
  // Writes what is queued, runs every acknowledgement, then stops both
  // threads. Idempotent.
  void Stop();

 private:
  using Callbacks = std::vector<std::function<void(Status)>>;
  void RunWriter();
  void RunCompletions();

  Store* store_;
  size_t max_batch_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<DurableWrite, std::function<void(Status)>>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                                  // GUARDED_BY(mu_)

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<std::pair<Callbacks, Status>> completed_;  // GUARDED_BY(done_mu_)
  bool writer_finished_ = false;                        // GUARDED_BY(done_mu_)

  std::thread completion_thread_;
  std::thread writer_thread_;
};

}  // namespace iisc
