// RunResult: everything a run concluded, as plain data. The harness fills it; the renderers in
// this folder turn it into report.json, junit.xml, summary.md and the CSVs. Nothing in it depends
// on wall-clock time or the host, so the same scenario and seed give byte-identical reports;
// wall-clock figures travel separately in RunTiming.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/money.h"
#include "core/domain/revenue.h"

namespace tenantsim {

inline constexpr int kReportSchemaVersion = 1;

// How one check came out. A check that judged nothing did not pass: it is "not exercised".
enum class CheckStatus {
  kPass,          // judged at least once, never failed
  kFail,          // failed, and it gates the run
  kWarn,          // failed, but the scenario does not gate on it (thresholds.fail_on)
  kNotExercised,  // judged nothing
};
const char* to_string(CheckStatus s);  // "pass", "fail", "warn", "not_exercised"
CheckStatus check_status_from_string(const std::string& s);  // REQUIRES: one of the above

struct CheckResult {
  std::string name;         // "isolation.canaries", "limits.within_limits", ...
  std::string description;  // what the check asserts, one sentence
  bool gating = true;       // false: reported, but does not fail the run (thresholds.fail_on)
  bool may_skip = false;    // the scenario allows it to judge nothing (thresholds.may_skip)
  int64_t checked = 0;      // observations the check judged
  int64_t failed = 0;
  std::vector<std::string> examples;  // up to a few failures, each naming request ids and tenants

  // One observation judged: counted, and a failure kept as an example while there are few.
  void pass() { ++checked; }
  // With a `kind` (a prefix of the example, e.g. the attack's kind), the first failure of each kind
  // is kept past the few, up to 16 examples: one kind failing often must not hide the others.
  void fail(std::string example, std::string_view kind = {}) {
    ++checked;
    ++failed;
    const bool new_kind = !kind.empty() && std::none_of(examples.begin(), examples.end(), [&](const std::string& e) {
      return e.starts_with(kind);
    });
    if (examples.size() < 5 || (new_kind && examples.size() < 16)) examples.push_back(std::move(example));
  }

  CheckStatus status() const {
    if (failed > 0) return gating ? CheckStatus::kFail : CheckStatus::kWarn;
    return checked == 0 ? CheckStatus::kNotExercised : CheckStatus::kPass;
  }
  // A gating check fails the run when it failed, or when it judged nothing and may not skip.
  bool fails_run() const { return gating && (failed > 0 || (checked == 0 && !may_skip)); }
  // What a report shows in its result column: PASS, FAIL, WARN, SKIPPED (not exercised, allowed)
  // or "NOT EXERCISED" (not exercised, and that fails a gating check).
  std::string label() const;
};

// Quantities of TenantRow::quantities that are not the system's metrics: platform usage the
// harness reads from the fakes' ledgers (harness/platform_costs.h).
namespace quantity {
inline constexpr const char* kDynamoReadHalfUnits = "dynamodb_read_half_units";
inline constexpr const char* kDynamoWriteUnits = "dynamodb_write_request_units";
inline constexpr const char* kCognitoMaus = "cognito_monthly_active_users";
}  // namespace quantity

struct TenantRow {
  std::string id;
  std::string tier;
  std::string deployment;
  int utc_offset_minutes = 0;
  int users = 0;
  bool adversary = false;
  int64_t requests = 0;
  int64_t chats_accepted = 0;
  int64_t refused_limit = 0;  // refused for a tier limit (daily, monthly, concurrent sessions)
  int64_t throttled = 0;      // 429s from a shared service throttling (model, table, IdP, weather)
  int64_t failed = 0;         // 5xx
  std::map<std::string, int64_t> quantities;  // metric -> metered quantity (system's usage table)
  std::map<std::string, Money> cost_by_service;
  Money cost;
  Money revenue;  // revenue_lines.total()
  std::vector<std::pair<std::string, std::string>> tier_changes;  // (ISO 8601 time, new tier), in order
  RevenueLines revenue_lines;  // fees, seats and overage over the run (core/domain/revenue.h)
  // Accepted messages per (UTC month "2024-04", tier billed): what overage is counted from.
  std::map<std::pair<std::string, std::string>, int64_t> messages_by_month;
  std::string time_zone;  // IANA name when the tenant has one (then utc_offset_minutes is 0)
};

struct LatencyRow {
  std::string endpoint;  // "POST /api/chat"
  std::string tier;
  int64_t count = 0;
  int64_t p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;
};

struct TimeBucket {
  int64_t hour = 0;  // hours since the scenario's start
  int64_t requests = 0;
  int64_t refused_limit = 0;  // tier limits
  int64_t throttled = 0;      // shared services throttling
  int64_t failed = 0;         // 5xx
};

// One request as the driver saw it (raw results, streamed to results.sqlite).
struct RequestRow {
  int64_t t_us = 0;  // virtual time sent, microseconds since the epoch
  std::string tenant, tier, endpoint;
  int status = 0;
  int64_t latency_us = 0;
};

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual void record(const RequestRow& row) = 0;
};

// Refusals and failures by error code: what saturated, how often, and when it first did.
struct Refusal {
  int status = 0;
  int64_t count = 0;
  std::string first_at;  // virtual time, ISO 8601
  std::string reason;    // "tier limit", "throttled: bedrock", "injected fault: dynamodb", ...
};

