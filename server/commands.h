// The maintenance subcommands of iisc-server, run instead of serving:
//   iisc-server backup  --data-dir DIR --to DIR
//   iisc-server restore --from DIR --data-dir DIR [--force]
// Both work offline (no server running on the data directory); a running
// server is backed up through POST /v1/admin/backup.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace iisc {

class MaintenanceCommands {
 public:
  // Adds the subcommands to iisc-server's command line.
  explicit MaintenanceCommands(CLI::App& app);
  MaintenanceCommands(const MaintenanceCommands&) = delete;
  MaintenanceCommands& operator=(const MaintenanceCommands&) = delete;

  // Once the command line is parsed: runs the subcommand it names and
  // returns the process exit code (0 done, 1 failed, the reason on stderr);
  // nullopt when it names none.
  std::optional<int> Run() const;

 private:
  CLI::App* backup_;
  CLI::App* restore_;
  std::string backup_data_dir_, backup_to_;
  std::string restore_from_, restore_data_dir_;
  bool restore_force_ = false;
};

}  // namespace iisc
