// The power-loss model on its own, file by file, before the engine test
// relies on it: what a restart keeps of synced and unsynced data, of new
// directory entries and of renames.
#include "power_loss_file_system.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <unistd.h>

namespace iisc::testing {
namespace {

using rocksdb::FileOptions;
using rocksdb::IOOptions;

class PowerLossFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("iisc-power-loss-fs-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter_++)))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(fs_->NewDirectory(dir_, IOOptions(), &directory_, nullptr).ok());
  }
  void TearDown() override {
    directory_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<rocksdb::FSWritableFile> Create(const std::string& name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    EXPECT_TRUE(fs_->NewWritableFile(Path(name), FileOptions(), &file, nullptr).ok());
    return file;
  }
  static void Append(rocksdb::FSWritableFile* file, const std::string& data) {
    ASSERT_TRUE(file->Append(data, IOOptions(), nullptr).ok());
  }
  void SyncDirectory() { ASSERT_TRUE(directory_->Fsync(IOOptions(), nullptr).ok()); }
  // What is on disk; "<absent>" when there is no such file.
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name), std::ios::binary);
    if (!in) return "<absent>";
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }

  std::shared_ptr<PowerLossFileSystem> fs_ = std::make_shared<PowerLossFileSystem>();
  std::string dir_;
  std::unique_ptr<rocksdb::FSDirectory> directory_;

 private:
  static inline std::atomic<int> counter_{0};
};

TEST_F(PowerLossFileSystemTest, AFileKeepsWhatWasSyncedAndNothingAfter) {
  auto file = Create("wal");
  SyncDirectory();
  Append(file.get(), "synced|");
  ASSERT_TRUE(file->Sync(IOOptions(), nullptr).ok());
  Append(file.get(), "flushed|");
  ASSERT_TRUE(file->Flush(IOOptions(), nullptr).ok());
  ASSERT_TRUE(file->RangeSync(0, 1 << 20, IOOptions(), nullptr).ok());
  Append(file.get(), "closed");
  ASSERT_TRUE(file->Close(IOOptions(), nullptr).ok());
  EXPECT_EQ(Read("wal"), "synced|flushed|closed");  // the page cache has it all

  fs_->CutPower();
  PowerLossFileSystem::Losses losses;
  ASSERT_TRUE(fs_->RestorePower(&losses).ok());
  EXPECT_EQ(Read("wal"), "synced|");
  EXPECT_EQ(losses.bytes_dropped, std::string("flushed|closed").size());
}

TEST_F(PowerLossFileSystemTest, WithThePowerOffEveryWriteFails) {
  auto file = Create("wal");
  SyncDirectory();
  Append(file.get(), "before|");
  fs_->CutPower();
  EXPECT_TRUE(file->Append("after", IOOptions(), nullptr).IsIOError());
  EXPECT_TRUE(file->Sync(IOOptions(), nullptr).IsIOError());
  EXPECT_TRUE(file->Fsync(IOOptions(), nullptr).IsIOError());
  EXPECT_TRUE(directory_->Fsync(IOOptions(), nullptr).IsIOError());
  std::unique_ptr<rocksdb::FSWritableFile> other;
  EXPECT_TRUE(fs_->NewWritableFile(Path("new"), FileOptions(), &other, nullptr).IsIOError());
  EXPECT_TRUE(fs_->RenameFile(Path("wal"), Path("moved"), IOOptions(), nullptr).IsIOError());
  EXPECT_TRUE(fs_->DeleteFile(Path("wal"), IOOptions(), nullptr).IsIOError());
  EXPECT_TRUE(file->Close(IOOptions(), nullptr).ok());  // releases the descriptor

  ASSERT_TRUE(fs_->RestorePower().ok());
  EXPECT_EQ(Read("wal"), "");
  EXPECT_EQ(Read("moved"), "<absent>");
  // Back on: writes are accepted again.
  auto again = Create("wal");
  Append(again.get(), "x");
  EXPECT_TRUE(again->Sync(IOOptions(), nullptr).ok());
}

TEST_F(PowerLossFileSystemTest, ANewFileNeedsItsDirectorySynced) {
  auto early = Create("early");
  Append(early.get(), "entry synced");
  ASSERT_TRUE(early->Fsync(IOOptions(), nullptr).ok());
  ASSERT_TRUE(early->Close(IOOptions(), nullptr).ok());
  SyncDirectory();
  auto late = Create("late");  // after the directory's fsync
  Append(late.get(), "data synced, entry not");
  ASSERT_TRUE(late->Fsync(IOOptions(), nullptr).ok());

  fs_->CutPower();
  ASSERT_TRUE(late->Close(IOOptions(), nullptr).ok());
  PowerLossFileSystem::Losses losses;
  ASSERT_TRUE(fs_->RestorePower(&losses).ok());
  EXPECT_EQ(Read("early"), "entry synced");
  EXPECT_EQ(Read("late"), "<absent>");
  EXPECT_EQ(losses.files_removed, 1);
}

TEST_F(PowerLossFileSystemTest, ARenameNotYetDurableIsUndone) {
  {
    std::ofstream current(Path("CURRENT"));  // on disk before: durable
    current << "old";
  }
  auto tmp = Create("CURRENT.tmp");
  Append(tmp.get(), "new");
  ASSERT_TRUE(tmp->Sync(IOOptions(), nullptr).ok());
  ASSERT_TRUE(tmp->Close(IOOptions(), nullptr).ok());
  SyncDirectory();
  ASSERT_TRUE(fs_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT"), IOOptions(), nullptr).ok());
  EXPECT_EQ(Read("CURRENT"), "new");

  fs_->CutPower();
  PowerLossFileSystem::Losses losses;
  ASSERT_TRUE(fs_->RestorePower(&losses).ok());
  EXPECT_EQ(losses.renames_undone, 1);
  EXPECT_EQ(Read("CURRENT"), "old");
  EXPECT_EQ(Read("CURRENT.tmp"), "new");

  // Once the directory is synced after the rename, the rename holds.
  ASSERT_TRUE(fs_->RenameFile(Path("CURRENT.tmp"), Path("CURRENT"), IOOptions(), nullptr).ok());
  SyncDirectory();
  fs_->CutPower();
  ASSERT_TRUE(fs_->RestorePower().ok());
  EXPECT_EQ(Read("CURRENT"), "new");
  EXPECT_EQ(Read("CURRENT.tmp"), "<absent>");
}

}  // namespace
}  // namespace iisc::testing
