// A gate that holds test jobs at their start: each job calls Enter, the test
// waits until enough have entered, then opens the gate for all. Waits are on
// the gate's own state, never on timing.
#pragma once

#include <condition_variable>
#include <mutex>

namespace iisc::testing {

class Gate {
 public:
  // Counts the caller in and blocks it until Release.
  void Enter() {
    {
      std::lock_guard lock(mu_);
      ++entered_;
    }
    cv_.notify_all();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  // Returns once `n` callers have entered (whether or not released since).
  void WaitEntered(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  // Lets every caller through, now and from now on.
  void Release() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

}  // namespace iisc::testing
