// The one error type of the project: errors are values, success costs nothing.
// Storage errors are converted at the storage boundary; server/ maps codes to
// HTTP statuses in exactly one place (server/errors.cc).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace iisc {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (HTTP 400)
  kNotFound,           // unknown id (404)
  kAlreadyExists,      // the name to create is taken (409)
  kFailedPrecondition,  // the object's state forbids the change (409); field() holds the state
  kAborted,            // a concurrent change or reused idempotency key (409 or 422)
  kUnauthenticated,    // no credentials (401)
  kPermissionDenied,   // wrong credentials (403)
  kUnavailable,        // overloaded or shutting down (503)
  kCorruption,         // stored data does not decode
  kIOError,            // disk or database failure
  kInternal,           // a bug
};

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message, std::string field = {}) {
    return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status AlreadyExists(std::string message, std::string field = {}) {
    return Status(StatusCode::kAlreadyExists, std::move(message), std::move(field));
  }
  // `state`: the object's current state, for the caller to show.
  static Status FailedPrecondition(std::string message, std::string state) {
    return Status(StatusCode::kFailedPrecondition, std::move(message), std::move(state));
  }
  static Status Aborted(std::string message) {
    return Status(StatusCode::kAborted, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(message));
  }
  static Status PermissionDenied(std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request member at fault, e.g. "need.county"; empty when not one member.
  const std::string& field() const { return field_; }

  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

const char* StatusCodeName(StatusCode code);

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace iisc

#define IISC_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::iisc::Status iisc_status_ = (expr);   \
    if (!iisc_status_.ok()) return iisc_status_; \
  } while (0)
