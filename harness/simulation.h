// Simulation: a scenario's population, onboarded through the public API and then driven by one
// actor per user (and one per adversary tenant) in virtual time. Actors are coroutines sleeping on
// the World's clock, so thousands are in flight at once and races such as two messages at the
// limit happen in simulation exactly as they would against a live system. Everything an actor
// sees goes to the Oracle as it happens; nothing per request is kept.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/domain/revenue.h"
#include "harness/driver.h"
#include "harness/token_forge.h"
#include "scenarios/oracle.h"
#include "harness/world.h"
#include "reports/histogram.h"
#include "reports/run_result.h"
#include "scenarios/population.h"
#include "scenarios/scenario.h"

namespace tenantsim {

// The path of the AgentCore runtime's InvokeAgentRuntime on one runtime (the pooled one, or a silo
// tenant's own).
inline std::string runtime_invocations_path(const std::string& runtime_id) {
  return "/runtimes/" + runtime_id + "/invocations";
}

// An InvokeAgentRuntime body as seed 002's frontend sends it: the prompt, the session id (left out
// when "": it then travels in the header only, as the AWS SDK sends it) and the session attributes
// naming a tenant and a user (which the runtime must check against the token).
inline nlohmann::json runtime_invocation(const std::string& prompt, const std::string& session,
                                         const std::string& tenant, const std::string& user) {
  nlohmann::json body = {{"prompt", prompt}, {"sessionAttributes", {{"tenant_id", tenant}, {"user_id", user}}}};
  if (!session.empty()) body["runtimeSessionId"] = session;
  return body;
}

class Simulation {
 public:
  // One adversary attack by tenant t: its admin (users[0]) and a plain user (users[1]), and the
  // plain user's token, as it is and edited to claim the victim tenant.
  struct Attack {
    SimTenant& t;
    SimUser& admin;
    SimUser& plain;
    std::string kind;
    Jwt own;
    Jwt as_victim;
    std::string victim_usage;      // the victim's usage endpoint
    std::string own_subscription;  // the attacker's own subscription endpoint
  };
  using AttackFn = Task<void> (Simulation::*)(Attack&);
  // Every adversary kind that has an attack (scenarios/scenario.h: adversary_kinds() names them).
  static const std::map<std::string, AttackFn>& attacks();

  // `sink` (optional) receives every request as it completes.
  Simulation(World& world, const Scenario& scenario, Oracle& oracle, Driver& driver, RequestSink* sink = nullptr);

  // Onboards every tenant and user through the API, one tenant per `pace` of virtual time, then
  // probes tool lists and table scopes.
  Status onboard(Duration pace);
  // Spawns every actor; World::clock's loop then drives them.
  void start();
  // After the run (every actor done, metering settled): each tenant's cost views, for cost.views.
  Task<int64_t> probe_cost_views();  // the tenants probed
  // The least and the most the tenant's usage records price to over `window` back from a start
  // between `asked` and now (nullopt when they cannot be read).
  Task<std::optional<std::pair<int64_t, int64_t>>> records_priced_since(std::string tenant_id, Time asked, Duration window);
  // Every tenant's tables as provisioned and still readable (isolation.shared_resources), `when`.
  void check_resources(const std::string& when);
  // Actors still running.
  int running() const { return running_; }

  const std::vector<SimTenant>& tenants() const { return tenants_; }
  int64_t requests() const { return requests_; }
  const std::map<int, int64_t>& responses_by_status() const { return by_status_; }
  // (endpoint, tier) -> virtual latencies in microseconds
  // Latency in virtual microseconds per (endpoint label, tier): one mergeable histogram each (3
  // significant digits, fixed memory however long the run), not every sample.
  const std::map<std::pair<std::string, std::string>, LatencyHistogram>& latency() const { return latency_; }
  const std::vector<TimeBucket>& timeline() const { return timeline_; }
  struct RefusalStats {
    int status = 0;
    int64_t count = 0;
    Time first{};
  };
  // 429s and 5xx by error code, adversaries' requests left out.
  const std::map<std::string, RefusalStats>& refusals() const { return refusals_; }

 private:
  // A 4xx to an onboarding step is the system refusing a legitimate user: judged, and the tenant
  // left out. False (the run must stop) for anything else.
  bool refused_by_the_system(const std::string& tenant, const std::string& step, const Error& e);
  using Json = nlohmann::json;

