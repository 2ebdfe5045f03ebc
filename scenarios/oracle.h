// Oracle: what the system should have done, worked out from the scenario's own data (the tier
// table and price catalog documents, read here and not through core's catalogs), from what the
// driver saw on the wire, and from the fakes' ledgers. It never calls core's rules, so a bug in a
// rule cannot hide itself by also being in the check. It judges as the run goes (nothing per
// request is kept beyond a few examples), and finish() adds the ledger comparisons.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/money.h"
#include "core/base/result.h"
#include "core/base/time.h"
#include "reports/histogram.h"
#include "reports/run_result.h"

namespace tenantsim {

struct OracleTier {
  std::string name;
  int64_t daily = 0, monthly = 0;                // 0: unlimited
  int64_t tenant_daily = 0, tenant_monthly = 0;  // caps over all users, when per user
  bool per_user = true;
  int64_t concurrent_sessions = 0;
  int64_t session_minutes = 0;
  std::set<std::string> tools;
  bool cost_reports = false;
  bool silo = false;  // deployment "silo": its own model account
  std::string model;
};

// The calendar day and month of `t` at a fixed UTC offset, computed here from std::chrono (a named
// zone's come from the tz library's zoned time: scenarios/iana_zones.h).
std::string oracle_day(Time t, int utc_offset_minutes);
std::string oracle_month(Time t, int utc_offset_minutes);

// Canaries: every prompt carries "cnry:{tenant}:{user}:" ({user}: the first 8 characters of the
// user's sub). No other tenant, and no other user of the same tenant, may ever see it.
std::string canary_for(const std::string& tenant_id, const std::string& sub);

// Knowledge-base canaries: every document ingested for a tenant carries "kbmark:{tenant}:". An
// answer may quote its own tenant's documents, and no other tenant's.
std::string knowledge_canary_for(const std::string& tenant_id);

class Oracle {
 public:
  // From the (already overridden) tier table and the price catalog documents.
  static Result<Oracle> from_docs(const nlohmann::json& tiers, const nlohmann::json& prices);

  const OracleTier& tier(const std::string& name) const { return tiers_.at(name); }
  // `time_zone`: an IANA name, used instead of the offset when not empty.
  void add_tenant(const std::string& id, const std::string& tier, int utc_offset_minutes,
                  const std::string& time_zone = "");
  // The tenant moved to `tier` at `at` (a billing change). From then on its limits, tools and
  // features are the new tier's; sessions already open keep the duration they opened with and
  // count as possibly (not surely) open; requests in flight across the change are not judged on
  // what the change affects. Its deployment (and so its model account) stays.
  void tier_changed(const std::string& tenant, const std::string& tier, Time at);
  // A tier change was asked for at `at` and has not answered yet (tier_changed or
  // tier_change_settled ends it): views asked meanwhile may show either tier.
  void tier_changing(const std::string& tenant, Time at);
  void tier_change_settled(const std::string& tenant) { tenants_.at(tenant).changing = false; }
  // A user of the tenant, by its sub (the id usage must be billed under).
  void add_user(const std::string& tenant, const std::string& sub);

