// Refusals by reason: a tier limit is not a saturated resource, a throttle names its service, and a
// failure is marked as injected only when the scenario's fault plan for that service injects errors
// (noisy-neighbour once reported 321 Bedrock throttles as "limit refusals").
#include <gtest/gtest.h>

#include "scenarios/refusals.h"
#include "reports/writers.h"

namespace tenantsim {
namespace {

TEST(Refusals, ClassifiedByCodeAndService) {
  const std::set<std::string> faulted = {"dynamodb"};
  const auto reason = [&](int status, const char* code) { return refusal_reason(classify_refusal(status, code), faulted); };
  EXPECT_EQ(reason(429, "DailyLimitExceeded"), "tier limit");
  EXPECT_EQ(reason(429, "MonthlyLimitExceeded"), "tier limit");
  EXPECT_EQ(reason(429, "ConcurrentSessionLimitExceeded"), "tier limit");
  EXPECT_EQ(reason(429, "ThrottlingException"), "throttled: bedrock");
  EXPECT_EQ(reason(429, "ProvisionedThroughputExceededException"), "throttled: dynamodb");
  EXPECT_EQ(reason(429, "TooManyRequestsException"), "throttled: cognito");
  EXPECT_EQ(reason(503, "InternalServerError"), "injected fault: dynamodb");
  EXPECT_EQ(reason(503, "ServiceUnavailableException"), "dependency failure: bedrock") << "bedrock injects no faults";
  EXPECT_EQ(reason(429, "SomethingNew"), "throttled");
  EXPECT_EQ(reason(500, "Oops"), "other");
  EXPECT_EQ(classify_refusal(403, "Forbidden").kind, RefusalKind::kNone) << "the caller's own errors are not refusals";
  EXPECT_EQ(classify_refusal(200, "").kind, RefusalKind::kNone);
}

TEST(Refusals, SummaryNamesTheFirstThrottleNotTheFirstRefusal) {
  RunResult r;
  r.scenario = "unit";
  r.refusals["DailyLimitExceeded"] = {429, 40, "2024-01-31T01:00:00.000000Z", "tier limit"};
  r.refusals["ThrottlingException"] = {429, 321, "2024-01-31T08:18:59.000000Z", "throttled: bedrock"};
  r.refusals["InternalServerError"] = {503, 2, "2024-01-31T00:10:00.000000Z", "injected fault: dynamodb"};
  const std::string md = render_summary_md(r);
  EXPECT_NE(md.find("Saturated first: `ThrottlingException` (throttled: bedrock) at 2024-01-31T08:18:59"), std::string::npos) << md;
  EXPECT_NE(md.find("| `InternalServerError` | 503 | injected fault: dynamodb | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("come from the scenario's fault plans"), std::string::npos) << md;
  r.refusals.erase("ThrottlingException");
  EXPECT_NE(render_summary_md(r).find("No shared service throttled."), std::string::npos);
}

}  // namespace
}  // namespace tenantsim
