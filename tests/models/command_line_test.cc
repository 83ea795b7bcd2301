#include "models/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iisc {
namespace {

// Parses `args` (after the program's name) with `app`.
std::optional<int> Parse(CommandLine& app, std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return app.Parse(static_cast<int>(argv.size()), argv.data());
}

struct Tool {
  CommandLine app{"tool", "a tool"};
  std::string dir;
  std::vector<std::string> files;
  size_t count = 7;
  bool verbose = false;
  Tool() {
    app.add_option("--dir", dir)->check(kNonEmpty);
    app.add_option("--file", files);
    app.add_option("--count", count)->check(kPositiveCount);
    app.add_flag("--verbose", verbose);
  }
};

TEST(CommandLineTest, ReadsFlagsInBothSpellings) {
  Tool t;
  EXPECT_EQ(Parse(t.app, {"--dir", "a", "--count=3", "--verbose"}), std::nullopt);
  EXPECT_EQ(t.dir, "a");
  EXPECT_EQ(t.count, 3u);
  EXPECT_TRUE(t.verbose);
}

TEST(CommandLineTest, TheLastValueWinsAndCollectingFlagsKeepEvery) {
  Tool t;
  EXPECT_EQ(Parse(t.app, {"--dir", "a", "--file", "x", "--dir=b", "--file", "y"}), std::nullopt);
  EXPECT_EQ(t.dir, "b");
  EXPECT_EQ(t.files, (std::vector<std::string>{"x", "y"}));
}

TEST(CommandLineTest, HelpExitsZeroAndUsageErrorsExitTwo) {
  for (const char* help : {"--help", "-h"}) {
    Tool t;
    testing::internal::CaptureStdout();
    EXPECT_EQ(Parse(t.app, {help}), 0);
    EXPECT_NE(testing::internal::GetCapturedStdout().find("--count"), std::string::npos);
  }
  const std::vector<std::vector<std::string>> bad = {
      {"--unknown"}, {"--dir"}, {"--dir="}, {"--dir", ""}, {"--count", "0"}, {"--count", "-3"},
      {"--count", "many"}, {"stray"}, {"--verbose=maybe"},
  };
  for (const auto& args : bad) {
    Tool t;
    testing::internal::CaptureStderr();
    EXPECT_EQ(Parse(t.app, args), 2) << args[0];
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.rfind("tool: ", 0), 0u) << err;
    EXPECT_NE(err.find("--help"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace iisc
