#include "core/base/result.h"

namespace tenantsim {

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest: return 400;
    case ErrorKind::kUnauthorized: return 401;
    case ErrorKind::kForbidden: return 403;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kMethodNotAllowed: return 405;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kTooManyRequests: return 429;
    case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

ErrorKind error_kind_of_status(int status) {
  switch (status) {
    case 401: return ErrorKind::kUnauthorized;
    case 403: return ErrorKind::kForbidden;
    case 404: return ErrorKind::kNotFound;
    case 405: return ErrorKind::kMethodNotAllowed;
    case 409: return ErrorKind::kConflict;
    case 429: return ErrorKind::kTooManyRequests;
    case 503: return ErrorKind::kUnavailable;
  }
  return status >= 400 && status < 500 ? ErrorKind::kBadRequest : ErrorKind::kInternal;
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest: return "bad_request";
    case ErrorKind::kUnauthorized: return "unauthorized";
    case ErrorKind::kForbidden: return "forbidden";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kMethodNotAllowed: return "method_not_allowed";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kTooManyRequests: return "too_many_requests";
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

const char* service_error_name(ServiceError e) {
  switch (e) {
    case ServiceError::kConditionalCheckFailed: return "ConditionalCheckFailedException";
    case ServiceError::kTransactionCanceled: return "TransactionCanceledException";
    case ServiceError::kResourceInUse: return "ResourceInUseException";
    case ServiceError::kResourceNotFound: return "ResourceNotFoundException";
    case ServiceError::kConflict: return "ConflictException";
    case ServiceError::kGroupExists: return "GroupExistsException";
    case ServiceError::kValidation: return "ValidationException";
    case ServiceError::kAccessDenied: return "AccessDeniedException";
  }
  return "";
}

}  // namespace tenantsim