  // --- limits: a chat is bracketed by begin/end so in-flight requests are known ---------
  struct ChatTicket {
    std::string tenant, user, session;
    Time sent{};
    std::vector<std::pair<std::string, int64_t>> windows;  // counters (key, limit) at send time
    // Set by the driver when the chat failed (5xx) and the failure it met is known to be before
    // the model consumed anything: the system must not count the message (it gives it back).
    bool failed_before_the_model = false;
    // Set by the driver when the question asks for one tool (the weather in a city, the tenant's
    // documents) and nothing failed while it ran: answered (200) by a tier that has the tool, the
    // answer must have used it. A tool the tier pays for that never runs is gating that fails shut.
    std::string asks_for_tool;
  };
  ChatTicket begin_chat(const std::string& tenant, const std::string& user, const std::string& session, Time sent);
  // `tools_used` and `tools_refused` are the answer's: each was one call through the tool gateway.
  void end_chat(const ChatTicket& t, Time answered, int status, const std::string& code, const std::string& request_id,
                const std::string& response_text, const std::vector<std::string>& tools_used,
                const std::vector<std::string>& tools_refused, bool weather_question);
  // A chat refused for a limit (429 DailyLimitExceeded/MonthlyLimitExceeded) carried this
  // Retry-After (seconds; nullopt when absent). Call right after end_chat for the same ticket.
  void limit_retry_after(const ChatTicket& t, Time answered, std::optional<int64_t> retry_after_seconds);
  // The subscription endpoint, asked between `sent` and `answered`, answered `view`: the tenant's
  // current tier and that tier's message limits (the directory's, not the token's claim, which a
  // tier change leaves stale), and the messages counted in the user's (or tenant's, by tier)
  // current day and month.
  void usage_reported(const std::string& tenant, const std::string& user, Time sent, Time answered,
                      const nlohmann::json& view);
  // Messages the user may still send in the current windows (for the limit-burst adversary).
  int64_t remaining(const std::string& tenant, const std::string& user, Time now) const;

  // --- sessions -----------------------------------------------------------------------
  // An open was sent (session_opened follows with its answer): opens in flight may hold slots.
  void session_open_sent(const std::string& tenant, const std::string& user);
  void session_opened(const std::string& tenant, const std::string& user, const std::string& session, Time sent,
                      Time answered, int status, const std::string& code);
  void session_closed(const std::string& tenant, const std::string& user, const std::string& session, int status);

