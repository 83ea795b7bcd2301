#include "power_loss_file_system.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

namespace iisc::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

// RocksDB names one file in several spellings ("dir//x", "dir/./x").
std::string Normalize(const std::string& name) {
  std::string normal = std::filesystem::path(name).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

std::string DirectoryOf(const std::string& normalized_name) {
  return std::filesystem::path(normalized_name).parent_path().string();
}

IOStatus PowerIsOff() { return IOStatus::IOError("the power is off (simulated power loss)"); }

// Through a reopened file: the default file system has no Truncate of its own.
IOStatus TruncateOnDisk(rocksdb::FileSystem* disk, const std::string& name, uint64_t size) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus status = disk->ReopenWritableFile(name, rocksdb::FileOptions(), &file, nullptr);
  if (status.ok()) status = file->Truncate(size, IOOptions(), nullptr);
  if (status.ok()) status = file->Fsync(IOOptions(), nullptr);
  IOStatus closed = file != nullptr ? file->Close(IOOptions(), nullptr) : IOStatus::OK();
  return status.ok() ? closed : status;
}

}  // namespace

// A writable file whose appends and syncs are counted in its FileState.
class PowerLossWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  PowerLossWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, PowerLossFileSystem* fs,
                        std::shared_ptr<PowerLossFileSystem::FileState> state)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), state_(std::move(state)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    return Appending(data.size(), [&] { return target()->Append(data, options, dbg); });
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    return Appending(data.size(), [&] { return target()->Append(data, options, info, dbg); });
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                            const IOOptions& options, IODebugContext* dbg) override {
    return WritingAt(offset + data.size(),
                     [&] { return target()->PositionedAppend(data, offset, options, dbg); });
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                            const IOOptions& options, const rocksdb::DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    return WritingAt(offset + data.size(), [&] {
      return target()->PositionedAppend(data, offset, options, info, dbg);
    });
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options, IODebugContext* dbg) override {
    IOStatus status = fs_->CheckPower();
    if (status.ok()) status = target()->Truncate(size, options, dbg);
    if (!status.ok()) return status;
    std::lock_guard lock(fs_->mu_);
    state_->size = size;
    state_->synced = std::min(state_->synced, size);
    return IOStatus::OK();
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    IOStatus status = fs_->CheckPower();
    return status.ok() ? target()->Flush(options, dbg) : status;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    return Syncing([&] { return target()->Sync(options, dbg); });
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return Syncing([&] { return target()->Fsync(options, dbg); });
  }
  // sync_file_range starts write-back and waits for nothing the disk
  // promises to keep: passed on, but it makes nothing durable.
  IOStatus RangeSync(uint64_t offset, uint64_t bytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    IOStatus status = fs_->CheckPower();
    return status.ok() ? target()->RangeSync(offset, bytes, options, dbg) : status;
  }
  IOStatus Allocate(uint64_t offset, uint64_t length, const IOOptions& options,
                    IODebugContext* dbg) override {
    IOStatus status = fs_->CheckPower();
    return status.ok() ? target()->Allocate(offset, length, options, dbg) : status;
  }
  // Passed on even with the power off, so the descriptor is released; a
  // close syncs nothing.
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    return target()->Close(options, dbg);
  }

 private:
  template <typename Write>
  IOStatus Appending(uint64_t bytes, Write write) {
    IOStatus status = fs_->CheckPower();
    if (status.ok()) status = write();
    if (!status.ok()) return status;
    std::lock_guard lock(fs_->mu_);
    state_->size += bytes;
    return IOStatus::OK();
  }
  template <typename Write>
  IOStatus WritingAt(uint64_t end, Write write) {
    IOStatus status = fs_->CheckPower();
    if (status.ok()) status = write();
    if (!status.ok()) return status;
    std::lock_guard lock(fs_->mu_);
    state_->size = std::max(state_->size, end);
    return IOStatus::OK();
  }
  // A sync makes durable what was written before it began. The power may go
  // while it runs: then the caller hears of a failure, never of a success
  // the disk did not keep.
  template <typename SyncCall>
  IOStatus Syncing(SyncCall sync) {
    uint64_t covered = 0;
    {
      std::lock_guard lock(fs_->mu_);
      IOStatus status = fs_->CheckPowerLocked();
      if (!status.ok()) return status;
      covered = state_->size;
    }
    IOStatus status = sync();
    if (!status.ok()) return status;
    std::lock_guard lock(fs_->mu_);
    IOStatus power = fs_->CheckPowerLocked();
    if (!power.ok()) return power;
    state_->synced = std::max(state_->synced, covered);
    return IOStatus::OK();
  }

  PowerLossFileSystem* const fs_;
  const std::shared_ptr<PowerLossFileSystem::FileState> state_;
};