// A wall-clock load run (`tenantsim load`) over time: what the driver sent and saw each second, and
// the steps of --find-knee. Not deterministic (a wall-clock run cannot be); virtual-time runs have none.
struct LoadSecond {
  int64_t second = 0;  // since the start of traffic
  int64_t requests = 0, errors = 0, refused = 0;  // errors: 5xx or no answer; refused: 429
  int64_t chat_p50_us = 0, chat_p99_us = 0;       // 0: no chat answered 200 that second
};

struct LoadStep {
  double asked_per_s = 0, achieved_per_s = 0;
  int64_t chat_p99_us = 0;
  bool held = false;
};

struct LoadSeries {
  std::string model;  // "open", "closed", "open, stepped (--find-knee)"
  std::vector<LoadSecond> seconds;
  std::vector<LoadStep> knee;
};

// One UTC day of the run: revenue earned that day (fees and seats accrue by the microsecond,
// overage on the day of the message), the metered cost of the system's services (model, tools,
// weather), the silo tenants' fixed monthly costs accrued that day, and the platform's cost from
// the DynamoDB and Cognito ledgers (request units used that day; a monthly active user on its first
// active day of the month). The days add up to the run's total cost, less unattributed platform use.
struct DayEconomics {
  std::string day;  // "2024-04-01"
  Money revenue, metered_cost, fixed_cost, platform_cost;
};

// The days of a month added up ("2024-04"): a year's run reads better by month.
struct MonthEconomics {
  std::string month;
  int days = 0;  // days of the run's daily rows in the month
  Money revenue, metered_cost, fixed_cost, platform_cost;
};
std::vector<MonthEconomics> by_month(const std::vector<DayEconomics>& days);

// One tenant's cost of one service on one UTC day: the system's metered services, the silo fixed
// cost and the platform's (DynamoDB, Cognito). For results.sqlite, not report.json.
struct TenantDayCost {
  std::string tenant, tier, day, service;
  Money cost;
};

// One tenant's quantity of one metric on one UTC day (what daily_costs prices): the system's usage
// records and the platform ledgers' units and first-day MAUs. For results.sqlite, not report.json.
struct TenantDayUsage {
  std::string tenant, day, metric;
  int64_t quantity = 0;
};

// One user's metered cost by service (what the system's usage table attributes to the user).
// One user of a tenant: the system's metered cost of what the user did (platform and silo fixed
// costs belong to the tenant, not to any one user), and the user's share of the tenant's revenue
// (split evenly over all its users, used or not). Every user of a tenant has a row.
struct UserRow {
  std::string tenant, tier, user;  // user: the Cognito sub
  std::map<std::string, Money> cost_by_service;
  Money cost;
  Money revenue;
};

// The consumption events of one tenant, tier, agent and model as the metrics store summed them
// (seed 004's "group by tenant ID"), with the model cost of those tokens.
struct ConsumptionRow {
  std::string tenant, tier, agent, model;
  int64_t invocations = 0, input_tokens = 0, output_tokens = 0;
  Money cost;
};

// One line of the price catalog a run was priced with.
struct PriceRow {
  std::string metric, model;  // model "" for a line that applies to every model
  Money per_unit;
};

// What money a run's reports can show. A simulated run bills its population over its calendar
// (cost and revenue); a wall-clock load in process has what its traffic cost as the system metered
// it, but seconds of prorated fees are no revenue to judge a margin by; a load against another
// process read no system's metering. Reports leave out what a run does not have, rather than print
// zeros a reader would take for figures.
enum class EconomicsScope { kFull, kCostOnly, kNone };
const char* to_string(EconomicsScope s);  // "full", "cost_only", "none"

struct RunResult {
  EconomicsScope economics = EconomicsScope::kFull;
  std::string scenario;
  std::string description;
  uint64_t seed = 0;
  std::string start;  // ISO 8601
  int64_t duration_hours = 0;
  std::string price_catalog;
  std::vector<std::string> defects;  // injected, by name
  std::vector<std::string> overrides;  // --set edits of the scenario ("population.tenants=500")
  std::vector<CheckResult> checks;
  std::vector<TenantRow> tenants;
  std::vector<LatencyRow> latency;
  std::vector<TimeBucket> timeline;  // one per simulated hour
  std::map<std::string, Refusal> refusals;  // error code -> (429s and 5xx of ordinary users)
  std::map<int, int64_t> responses_by_status;
  int64_t requests = 0;
  std::map<std::string, int64_t> ledger_totals;  // fake ledgers: "bedrock_invocations", ...
  std::optional<LoadSeries> load;                 // wall-clock load runs only
  std::vector<DayEconomics> daily;                // per UTC day of the run, in order
  std::vector<TenantDayCost> tenant_day_costs;    // results.sqlite's daily_costs (not in report.json)
  std::vector<TenantDayUsage> tenant_day_usage;   // results.sqlite's daily_usage (not in report.json)
  std::vector<UserRow> users;                     // per user, by tenant
  std::vector<ConsumptionRow> consumption;        // per tenant, tier, agent and model
  std::vector<PriceRow> prices;                   // the catalog's lines

  bool passed() const {
    for (const auto& c : checks)
      if (c.fails_run()) return false;
    return true;
  }
};

struct RunTiming {
  double wall_seconds = 0;
  double simulated_requests_per_second = 0;
  int64_t peak_rss_kib = 0;
};

}  // namespace tenantsim
