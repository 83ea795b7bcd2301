#include "server/errors.h"

#include <algorithm>

#include <boost/beast/http/field.hpp>

#include "models/json_writer.h"

namespace iisc {

namespace http = boost::beast::http;

http::status HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return http::status::ok;
    case StatusCode::kInvalidArgument: return http::status::bad_request;
    case StatusCode::kNotFound: return http::status::not_found;
    case StatusCode::kAlreadyExists: return http::status::conflict;
    case StatusCode::kFailedPrecondition: return http::status::conflict;
    case StatusCode::kAborted: return http::status::conflict;
    case StatusCode::kUnauthenticated: return http::status::unauthorized;
    case StatusCode::kPermissionDenied: return http::status::forbidden;
    case StatusCode::kUnavailable: return http::status::service_unavailable;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

std::string ErrorBody(std::string_view code, std::string_view message, std::string_view field) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(code).Key("message").String(message);
  if (!field.empty()) w.Key("field").String(field);
  w.EndObject().EndObject();
  return out;
}

namespace {

HttpResponse Make(http::status status, std::string_view code, std::string_view message,
                  std::string_view field = {}) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = ErrorBody(code, message, field);
  return res;
}

}  // namespace

HttpResponse ErrorResponse(const Status& status) {
  const http::status http_status = HttpStatusFor(status.code());
  if (http_status == http::status::internal_server_error) {
    // The message may name files or database internals: keep it in the log.
    return Make(http_status, "internal", "internal error; the request was not completed");
  }
  if (status.code() == StatusCode::kFailedPrecondition) {
    // The contract's 409 for a transition the state forbids names the state.
    HttpResponse res = Make(http_status, StatusCodeName(status.code()), status.message());
    std::string body;
    JsonWriter w(&body);
    w.BeginObject().Key("error").BeginObject();
    w.Key("code").String(StatusCodeName(status.code())).Key("message").String(status.message());
    w.Key("state").String(status.field());
    w.EndObject().EndObject();
    res.body() = std::move(body);
    return res;
  }
  HttpResponse res =
      Make(http_status, StatusCodeName(status.code()), status.message(), status.field());
  if (http_status == http::status::unauthorized) {
    res.set(http::field::www_authenticate, "Bearer");
  }
  return res;
}

HttpResponse RouteNotFound() {
  return Make(http::status::not_found, "not_found", "no such resource");
}

HttpResponse MethodNotAllowed(std::string_view allow) {
  HttpResponse res = Make(http::status::method_not_allowed, "method_not_allowed",
                          "method not allowed; allowed: " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

HttpResponse UnsupportedMediaType(std::string_view expected) {
  const std::string what = expected == "application/json" ? "JSON" : "JSON Lines";
  return Make(http::status::unsupported_media_type, "unsupported_media_type",
              "the body must be " + what + " sent with Content-Type: " + std::string(expected));
}

HttpResponse PayloadTooLarge(size_t limit_bytes) {
  return Make(http::status::payload_too_large, "payload_too_large",
              "the body is larger than " + std::to_string(limit_bytes) + " bytes");
}

HttpResponse HeaderTooLarge(size_t limit_bytes) {
  return Make(http::status::request_header_fields_too_large, "header_too_large",
              "the request headers are larger than " + std::to_string(limit_bytes) + " bytes");
}

HttpResponse UriTooLong(size_t limit_bytes) {
  return Make(http::status::uri_too_long, "uri_too_long",
              "the request target is longer than " + std::to_string(limit_bytes) + " bytes");
}

HttpResponse MalformedHttp(std::string_view what) {
  return Make(http::status::bad_request, "bad_request",
              "malformed HTTP request: " + std::string(what));
}

HttpResponse RequestTimeout() {
  return Make(http::status::request_timeout, "request_timeout",
              "the request did not arrive in time");
}

HttpResponse Overloaded(std::string_view what) {
  HttpResponse res = Make(http::status::service_unavailable, "unavailable", what);
  res.set(http::field::retry_after, "1");
  return res;
}

HttpResponse RateLimited(std::chrono::steady_clock::duration retry_after) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(retry_after).count();
  const long long seconds = std::max<long long>(1, (millis + 999) / 1000);
  HttpResponse res = Make(http::status::too_many_requests, "rate_limited",
                          "too many requests from this address; retry after " +
                              std::to_string(seconds) + " s");
  res.set(http::field::retry_after, std::to_string(seconds));
  return res;
}

}  // namespace iisc
