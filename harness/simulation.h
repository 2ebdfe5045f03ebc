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
#include "harness/oracle.h"
#include "harness/world.h"
#include "reports/histogram.h"
#include "reports/run_result.h"
#include "scenarios/scenario.h"

namespace tenantsim {

// The local hour a session starts in, for `unit` uniform in [0, 1): hours are drawn in proportion
// to a day curve (quiet nights, busy office hours); diurnal_weight(h) is hour h's weight.
int diurnal_hour(double unit);
double diurnal_weight(int hour);

struct SimUser {
  std::string username, password, sub, token;
  Time token_at{};
  bool admin = false;
  bool heavy = false;  // sends until the daily limit refuses, at the edge of the local day
  bool access_token = false;  // calls the API with its access token (others use the ID token)
  Rng rng{0};          // this user's own stream: what it does depends on the seed and its name only
};

struct SimTenant {
  std::string id, tier, deployment;
  int offset = 0;         // its fixed UTC offset, when it has no named zone
  std::string time_zone;  // its IANA zone, or ""
  TimeZone zone;          // the calendar its days count in (either of the two)
  std::vector<SimUser> users;
  bool adversary = false;
  std::string victim;  // the tenant its adversary attacks
  int64_t requests = 0, chats_accepted = 0;
  int64_t refused_limit = 0, throttled = 0, failed = 0;  // of ordinary users' requests, by refusal kind
  int tier_changes = 0;  // billing changes applied during the run (`tier` stays the one it started on)
  std::vector<std::pair<Time, std::string>> tier_history;  // (when, new tier) of each change, in order
  // Accepted chats per (UTC day, tier billed at the time): what overage revenue is counted from.
  MessagesByDayTier messages;
  const std::string& billed_tier() const { return tier_history.empty() ? tier : tier_history.back().second; }
};

class Simulation {
 public:
  // `sink` (optional) receives every request as it completes.
  Simulation(World& world, const Scenario& scenario, Oracle& oracle, Driver& driver, RequestSink* sink = nullptr);

  // Onboards every tenant and user through the API, one tenant per `pace` of virtual time, then
  // probes tool lists and table scopes.
  Status onboard(Duration pace);
  // Spawns every actor; World::clock's loop then drives them.
  void start();
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
  using Json = nlohmann::json;

  Task<ApiResponse> call(SimTenant& t, std::string method, std::string path, std::string label, std::string token,
                         Json body);
  Task<bool> fresh_token(SimTenant& t, SimUser& u);
  Task<std::string> open_session(SimTenant& t, SimUser& u);
  Task<void> close_session(SimTenant& t, SimUser& u, std::string session);
  // What a message asks for: nothing in particular, the weather (a weather tool), or the
  // tenant's documents (the knowledge-base tool).
  enum class Ask { kPlain, kWeather, kDocuments };
  // One chat; returns the status and sets *code to the error code, if any.
  Task<int> chat(SimTenant& t, SimUser& u, std::string session, Ask ask, std::string* code);
  // One chat with the given text; `tool_question`: a tool may run for it.
  Task<int> send_chat(SimTenant& t, SimUser& u, std::string session, std::string text, bool tool_question,
                      std::string* code, bool via_runtime = false);
  // A session for an attack by a user whose own actor may hold its slots: tried for up to an hour.
  Task<std::string> open_session_patiently(SimTenant& t, SimUser& u);
  // The agent runtime and the tool gateway reached directly, with bad tokens, foreign session
  // attributes, a short session id, a tool outside the tier and a foreign tenant in tool arguments.
  Task<void> attack_agent_layers(SimTenant& t, SimUser& u);
  // The prompt-injection attack: instructions a compliant model would follow, sent as chat messages.
  Task<void> inject_prompts(SimTenant& t, SimUser& u);
  // Canary documents for every tenant's knowledge base, when some tier offers the retrieve tool.
  Status ingest_documents();
  Task<void> run_session(SimTenant& t, SimUser& u, int64_t messages, bool until_refused);
  Task<void> user_actor(size_t ti, size_t ui);
  Task<void> adversary_actor(size_t ti);
  Task<void> tier_change_actor(size_t ti, std::string to, Time at);
  Task<void> attack(SimTenant& t, const std::string& kind);
  Task<void> burst_chat(size_t ti, size_t ui, std::string session);
  Task<void> expect(SimTenant& t, const std::string& kind, std::string method, std::string path, std::string token,
                    Json body, int expected);
  // One attack request, tried again (up to three times) while it fails with 5xx.
  Task<ApiResponse> attack_call(SimTenant& t, const std::string& kind, std::string method, std::string path,
                                std::string token, Json body);

  std::string message_text(SimTenant& t, const SimUser& u, Ask ask, Rng& rng) const;
  Time local_time_on_day(const SimTenant& t, int day, int minute_of_day) const;

  World& world_;
  const Scenario& scenario_;
  Oracle& oracle_;
  Driver& driver_;
  RequestSink* sink_;
  Rng rng_;
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
