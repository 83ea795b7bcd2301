// A RocksDB FileSystem that can lose power. kill -9 keeps the operating
// system's page cache, so a crash test passes even when nothing is ever
// synced; a power cut keeps only what was synced. This file system passes
// every call on to a real one and remembers, for each file written through
// it, how many of its bytes a sync made durable and whether its directory
// entry was made durable by an fsync of its directory. CutPower() stops the
// machine: every later write, sync, create, rename or delete fails with an
// IOError, so the program cannot keep writing. RestorePower(), once the
// program has closed its files, leaves the disk as a restart would find it:
//
// - each file keeps the bytes synced before the cut (Sync or Fsync; Close
//   and Flush sync nothing, and neither does RangeSync, which on Linux only
//   starts write-back: RocksDB syncs for real before it relies on a file);
// - a file created since its directory was last fsynced is gone, even when
//   its own data was synced (POSIX asks for the directory's fsync too);
// - a rename not yet made durable is undone: the file goes back to its old
//   name, and what the new name held before comes back.
//
// Simplifications, each on the side of keeping data: a deletion is durable
// at once (a deleted file never comes back); directories themselves are
// taken as durable; files opened for random read-write are not watched
// (RocksDB does not write its database that way). Files that were on disk
// before this file system saw them count as durable.
#pragma once

#include <rocksdb/file_system.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace iisc::testing {

class PowerLossFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit PowerLossFileSystem(
      const std::shared_ptr<rocksdb::FileSystem>& disk = rocksdb::FileSystem::Default());

  const char* Name() const override { return "PowerLossFileSystem"; }

  // The power goes: every write from now on fails. A sync that is under way
  // fails too, and what it was syncing counts as not synced.
  void CutPower();

  // What RestorePower threw away.
  struct Losses {
    uint64_t bytes_dropped = 0;  // unsynced bytes cut off the files' ends
    int files_removed = 0;       // entries never made durable
    int renames_undone = 0;
  };
  // REQUIRES: the power is cut and no file written through this file system
  // is still open (the database is closed). Makes the disk what a restart
  // would find (see above) and turns the power back on, with nothing pending.
  rocksdb::IOStatus RestorePower(Losses* losses = nullptr);

  // --- rocksdb::FileSystem ---
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& name, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& from, const std::string& to,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& name, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& name, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& name, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

 private:
  friend class PowerLossWritableFile;
  friend class PowerLossDirectory;

  // What is known of one file written through this file system; it follows
  // the file through renames. Guarded by mu_.
  struct FileState {
    uint64_t size = 0;    // bytes written
    uint64_t synced = 0;  // bytes a sync made durable
  };

  // A name this file system has seen written, with its file.
  struct Entry {
    std::shared_ptr<FileState> file;
    // False from its creation (or the rename that made it) until an fsync of
    // its directory.
    bool durable = true;
    // A rename not yet durable: the name the file had, durably, before.
    std::string renamed_from;
  };

  // IOError when the power is off. REQUIRES: mu_ held.
  rocksdb::IOStatus CheckPowerLocked() const;
  rocksdb::IOStatus CheckPower() const;
  // The state of `name`, tracked from now on; a name not seen before is a
  // file that was already on disk, durable as it is.
  std::shared_ptr<FileState> TrackLocked(const std::string& name);
  // Every entry in `directory` is durable now. REQUIRES: mu_ held.
  void DirectorySyncedLocked(const std::string& directory);

  mutable std::mutex mu_;
  bool power_on_ = true;                // GUARDED_BY(mu_)
  std::map<std::string, Entry> files_;  // GUARDED_BY(mu_); by normalized name
  // Durable contents of names that a rename not yet durable replaced: they
  // come back on power loss. GUARDED_BY(mu_)
  std::map<std::string, std::string> replaced_;
};

}  // namespace iisc::testing
