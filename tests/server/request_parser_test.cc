#include "server/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iisc {
namespace {

class RequestParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto taxonomy = Taxonomy::FromFile(IISC_SOURCE_DIR "/data/taxonomy.json");
    ASSERT_TRUE(taxonomy.ok()) << taxonomy.status().ToString();
    taxonomy_ = new Taxonomy(std::move(taxonomy).value());
  }
  static void TearDownTestSuite() {
    delete taxonomy_;
    taxonomy_ = nullptr;
  }

  Result<RecommendRequest> Parse(std::string body) {
    return ParseRecommendRequest(body, *taxonomy_, limits_);
  }
  // The field an invalid body is blamed on; fails the test if it parses.
  std::string FieldOf(std::string body) {
    auto r = Parse(std::move(body));
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "<parsed>";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().field();
  }

  static Taxonomy* taxonomy_;
  RequestLimits limits_;
};

Taxonomy* RequestParserTest::taxonomy_ = nullptr;

TEST_F(RequestParserTest, DescriptionOnlyGetsDefaults) {
  auto r = Parse(R"({"need":{"description":"鞋底防滑检测"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->need.description, "鞋底防滑检测");
  EXPECT_EQ(r->k, 10);
  EXPECT_TRUE(r->filters.counties.empty());
  EXPECT_TRUE(r->filters.service_types.empty());
  EXPECT_TRUE(r->filters.fields.empty());
}

TEST_F(RequestParserTest, FullEnvelope) {
  auto r = Parse(R"({
    "need": {"description": "CE testing for breakers", "county": "yueqing",
             "field": "electrical", "service_types": ["testing", "intl_coop"], "size": "small"},
    "k": 5,
    "filters": {"counties": ["yueqing", "yueqing"], "service_types": ["testing"],
                "fields": ["electrical"]},
    "unknown": {"ignored": [1, 2, 3]}
  })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->k, 5);
  EXPECT_EQ(r->need.county, "yueqing");
  EXPECT_EQ(r->need.field, "electrical");
  EXPECT_EQ(r->need.service_types, (std::vector<std::string>{"testing", "intl_coop"}));
  EXPECT_EQ(r->filters.counties, std::vector<std::string>{"yueqing"});  // deduplicated
  EXPECT_EQ(r->filters.service_types, std::vector<std::string>{"testing"});
  EXPECT_EQ(r->filters.fields, std::vector<std::string>{"electrical"});
}

TEST_F(RequestParserTest, NullOptionalMembersAreAbsent) {
  auto r = Parse(R"({"need":{"description":"x"},"k":null,"filters":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->k, 10);
}

TEST_F(RequestParserTest, KBounds) {
  EXPECT_TRUE(Parse(R"({"need":{"description":"x"},"k":1})").ok());
  EXPECT_TRUE(Parse(R"({"need":{"description":"x"},"k":100})").ok());
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":0})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":101})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":-3})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":2.5})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":"10"})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":1e400})"), "k");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":99999999999999999999})"), "k");
}

TEST_F(RequestParserTest, NeedMissingOrWrong) {
  EXPECT_EQ(FieldOf(R"({})"), "need");
  EXPECT_EQ(FieldOf(R"({"k":3})"), "need");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"a"},"need":{"description":"b"}})"), "need");
  // The need's own rules are ParseNeed's; the envelope only prefixes them.
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x","county":"atlantis"}})"), "need.county");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x","field":7}})"), "need.field");
  EXPECT_EQ(FieldOf(R"({"need":{"county":"yueqing"}})"), "need.description");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x","service_types":["nope"]}})"),
            "need.service_types");
}

TEST_F(RequestParserTest, FilterListsMustBeArraysOfKnownIds) {
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":[]})"), "filters");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"counties":"yueqing"}})"),
            "filters.counties");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"counties":["mars"]}})"),
            "filters.counties");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"service_types":[1]}})"),
            "filters.service_types");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"fields":["testing"]}})"),
            "filters.fields");
}

TEST_F(RequestParserTest, BrokenJsonBlamesNoField) {
  EXPECT_EQ(FieldOf(""), "");
  EXPECT_EQ(FieldOf("{"), "");
  EXPECT_EQ(FieldOf(R"({"need":)"), "");
  EXPECT_EQ(FieldOf("[]"), "");
  EXPECT_EQ(FieldOf("\"need\""), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"}} {"more":1})"), "");
  EXPECT_EQ(FieldOf("{\"need\":{\"description\":\"\xff\xfe\"}}"), "");  // invalid UTF-8
}

