// The maintenance subcommands of iisc-server, run instead of serving:
//   iisc-server backup  --data-dir DIR --to DIR
//   iisc-server restore --from DIR --data-dir DIR [--force]
// Both work offline (no server running on the data directory); a running
// server is backed up through POST /v1/admin/backup.
#pragma once

namespace iisc {

// `argv[0]` is the subcommand's name. Returns the process exit code: 0 done,
// 1 failed (the reason on stderr), 2 bad usage.
int RunBackupCommand(int argc, char** argv);
int RunRestoreCommand(int argc, char** argv);

}  // namespace iisc
