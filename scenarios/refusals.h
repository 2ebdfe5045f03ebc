// Why a request was refused or failed, from its status and error code: a tier limit the tenant ran
// into, a shared service throttling (which one), an injected fault, or a dependency failing. The
// capacity question "what saturated first" is about throttling only; tier limits are the product
// working as sold, and injected faults are the scenario's own doing.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace tenantsim {

enum class RefusalKind { kNone, kTierLimit, kThrottled, kDependencyFailure, kOther };

struct RefusalClass {
  RefusalKind kind = RefusalKind::kNone;
  std::string service;  // "bedrock", "dynamodb", "cognito", "weather" when the code names one
};

// DailyLimitExceeded or MonthlyLimitExceeded: a message refused for a daily or monthly window.
bool is_message_limit_code(const std::string& code);

// A Retry-After header's whole seconds; nullopt when it is absent (empty) or not a plain number.
std::optional<int64_t> retry_after_seconds(std::string_view header);

// kNone for statuses below 400 (and 4xx other than 429, which are the caller's own errors).
RefusalClass classify_refusal(int status, const std::string& code);

// "tier limit", "throttled: bedrock", "injected fault: dynamodb" (a dependency failure of a service
// whose fault plan injects errors), "dependency failure: cognito", "other".
std::string refusal_reason(const RefusalClass& c, const std::set<std::string>& services_with_injected_faults);

}  // namespace tenantsim
