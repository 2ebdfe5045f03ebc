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
// The kind an HTTP status stands for (http_status's inverse): a 4xx without a kind of its own is
// kBadRequest and any other 5xx kInternal, so a client's refusal keeps its class (4xx, 5xx).
ErrorKind error_kind_of_status(int status);
const char* to_string(ErrorKind kind);

// The service exceptions core reacts to, by the AWS name a fake or a wire client gives them
// (Error::name). Core asks `e.is(ServiceError::kConditionalCheckFailed)`: a misspelt enumerator
// does not compile, where a misspelt name string compiled and never matched. The names live once,
// in result.cc.
enum class ServiceError {
  kConditionalCheckFailed,  // DynamoDB: a condition expression was false
  kTransactionCanceled,     // DynamoDB: TransactWriteItems cancelled (a condition, or a conflict)
  kResourceInUse,           // DynamoDB CreateTable: the table exists
  kResourceNotFound,        // any service: no such table, pool, knowledge base, agent
  kConflict,                // Bedrock knowledge bases and agents: the resource exists
  kGroupExists,             // Cognito CreateGroup: the group exists
  kValidation,              // any service: the request broke a documented constraint
  kAccessDenied,            // any service: IAM or a scoped handle refused the call
};
const char* service_error_name(ServiceError e);

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
  bool is(ServiceError e) const { return name == service_error_name(e); }
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

// Ignores the one service error that means "already done" (a table or group that exists): for
// idempotent set-up steps.
inline Status unless(ServiceError benign, Status st) {
  if (!st.ok() && st.error().is(benign)) return Status{};
  return st;
}

// Propagation inside a coroutine that returns Task<Result<U>> or Task<Status>:
//   CO_TRY(auto caller, co_await authenticate(token));   // caller is the value; an error is co_returned
//   CO_CHECK(co_await table.put_item(item));              // for Status, or a value not needed
// The expression is evaluated once into a named local (GCC 12 mis-compiles co_await in some
// temporaries), so it is safe to put co_await in it.
#define TENANTSIM_CONCAT_(a, b) a##b
#define TENANTSIM_CONCAT(a, b) TENANTSIM_CONCAT_(a, b)
#define TENANTSIM_CO_TRY_(tmp, decl, expr) \
  auto tmp = (expr);                         \
  if (!tmp.ok()) co_return tmp.take_error(); \
  decl = std::move(tmp).value()
#define CO_TRY(decl, expr) TENANTSIM_CO_TRY_(TENANTSIM_CONCAT(co_try_, __LINE__), decl, expr)
#define CO_CHECK(expr)                                       \
  do {                                                       \
    auto co_check_ = (expr);                                 \
    if (!co_check_.ok()) co_return co_check_.take_error();   \
  } while (false)

}  // namespace tenantsim
