// Backups of the database: consistent RocksDB checkpoints, made online through
// the engine (POST /v1/admin/backup) or offline (`iisc-server backup`), and
// their restore (`iisc-server restore`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/status.h"

namespace iisc {

// A name for a backup made now, e.g. "backup-20240131T235959.123Z".
std::string DefaultBackupName();

// The directory for backup `name` under `root`, creating `root` if needed.
// A name is 1 to 100 of A-Z a-z 0-9 . _ - and does not start with '.', so a
// client can never place a backup outside `root`. InvalidArgument (field
// "name") for a bad name; AlreadyExists when the name is taken.
Result<std::string> PrepareBackupDirectory(const std::string& root, std::string_view name);

// What a database holds, as read back to verify it.
struct StoreSummary {
  int64_t complexes = 0;
  int64_t services = 0;
  int64_t needs = 0;
};

// Offline backup: a checkpoint of the database in `data_dir`, which no
// server may have open (a running server is backed up through its route),
// into `target`, which must not exist. The copy is then read back.
Result<StoreSummary> BackupDataDir(const std::string& data_dir, const std::string& target);

// Restores the backup in `from` into `data_dir`: copies it beside `data_dir`,
// verifies the copy (it opens with this build's schema, every complex and
// need reads back), then moves it into place; `from` is never modified. A
// `data_dir` that already holds files is refused unless `replace_existing`;
// then it is kept, renamed to "<data_dir>.replaced-<time>" (in *kept_aside),
// never deleted. The server must not be running on `data_dir`.
Result<StoreSummary> RestoreDataDir(const std::string& from, const std::string& data_dir,
                                    bool replace_existing, std::string* kept_aside);

// Reads every complex and need of the database in `dir` (opened, then closed).
Result<StoreSummary> VerifyDataDir(const std::string& dir);

}  // namespace iisc