// A directory whose fsync makes the entries in it durable.
class PowerLossDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  PowerLossDirectory(std::unique_ptr<rocksdb::FSDirectory> directory, PowerLossFileSystem* fs,
                     std::string name)
      : FSDirectoryWrapper(std::move(directory)), fs_(fs), name_(std::move(name)) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return Syncing([&] { return FSDirectoryWrapper::Fsync(options, dbg); });
  }
  IOStatus FsyncWithDirOptions(const IOOptions& options, IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& fsync_options) override {
    return Syncing(
        [&] { return FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, fsync_options); });
  }

 private:
  template <typename SyncCall>
  IOStatus Syncing(SyncCall sync) {
    IOStatus status = fs_->CheckPower();
    if (status.ok()) status = sync();
    if (!status.ok()) return status;
    std::lock_guard lock(fs_->mu_);
    IOStatus power = fs_->CheckPowerLocked();
    if (!power.ok()) return power;
    fs_->DirectorySyncedLocked(name_);
    return IOStatus::OK();
  }

  PowerLossFileSystem* const fs_;
  const std::string name_;
};

PowerLossFileSystem::PowerLossFileSystem(const std::shared_ptr<rocksdb::FileSystem>& disk)
    : FileSystemWrapper(disk) {}

void PowerLossFileSystem::CutPower() {
  std::lock_guard lock(mu_);
  power_on_ = false;
}

IOStatus PowerLossFileSystem::CheckPowerLocked() const {
  return power_on_ ? IOStatus::OK() : PowerIsOff();
}

IOStatus PowerLossFileSystem::CheckPower() const {
  std::lock_guard lock(mu_);
  return CheckPowerLocked();
}

std::shared_ptr<PowerLossFileSystem::FileState> PowerLossFileSystem::TrackLocked(
    const std::string& name) {
  auto it = files_.find(name);
  if (it != files_.end()) return it->second.file;
  auto state = std::make_shared<FileState>();
  uint64_t size = 0;
  if (target()->GetFileSize(name, IOOptions(), &size, nullptr).ok()) {
    state->size = size;
    state->synced = size;
  }
  files_[name] = Entry{state, /*durable=*/true, /*renamed_from=*/{}};
  return state;
}

void PowerLossFileSystem::DirectorySyncedLocked(const std::string& directory) {
  const std::string normal = Normalize(directory);
  for (auto& [name, entry] : files_) {
    if (DirectoryOf(name) != normal) continue;
    entry.durable = true;
    entry.renamed_from.clear();
  }
  std::erase_if(replaced_, [&](const auto& item) { return DirectoryOf(item.first) == normal; });
}