  // --- isolation and tiers -----------------------------------------------------------------
  // An attack that must be refused with `expected` (401 for token attacks, 403 for foreign tenants).
  void attempt(const std::string& kind, const std::string& tenant, const std::string& what, int expected, int got);
  // The same where the system under test answers a refusal with any of `expected` (a target
  // profile's statuses: an outside API may answer no token with 401 or 403).
  void attempt(const std::string& kind, const std::string& tenant, const std::string& what,
               const std::set<int>& expected, int got);
  // One attack of `kind` did (or did not) reach the layer it attacks: an answer from the system
  // rather than a failure on the way, a prompt the model read, a limit the burst ran into. attempt()
  // and user_attempt() count their own. Kinds whose attacks mostly never arrive fail
  // isolation.attacks_reached: a refusal nobody was tested for is not a pass.
  void attack_reached(const std::string& kind, bool reached);
  // A tenant's own resources as the system provisioned them, looked at `when` ("after onboarding",
  // "after the run"): its tables (names from the directory; whether a read of its own partition
  // worked, and the error when not). A silo tenant's tables are its own, a pooled tenant's are the
  // pool's; all of them must still be there, whatever another tenant's offboarding did.
  struct TenantResources {
    bool silo = false;
    std::string usage_table, sessions_table;
    std::string usage_error, sessions_error;  // "" when a read of its partition worked
  };
  void tenant_resources(const std::string& tenant, const std::string& when, const TenantResources& r);
  // A tenant-scoped table handle for `tenant` reading `other`'s partition: must be denied.
  void scope_probe(const std::string& tenant, const std::string& other, bool denied);
  void tools_listed(const std::string& tenant, const std::set<std::string>& names);
  // A request a user made with its own valid token, for its own data: never refused as 401/403,
  // and failing (5xx other than throttling, or 400 to the well-formed request it is) no more often
  // than the faults the scenario injected explain (judged at finish: access.availability).
  // `past_capacity`: sent at a rate past what the target sustains (the step of `load --find-knee`
  // that broke): refused or not is still judged, its failures are the knee's to report.
  // `failed_inside`: a success status whose answer says it failed (a target that answers a failed
  // model call 200 "Agent Error"): a failure the user met, counted with its real status.
  void legitimate_request(const std::string& tenant, const std::string& endpoint, int status, const std::string& code,
                          bool past_capacity = false, bool failed_inside = false);
  // A step of signing a tenant or its users up (register, confirm, sign in, the admin creating a
  // user) that the system refused with a 4xx: no fault is injected while the population signs up,
  // so it is the system failing a legitimate user, not the environment. The tenant is left out of
  // the run; this fails access.legitimate_requests (a run used to end with exit 3 and blame its
  // environment).
  void onboarding_refused(const std::string& tenant, const std::string& step, int status, const std::string& code);
  // Below the tenant: a plain user reaching another user's data of the same tenant.
  void user_attempt(const std::string& tenant, const std::string& what, int expected, int got);
  // A plain user's view of GET /api/tenants/{t}/costs: it must be the user's own costs only.
  void user_cost_view(const std::string& tenant, const std::string& user, const nlohmann::json& body);
  // A plain user listed the tenant's sessions; `owners` are the user ids of the sessions shown.
  void sessions_listed(const std::string& tenant, const std::string& user, const std::vector<std::string>& owners);
  // An admin of `tenant` asked for an admin cost report and got `status`.
  void cost_report_requested(const std::string& tenant, const std::string& report, int status);
  // The gateway's tools/list (a billed gateway call) answered `status`, offering `names`: exactly
  // the tier's tools, the knowledge base's included.
  void gateway_tools_listed(const std::string& tenant, int status, const std::set<std::string>& names);
  // GET /api/admin/my-tenants, by the tenant's admin (`admin`) or a plain user: the admin is shown
  // exactly its own tenant at its current tier, the plain user is refused (403).
  void my_tenants_listed(const std::string& tenant, bool admin, int status, const nlohmann::json& body);
  // A tenant's cost views at the end of the run (GET /api/tenants/{t}/costs): as its admin over all
  // time, the last 366, 30 and 1 days, the statuses of malformed windows (?days=0, ...), one user's
  // own view, and the comprehensive report's priced lines. They must agree with each other and (at
  // finish) with what was metered.
  struct CostViews {
    nlohmann::json all, last_366_days, last_30_days, last_day;
    nlohmann::json comprehensive;  // the admin's comprehensive report (null when the tier has none)
    bool run_within_366_days = true;  // all the tenant's usage (onboarding's too) lies in the last 366 days
    // What the tenant's usage records price to over the last 30 days and the last day, read by the
    // harness (pico-dollars): the least and the most, for window starts from just before the views
    // were asked to just after (the clock moves while they answer). Unset: not read.
    std::optional<std::pair<int64_t, int64_t>> records_last_30_days, records_last_day;
    std::vector<std::pair<std::string, int>> bad_windows;  // query -> status
    std::string user;
    nlohmann::json user_view;
  };
  void cost_views(const std::string& tenant, const CostViews& views);
  // A tool called directly, through the tool gateway's MCP endpoint or seed 000's MCP server: a
  // tool of the tier is served (200; 429 and 5xx are the tool's throttling and failures), any
  // other refused with 403.
  void tool_called(const std::string& tenant, const std::string& tool, int status, bool through_gateway);
  // --- the agent runtime's bill ------------------------------------------------------------
  // The size every runtime invocation is billed for (the scenario's agent_runtime).
  void set_runtime_size(int64_t vcpus, int64_t memory_mb);
  // The tenant's own token invoked an agent runtime and got `status` (`code`) after `latency`
  // (the driver's, from send to answer: at least what the runtime ran for).
  void runtime_answered(const std::string& tenant, int status, const std::string& code, Duration latency);
  // The weather API failed (an injected fault) while one of the tenant's requests was in flight: a
  // tool the answer lists may not have reached the API, so its weather calls are judged only in
  // total (the provider's ledger has no tenant).
  void weather_fault_met(const std::string& tenant) { tenants_.at(tenant).weather_uncertain = true; }
  // A text the tenant received (an answer, a tool result): it may quote only its own documents.
  void knowledge_quoted(const std::string& tenant, const std::string& who, const std::string& text);
  // The tenant's own search of its documents answered `status` with `text`: served (200), it must
  // quote them. A filter that matches nothing keeps tenants apart by serving nobody.
  void knowledge_searched(const std::string& tenant, const std::string& who, int status, const std::string& text);
  // GET /.well-known/jwks.json after the offboardings: 200, every key the remaining tenants'
  // tokens name (`in_use`), none of a retired silo pool's (`retired`).
  void jwks_published(int status, const std::set<std::string>& published, const std::set<std::string>& in_use,
                      const std::set<std::string>& retired);
  // Documents were ingested and some tier may retrieve them: knowledge-base isolation is judged.
  void knowledge_base_in_use() { knowledge_base_in_use_ = true; }

