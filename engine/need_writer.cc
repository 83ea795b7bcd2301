#include "engine/need_writer.h"

namespace iisc {

NeedWriter::NeedWriter(Store* store, size_t max_batch)
    : store_(store),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      completion_thread_([this] { RunCompletions(); }),
      writer_thread_([this] { RunWriter(); }) {}

NeedWriter::~NeedWriter() { Stop(); }

void NeedWriter::Submit(StoredNeed need, std::function<void(Status)> done) {
  DurableWrite write;
  write.needs.push_back(std::move(need));
  Submit(std::move(write), std::move(done));
}

void NeedWriter::Submit(DurableWrite write, std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.emplace_back(std::move(write), std::move(done));
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
  if (writer_thread_.joinable()) writer_thread_.join();
  if (completion_thread_.joinable()) completion_thread_.join();
}

void NeedWriter::RunWriter() {
  DurableWrite batch;
  Callbacks callbacks;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      while (!queue_.empty() && callbacks.size() < max_batch_) {
        DurableWrite& write = queue_.front().first;
        for (StoredNeed& need : write.needs) batch.needs.push_back(std::move(need));
        for (RecordWrite& record : write.records) batch.records.push_back(std::move(record));
        for (std::string& id : write.erased_need_vectors) {
          batch.erased_need_vectors.push_back(std::move(id));
        }
        callbacks.push_back(std::move(queue_.front().second));
        queue_.pop_front();
      }
    }
    Status status = store_->Write(batch);
    batch = DurableWrite();
    {
      std::lock_guard<std::mutex> lock(done_mu_);
      completed_.emplace_back(std::move(callbacks), std::move(status));
      done_cv_.notify_one();
    }
    callbacks = Callbacks();
  }
  std::lock_guard<std::mutex> lock(done_mu_);
  writer_finished_ = true;
  done_cv_.notify_one();
}

void NeedWriter::RunCompletions() {
  for (;;) {
    std::pair<Callbacks, Status> batch;
    {
      std::unique_lock<std::mutex> lock(done_mu_);
      done_cv_.wait(lock, [this] { return writer_finished_ || !completed_.empty(); });
      if (completed_.empty()) return;  // the writer is done and every batch acknowledged
      batch = std::move(completed_.front());
      completed_.pop_front();
    }
    for (auto& done : batch.first) done(batch.second);
  }
}

}  // namespace iisc
