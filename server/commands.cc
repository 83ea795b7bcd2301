#include "server/commands.h"

#include <cstdio>

#include "models/command_line.h"
#include "server/backups.h"

namespace iisc {

namespace {

void PrintSummary(const char* what, const std::string& dir, const StoreSummary& s) {
  std::printf("%s %s: %lld complexes, %lld services, %lld needs\n", what, dir.c_str(),
              static_cast<long long>(s.complexes), static_cast<long long>(s.services),
              static_cast<long long>(s.needs));
}

}  // namespace

MaintenanceCommands::MaintenanceCommands(CLI::App& app) {
  backup_ = app.add_subcommand("backup", "writes a consistent copy of a stopped server's database");
  backup_->footer(
      "Writes a consistent checkpoint of the database in --data-dir to --to (which must not\n"
      "exist) and reads it back. The server must not be running on --data-dir; a running\n"
      "server is backed up with POST /v1/admin/backup (bureau token).");
  backup_->add_option("--data-dir", backup_data_dir_, "the stopped server's data directory")
      ->type_name("DIR")
      ->required()
      ->check(kNonEmpty);
  backup_->add_option("--to", backup_to_, "the backup to write (a new directory)")
      ->type_name("DIR")
      ->required()
      ->check(kNonEmpty);

  restore_ = app.add_subcommand("restore", "puts a backup in place of a stopped server's database");
  restore_->footer(
      "Restores a backup (a directory written by `iisc-server backup` or POST\n"
      "/v1/admin/backup) into --data-dir: the backup is copied, verified and moved into\n"
      "place; the backup itself is left as it is. A non-empty --data-dir is refused unless\n"
      "--force, which keeps it as <data-dir>.replaced-<time>. Stop the server first.");
  restore_->add_option("--from", restore_from_, "the backup to restore")
      ->type_name("DIR")
      ->required()
      ->check(kNonEmpty);
  restore_->add_option("--data-dir", restore_data_dir_, "the data directory to restore into")
      ->type_name("DIR")
      ->required()
      ->check(kNonEmpty);
  restore_->add_flag("--force", restore_force_, "replace a non-empty --data-dir, keeping it aside");
}

std::optional<int> MaintenanceCommands::Run() const {
  if (backup_->parsed()) {
    auto summary = BackupDataDir(backup_data_dir_, backup_to_);
    if (!summary.ok()) {
      std::fprintf(stderr, "iisc-server backup: %s\n", summary.status().message().c_str());
      return 1;
    }
    PrintSummary("backed up to", backup_to_, *summary);
    return 0;
  }
  if (restore_->parsed()) {
    std::string kept_aside;
    auto summary = RestoreDataDir(restore_from_, restore_data_dir_, restore_force_, &kept_aside);
    if (!summary.ok()) {
      std::fprintf(stderr, "iisc-server restore: %s\n", summary.status().message().c_str());
      return 1;
    }
    if (!kept_aside.empty()) std::printf("the previous data directory is kept as %s\n", kept_aside.c_str());
    PrintSummary("restored into", restore_data_dir_, *summary);
    return 0;
  }
  return std::nullopt;
}

}  // namespace iisc