  // --- the end: ledgers and what the system metered ---------------------------------------
  struct Metered {  // per tenant, from the system's usage tables
    std::map<std::pair<std::string, std::string>, int64_t> quantity;  // (metric, model) -> quantity
    std::map<std::string, Money> cost_by_service;
    // user -> (metric, model) -> quantity, as the system attributed it to its users
    std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> quantity_by_user;
  };
  // What a provider billed, in the oracle's own terms (the run fills them from whichever ledgers
  // it read: the in-process fakes', or a `fakes serve`'s over the wire).
  struct ModelUsage {
    int64_t invocations = 0;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    friend bool operator==(const ModelUsage&, const ModelUsage&) = default;
  };
  struct RetrievalUsage {
    int64_t retrievals = 0;
    int64_t query_tokens = 0;
  };
  struct Ledgers {
    // The model's ledger as it is: tenant tag -> model, and (account, model) -> usage.
    std::map<std::string, std::map<std::string, ModelUsage>> bedrock_by_tenant;
    std::map<std::pair<std::string, std::string>, ModelUsage> bedrock_by_account;
    // (tenant tag, user tag) -> model -> usage
    std::map<std::pair<std::string, std::string>, std::map<std::string, ModelUsage>> bedrock_by_user;
    int64_t weather_calls = 0;
    // The model accounts as provisioned (the control plane's record, not the requests' tags):
    // tenant -> its account, and the platform's pooled account.
    std::map<std::string, std::string> model_account_of;
    std::string pooled_account;
    // The knowledge-base ledger by the tenant each retrieval served: the filter's tenant on the
    // pooled base, the owner of a dedicated base. Unfiltered retrievals of the pooled base are
    // counted apart: whatever they returned, they were not scoped to anyone.
    std::map<std::string, RetrievalUsage> knowledge_by_tenant;
    // Bedrock Agents' InvokeAgent calls by tenant attribute -> agent id -> calls.
    std::map<std::string, std::map<std::string, int64_t>> agent_invocations;
    int64_t knowledge_unfiltered_pooled = 0;
    // The consumption events as the metrics store grouped them: tenant ("" when none) -> usage.
    std::map<std::string, ModelUsage> consumption_by_tenant;
    // The failures the scenario's fault plans injected, by service ("bedrock", "dynamodb", ...).
    std::map<std::string, uint64_t> injected_faults;
  };
  std::vector<CheckResult> finish(const std::map<std::string, Metered>& metered, const Ledgers& ledgers,
                                  const std::map<std::string, LatencyHistogram>& chat_latency_us,
                                  std::optional<int64_t> p99_threshold_ms);

  // How many checks have failed so far (for the progress line).
  int64_t failures_so_far() const;

