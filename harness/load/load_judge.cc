#include "harness/load/load_judge.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "core/domain/metering.h"
#include "harness/cloud_ledgers.h"
#include "harness/evidence.h"
#include "harness/world.h"
#include "scenarios/checks.h"
#include "scenarios/refusals.h"

namespace tenantsim::load {

namespace {

using json = nlohmann::json;

// The checks a load run's traffic can exercise (the rest need behaviours only `run` drives: tier
// changes, offboarding, the agent runtime, cost reports, knowledge bases). With the system in
// process, the oracle also reconciles its metering with the providers' ledgers.
constexpr const char* kLoadChecks[] = {
    "access.legitimate_requests", "access.availability",     "isolation.canaries",
    "isolation.adversary_refused", "isolation.attacks_reached", "isolation.between_users",
    "limits.within_limits",       "limits.no_refusal_under_limit", "limits.usage_reported",
    "limits.retry_after",         "limits.concurrent_sessions", "limits.session_duration",
    "tiers.tool_gating"};
constexpr const char* kLedgerChecks[] = {"metering.complete", "cost.attribution", "observability.tenant_context"};
// Judged only when the traffic meets a limit, or reads a subscription (8% of the mix), which a short
// or light run may not: allowed to judge nothing unless the scenario gates on them by name.
constexpr const char* kSparse[] = {"limits.no_refusal_under_limit", "limits.retry_after", "limits.usage_reported"};

}  // namespace

// A check of the catalog, by name, ready to judge.
CheckResult catalog_check(const char* name) {
  CheckResult c;
  c.name = name;
  for (const auto& info : check_catalog())
    if (c.name == info.name) c.description = info.description;
  return c;
}

// The service whose configured latency (the scenario's fault plans) alone brings a chat to
// `p99_limit_us`, described; "" when none does. A chat waits for each service it calls at least
// once, so a base plus jitter at the limit explains a p99 there; spikes rarer than one call in a
// hundred cannot move a p99 and are left out.
std::string configured_latency_blame(const std::map<std::string, FaultPlan>& plans, int64_t p99_limit_us) {
  std::string blame;
  int64_t worst_us = 0;
  for (const auto& [service, plan] : plans) {
    const auto& m = plan.latency;
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(m.base + m.jitter).count();
    if (m.spike_probability >= 0.01) us += std::chrono::duration_cast<std::chrono::microseconds>(m.spike).count();
    if (us < p99_limit_us || us <= worst_us) continue;
    worst_us = us;
    blame = fmt::format("{}'s configured latency (base {} ms, jitter {} ms{}: up to {:.0f} ms a call before any "
                        "per-token time) explains it, not the server",
                        service, std::chrono::duration_cast<std::chrono::milliseconds>(m.base).count(),
                        std::chrono::duration_cast<std::chrono::milliseconds>(m.jitter).count(),
                        m.spike_probability >= 0.01 ? fmt::format(", spikes of {} ms",
                                                                  std::chrono::duration_cast<std::chrono::milliseconds>(m.spike).count())
                                                    : std::string(),
                        static_cast<double>(us) / 1000.0);
  }
  return blame;
}

KneeStep judge_step(const std::vector<Planned>& plan, const std::vector<Outcome>& out, int64_t p99_limit_us,
                    const std::map<std::string, FaultPlan>& plans) {
  KneeStep k;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].kind == Kind::kChat && out[i].status == 200) k.chat.record(out[i].latency_us);
    if (out[i].status >= 500 || out[i].status == 0) ++k.errors;
    const RefusalClass rc = classify_refusal(out[i].status, out[i].code);
    if (rc.kind == RefusalKind::kThrottled) ++k.throttled_by[rc.service.empty() ? "unknown" : rc.service];
  }
  if (!k.throttled_by.empty()) {
    auto worst = std::max_element(k.throttled_by.begin(), k.throttled_by.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
    k.why = fmt::format("{} throttled ({} requests refused)", worst->first, worst->second);
  } else if (k.errors * 100 > static_cast<int64_t>(plan.size())) {
    k.why = fmt::format("{} of {} requests failed (5xx or no answer)", k.errors, plan.size());
  } else if (k.chat.percentile(99) > p99_limit_us) {
    const std::string dependency = configured_latency_blame(plans, p99_limit_us);
    k.why = fmt::format("chat p99 {:.1f} ms over {} ms with nothing refused: {}",
                        static_cast<double>(k.chat.percentile(99)) / 1000.0, p99_limit_us / 1000,
                        dependency.empty() ? std::string("the server's own capacity") : dependency);
  }
  return k;
}

