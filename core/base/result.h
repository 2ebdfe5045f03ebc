// Result<T>: a value or a typed Error. The system never throws across a port;
// every failure a caller can act on is an Error with a kind that maps to an HTTP status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tenantsim {

// What kind of failure this is, from the caller's point of view. Each maps to one HTTP status.
enum class ErrorKind {
  kBadRequest,       // 400: the input is malformed or violates a documented constraint
  kUnauthorized,     // 401: no credentials, or credentials that do not verify
  kForbidden,        // 403: verified, but not allowed to do this
  kNotFound,         // 404
  kMethodNotAllowed, // 405: the path exists, the method does not
  kConflict,         // 409: state conflict (exists already, expired session, failed condition)
  kTooManyRequests,  // 429: a limit or a quota; retry_after says when it may succeed
  kUnavailable,      // 503: a dependency failed; retrying later may succeed
  kInternal,         // 500: a bug
};

int http_status(ErrorKind kind);
const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  // A stable machine-readable name: the AWS exception name for port errors
  // (e.g. "ConditionalCheckFailedException"), or a tenantsim code (e.g. "DailyLimitExceeded").
  std::string name;
  std::string message;
  // For kTooManyRequests: how long until the request may succeed, when known.
  std::optional<std::chrono::seconds> retry_after;

  static Error make(ErrorKind kind, std::string name, std::string message) {
    return Error{kind, std::move(name), std::move(message), std::nullopt};
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(value()); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  Error&& take_error() { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace tenantsim
