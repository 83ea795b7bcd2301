// Backups end to end: a checkpoint through the admin route and through the
// CLI, restored with the CLI into a new data directory, and a server started
// on it serving the same needs and catalog writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <boost/beast/http/field.hpp>
#include <simdjson.h>

#include "server_process.h"

namespace iisc::testing {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using http::verb;

constexpr const char* kToken = "bureau-test-token-0123456789";
constexpr const char* kJson = "application/json";
const std::map<std::string, std::string> kBureau = {
    {"Authorization", std::string("Bearer ") + kToken}};
const std::map<std::string, std::string> kEnv = {{"IISC_BUREAU_TOKEN", kToken}};

std::string Ceramics(const std::string& id) {
  return R"({"id":")" + id +
         R"(","name":{"zh":"泰顺陶瓷测试综合体","en":"Taishun Ceramics Test Complex"},)"
         R"("county":"taishun","level":"county","provincial_listed":false,)"
         R"("fields":["crafts_gifts"],"services":[{"id":")" +
         id +
         R"(/testing-1","type":"testing","institution":{"zh":"泰顺陶瓷釉料检测站","en":"Taishun Glaze Lab"},)"
         R"("fields":["crafts_gifts"],"description":{"zh":"陶瓷釉料铅镉溶出检测",)"
         R"("en":"Lead and cadmium release tests of ceramic glazes"},)"
         R"("capacity_per_month":10,"rating":4.0,"price_level":"subsidized"}]})";
}

struct StoredNeedRef {
  std::string id;
  std::string token;
};

StoredNeedRef SubmitNeed(uint16_t port, const std::string& description) {
  Response res = Fetch(port, verb::post, "/v1/needs",
                       R"({"description":")" + description + R"(","county":"yueqing"})", kJson);
  EXPECT_EQ(res.result(), http::status::created) << res.body();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  StoredNeedRef ref;
  if (parser.parse(res.body()).get(doc) != simdjson::SUCCESS) return ref;
  ref.id = std::string(std::string_view(doc["id"]));
  ref.token = std::string(std::string_view(doc["access_token"]));
  return ref;
}

http::status ReadNeed(uint16_t port, const StoredNeedRef& need) {
  return Fetch(port, verb::get, "/v1/needs/" + need.id, "", "",
               {{"Authorization", "Bearer " + need.token}})
      .result();
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(root_.path().empty());
    backups_ = root_.path() + "/backups";
    config_ = WriteTestConfig(root_.path(),
                              "[durability]\nbackup_dir = \"" + backups_ + "\"\n");
  }

  std::unique_ptr<ServerProcess> StartOn(const std::string& data_dir) {
    auto server = std::make_unique<ServerProcess>(data_dir, kEnv, config_);
    EXPECT_EQ(server->Start(), "");
    return server;
  }

  TempDir root_;
  std::string backups_;
  std::string config_;
};

TEST_F(BackupTest, AdminBackupRestoredWithTheCliServesTheSameData) {
  auto server = StartOn(root_.path() + "/db");
  const StoredNeedRef before = SubmitNeed(server->port(), "断路器出口欧盟CE认证检测");
  ASSERT_EQ(Fetch(server->port(), verb::put, "/v1/complexes/iisc-test-ceramics",
                  Ceramics("iisc-test-ceramics"), kJson, kBureau)
                .result(),
            http::status::created);

  Response made = Fetch(server->port(), verb::post, "/v1/admin/backup", R"({"name":"nightly-1"})",
                        kJson, kBureau);
  ASSERT_EQ(made.result(), http::status::created) << made.body();
  EXPECT_NE(made.body().find("\"name\":\"nightly-1\""), std::string::npos);
  ASSERT_TRUE(fs::is_regular_file(backups_ + "/nightly-1/CURRENT"));

  // Written after the backup: not in it.
  const StoredNeedRef after = SubmitNeed(server->port(), "眼镜架外观设计");
  ASSERT_EQ(server->Stop(SIGTERM), 0);

  std::string output;
  const std::string restored = root_.path() + "/restored";
  ASSERT_EQ(RunServerCommand({"restore", "--from", backups_ + "/nightly-1", "--data-dir", restored},
                             &output),
            0)
      << output;
  EXPECT_NE(output.find("1 needs"), std::string::npos) << output;
  EXPECT_NE(output.find("37 complexes"), std::string::npos) << output;
  EXPECT_TRUE(fs::is_regular_file(backups_ + "/nightly-1/CURRENT"));  // left as it was

  server = StartOn(restored);
  EXPECT_EQ(ReadNeed(server->port(), before), http::status::ok);
  EXPECT_EQ(ReadNeed(server->port(), after), http::status::not_found);
  EXPECT_EQ(Fetch(server->port(), verb::get, "/v1/complexes/iisc-test-ceramics").result(),
            http::status::ok);
  Response top = Fetch(server->port(), verb::post, "/v1/recommendations",
                       R"({"need":{"description":"陶瓷釉料铅镉溶出"},"k":1})", kJson);
  EXPECT_NE(top.body().find("iisc-test-ceramics/testing-1"), std::string::npos) << top.body();
  // The restored server takes new needs as usual.
  const StoredNeedRef fresh = SubmitNeed(server->port(), "模具设计");
  EXPECT_EQ(ReadNeed(server->port(), fresh), http::status::ok);
  EXPECT_EQ(server->Stop(SIGTERM), 0);
}