 private:
  using Check = CheckResult;
  struct Window {
    int64_t accepted = 0;
    int64_t in_flight = 0;
    int64_t uncertain = 0;  // accepted across a window edge: may count here or in the next window
  };
  struct OpenSession {
    Time sent{}, answered{};
    bool closed = false;
    bool ambiguous = false;  // the open failed with 5xx: the system may or may not hold a slot for it
    int64_t minutes = 0;     // its duration, from the tier it was opened on
    bool grandfathered = false;     // opened before a tier change: its slot may lie above the new limit
    bool duration_unknown = false;  // opened across a tier change: either tier's duration holds
  };
  struct TenantState {
    std::string tier;
    bool silo = false;      // deployed on its own resources at onboarding (a tier change keeps them)
    Time changed_at{};      // the last tier change, if any
    Time change_asked{};    // when it was asked for
    bool changing = false;  // a change is under way
    int offset = 0;
    std::string zone;  // IANA name, or "" for the fixed offset
    int64_t weather_calls = 0, tool_executions = 0;
    int64_t gateway_calls = 0;
    bool gateway_uncertain = false;  // a chat or gateway call failed midway: calls may have been billed
    // What the runtime must have billed: invocations surely run, and those that may have been
    // (failed with 5xx), with their memory-seconds from the driver's latencies.
    int64_t runtime_sure = 0, runtime_maybe = 0;
    int64_t runtime_seconds_floor = 0, runtime_seconds_ceil = 0;  // over the sure ones; ceil also over the maybe
    std::map<std::string, int64_t> chats_by_user;  // known users (sub) -> chats answered 200
    bool weather_uncertain = false;  // a weather-related request failed midway
  };

  Check& check(const std::string& name);
  std::vector<std::pair<std::string, int64_t>> windows_at(const std::string& tenant, const std::string& user, Time t) const;
  Money price(const std::string& metric, const std::string& model, int64_t quantity) const;

  std::map<std::string, OracleTier> tiers_;
  int64_t max_session_minutes_ = 0;  // the longest session of any tier
  std::map<std::pair<std::string, std::string>, Money> prices_;  // (metric, model or "") -> per unit
  std::map<std::string, TenantState> tenants_;
  std::map<std::string, Window> windows_;
  std::map<std::string, std::map<std::string, OpenSession>> sessions_;  // "tenant/user" -> session -> state
  std::map<std::string, int64_t> opening_;  // "tenant/user" -> opens sent and not yet answered
  std::map<std::string, Check> checks_;
  // Legitimate requests by (tier, endpoint): how many, and those that failed, by (status, code).
  struct Served {
    int64_t requests = 0;
    std::map<std::pair<int, std::string>, int64_t> failures;
  };
  std::map<std::pair<std::string, std::string>, Served> served_;
  // finish(), a function per check (or per part of one), called in this order.
  void judge_availability(const std::map<std::string, uint64_t>& injected);
  void judge_attacks_reached();
  void judge_cost_view_totals(const std::map<std::string, Metered>& metered);
  void judge_tenant_bill(const std::string& tenant, const TenantState& ts, const Metered& m, const Ledgers& ledgers);
  void judge_user_attribution(const std::string& tenant, const TenantState& ts, const Metered& m, const Ledgers& ledgers);
  // A silo tenant's model calls run on (and bill) its own account; the pooled one serves the pooled tenants.
  void judge_model_accounts(const Ledgers& ledgers);
  void judge_unattributed(const std::map<std::string, Metered>& metered, const Ledgers& ledgers);
  // The pooled knowledge base answered only filtered retrievals, and only for known tenants.
  void judge_knowledge_base(const Ledgers& ledgers);
  // Seed 004's consumption events name every model invocation's tenant.
  void judge_consumption_events(const Ledgers& ledgers);
  // The checks in catalog order, and the p99 threshold's when one is set.
  std::vector<CheckResult> results(const std::map<std::string, LatencyHistogram>& chat_latency_us,
                                   std::optional<int64_t> p99_threshold_ms) const;
  std::map<std::string, std::pair<int64_t, int64_t>> attacks_;  // kind -> (reached, attempted)
  std::map<std::string, std::set<std::string>> table_users_;  // table -> tenants provisioned on it
  std::map<std::string, bool> table_silo_;                     // table -> provisioned for a silo tenant
  std::map<std::string, int64_t> api_cost_totals_;  // tenant -> its admin's all-time cost view (pico-dollars)
  bool knowledge_base_in_use_ = false;
  int64_t runtime_vcpus_ = 1, runtime_memory_mb_ = 1024;
};

}  // namespace tenantsim