IOStatus PowerLossFileSystem::NewWritableFile(const std::string& name,
                                              const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                                              IODebugContext* dbg) {
  const std::string normal = Normalize(name);
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (!status.ok()) return status;
  const bool existed = files_.contains(normal) || target()->FileExists(name, IOOptions(), dbg).ok();
  status = target()->NewWritableFile(name, options, result, dbg);
  if (!status.ok()) return status;
  std::shared_ptr<FileState> state;
  if (existed) {
    state = TrackLocked(normal);  // truncated: nothing of it is durable now
    state->size = 0;
    state->synced = 0;
  } else {
    state = std::make_shared<FileState>();
    files_[normal] = Entry{state, /*durable=*/false, /*renamed_from=*/{}};
  }
  *result = std::make_unique<PowerLossWritableFile>(std::move(*result), this, std::move(state));
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::ReopenWritableFile(const std::string& name,
                                                 const rocksdb::FileOptions& options,
                                                 std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                 IODebugContext* dbg) {
  const std::string normal = Normalize(name);
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (!status.ok()) return status;
  const bool existed = files_.contains(normal) || target()->FileExists(name, IOOptions(), dbg).ok();
  status = target()->ReopenWritableFile(name, options, result, dbg);
  if (!status.ok()) return status;
  std::shared_ptr<FileState> state;
  if (existed) {
    state = TrackLocked(normal);  // appends go after what it holds
  } else {
    state = std::make_shared<FileState>();
    files_[normal] = Entry{state, /*durable=*/false, /*renamed_from=*/{}};
  }
  *result = std::make_unique<PowerLossWritableFile>(std::move(*result), this, std::move(state));
  return IOStatus::OK();
}

// WAL recycling: the old file renamed to the new name and written again from
// its start. Tracked as that rename with nothing synced since.
IOStatus PowerLossFileSystem::ReuseWritableFile(const std::string& name,
                                                const std::string& old_name,
                                                const rocksdb::FileOptions& options,
                                                std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                IODebugContext* dbg) {
  const std::string normal = Normalize(name);
  const std::string old_normal = Normalize(old_name);
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (!status.ok()) return status;
  TrackLocked(old_normal);
  Entry old_entry = files_[old_normal];
  status = target()->ReuseWritableFile(name, old_name, options, result, dbg);
  if (!status.ok()) return status;
  files_.erase(old_normal);
  old_entry.file->size = 0;
  old_entry.file->synced = 0;
  files_[normal] =
      Entry{old_entry.file, /*durable=*/false,
            old_entry.durable ? old_normal : old_entry.renamed_from};
  *result = std::make_unique<PowerLossWritableFile>(std::move(*result), this, old_entry.file);
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::NewRandomRWFile(const std::string& name,
                                              const rocksdb::FileOptions& options,
                                              std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                              IODebugContext* dbg) {
  IOStatus status = CheckPower();
  return status.ok() ? target()->NewRandomRWFile(name, options, result, dbg) : status;
}

IOStatus PowerLossFileSystem::NewDirectory(const std::string& name, const IOOptions& options,
                                           std::unique_ptr<rocksdb::FSDirectory>* result,
                                           IODebugContext* dbg) {
  IOStatus status = target()->NewDirectory(name, options, result, dbg);
  if (!status.ok()) return status;
  *result = std::make_unique<PowerLossDirectory>(std::move(*result), this, Normalize(name));
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::DeleteFile(const std::string& name, const IOOptions& options,
                                         IODebugContext* dbg) {
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (status.ok()) status = target()->DeleteFile(name, options, dbg);
  if (status.ok()) files_.erase(Normalize(name));
  return status;
}

IOStatus PowerLossFileSystem::Truncate(const std::string& name, size_t size,
                                       const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (status.ok()) status = target()->Truncate(name, size, options, dbg);
  if (!status.ok()) return status;
  std::shared_ptr<FileState> state = TrackLocked(Normalize(name));
  state->size = size;
  state->synced = std::min<uint64_t>(state->synced, size);
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::RenameFile(const std::string& from, const std::string& to,
                                         const IOOptions& options, IODebugContext* dbg) {
  const std::string from_normal = Normalize(from);
  const std::string to_normal = Normalize(to);
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (!status.ok()) return status;
  TrackLocked(from_normal);
  const Entry moved = files_[from_normal];
  // What `to` durably holds now comes back if the power goes before the
  // rename is durable.
  std::optional<std::string> replaced;
  auto old_to = files_.find(to_normal);
  const bool to_durable = old_to != files_.end() ? old_to->second.durable
                                                 : target()->FileExists(to, options, dbg).ok();
  if (to_durable && !replaced_.contains(to_normal)) {
    std::string content;
    status = rocksdb::ReadFileToString(target(), to, &content);
    if (!status.ok()) return status;
    if (old_to != files_.end()) content.resize(std::min<uint64_t>(content.size(), old_to->second.file->synced));
    replaced = std::move(content);
  }
  status = target()->RenameFile(from, to, options, dbg);
  if (!status.ok()) return status;
  files_.erase(from_normal);
  files_[to_normal] = Entry{moved.file, /*durable=*/false,
                            moved.durable ? from_normal : moved.renamed_from};
  if (replaced) replaced_[to_normal] = std::move(*replaced);
  return IOStatus::OK();
}

// A second name for the same file: its data is the file's; the name itself
// is a new entry.
IOStatus PowerLossFileSystem::LinkFile(const std::string& from, const std::string& to,
                                       const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(mu_);
  IOStatus status = CheckPowerLocked();
  if (status.ok()) status = target()->LinkFile(from, to, options, dbg);
  if (!status.ok()) return status;
  files_[Normalize(to)] = Entry{TrackLocked(Normalize(from)), /*durable=*/false, {}};
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::CreateDir(const std::string& name, const IOOptions& options,
                                        IODebugContext* dbg) {
  IOStatus status = CheckPower();
  return status.ok() ? target()->CreateDir(name, options, dbg) : status;
}

IOStatus PowerLossFileSystem::CreateDirIfMissing(const std::string& name, const IOOptions& options,
                                                 IODebugContext* dbg) {
  IOStatus status = CheckPower();
  return status.ok() ? target()->CreateDirIfMissing(name, options, dbg) : status;
}

IOStatus PowerLossFileSystem::DeleteDir(const std::string& name, const IOOptions& options,
                                        IODebugContext* dbg) {
  IOStatus status = CheckPower();
  return status.ok() ? target()->DeleteDir(name, options, dbg) : status;
}

IOStatus PowerLossFileSystem::RestorePower(Losses* losses) {
  std::lock_guard lock(mu_);
  if (power_on_) return IOStatus::InvalidArgument("RestorePower: the power was not cut");
  Losses lost;
  const IOOptions options;
  // New names go first, so that a file moved back by an undone rename finds
  // its old name free; then the names that rename replaced get their
  // content back.
  std::vector<std::pair<std::string, std::shared_ptr<FileState>>> kept;
  for (const auto& [name, entry] : files_) {
    if (entry.durable) {
      kept.emplace_back(name, entry.file);
    } else if (entry.renamed_from.empty()) {
      IOStatus status = target()->DeleteFile(name, options, nullptr);
      if (!status.ok() && !status.IsNotFound()) return status;
      ++lost.files_removed;
    }
  }
  for (const auto& [name, entry] : files_) {
    if (entry.durable || entry.renamed_from.empty()) continue;
    IOStatus status = target()->RenameFile(name, entry.renamed_from, options, nullptr);
    if (!status.ok()) return status;
    kept.emplace_back(entry.renamed_from, entry.file);
    ++lost.renames_undone;
  }
  for (const auto& [name, content] : replaced_) {
    IOStatus status = rocksdb::WriteStringToFile(target(), content, name, /*should_sync=*/true);
    if (!status.ok()) return status;
  }
  for (const auto& [name, state] : kept) {
    uint64_t size = 0;
    IOStatus status = target()->GetFileSize(name, options, &size, nullptr);
    if (!status.ok()) return status;
    if (size <= state->synced) continue;
    status = TruncateOnDisk(target(), name, state->synced);
    if (!status.ok()) return status;
    lost.bytes_dropped += size - state->synced;
  }
  files_.clear();
  replaced_.clear();
  power_on_ = true;
  if (losses != nullptr) *losses = lost;
  return IOStatus::OK();
}

}  // namespace iisc::testing