TEST_F(BackupTest, BackupNamesCannotLeaveTheBackupDirectory) {
  auto server = StartOn(root_.path() + "/db");
  for (const char* name : {"../escape", "..", ".", "a/b", "/tmp/x", ".hidden", "", "a b",
                           "a\\u0000b", "%2e%2e", "名字"}) {
    Response res = Fetch(server->port(), verb::post, "/v1/admin/backup",
                         std::string(R"({"name":")") + name + "\"}", kJson, kBureau);
    EXPECT_EQ(ExpectError(res, http::status::bad_request), "name") << name;
  }
  ExpectError(Fetch(server->port(), verb::post, "/v1/admin/backup", R"({"name":3})", kJson, kBureau),
              http::status::bad_request);
  EXPECT_FALSE(fs::exists(root_.path() + "/escape"));
  EXPECT_FALSE(fs::exists(backups_ + "/../escape"));

  ASSERT_EQ(Fetch(server->port(), verb::post, "/v1/admin/backup", R"({"name":"same"})", kJson,
                  kBureau)
                .result(),
            http::status::created);
  ExpectError(Fetch(server->port(), verb::post, "/v1/admin/backup", R"({"name":"same"})", kJson,
                    kBureau),
              http::status::conflict, "already_exists");
  // Without a name: a timestamped one, under the backup directory.
  Response unnamed = Fetch(server->port(), verb::post, "/v1/admin/backup", "", "", kBureau);
  ASSERT_EQ(unnamed.result(), http::status::created) << unnamed.body();
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(backups_)) {
    ++entries;
    EXPECT_TRUE(fs::is_regular_file(entry.path() / "CURRENT")) << entry.path();
  }
  EXPECT_EQ(entries, 2u);
}

TEST(ServerCommandLine, HelpAndUsageErrors) {
  std::string output;
  EXPECT_EQ(RunServerCommand({"--help"}, &output), 0);
  for (const char* flag : {"--listen", "--data-dir", "--config", "backup", "restore"}) {
    EXPECT_NE(output.find(flag), std::string::npos) << flag << "\n" << output;
  }
  EXPECT_EQ(RunServerCommand({"restore", "--help"}, &output), 0);
  EXPECT_NE(output.find("--force"), std::string::npos) << output;
  EXPECT_EQ(RunServerCommand({"--no-such-flag"}, &output), 2);
  EXPECT_NE(output.find("--no-such-flag"), std::string::npos) << output;
  EXPECT_EQ(RunServerCommand({"--listen"}, &output), 2);
  EXPECT_EQ(RunServerCommand({"--data-dir="}, &output), 2);
  EXPECT_EQ(RunServerCommand({"backup", "--data-dir", "x", "--to", "y", "--force"}, &output), 2);
}

TEST_F(BackupTest, CliBackupAndRestoreOffline) {
  const std::string db = root_.path() + "/db";
  auto server = StartOn(db);
  const StoredNeedRef need = SubmitNeed(server->port(), "鞋底防滑检测");

  // While the server runs, the CLI refuses and points to the route.
  std::string output;
  EXPECT_EQ(RunServerCommand({"backup", "--data-dir", db, "--to", root_.path() + "/b0"}, &output), 1);
  EXPECT_NE(output.find("/v1/admin/backup"), std::string::npos) << output;
  ASSERT_EQ(server->Stop(SIGTERM), 0);

  const std::string backup = root_.path() + "/offline/b1";
  ASSERT_EQ(RunServerCommand({"backup", "--data-dir", db, "--to", backup}, &output), 0) << output;
  EXPECT_NE(output.find("36 complexes"), std::string::npos) << output;
  EXPECT_NE(output.find("1 needs"), std::string::npos) << output;
  EXPECT_EQ(RunServerCommand({"backup", "--data-dir", db, "--to", backup}, &output), 1);
  EXPECT_NE(output.find("already exists"), std::string::npos) << output;
  EXPECT_EQ(RunServerCommand({"backup", "--data-dir", root_.path() + "/nothing", "--to",
                              root_.path() + "/b2"},
                             &output),
            1);
  EXPECT_NE(output.find("no database"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(root_.path() + "/nothing"));  // not created by the attempt
  EXPECT_EQ(RunServerCommand({"backup", "--data-dir", db}, &output), 2);

  // Restoring over the live data directory needs --force and keeps the old one.
  EXPECT_EQ(RunServerCommand({"restore", "--from", backup, "--data-dir", db}, &output), 1);
  EXPECT_NE(output.find("--force"), std::string::npos) << output;
  ASSERT_EQ(RunServerCommand({"restore", "--from", backup, "--data-dir", db, "--force"}, &output), 0)
      << output;
  EXPECT_NE(output.find(".replaced-"), std::string::npos) << output;
  size_t kept = 0;
  for (const auto& entry : fs::directory_iterator(root_.path())) {
    if (entry.path().filename().string().starts_with("db.replaced-")) ++kept;
  }
  EXPECT_EQ(kept, 1u);

  // Not a backup: refused, and the target is left alone.
  EXPECT_EQ(RunServerCommand({"restore", "--from", root_.path() + "/offline", "--data-dir",
                              root_.path() + "/other"},
                             &output),
            1);
  EXPECT_FALSE(fs::exists(root_.path() + "/other"));

  server = StartOn(db);
  EXPECT_EQ(ReadNeed(server->port(), need), http::status::ok);
  EXPECT_EQ(server->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace iisc::testing
