// The command line of every binary (iisc-server and its backup and restore
// commands, iisc-eval, iisc-gen-catalog, iisc-fill-needs): CLI11 apps that
// behave alike. --help (-h) prints the usage to stdout and exits 0; an
// unknown flag, a missing or empty value or a value out of range is named on
// stderr with the program's name, and the exit code is 2. A flag given twice
// takes its last value (scripts/run-demo.sh lets flags after its own override
// them); flags that collect values (iisc-eval --needs) keep every one.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace iisc {

class CommandLine : public CLI::App {
 public:
  CommandLine(std::string name, std::string description) : CLI::App(std::move(description), std::move(name)) {
    option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    failure_message([](const CLI::App* app, const CLI::Error& e) {
      return app->get_name() + ": " + e.what() + "\nRun " + app->get_name() + " --help for the usage.\n";
    });
  }

  // Parses argv. nullopt: go on; otherwise exit with the code returned (0
  // after --help, 2 after a usage error).
  std::optional<int> Parse(int argc, char** argv) {
    try {
      parse(argc, argv);
      return std::nullopt;
    } catch (const CLI::ParseError& e) {
      return exit(e) == 0 ? 0 : 2;
    }
  }
};

// Refuses "--flag=" and "--flag ''": an empty path or address is always a slip.
inline const CLI::Validator kNonEmpty(
    [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); },
    "", "NONEMPTY");

// A whole number of 1 or more (a count, a size).
inline const CLI::Validator kPositiveCount(
    [](std::string& value) {
      const bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
      return digits && value.find_first_not_of('0') != std::string::npos
                 ? std::string()
                 : "must be a whole number of 1 or more, not \"" + value + "\"";
    },
    "", "POSITIVE");

}  // namespace iisc