// Reads the in-process system's usage tables and the fakes' ledgers once serving is over, with
// the faults and the tables' throughput limits off, as `run` settles (the harness's bookkeeping,
// not the system's load).
LoadEvidence read_evidence(ServedSystem& served, const std::vector<LoadTenant>& tenants, size_t unwritten) {
  World& w = served.world();
  w.dynamodb_faults().set_plan(FaultPlan{});
  DynamoLimits unthrottled;
  unthrottled.partition_read_units_per_second = unthrottled.partition_write_units_per_second = int64_t{1} << 40;
  w.dynamodb.set_limits(unthrottled);
  LoadEvidence e;
  e.unwritten = unwritten;
  std::vector<std::string> ids;
  for (const auto& t : tenants) {
    ids.push_back(t.id);
    auto table = w.system->usage_table_for(t.id);
    if (!table.ok()) continue;  // metering.complete finds nothing metered for it
    auto all = served.run_after_wait(summarize_records(**table, t.id, std::nullopt, w.system->config().prices));
    if (all.ok()) e.metered[t.id] = metered_of(*all);
  }
  e.ledgers = oracle_ledgers(w, ledgers_of(w), ids);
  return e;
}

// Every request's intended send and its answer go to the oracle in time order, so a chat's
// windows see the chats in flight beside it as `run`'s do. The intended send is no later than the
// real one and the answer is read after the system decided, so what the oracle counts as maybe in
// flight includes everything that was: a refusal is never judged against fewer chats than the
// system saw.
Result<std::vector<CheckResult>> judge_load(const LoadJudgement& j) {
  auto made = Oracle::from_docs(j.loaded.tiers_doc, j.loaded.prices_doc);
  if (!made.ok()) return made.take_error();
  Oracle& oracle = *made;
  const auto time_of = [&](Steady::time_point p) {
    return j.origin_time + std::chrono::duration_cast<Duration>(p - j.origin);
  };
  for (const auto& t : j.tenants) oracle.add_tenant(t.id, t.tier, 0);
  for (const auto& u : j.users) {
    const std::string& tenant = j.tenants[u.tenant].id;
    oracle.add_user(tenant, u.sub);
    oracle.session_open_sent(tenant, u.sub);
    oracle.session_opened(tenant, u.sub, u.session, time_of(u.session_sent), time_of(u.session_answered), 201, "");
  }
  const bool weather_faults = j.loaded.faulted_services().count("weather") > 0;
  // Tool gating is judged from what the chat's answer says it used; a target that does not say
  // leaves it unjudged (and out of the report) rather than judged from nothing.
  const bool judges_tools = !j.profile.chat_tools_used.empty();
  // A sign-up that claimed another tenant: refused when the pool refused it (400) or the target
  // refused the token it gave (any 4xx); a 2xx is the stranger reading the victim's data.
  std::set<int> any_refusal;
  for (int status = 400; status < 500; ++status) any_refusal.insert(status);
  for (const SignUpProbe& probe : j.sign_up_probes) {
    if (probe.status == 0 || probe.status >= 500) {
      oracle.attack_reached("probe: sign-up naming another tenant", false);
      continue;
    }
    oracle.attempt("probe: sign-up naming another tenant", j.tenants[probe.victim].id, probe.what, any_refusal, probe.status);
  }

  struct Event {
    Time at;
    bool answer;  // sends first at the same instant: a chat sent then is in flight for the answer
    size_t i;
    bool operator<(const Event& o) const { return std::tie(at, answer, i) < std::tie(o.at, o.answer, o.i); }
  };
  std::vector<Event> events;
  events.reserve(2 * j.plan.size());
  for (size_t i = 0; i < j.plan.size(); ++i) {
    const Time sent = j.origin_time + std::chrono::microseconds(j.plan[i].at_us);
    events.push_back({sent, false, i});
    events.push_back({sent + std::chrono::microseconds(j.out[i].latency_us), true, i});
  }
  std::sort(events.begin(), events.end());
  std::map<size_t, Oracle::ChatTicket> tickets;
  for (const Event& e : events) {
    const Planned& p = j.plan[e.i];
    const Outcome& r = j.out[e.i];
    const LoadUser& u = j.users[p.user];
    const std::string& tenant = j.tenants[u.tenant].id;
    if (!e.answer) {
      if (p.kind == Kind::kChat) {
        auto ticket = oracle.begin_chat(tenant, u.sub, u.session, e.at);
        if (p.weather && !weather_faults && judges_tools) ticket.asks_for_tool = "get_current_weather";
        tickets.emplace(e.i, std::move(ticket));
      }
      continue;
    }
    if (r.status == 0) {  // no answer at all (refused or dropped connection): a user met a failure, as with a 503
      if (p.kind == Kind::kChat) {
        oracle.end_chat(tickets.at(e.i), e.at, 503, "ConnectionError", "-", "", {}, {}, p.weather);
        tickets.erase(e.i);
      }
      if (is_probe(p.kind)) oracle.attack_reached(label_of(p.kind), false);
      else oracle.legitimate_request(tenant, label_of(p.kind), 503, r.code, e.i >= j.past_capacity_from);
      continue;
    }
    if (is_probe(p.kind)) {
      // A failure on the way (5xx) is not the attack succeeding, nor a refusal: it did not reach.
      if (r.status >= 500) {
        oracle.attack_reached(label_of(p.kind), false);
        continue;
      }
      const RenderedRequest sent = request_of(j.profile, p, u, j.tenants[u.tenant], j.tenants[p.other], "");
      oracle.attempt(label_of(p.kind), tenant, sent.method + " " + sent.path,
                     refusals_of(j.profile, p.kind), r.status);
      continue;
    }
    const json body = r.body.empty() ? json() : json::parse(r.body, nullptr, false);
    // A 2xx chat that says it failed (the profile's marks) is a failure the user met: availability
    // counts it. The rest of the judgement reads the answer as the target gave it.
    const bool failed_inside = p.kind == Kind::kChat && r.status >= 200 && r.status < 300 && j.profile.chat_failed(body);
    oracle.legitimate_request(tenant, label_of(p.kind), r.status, failed_inside ? "saying it failed" : r.code,
                              e.i >= j.past_capacity_from, failed_inside);
    if (p.kind == Kind::kChat) {
      const Oracle::ChatTicket& ticket = tickets.at(e.i);
      std::vector<std::string> used, refused;
      std::string text, request_id = "-";
      if (body.is_object()) {
        // What the answer says where the target profile says it says it.
        const auto at = [&](const std::string& pointer) -> const json* {
          if (pointer.empty()) return nullptr;
          const json::json_pointer ptr(pointer);
          return body.contains(ptr) ? &body[ptr] : nullptr;
        };
        for (const auto& [pointer, list] : {std::pair{&j.profile.chat_tools_used, &used},
                                            std::pair{&j.profile.chat_tools_refused, &refused}})
          if (const json* tools = at(*pointer); tools && tools->is_array())
            for (const auto& tool : *tools)
              if (tool.is_string()) list->push_back(tool.get<std::string>());
        if (const json* t = at(j.profile.chat_text); t && t->is_string()) text = t->get<std::string>();
        if (const json* id = at(j.profile.chat_request_id); id && id->is_string()) request_id = id->get<std::string>();
      }
      oracle.end_chat(ticket, e.at, r.status, r.code, request_id, text, used, refused, p.weather);
      if (r.status == 429 && is_message_limit_code(r.code)) oracle.limit_retry_after(ticket, e.at, r.retry_after);
      tickets.erase(e.i);
    } else if (p.kind == Kind::kSubscription && r.status == 200 && body.is_object() &&
               j.profile.subscription_reports_usage) {
      oracle.usage_reported(tenant, u.sub, j.origin_time + std::chrono::microseconds(p.at_us), e.at, body);
    }
  }

  std::vector<CheckResult> checks =
      j.evidence ? oracle.finish(j.evidence->metered, j.evidence->ledgers, j.chat_by_tier, j.p99_ms)
                 : oracle.finish({}, Oracle::Ledgers{}, j.chat_by_tier, j.p99_ms);
  std::set<std::string> kept(std::begin(kLoadChecks), std::end(kLoadChecks));
  if (j.evidence) kept.insert(std::begin(kLedgerChecks), std::end(kLedgerChecks));
  kept.insert("thresholds.p99_latency");
  if (!judges_tools) kept.erase("tiers.tool_gating");
  std::erase_if(checks, [&](const CheckResult& c) { return !kept.count(c.name); });
  const Scenario& s = j.loaded.scenario;
  for (auto& c : checks) {
    if (c.name == "thresholds.p99_latency" && j.p99_ms)
      c.description = fmt::format("chat p99 (wall-clock, from the intended send) per tier at most {} ms", *j.p99_ms);
    if (c.name == "metering.complete" && j.evidence && j.evidence->unwritten > 0)
      c.fail(fmt::format("{} usage records still unwritten 5 s after the traffic", j.evidence->unwritten));
    c.gating = s.thresholds.fail_on.empty() || any_selects(s.thresholds.fail_on, c.name);
    c.may_skip = any_selects(s.thresholds.may_skip, c.name);
    for (const char* name : kSparse) {
      bool named = false;
      for (const auto& sel : s.thresholds.fail_on) named = named || sel == name;
      c.may_skip = c.may_skip || (c.name == name && !named);
    }
    // Every request of a --find-knee whose first step broke was past capacity: their failures are
    // the knee's verdict, and availability has nothing left to judge.
    if (c.name == "access.availability" && j.past_capacity_from == 0) c.may_skip = true;
  }
  return checks;
}

}  // namespace tenantsim::load