// The on-demand parser skips members it does not read; skipped or not, a
// body that is not JSON is refused (found by the need_request fuzzer).
TEST_F(RequestParserTest, MalformedMembersThatAreNotReadAreRefused) {
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"extra":{"a":"b"]})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"extra":[1,,2]})"), "");
  EXPECT_EQ(FieldOf(R"({"extra":tru,"need":{"description":"x"}})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"other":{"a":1]}})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":3,"felitrs":{"counties":["yueqing"],)"
                    R"("enterprise":{"name":"Actrical"]}})"),
            "");
  // Well-formed unknown members are still ignored.
  EXPECT_TRUE(Parse(R"({"need":{"description":"x"},"extra":{"a":[1,{"b":null}]},)"
                    R"("filters":{"other":[true]}})")
                  .ok());
}

TEST_F(RequestParserTest, OnlyTheExactAtomNullMeansAbsent) {
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"k":nul&l})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":nullx})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x"},"filters":{"fields":nul}})"), "");
  EXPECT_EQ(FieldOf(R"({"need":{"description":"x","county":nul&l}})"), "");
  EXPECT_TRUE(Parse(R"({"need":{"description":"x"},"k":null,"filters":{"fields":null}})").ok());
}

TEST_F(RequestParserTest, DepthLimit) {
  std::string deep = R"({"need":{"description":"x"},"extra":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  auto r = Parse(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested"), std::string::npos);

  limits_.max_json_depth = 3;
  EXPECT_TRUE(Parse(R"({"need":{"description":"x","service_types":["testing"]}})").ok());
  EXPECT_FALSE(Parse(R"({"need":{"description":"x","x":[[1]]}})").ok());
}

TEST_F(RequestParserTest, DescriptionLengthLimit) {
  limits_.max_description_chars = 4;
  EXPECT_TRUE(Parse(R"({"need":{"description":"鞋底防滑"}})").ok());
  EXPECT_EQ(FieldOf(R"({"need":{"description":"鞋底防滑检测"}})"), "need.description");
}

TEST_F(RequestParserTest, NeedBodyIsTheNeedItself) {
  std::string body = R"({"description":"断路器CE认证","county":"yueqing"})";
  auto need = ParseNeedRequest(body, *taxonomy_, limits_);
  ASSERT_TRUE(need.ok()) << need.status().ToString();
  EXPECT_EQ(need->county, "yueqing");

  std::string wrong = R"({"description":"x","size":"huge"})";
  auto bad = ParseNeedRequest(wrong, *taxonomy_, limits_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "size");

  std::string scalar = "42";
  EXPECT_FALSE(ParseNeedRequest(scalar, *taxonomy_, limits_).ok());
}

TEST_F(RequestParserTest, WhyNotByNeedIdReadsKAndFiltersAndNoNeed) {
  std::string body =
      R"({"need_id":"need-1","k":3,"filters":{"counties":["yueqing"]},"capability_id":"c/testing-1"})";
  auto r = ParseWhyNotBody(body, *taxonomy_, limits_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->need_id, "need-1");
  EXPECT_EQ(r->capability_id, "c/testing-1");
  EXPECT_EQ(r->request.k, 3);
  EXPECT_EQ(r->request.filters.counties, std::vector<std::string>{"yueqing"});
  // The stored need is loaded later: nothing stands in for it meanwhile.
  EXPECT_TRUE(r->request.need == Need{}) << r->request.need.description;

  std::string defaults = R"({"need_id":"need-1","complex_id":"c"})";
  auto d = ParseWhyNotBody(defaults, *taxonomy_, limits_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->request.k, limits_.default_k);
  EXPECT_TRUE(d->request.need == Need{});

  std::string bad_k = R"({"need_id":"need-1","k":0,"complex_id":"c"})";
  EXPECT_EQ(ParseWhyNotBody(bad_k, *taxonomy_, limits_).status().field(), "k");
  std::string bad_filter = R"({"need_id":"need-1","filters":{"fields":["?"]},"complex_id":"c"})";
  EXPECT_EQ(ParseWhyNotBody(bad_filter, *taxonomy_, limits_).status().field(), "filters.fields");
  std::string both = R"({"need_id":"need-1","need":{"description":"x"},"complex_id":"c"})";
  EXPECT_EQ(ParseWhyNotBody(both, *taxonomy_, limits_).status().field(), "need");
  std::string neither = R"({"complex_id":"c"})";
  EXPECT_EQ(ParseWhyNotBody(neither, *taxonomy_, limits_).status().field(), "need");

  // The option itself: a body naming a stored need takes no need.
  std::string with_need = R"({"need":{"description":"x"},"k":2})";
  EXPECT_EQ(ParseRecommendRequest(with_need, *taxonomy_, limits_, {.need_in_body = false})
                .status()
                .field(),
            "need");

  std::string by_text = R"({"need":{"description":"鞋底防滑检测"},"k":2,"complex_id":"c"})";
  auto t = ParseWhyNotBody(by_text, *taxonomy_, limits_);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->need_id.empty());
  EXPECT_EQ(t->request.need.description, "鞋底防滑检测");
  EXPECT_EQ(t->request.k, 2);
}

