// The per-client rate limit and the CORS policy, on their own.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <boost/beast/http/field.hpp>

#include "server/auth.h"
#include "server/cors.h"
#include "server/rate_limiter.h"

namespace iisc {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;
using Clock = RateLimiter::Clock;

TEST(BureauTokens, ParsesNamesAndTokensAndSkipsCommentsAndBlankLines) {
  auto tokens = ParseBureauTokens(
      "# who may act for the bureau\n"
      "li.wei   li-wei-token-0123456789abcdef  \r\n"
      "\n"
      "\tzhang@bureau\tzhang-token-0123456789abcdef\n"
      "last-line-no-newline last-token-0123456789abcdef");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].name, "li.wei");
  EXPECT_EQ((*tokens)[0].token, "li-wei-token-0123456789abcdef");
  EXPECT_EQ((*tokens)[1].name, "zhang@bureau");
  EXPECT_EQ((*tokens)[2].token, "last-token-0123456789abcdef");
  EXPECT_TRUE(ParseBureauTokens("").ok());
  EXPECT_TRUE(ParseBureauTokens("# nobody yet\n").value().empty());

  EXPECT_EQ(FindBureauToken(*tokens, "zhang-token-0123456789abcdef"), &(*tokens)[1]);
  EXPECT_EQ(FindBureauToken(*tokens, "zhang-token-0123456789abcde"), nullptr);
  EXPECT_EQ(FindBureauToken(*tokens, ""), nullptr);
  EXPECT_EQ(FindBureauToken({}, "li-wei-token-0123456789abcdef"), nullptr);
}

TEST(BureauTokens, RefusesBadLinesNamingTheLineNeverTheToken) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"li.wei\n", "line 1: expected"},
      {"# c\nli.wei a-token with-a-space-0123456789\n", "line 2: expected"},
      {"li.wei short-secret\n", "line 1: the token of li.wei is too short"},
      {"a li-wei-token-0123456789abcdef\na zhang-token-0123456789abcdef\n", "line 2: the name a is given twice"},
      {"a same-token-0123456789abcdef\nb same-token-0123456789abcdef\n", "line 2: the token of b is another"},
      {"\x01" "bad li-wei-token-0123456789abcdef\n", "line 1: a name is"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseBureauTokens(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.says), std::string::npos) << parsed.status().message();
    EXPECT_EQ(parsed.status().message().find("secret"), std::string::npos) << parsed.status().message();
    EXPECT_EQ(parsed.status().message().find("-token-"), std::string::npos) << parsed.status().message();
  }
  EXPECT_FALSE(IsBureauTokenName(std::string(65, 'a')));
  EXPECT_TRUE(IsBureauTokenName(std::string(64, 'a')));
}

TEST(RateLimiter, BurstThenSustainedRatePerClient) {
  RateLimiter limiter(/*per_second=*/2, /*burst=*/3);
  const Clock::time_point t0{};
  Clock::duration wait{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.AdmitAt("10.0.0.1", t0, &wait)) << i;
  EXPECT_FALSE(limiter.AdmitAt("10.0.0.1", t0, &wait));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(wait), milliseconds(500));
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.AdmitAt("10.0.0.2", t0, &wait));
  // Half a second later one token is back, and only one.
  EXPECT_TRUE(limiter.AdmitAt("10.0.0.1", t0 + milliseconds(500), &wait));
  EXPECT_FALSE(limiter.AdmitAt("10.0.0.1", t0 + milliseconds(500), &wait));
  // A long pause refills to the burst, not beyond.
  const Clock::time_point later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.AdmitAt("10.0.0.1", later, &wait)) << i;
  EXPECT_FALSE(limiter.AdmitAt("10.0.0.1", later, &wait));
}

TEST(RateLimiter, ZeroRateIsOff) {
  RateLimiter limiter(0, 1);
  EXPECT_FALSE(limiter.enabled());
  Clock::duration wait{};
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.AdmitAt("a", Clock::time_point{}, &wait));
  EXPECT_EQ(limiter.tracked_clients(), 0u);
}

TEST(RateLimiter, ForgetsClientsWhoseBucketRefilled) {
  // Memory stays bounded by recent clients however many addresses are seen.
  RateLimiter limiter(100, 2);
  Clock::duration wait{};
  Clock::time_point t{};
  for (int i = 0; i < 100000; ++i) {
    limiter.AdmitAt("client-" + std::to_string(i), t, &wait);
    t += milliseconds(1);
  }
  EXPECT_LT(limiter.tracked_clients(), 5000u);
}

TEST(Cors, AllowedOriginGetsGrantsOthersOnlyVary) {
  CorsPolicy cors({"https://portal.example.cn"});
  HttpResponse allowed{http::status::ok, 11};
  cors.Decorate("https://portal.example.cn", allowed);
  EXPECT_EQ(allowed[http::field::access_control_allow_origin], "https://portal.example.cn");
  EXPECT_EQ(allowed[http::field::vary], "Origin");
  EXPECT_NE(allowed[http::field::access_control_expose_headers].find("Retry-After"),
            std::string::npos);
  // A portal retrying a lifecycle write must be able to tell a replayed answer.
  EXPECT_NE(allowed[http::field::access_control_expose_headers].find("Idempotent-Replayed"),
            std::string::npos);

  for (const char* origin : {"https://evil.example", "https://portal.example.cn.evil.example",
                             "http://portal.example.cn", "https://PORTAL.example.cn", "null", ""}) {
    HttpResponse other{http::status::ok, 11};
    cors.Decorate(origin, other);
    EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u) << origin;
    EXPECT_EQ(other[http::field::vary], "Origin") << origin;
  }
}

TEST(Cors, PreflightGrantsMethodsAndHeadersOnlyToAllowedOrigins) {
  CorsPolicy cors({"https://portal.example.cn"});
  HttpResponse ok = cors.Preflight("https://portal.example.cn", "GET, PUT");
  EXPECT_EQ(ok.result(), http::status::no_content);
  EXPECT_EQ(ok[http::field::access_control_allow_origin], "https://portal.example.cn");
  EXPECT_EQ(ok[http::field::access_control_allow_methods], "GET, PUT");
  EXPECT_NE(ok[http::field::access_control_allow_headers].find("Authorization"), std::string::npos);
  EXPECT_NE(ok[http::field::access_control_allow_headers].find("Content-Type"), std::string::npos);
  // The lifecycle's writes take an Idempotency-Key; without it in the grant a
  // browser on the portal's origin could not send one.
  EXPECT_NE(ok[http::field::access_control_allow_headers].find("Idempotency-Key"), std::string::npos);
  EXPECT_FALSE(ok[http::field::access_control_max_age].empty());

  HttpResponse refused = cors.Preflight("https://evil.example", "GET, PUT");
  EXPECT_EQ(refused.result(), http::status::forbidden);
  EXPECT_EQ(refused.count(http::field::access_control_allow_origin), 0u);
  EXPECT_EQ(refused.count(http::field::access_control_allow_methods), 0u);
  EXPECT_NE(refused.body().find("\"error\""), std::string::npos);
  EXPECT_EQ(refused[http::field::vary], "Origin");
}

}  // namespace
}  // namespace iisc
