// The maintenance subcommands of iisc-server, run instead of serving:
//   iisc-server backup  --data-dir DIR --to DIR
//   iisc-server restore --from DIR --data-dir DIR [--force]
// Both work offline (no server running on the data directory); a running
// server is backed up through POST /v1/admin/backup.
#pragma once

#include <map>
#include <set>
#include <string>

namespace iisc {

// Command-line arguments after argv[0]: "--name value", "--name=value" for
// the names in `valued`, bare `switches` (stored as "1"). False, with
// *error, on an unknown argument or a missing or empty value.
bool ParseArgs(int argc, char** argv, const std::set<std::string>& valued,
               const std::set<std::string>& switches, std::map<std::string, std::string>* out,
               std::string* error);

// `argv[0]` is the subcommand's name. Returns the process exit code: 0 done,
// 1 failed (the reason on stderr), 2 bad usage.
int RunBackupCommand(int argc, char** argv);
int RunRestoreCommand(int argc, char** argv);

}  // namespace iisc