TEST(JsonContentType, AcceptsJsonWithParameters) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON;charset=UTF-8"));
  EXPECT_TRUE(IsJsonContentType(" application/json "));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonp"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
}

TEST(JsonDepth, CountsOnlyOutsideStrings) {
  bool trailing = false;
  EXPECT_FALSE(JsonTooDeepOrTrailing(R"({"a":"[[[[[[[[[[\"[[["})", 2, &trailing));
  EXPECT_TRUE(JsonTooDeepOrTrailing(R"({"a":[[1]]})", 2, &trailing));
  EXPECT_FALSE(trailing);
  EXPECT_TRUE(JsonTooDeepOrTrailing("{} x", 5, &trailing));
  EXPECT_TRUE(trailing);
  EXPECT_FALSE(JsonTooDeepOrTrailing("{}\n\t ", 5, &trailing));
}

}  // namespace
}  // namespace iisc

namespace iisc {
namespace {

// A catalog record as in data/demo-catalog.jsonl, with `id` and one service.
std::string Record(const std::string& id, const std::string& service_suffix = "testing-1") {
  return R"({"id":")" + id +
         R"(","name":{"zh":"测试综合体","en":"Test complex"},"county":"taishun","level":"county",)"
         R"("provincial_listed":false,"fields":["crafts_gifts"],"services":[{"id":")" +
         id + "/" + service_suffix +
         R"(","type":"testing","institution":{"zh":"检测站","en":"Lab"},"fields":["crafts_gifts"],)"
         R"("description":{"zh":"陶瓷釉料检测","en":"Glaze tests"},"capacity_per_month":5,)"
         R"("rating":4.0,"price_level":"subsidized"}]})";
}

TEST_F(RequestParserTest, ComplexRecordMustMatchThePathId) {
  std::string body = Record("iisc-test-a");
  auto ok = ParseComplexRequest(body, "iisc-test-a", *taxonomy_, limits_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->services.size(), 1u);
  EXPECT_EQ(ok->services[0].complex_id, "iisc-test-a");

  body = Record("iisc-test-a");
  auto other = ParseComplexRequest(body, "iisc-test-b", *taxonomy_, limits_);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().field(), "id");

  body = R"({"id":"iisc-test-a"})";
  auto partial = ParseComplexRequest(body, "iisc-test-a", *taxonomy_, limits_);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().code(), StatusCode::kInvalidArgument);

  body = Record("iisc-test-a") + " {}";
  EXPECT_FALSE(ParseComplexRequest(body, "iisc-test-a", *taxonomy_, limits_).ok());
}

TEST_F(RequestParserTest, CatalogIdsMustBeUrlSafe) {
  for (const char* id : {"..", ".", "a b", "a\\u0000b", "a%2Fb", "complex\\nid", "中文"}) {
    std::string body = Record(id);
    auto r = ParseComplexRequest(body, id, *taxonomy_, limits_);
    EXPECT_FALSE(r.ok()) << id;
  }
  std::string body = Record("iisc-test-a", "bad suffix");
  auto r = ParseComplexRequest(body, "iisc-test-a", *taxonomy_, limits_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "services[0].id");
  body = Record(std::string(129, 'x'));
  EXPECT_FALSE(ParseComplexRequest(body, std::string(129, 'x'), *taxonomy_, limits_).ok());
}

TEST_F(RequestParserTest, CatalogImportIsAllOrNothingAndNamesTheLine) {
  const std::string good = "\xEF\xBB\xBF" + Record("iisc-a") + "\r\n\n" + Record("iisc-b") + "\n";
  auto ok = ParseCatalogImport(good, *taxonomy_, limits_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 2u);

  auto bad_type = ParseCatalogImport(Record("iisc-a") + "\n\n" +
                                         R"({"id":"iisc-c","county":"atlantis"})" + "\n",
                                     *taxonomy_, limits_);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.status().message().rfind("line 3: ", 0), 0u) << bad_type.status().message();

  auto twice = ParseCatalogImport(Record("iisc-a") + "\n" + Record("iisc-a"), *taxonomy_, limits_);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message().rfind("line 2: ", 0), 0u) << twice.status().message();
  EXPECT_EQ(twice.status().field(), "id");

  auto broken = ParseCatalogImport(Record("iisc-a") + "\n{\"id\":", *taxonomy_, limits_);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().message().rfind("line 2: ", 0), 0u);

  auto deep = ParseCatalogImport(std::string(40, '[') + std::string(40, ']'), *taxonomy_, limits_);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deeper"), std::string::npos);

  for (const char* empty : {"", "\n\n  \n", "\xEF\xBB\xBF"}) {
    auto none = ParseCatalogImport(empty, *taxonomy_, limits_);
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.status().message().find("no catalog records"), std::string::npos);
  }
}

