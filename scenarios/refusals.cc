#include "scenarios/refusals.h"

#include <charconv>
#include <map>

namespace tenantsim {

namespace {

// The error names the services answer with (the fakes use the real ones), by service.
const std::map<std::string, RefusalClass>& known_codes() {
  static const std::map<std::string, RefusalClass> codes = {
      {"DailyLimitExceeded", {RefusalKind::kTierLimit, ""}},
      {"MonthlyLimitExceeded", {RefusalKind::kTierLimit, ""}},
      {"ConcurrentSessionLimitExceeded", {RefusalKind::kTierLimit, ""}},
      {"ThrottlingException", {RefusalKind::kThrottled, "bedrock"}},
      {"ServiceQuotaExceededException", {RefusalKind::kThrottled, "bedrock"}},
      {"ServiceUnavailableException", {RefusalKind::kDependencyFailure, "bedrock"}},
      {"ModelNotReadyException", {RefusalKind::kDependencyFailure, "bedrock"}},
      {"ModelTimeoutException", {RefusalKind::kDependencyFailure, "bedrock"}},
      {"ProvisionedThroughputExceededException", {RefusalKind::kThrottled, "dynamodb"}},
      {"RequestLimitExceeded", {RefusalKind::kThrottled, "dynamodb"}},
      {"InternalServerError", {RefusalKind::kDependencyFailure, "dynamodb"}},
      {"TooManyRequestsException", {RefusalKind::kThrottled, "cognito"}},
      {"InternalErrorException", {RefusalKind::kDependencyFailure, "cognito"}},
      {"RateLimited", {RefusalKind::kThrottled, "weather"}},
      {"ServiceUnavailable", {RefusalKind::kDependencyFailure, "weather"}},
  };
  return codes;
}

}  // namespace

std::optional<int64_t> retry_after_seconds(std::string_view header) {
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (header.empty() || ec != std::errc() || end != header.data() + header.size()) return std::nullopt;
  return seconds;
}

bool is_message_limit_code(const std::string& code) {
  return code == "DailyLimitExceeded" || code == "MonthlyLimitExceeded";
}

RefusalClass classify_refusal(int status, const std::string& code) {
  if (status != 429 && status < 500) return {};
  auto it = known_codes().find(code);
  if (it != known_codes().end()) return it->second;
  if (status == 429) return {RefusalKind::kThrottled, ""};
  return {RefusalKind::kOther, ""};
}

std::string refusal_reason(const RefusalClass& c, const std::set<std::string>& services_with_injected_faults) {
  const std::string of = c.service.empty() ? "" : ": " + c.service;
  switch (c.kind) {
    case RefusalKind::kNone: return "";
    case RefusalKind::kTierLimit: return "tier limit";
    case RefusalKind::kThrottled: return "throttled" + of;
    case RefusalKind::kDependencyFailure:
      return (services_with_injected_faults.count(c.service) ? "injected fault" : "dependency failure") + of;
    case RefusalKind::kOther: return "other";
  }
  return "other";
}

}  // namespace tenantsim
