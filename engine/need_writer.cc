#include "engine/need_writer.h"

#include <vector>

namespace iisc {

NeedWriter::NeedWriter(Store* store, size_t max_batch)
    : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch), thread_([this] { Run(); }) {}

NeedWriter::~NeedWriter() { Stop(); }

void NeedWriter::Submit(StoredNeed need, std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(need), std::move(done));
      cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the server is shutting down"));
}

void NeedWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void NeedWriter::Run() {
  std::vector<StoredNeed> needs;
  std::vector<std::function<void(Status)>> callbacks;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && needs.size() < max_batch_) {
        needs.push_back(std::move(queue_.front().first));
        callbacks.push_back(std::move(queue_.front().second));
        queue_.pop_front();
      }
    }
    Status status = store_->PutNeeds(needs);
    for (auto& done : callbacks) done(status);
    needs.clear();
    callbacks.clear();
  }
}

}  // namespace iisc
