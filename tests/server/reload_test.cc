// The bureau edits a weight in scoring.toml and sends SIGHUP: the next
// requests are ranked with the new weights, without a restart.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace http = boost::beast::http;

struct Ranking {
  std::string config_version;
  std::vector<std::string> capability_ids;
};

Ranking Rank(uint16_t port, const std::string& body) {
  Response res = Fetch(port, http::verb::post, "/v1/recommendations", body, "application/json");
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Ranking ranking;
  if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) return ranking;
  std::string_view version;
  if (doc["config_version"].get(version) == simdjson::SUCCESS) ranking.config_version = version;
  simdjson::dom::array results;
  if (doc["results"].get(results) != simdjson::SUCCESS) return ranking;
  for (simdjson::dom::element r : results) {
    std::string_view id;
    if (r["capability_id"].get(id) == simdjson::SUCCESS) ranking.capability_ids.emplace_back(id);
  }
  return ranking;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ServerReload, SighupAppliesEditedWeightsToTheNextRequest) {
  namespace fs = std::filesystem;
  TempDir root;
  ASSERT_FALSE(root.path().empty());
  fs::copy(IISC_SOURCE_DIR "/configs", root.path() + "/configs", fs::copy_options::recursive);
  fs::copy(IISC_SOURCE_DIR "/data", root.path() + "/data", fs::copy_options::recursive);
  fs::create_directory(root.path() + "/db");
  ServerProcess server(root.path() + "/db", {}, root.path() + "/configs/server.toml");
  ASSERT_EQ(server.Start(), "");

  // A need from Taishun for testing of any kind: with the shipped weights the
  // fitting services come first, wherever they are.
  const std::string need = R"({"need":{"description":"产品检测","county":"taishun"},"k":5})";
  Ranking before = Rank(server.port(), need);
  ASSERT_FALSE(before.capability_ids.empty());

  // The bureau makes nearness all that counts.
  const std::string scoring = root.path() + "/configs/scoring.toml";
  std::string text = ReadFile(scoring);
  for (const char* key : {"text", "semantic", "field", "service", "quality", "capacity", "price", "priority"}) {
    text = std::regex_replace(text, std::regex(std::string("\n") + key + " = [0-9.]+\n"),
                              std::string("\n") + key + " = 0\n");
  }
  text = std::regex_replace(text, std::regex("\nregion = [0-9.]+\n"), "\nregion = 10\n");
  std::ofstream(scoring, std::ios::trunc) << text;
  server.Signal(SIGHUP);

  // SIGHUP is handled asynchronously: wait for the new version to serve.
  Ranking after;
  ASSERT_TRUE(PollUntil([&] {
    after = Rank(server.port(), need);
    return after.config_version != before.config_version;
  })) << "still serving " << after.config_version;
  EXPECT_NE(after.capability_ids, before.capability_ids);
  // Ranked by region alone, the first services are Taishun's own.
  ASSERT_FALSE(after.capability_ids.empty());
  EXPECT_EQ(after.capability_ids[0].rfind("iisc-taishun-", 0), 0u) << after.capability_ids[0];
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace iisc::testing
