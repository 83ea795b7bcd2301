#include "engine/need_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace iisc {
namespace {

using namespace std::chrono_literals;

// A store whose need writes are recorded batch by batch and can be held:
// while held, a write waits inside the store (as in a long WAL sync) until
// the test releases it, so the test decides what is queued meanwhile.
// Nothing else is used.
class GatedNeedStore final : public Store {
 public:
  Status Write(const DurableWrite& write) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++writes_started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !held_; });
    std::vector<std::string> ids;
    for (const StoredNeed& n : write.needs) ids.push_back(n.id);
    for (const RecordWrite& r : write.records) ids.push_back(r.key);
    batches_.push_back(std::move(ids));
    changed_.notify_all();
    return fail_ ? Status::IOError("disk full") : Status::Ok();
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  void set_fail(bool fail) { fail_ = fail; }
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    changed_.notify_all();
  }
  // True once `n` writes have begun (held or not); false at the deadline, so
  // that a writer that never writes fails the test instead of hanging it.
  bool WaitForWritesStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kDeadline, [&] { return writes_started_ >= n; });
  }
  // The same for written (recorded) batches.
  bool WaitForBatches(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kDeadline, [&] { return batches_.size() >= n; });
  }

  Status PutComplex(const Complex&) override { return Status::Internal("unused"); }
  Status DeleteComplex(std::string_view) override { return Status::Internal("unused"); }
  Status WriteCatalog(const std::vector<Complex>&, const std::vector<std::string>&,
                      const std::vector<std::pair<std::string, FeatureVector>>&) override {
    return Status::Internal("unused");
  }
  Result<Complex> GetComplex(std::string_view) const override { return Status::Internal("unused"); }
  Result<std::vector<Complex>> ListComplexes() const override { return Status::Internal("unused"); }
  Status PutFeatures(const std::vector<std::pair<std::string, FeatureVector>>&) override {
    return Status::Internal("unused");
  }
  Result<std::optional<FeatureVector>> GetFeatures(std::string_view) const override {
    return Status::Internal("unused");
  }
  Status ScanFeatures(const std::function<Status(std::string_view, const FeatureVector&)>&) const override {
    return Status::Internal("unused");
  }
  Result<StoredNeed> GetNeed(std::string_view) const override { return Status::Internal("unused"); }
  Status ScanNeeds(const std::function<Status(const StoredNeed&)>&) const override {
    return Status::Internal("unused");
  }
  Result<std::optional<std::string>> GetMeta(std::string_view) const override {
    return Status::Internal("unused");
  }
  Status PutMeta(std::string_view, std::string_view) override { return Status::Internal("unused"); }
  Result<std::optional<std::string>> GetRecord(std::string_view) const override {
    return Status::Internal("unused");
  }
  Status ScanRecords(std::string_view, std::string_view,
                     const std::function<Result<bool>(std::string_view, std::string_view)>&)
      const override {
    return Status::Internal("unused");
  }
  Status Checkpoint(const std::string&) override { return Status::Internal("unused"); }

 private:
  static constexpr auto kDeadline = 30s;
  std::atomic<bool> fail_{false};
  std::mutex mu_;
  std::condition_variable changed_;
  bool held_ = false;                              // GUARDED_BY(mu_)
  int writes_started_ = 0;                         // GUARDED_BY(mu_)
  std::vector<std::vector<std::string>> batches_;  // GUARDED_BY(mu_)
};

// Holds the store's writes while it lives: declared after the writer, it
// lets them go before the writer stops, also when an assertion returns early.
class HeldWrites {
 public:
  explicit HeldWrites(GatedNeedStore* store) : store_(store) { store_->Hold(); }
  ~HeldWrites() { store_->Release(); }
  HeldWrites(const HeldWrites&) = delete;
  HeldWrites& operator=(const HeldWrites&) = delete;
  void Release() { store_->Release(); }

