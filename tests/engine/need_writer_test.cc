#include "engine/need_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace iisc {
namespace {

using namespace std::chrono_literals;

// A store whose need writes take a while (like a synced WAL write) and are
// recorded batch by batch; nothing else is used.
class SlowNeedStore final : public Store {
 public:
  explicit SlowNeedStore(std::chrono::milliseconds write_time) : write_time_(write_time) {}

  Status Write(const DurableWrite& write) override {
    std::this_thread::sleep_for(write_time_);
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const StoredNeed& n : write.needs) ids.push_back(n.id);
    for (const RecordWrite& r : write.records) ids.push_back(r.key);
    batches_.push_back(std::move(ids));
    return fail_ ? Status::IOError("disk full") : Status::Ok();
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  void set_fail(bool fail) { fail_ = fail; }

  Status PutComplex(const Complex&) override { return Status::Internal("unused"); }
  Status DeleteComplex(std::string_view) override { return Status::Internal("unused"); }
  Status WriteCatalog(const std::vector<Complex>&, const std::vector<std::string>&) override {
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
  std::chrono::milliseconds write_time_;
  std::atomic<bool> fail_{false};
  std::mutex mu_;
  std::vector<std::vector<std::string>> batches_;
};

StoredNeed NeedWithId(int i) {
  StoredNeed n;
  n.id = "need-" + std::to_string(i);
  n.need.description = "x";
  return n;
}

TEST(NeedWriterTest, NeedsQueuedDuringAWriteShareTheNextOne) {
  SlowNeedStore store(50ms);
  NeedWriter writer(&store, 256);
  std::vector<std::promise<Status>> done(21);
  writer.Submit(NeedWithId(0), [&](Status s) { done[0].set_value(s); });
  std::this_thread::sleep_for(10ms);  // the first write is under way
  for (int i = 1; i <= 20; ++i) writer.Submit(NeedWithId(i), [&, i](Status s) { done[i].set_value(s); });
  for (auto& d : done) EXPECT_TRUE(d.get_future().get().ok());
  const auto batches = store.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].size(), 1u);
  EXPECT_EQ(batches[1].size(), 20u);
}

TEST(NeedWriterTest, TheNextBatchIsWrittenWhileAcknowledgementsRun) {
  // The first need's acknowledgement waits until the second need has been
  // written: with acknowledgements on the writing thread that never happens.
  SlowNeedStore store(20ms);
  NeedWriter writer(&store, 256);
  std::promise<bool> first_saw_second;
  std::promise<void> second_done;
  writer.Submit(NeedWithId(1), [&](Status) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (store.batches().size() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    first_saw_second.set_value(store.batches().size() == 2);
  });
  std::this_thread::sleep_for(5ms);
  writer.Submit(NeedWithId(2), [&](Status) { second_done.set_value(); });
  EXPECT_TRUE(first_saw_second.get_future().get());
  second_done.get_future().get();
}

TEST(NeedWriterTest, AcknowledgesInOrderWithTheBatchStatus) {
  SlowNeedStore store(5ms);
  store.set_fail(true);
  NeedWriter writer(&store, 4);
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
  for (auto& d : done) EXPECT_EQ(d.get_future().get().code(), StatusCode::kIOError);
  std::vector<int> expected(10);
  for (int i = 0; i < 10; ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  for (const auto& b : store.batches()) EXPECT_LE(b.size(), 4u);
}

TEST(NeedWriterTest, StopWritesAndAcknowledgesEverythingQueued) {
  SlowNeedStore store(10ms);
  std::atomic<int> acknowledged{0};
  {
    NeedWriter writer(&store, 256);
    for (int i = 0; i < 50; ++i) writer.Submit(NeedWithId(i), [&](Status s) { acknowledged += s.ok(); });
    writer.Stop();
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
