#include "reports/run_result.h"

namespace tenantsim {

const char* to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kWarn: return "warn";
    case CheckStatus::kNotExercised: return "not_exercised";
  }
  return "fail";
}

CheckStatus check_status_from_string(const std::string& s) {
  for (auto c : {CheckStatus::kPass, CheckStatus::kFail, CheckStatus::kWarn, CheckStatus::kNotExercised})
    if (s == to_string(c)) return c;
  return CheckStatus::kFail;
}

std::string CheckResult::label() const {
  switch (status()) {
    case CheckStatus::kPass: return "PASS";
    case CheckStatus::kFail: return "FAIL";
    case CheckStatus::kWarn: return "WARN";
    case CheckStatus::kNotExercised: return fails_run() ? "NOT EXERCISED" : "SKIPPED";
  }
  return "FAIL";
}

}  // namespace tenantsim