 private:
  GatedNeedStore* store_;
};

StoredNeed NeedWithId(int i) {
  StoredNeed n;
  n.id = "need-" + std::to_string(i);
  n.need.description = "x";
  return n;
}

TEST(NeedWriterTest, NeedsQueuedDuringAWriteShareTheNextOne) {
  GatedNeedStore store;
  NeedWriter writer(&store, 256);
  HeldWrites held(&store);
  std::vector<std::promise<Status>> done(21);
  writer.Submit(NeedWithId(0), [&](Status s) { done[0].set_value(s); });
  ASSERT_TRUE(store.WaitForWritesStarted(1));  // the first write is under way
  for (int i = 1; i <= 20; ++i) writer.Submit(NeedWithId(i), [&, i](Status s) { done[i].set_value(s); });
  held.Release();
  for (auto& d : done) EXPECT_TRUE(d.get_future().get().ok());
  const auto batches = store.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].size(), 1u);
  EXPECT_EQ(batches[1].size(), 20u);
}

TEST(NeedWriterTest, TheNextBatchIsWrittenWhileAcknowledgementsRun) {
  // The first need's acknowledgement waits until the second need has been
  // written: with acknowledgements on the writing thread that never happens,
  // and the wait ends at its deadline with false.
  GatedNeedStore store;
  NeedWriter writer(&store, 256);
  std::promise<void> first_acknowledging;
  std::promise<bool> first_saw_second;
  std::promise<void> second_done;
  writer.Submit(NeedWithId(1), [&](Status) {
    first_acknowledging.set_value();
    first_saw_second.set_value(store.WaitForBatches(2));
  });
  // Submitted once the first batch is written and being acknowledged, so it
  // is a batch of its own.
  first_acknowledging.get_future().wait();
  writer.Submit(NeedWithId(2), [&](Status) { second_done.set_value(); });
  EXPECT_TRUE(first_saw_second.get_future().get());
  second_done.get_future().get();
}

TEST(NeedWriterTest, AcknowledgesInOrderWithTheBatchStatus) {
  GatedNeedStore store;
  store.set_fail(true);
  NeedWriter writer(&store, 4);
  // Held while all ten are queued, so that the writer has more than a batch
  // waiting and must split it.
  HeldWrites held(&store);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::promise<Status>> done(10);
  for (int i = 0; i < 10; ++i) {
    writer.Submit(NeedWithId(i), [&, i](Status s) {
      {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(i);
      }
      done[i].set_value(s);
    });
  }
  held.Release();
  for (auto& d : done) EXPECT_EQ(d.get_future().get().code(), StatusCode::kIOError);
  std::vector<int> expected(10);
  for (int i = 0; i < 10; ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  for (const auto& b : store.batches()) EXPECT_LE(b.size(), 4u);
}

TEST(NeedWriterTest, StopWritesAndAcknowledgesEverythingQueued) {
  GatedNeedStore store;
  std::atomic<int> acknowledged{0};
  {
    NeedWriter writer(&store, 256);
    // The first write is held while the other 49 queue behind it, and let go
    // as Stop() is called: Stop() must still write and acknowledge them all.
    HeldWrites held(&store);
    for (int i = 0; i < 50; ++i) writer.Submit(NeedWithId(i), [&](Status s) { acknowledged += s.ok(); });
    ASSERT_TRUE(store.WaitForWritesStarted(1));
    std::thread stopper([&] { writer.Stop(); });
    held.Release();
    stopper.join();
    EXPECT_EQ(acknowledged.load(), 50);
    std::promise<Status> late;
    writer.Submit(NeedWithId(99), [&](Status s) { late.set_value(s); });
    EXPECT_EQ(late.get_future().get().code(), StatusCode::kUnavailable);
  }
  size_t written = 0;
  for (const auto& b : store.batches()) written += b.size();
  EXPECT_EQ(written, 50u);
}

}  // namespace
}  // namespace iisc
