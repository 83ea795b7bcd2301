#include "server/commands.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "server/backups.h"

namespace iisc {

namespace {

constexpr const char* kBackupUsage =
    "usage: iisc-server backup --data-dir DIR --to DIR\n"
    "\n"
    "Writes a consistent checkpoint of the database in --data-dir to --to (which must not\n"
    "exist) and reads it back. The server must not be running on --data-dir; a running\n"
    "server is backed up with POST /v1/admin/backup (bureau token).\n";

constexpr const char* kRestoreUsage =
    "usage: iisc-server restore --from DIR --data-dir DIR [--force]\n"
    "\n"
    "Restores a backup (a directory written by `iisc-server backup` or POST\n"
    "/v1/admin/backup) into --data-dir: the backup is copied, verified and moved into\n"
    "place; the backup itself is left as it is. A non-empty --data-dir is refused unless\n"
    "--force, which keeps it as <data-dir>.replaced-<time>. Stop the server first.\n";

int Usage(const char* usage, const std::string& error) {
  std::fprintf(stderr, "iisc-server: %s\n\n%s", error.c_str(), usage);
  return 2;
}

void PrintSummary(const char* what, const std::string& dir, const StoreSummary& s) {
  std::printf("%s %s: %lld complexes, %lld services, %lld needs\n", what, dir.c_str(),
              static_cast<long long>(s.complexes), static_cast<long long>(s.services),
              static_cast<long long>(s.needs));
}

}  // namespace

bool ParseArgs(int argc, char** argv, const std::set<std::string>& valued,
               const std::set<std::string>& switches, std::map<std::string, std::string>* out,
               std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (switches.contains(arg)) {
      (*out)[arg] = "1";
      continue;
    }
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (valued.contains(arg) && i + 1 < argc) {
      value = argv[++i];
    }
    if (!valued.contains(arg)) {
      *error = "unknown argument " + arg;
      return false;
    }
    if (value.empty()) {
      *error = "missing value for " + arg;
      return false;
    }
    (*out)[arg] = value;
  }
  return true;
}

int RunBackupCommand(int argc, char** argv) {
  std::map<std::string, std::string> args;
  std::string error;
  if (!ParseArgs(argc, argv, {"--data-dir", "--to"}, {"--help"}, &args, &error)) {
    return Usage(kBackupUsage, error);
  }
  if (args.contains("--help")) {
    std::fputs(kBackupUsage, stdout);
    return 0;
  }
  if (!args.contains("--data-dir") || !args.contains("--to")) {
    return Usage(kBackupUsage, "--data-dir and --to are required");
  }
  auto summary = BackupDataDir(args["--data-dir"], args["--to"]);
  if (!summary.ok()) {
    std::fprintf(stderr, "iisc-server backup: %s\n", summary.status().message().c_str());
    return 1;
  }
  PrintSummary("backed up to", args["--to"], *summary);
  return 0;
}

int RunRestoreCommand(int argc, char** argv) {
  std::map<std::string, std::string> args;
  std::string error;
  if (!ParseArgs(argc, argv, {"--from", "--data-dir"}, {"--force", "--help"}, &args, &error)) {
    return Usage(kRestoreUsage, error);
  }
  if (args.contains("--help")) {
    std::fputs(kRestoreUsage, stdout);
    return 0;
  }
  if (!args.contains("--from") || !args.contains("--data-dir")) {
    return Usage(kRestoreUsage, "--from and --data-dir are required");
  }
  std::string kept_aside;
  auto summary =
      RestoreDataDir(args["--from"], args["--data-dir"], args.contains("--force"), &kept_aside);
  if (!summary.ok()) {
    std::fprintf(stderr, "iisc-server restore: %s\n", summary.status().message().c_str());
    return 1;
  }
  if (!kept_aside.empty()) std::printf("the previous data directory is kept as %s\n", kept_aside.c_str());
  PrintSummary("restored into", args["--data-dir"], *summary);
  return 0;
}

}  // namespace iisc
