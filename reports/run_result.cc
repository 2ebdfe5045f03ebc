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

const char* to_string(EconomicsScope s) {
  switch (s) {
    case EconomicsScope::kFull: return "full";
    case EconomicsScope::kCostOnly: return "cost_only";
    case EconomicsScope::kNone: return "none";
  }
  return "full";
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

namespace tenantsim {

std::vector<MonthEconomics> by_month(const std::vector<DayEconomics>& days) {
  std::vector<MonthEconomics> out;
  for (const auto& d : days) {
    const std::string month = d.day.substr(0, 7);
    if (out.empty() || out.back().month != month) out.push_back({month, 0, {}, {}, {}, {}});
    auto& m = out.back();
    ++m.days;
    m.revenue += d.revenue;
    m.metered_cost += d.metered_cost;
    m.fixed_cost += d.fixed_cost;
    m.platform_cost += d.platform_cost;
  }
  return out;
}

}  // namespace tenantsim