TEST(BackupRequest, NameIsOptional) {
  RequestLimits limits;
  std::string empty;
  auto none = ParseBackupRequest(empty, limits);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  std::string named = R"({"name":"nightly-1","other":[1]})";
  auto name = ParseBackupRequest(named, limits);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "nightly-1");
  std::string wrong = R"({"name":7})";
  auto bad = ParseBackupRequest(wrong, limits);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "name");
  std::string array = "[]";
  EXPECT_FALSE(ParseBackupRequest(array, limits).ok());
  std::string blank = R"({"name":""})";
  EXPECT_EQ(ParseBackupRequest(blank, limits).status().field(), "name");
}

TEST(QueryParameterTest, FindsAndDecodes) {
  EXPECT_EQ(QueryParameter("/x?mode=replace", "mode"), "replace");
  EXPECT_EQ(QueryParameter("/x?a=1&mode=re%70lace&b", "mode"), "replace");
  EXPECT_EQ(QueryParameter("/x?mode", "mode"), "");
  EXPECT_EQ(QueryParameter("/x?mode=a+b", "mode"), "a b");
  EXPECT_FALSE(QueryParameter("/x", "mode").has_value());
  EXPECT_FALSE(QueryParameter("/x?modes=1", "mode").has_value());
  EXPECT_FALSE(QueryParameter("/x?mode=%zz", "mode").has_value());
  EXPECT_FALSE(QueryParameter("/x?mode=%4", "mode").has_value());
}

// Edges where Boost.URL reads differently from the hand-written parser it
// replaced: names are decoded before they are compared, and a query string
// that is not valid is not read at all (the router answers it 400).
TEST(QueryParameterTest, ReadsQueryStringsByRfc3986) {
  EXPECT_EQ(QueryParameter("/x?mod%65=replace", "mode"), "replace");
  EXPECT_EQ(QueryParameter("/x?mode=%2B%26%3D", "mode"), "+&=");
  EXPECT_EQ(QueryParameter("/x?mode=%E6%A3%80", "mode"), "\xe6\xa3\x80");
  EXPECT_EQ(QueryParameter("/x?mode=1&mode=2", "mode"), "1");
  EXPECT_EQ(QueryParameter("/x?a=1&&mode=", "mode"), "");
  EXPECT_EQ(QueryParameter("/x?", "mode"), std::nullopt);
  // One broken escape, and no parameter is read.
  EXPECT_FALSE(QueryParameter("/x?a=1&mode=%zz", "a").has_value());
  // Bytes a query may not hold unescaped.
  EXPECT_FALSE(QueryParameter("/x?mode=\xe6\xa3\x80", "mode").has_value());
  EXPECT_FALSE(QueryParameter("/x?mode=a\"b", "mode").has_value());
}

// A request's target is a view into a longer buffer: nothing past its end
// may be read (Boost.URL 1.81's parse_query would, on a bare view).
TEST(QueryParameterTest, ReadsNothingPastTheTarget) {
  const std::string buffer = "/x?mode=testing HTTP/1.1\r\nHost: a";
  const std::string_view target(buffer.data(), buffer.find(' '));
  EXPECT_EQ(QueryParameter(target, "mode"), "testing");
  const std::string broken = "/x?mode=%4" "1";
  EXPECT_FALSE(QueryParameter(std::string_view(broken.data(), broken.size() - 1), "mode").has_value());
  EXPECT_FALSE(CheckQueryString(std::string_view(broken.data(), broken.size() - 1)).ok());
  const std::string with_nul("/x?a=1\0b", 9);
  EXPECT_FALSE(CheckQueryString(with_nul).ok());
}

TEST(QueryParameterTest, CheckQueryStringNamesTheQuery) {
  EXPECT_TRUE(CheckQueryString("/x").ok());
  EXPECT_TRUE(CheckQueryString("/x?").ok());
  EXPECT_TRUE(CheckQueryString("/x?a=1&b=%20&c=d+e&f=/?:@").ok());
  for (const char* bad : {"/x?a=%zz", "/x?a=%4", "/x?a=%", "/x?a=\xe6\xa3\x80", "/x?a=<b>", "/x?a={}"}) {
    const Status s = CheckQueryString(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "query") << bad;
  }
}

TEST(JsonLinesContentType, AcceptsTheCommonNames) {
  for (const char* type : {"application/x-ndjson", "application/jsonl",
                           "Application/X-NDJSON; charset=utf-8", "application/x-jsonlines"}) {
    EXPECT_TRUE(IsJsonLinesContentType(type)) << type;
  }
  for (const char* type : {"application/json", "text/plain", "", "application/x-ndjsonx"}) {
    EXPECT_FALSE(IsJsonLinesContentType(type)) << type;
  }
}

}  // namespace
}  // namespace iisc