  Task<ApiResponse> call(SimTenant& t, std::string method, std::string path, std::string label, std::string token,
                         Json body, std::map<std::string, std::string> headers = {});
  Task<bool> fresh_token(SimTenant& t, SimUser& u);
  // The user opens its subscription view (the tier, its limits, what is left): judged.
  Task<void> look_at_subscription(SimTenant& t, SimUser& u);
  Task<std::string> open_session(SimTenant& t, SimUser& u);
  Task<void> close_session(SimTenant& t, SimUser& u, std::string session);
  // What a message asks for: nothing in particular, the weather (a weather tool), or the
  // tenant's documents (the knowledge-base tool).
  enum class Ask { kPlain, kWeather, kDocuments };
  // One chat; returns the status and sets *code to the error code, if any.
  Task<int> chat(SimTenant& t, SimUser& u, std::string session, Ask ask, std::string* code);
  // One chat with the given text; `tool_question`: a tool may run for it; `asked_tool`: the one
  // tool it asks for, which a tier that has it must use (Oracle::ChatTicket::asks_for_tool).
  Task<int> send_chat(SimTenant& t, SimUser& u, std::string session, std::string text, bool tool_question,
                      std::string* code, bool via_runtime = false, std::string asked_tool = "");
  // Onboarding's probes of a tenant's features: the tool gateway, and the admin's views and limits.
  void probe_gateway(const SimTenant& t);
  void probe_admin_views(const SimTenant& t, const SimTenant* neighbour);
  // The failures the scenario's fault plans injected over some interval, by service (World::injected_between).
  using InjectedFaults = std::vector<std::pair<std::string, InjectedFault>>;
  // Whether the weather faults among `faults` failed a call (any tenant's).
  static bool weather_failed(const InjectedFaults& faults);
  // A failed chat that the harness's own faults while it ran show never reached the model (see the .cc).
  static bool failed_before_the_model(const SimTenant& t, const SimUser& u, const InjectedFaults& faults);
  // A session for an attack by a user whose own actor may hold its slots: tried for up to an hour.
  Task<std::string> open_session_patiently(SimTenant& t, SimUser& u);
  // Canary documents for every tenant's knowledge base, when some tier offers the retrieve tool.
  Status ingest_documents();
  Task<void> run_session(SimTenant& t, SimUser& u, int64_t messages, bool until_refused);
  Task<void> user_actor(size_t ti, size_t ui);
  Task<void> adversary_actor(size_t ti);
  Task<void> tier_change_actor(size_t ti, std::string to, Time at);
  Task<void> attack(SimTenant& t, const std::string& kind);
  // The attacks (adversaries.cc), one per kind. agent_layers: the agent runtime and the tool gateway
  // reached directly, with bad tokens, foreign session attributes, a short session id, a tool outside
  // the tier and a foreign tenant in tool arguments. prompt_injection: instructions a compliant model
  // would follow, sent as chat messages.
  Task<void> attack_prompt_injection(Attack& a);
  Task<void> attack_agent_layers(Attack& a);
  Task<void> attack_cross_tenant(Attack& a);
  Task<void> attack_cross_user(Attack& a);
  Task<void> attack_forged_signature(Attack& a);
  Task<void> attack_alg_none(Attack& a);
  Task<void> attack_hs256_confusion(Attack& a);
  Task<void> attack_expired_token(Attack& a);
  Task<void> attack_wrong_audience(Attack& a);
  Task<void> attack_pool_mismatch(Attack& a);
  Task<void> attack_self_edit_claims(Attack& a);
  Task<void> attack_sign_up_claims(Attack& a);
  Task<void> attack_wrong_token_use(Attack& a);
  Task<void> attack_tier_escalation(Attack& a);
  Task<void> attack_admin_without_group(Attack& a);
  Task<void> attack_limit_burst(Attack& a);
  Task<void> attack_session_flood(Attack& a);
  Task<void> attack_session_overrun(Attack& a);
  Task<void> open_session_into(SimTenant& t, SimUser& u, std::string* id);
  Task<void> burst_chat(size_t ti, size_t ui, std::string session);
  // One attack request, judged by the oracle against the status it must get.
  Task<void> expect(Attack& a, std::string method, std::string path, std::string token, Json body, int expected);
  // One attack request, tried again (up to three times) while it fails with 5xx.
  Task<ApiResponse> attack_call(Attack& a, std::string method, std::string path, std::string token, Json body);

  // A message of kind `ask`; *tool: the tool it asks for ("" for a plain message).
  std::string message_text(SimTenant& t, const SimUser& u, Ask ask, Rng& rng, std::string* tool) const;
  Time local_time_on_day(const SimTenant& t, int day, int minute_of_day) const;

  World& world_;
  const Scenario& scenario_;
  Oracle& oracle_;
  Driver& driver_;
  RequestSink* sink_;
  Rng rng_;
  Time onboarded_from_{};  // the first request of onboarding
  Time end_{};
  std::vector<SimTenant> tenants_;
  int running_ = 0;
  int64_t requests_ = 0;
  std::map<int, int64_t> by_status_;
  std::map<std::pair<std::string, std::string>, LatencyHistogram> latency_;
  std::vector<TimeBucket> timeline_;
  std::map<std::string, RefusalStats> refusals_;
};

}  // namespace tenantsim
