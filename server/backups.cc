#include "server/backups.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "engine/store.h"
#include "server/log.h"

namespace iisc {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxNameBytes = 100;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

// "20240131T235959.123Z" (UTC): sorts by time, safe in a file name.
std::string Timestamp() { return UtcTimestamp("%Y%m%dT%H%M%S"); }

bool HoldsDatabase(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "CURRENT", ec);
}

bool IsEmptyOrMissing(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

// Opens the database in `dir`, which must exist; a lock held by a running
// server is explained.
Result<std::unique_ptr<Store>> OpenExisting(const std::string& dir) {
  if (!HoldsDatabase(dir)) return Status::NotFound("no database in " + dir);
  auto store = OpenRocksStore(dir, StoreOptions{});
  if (!store.ok() && store.status().message().find("lock") != std::string::npos) {
    return Status::Unavailable("the database in " + dir +
                               " is in use (is a server running on it? back it up through "
                               "POST /v1/admin/backup, or stop it first): " +
                               store.status().message());
  }
  return store;
}

Result<StoreSummary> Summarize(const Store& store) {
  StoreSummary summary;
  auto complexes = store.ListComplexes();
  if (!complexes.ok()) return complexes.status();
  summary.complexes = static_cast<int64_t>(complexes->size());
  for (const Complex& c : *complexes) summary.services += static_cast<int64_t>(c.services.size());
  IISC_RETURN_IF_ERROR(store.ScanNeeds([&summary](const StoredNeed&) {
    ++summary.needs;
    return Status::Ok();
  }));
  return summary;
}

}  // namespace

std::string DefaultBackupName() { return "backup-" + Timestamp(); }

Result<std::string> PrepareBackupDirectory(const std::string& root, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name.front() == '.' ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Status::InvalidArgument(
        "a backup name is 1 to 100 letters, digits, '.', '_' or '-', not starting with '.'",
        "name");
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::IOError("cannot create the backup directory " + root + ": " + ec.message());
  const fs::path dir = fs::path(root) / std::string(name);
  if (fs::exists(dir, ec)) {
    return Status::AlreadyExists("a backup named \"" + std::string(name) + "\" already exists",
                                 "name");
  }
  return dir.string();
}

Result<StoreSummary> VerifyDataDir(const std::string& dir) {
  auto store = OpenExisting(dir);
  if (!store.ok()) return store.status();
  return Summarize(**store);
}

Result<StoreSummary> BackupDataDir(const std::string& data_dir, const std::string& target) {
  std::error_code ec;
  if (fs::exists(target, ec)) return Status::AlreadyExists(target + " already exists");
  {
    auto store = OpenExisting(data_dir);
    if (!store.ok()) return store.status();
    const fs::path parent = fs::path(target).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) return Status::IOError("cannot create " + parent.string() + ": " + ec.message());
    IISC_RETURN_IF_ERROR((*store)->Checkpoint(target));
  }
  return VerifyDataDir(target);
}

Result<StoreSummary> RestoreDataDir(const std::string& from, const std::string& data_dir,
                                    bool replace_existing, std::string* kept_aside) {
  kept_aside->clear();
  if (!HoldsDatabase(from)) return Status::NotFound("no backup in " + from);
  const bool occupied = !IsEmptyOrMissing(data_dir);
  if (occupied && !replace_existing) {
    return Status::AlreadyExists(data_dir +
                                 " is not empty; pass --force to set it aside and restore");
  }
  if (occupied && HoldsDatabase(data_dir)) {
    // Refuses while a server holds the database's lock.
    auto in_use = OpenExisting(data_dir);
    if (!in_use.ok()) return in_use.status();
  }

  const std::string stamp = Timestamp();
  const fs::path target = fs::path(data_dir).lexically_normal();
  const fs::path staging = target.string() + ".restoring-" + stamp;
  std::error_code ec;
  if (!target.parent_path().empty()) fs::create_directories(target.parent_path(), ec);
  fs::copy(from, staging, fs::copy_options::recursive, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    return Status::IOError("cannot copy " + from + " to " + staging.string() + ": " + ec.message());
  }
  auto summary = VerifyDataDir(staging.string());
  if (!summary.ok()) {
    fs::remove_all(staging, ec);
    return Status::InvalidArgument("the backup in " + from +
                                   " does not read back: " + summary.status().message());
  }
  if (fs::exists(target, ec)) {
    if (occupied) {
      const fs::path aside = target.string() + ".replaced-" + stamp;
      fs::rename(target, aside, ec);
      if (ec) return Status::IOError("cannot move " + target.string() + " aside: " + ec.message());
      *kept_aside = aside.string();
    } else {
      fs::remove(target, ec);  // an empty directory
    }
  }
  fs::rename(staging, target, ec);
  if (ec) {
    return Status::IOError("cannot move the restored copy " + staging.string() + " to " +
                           target.string() + ": " + ec.message());
  }
  return summary;
}

}  // namespace iisc
