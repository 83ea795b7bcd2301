// Group commit for needs: callers enqueue, one writer thread writes everything
// queued as one synced batch, then acknowledges each need. Under load many
// needs share one fsync, so durability costs little throughput.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/store.h"

namespace iisc {

class NeedWriter {
 public:
  // `store` must outlive the writer.
  NeedWriter(Store* store, size_t max_batch);
  ~NeedWriter();  // Stop()s

  // `done` runs on the writer thread after the need is durable (OK) or failed.
  // After Stop() it runs at once with Unavailable.
  void Submit(StoredNeed need, std::function<void(Status)> done);
  // Writes what is queued, then stops the thread. Idempotent.
  void Stop();

 private:
  void Run();

  Store* store_;
  size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<StoredNeed, std::function<void(Status)>>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                                  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace iisc
