#include "server/errors.h"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

namespace iisc {
namespace {

namespace http = boost::beast::http;

TEST(ErrorMapping, EveryStatusCodeHasItsHttpStatus) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), http::status::bad_request);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), http::status::not_found);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), http::status::conflict);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), http::status::unauthorized);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), http::status::forbidden);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), http::status::service_unavailable);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorruption), http::status::internal_server_error);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIOError), http::status::internal_server_error);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), http::status::internal_server_error);
}

TEST(ErrorMapping, BodyCarriesCodeMessageAndField) {
  HttpResponse res = ErrorResponse(Status::InvalidArgument("k must be an integer", "k"));
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(),
            R"({"error":{"code":"invalid_argument","message":"k must be an integer","field":"k"}})");
}

TEST(ErrorMapping, FieldOmittedWhenNoMemberIsAtFault) {
  EXPECT_EQ(ErrorBody("not_found", "no such need", ""),
            R"({"error":{"code":"not_found","message":"no such need"}})");
}

TEST(ErrorMapping, MessagesAreEscaped) {
  EXPECT_EQ(ErrorBody("x", "say \"hi\"\n", "a.b"),
            R"({"error":{"code":"x","message":"say \"hi\"\n","field":"a.b"}})");
}

TEST(ErrorMapping, InternalDetailsDoNotLeak) {
  HttpResponse res = ErrorResponse(Status::IOError("/var/data/000012.sst: checksum mismatch"));
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(res.body().find("sst"), std::string::npos);
}

TEST(ErrorMapping, CredentialsHeader) {
  EXPECT_EQ(ErrorResponse(Status::Unauthenticated("token needed"))[http::field::www_authenticate],
            "Bearer");
}

TEST(ErrorMapping, ProtocolRefusals) {
  HttpResponse not_allowed = MethodNotAllowed("GET, POST");
  EXPECT_EQ(not_allowed.result(), http::status::method_not_allowed);
  EXPECT_EQ(not_allowed[http::field::allow], "GET, POST");
  EXPECT_EQ(RouteNotFound().result(), http::status::not_found);
  EXPECT_EQ(UnsupportedMediaType().result(), http::status::unsupported_media_type);
  EXPECT_EQ(PayloadTooLarge(10).result(), http::status::payload_too_large);
  EXPECT_EQ(HeaderTooLarge(10).result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(UriTooLong(10).result(), http::status::uri_too_long);
  EXPECT_EQ(MalformedHttp("bad chunk").result(), http::status::bad_request);
  EXPECT_EQ(RequestTimeout().result(), http::status::request_timeout);
  EXPECT_EQ(Overloaded("busy").result(), http::status::service_unavailable);
  EXPECT_NE(PayloadTooLarge(10).body().find("\"code\":\"payload_too_large\""), std::string::npos);
  EXPECT_NE(UnsupportedMediaType("application/x-ndjson").body().find("application/x-ndjson"),
            std::string::npos);
}

TEST(ErrorMapping, RateLimitedRoundsRetryAfterUpToWholeSeconds) {
  using std::chrono::milliseconds;
  HttpResponse res = RateLimited(milliseconds(1));
  EXPECT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(res[http::field::retry_after], "1");
  EXPECT_NE(res.body().find("\"code\":\"rate_limited\""), std::string::npos);
  EXPECT_EQ(RateLimited(milliseconds(2001))[http::field::retry_after], "3");
  EXPECT_EQ(RateLimited(milliseconds(0))[http::field::retry_after], "1");
}

}  // namespace
}  // namespace iisc
