#include "scenarios/oracle.h"

#include "scenarios/iana_zones.h"

#include "scenarios/refusals.h"
#include "scenarios/checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <tuple>

namespace tenantsim {

namespace {

using Json = nlohmann::json;

int64_t number_or(const Json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::chrono::sys_days local_day(Time t, int offset) {
  return std::chrono::floor<std::chrono::days>(t + std::chrono::minutes(offset));
}


}  // namespace

std::string oracle_day(Time t, int offset) {
  const std::chrono::year_month_day d{local_day(t, offset)};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

std::string oracle_month(Time t, int offset) {
  const std::chrono::year_month_day d{local_day(t, offset)};
  return fmt::format("{:04d}-{:02d}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()));
}

std::string user_tag(const std::string& sub) { return sub.substr(0, 8); }

std::string knowledge_canary_for(const std::string& tenant_id) { return "kbmark:" + tenant_id + ":"; }

namespace {
bool is_weather_tool(const std::string& tool) { return tool.rfind("get_weather", 0) == 0 || tool == "get_current_weather"; }
}  // namespace

std::string canary_for(const std::string& tenant_id, const std::string& sub) {
  return "cnry:" + tenant_id + ":" + user_tag(sub) + ":";
}

Result<Oracle> Oracle::from_docs(const Json& tiers, const Json& prices) {
  Oracle o;
  const auto bad = [](std::string m) { return Error::make(ErrorKind::kBadRequest, "InvalidData", std::move(m)); };
  if (!tiers.contains("tiers") || !tiers["tiers"].is_object()) return bad("tier table: 'tiers' object missing");
  for (const auto& [name, t] : tiers["tiers"].items()) {
    OracleTier x;
    x.name = name;
    x.daily = number_or(t, "daily_messages", 0);
    x.monthly = number_or(t, "monthly_messages", 0);
    x.tenant_daily = number_or(t, "tenant_daily_messages", 0);
    x.tenant_monthly = number_or(t, "tenant_monthly_messages", 0);
    x.per_user = t.value("message_limit_scope", std::string("user")) == "user";
    x.concurrent_sessions = number_or(t, "concurrent_sessions", 0);
    x.session_minutes = number_or(t, "session_minutes", 0);
    x.cost_reports = t.value("cost_reports", false);
    x.silo = t.value("deployment", std::string("pool")) == "silo";
    x.model = t.value("model_id", std::string());
    if (t.contains("tools") && t["tools"].is_array())
      for (const auto& tool : t["tools"]) x.tools.insert(tool.get<std::string>());
    o.max_session_minutes_ = std::max(o.max_session_minutes_, x.session_minutes);
    o.tiers_[name] = std::move(x);
  }
  if (!prices.contains("prices") || !prices["prices"].is_array()) return bad("price catalog: 'prices' array missing");
  for (const auto& p : prices["prices"]) {
    auto usd = parse_usd(p.value("usd", std::string()));
    const int64_t per = number_or(p, "per", 0);
    if (!usd || per <= 0 || usd->pico % per != 0) return bad("price catalog: a line without a valid usd/per");
    o.prices_[{p.value("metric", std::string()), p.value("model", std::string())}] = Money{usd->pico / per};
  }
  for (const auto& [name, desc] : check_catalog()) {
    if (std::string_view(name) == "thresholds.p99_latency") continue;  // judged in finish(), when set
    o.checks_[name].name = name;
    o.checks_[name].description = desc;
  }
  return o;
}

void Oracle::add_tenant(const std::string& id, const std::string& tier, int offset, const std::string& time_zone) {
  TenantState s;
  s.tier = tier;
  s.silo = tiers_.at(tier).silo;
  s.offset = offset;
  s.zone = time_zone;
  tenants_[id] = std::move(s);
}

void Oracle::tier_changed(const std::string& tenant, const std::string& tier, Time at) {
  auto& ts = tenants_.at(tenant);
  ts.tier = tier;
  ts.changed_at = at;
  ts.changing = false;
  const std::string prefix = tenant + "/";
  for (auto it = sessions_.lower_bound(prefix); it != sessions_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    for (auto& [id, s] : it->second) s.grandfathered = true;
}

void Oracle::tier_changing(const std::string& tenant, Time at) {
  auto& ts = tenants_.at(tenant);
  ts.change_asked = at;
  ts.changing = true;
}

void Oracle::add_user(const std::string& tenant, const std::string& sub) { tenants_.at(tenant).chats_by_user[sub]; }

Oracle::Check& Oracle::check(const std::string& name) { return checks_.at(name); }

int64_t Oracle::failures_so_far() const {
  int64_t n = 0;
  for (const auto& [name, c] : checks_) n += c.failed;
  return n;
}

// The counters a chat of `user` at time t must fit in, with their limits.
std::vector<std::pair<std::string, int64_t>> Oracle::windows_at(const std::string& tenant, const std::string& user,
                                                                Time t) const {
  const auto& ts = tenants_.at(tenant);
  const auto& tier = tiers_.at(ts.tier);
  const std::string day = ts.zone.empty() ? oracle_day(t, ts.offset) : iana_local_day(ts.zone, t);
  const std::string month = ts.zone.empty() ? oracle_month(t, ts.offset) : iana_local_month(ts.zone, t);
  const std::string scope = tier.per_user ? tenant + "/" + user : tenant;
  std::vector<std::pair<std::string, int64_t>> out;
  if (tier.daily > 0) out.emplace_back(scope + "/d/" + day, tier.daily);
  if (tier.monthly > 0) out.emplace_back(scope + "/m/" + month, tier.monthly);
  if (tier.per_user && tier.tenant_daily > 0) out.emplace_back(tenant + "/d/" + day, tier.tenant_daily);
  if (tier.per_user && tier.tenant_monthly > 0) out.emplace_back(tenant + "/m/" + month, tier.tenant_monthly);
  return out;
}

Oracle::ChatTicket Oracle::begin_chat(const std::string& tenant, const std::string& user, const std::string& session,
                                      Time sent) {
  ChatTicket t{tenant, user, session, sent, windows_at(tenant, user, sent), false, ""};
  for (const auto& [key, limit] : t.windows) ++windows_[key].in_flight;
  return t;
}

int64_t Oracle::remaining(const std::string& tenant, const std::string& user, Time now) const {
  int64_t room = INT64_MAX;
  for (const auto& [key, limit] : windows_at(tenant, user, now)) {
    auto it = windows_.find(key);
    const int64_t used = it == windows_.end() ? 0 : it->second.accepted + it->second.in_flight + it->second.uncertain;
    room = std::min(room, limit - used);
  }
  return room;
}

void Oracle::end_chat(const ChatTicket& t, Time answered, int status, const std::string& code,
                      const std::string& request_id, const std::string& text, const std::vector<std::string>& tools_used,
                      const std::vector<std::string>& tools_refused, bool weather_question) {
  auto& ts = tenants_.at(t.tenant);
  const auto& tier = tiers_.at(ts.tier);
  // Sent before a tier change and answered after it: either tier's rules may have applied.
  const bool tier_changed_in_flight = t.sent < ts.changed_at && ts.changed_at <= answered;
  for (const auto& [key, limit] : t.windows) --windows_[key].in_flight;
  const auto now_windows = windows_at(t.tenant, t.user, answered);
  const auto& sent_windows = t.windows;
  const bool straddles = now_windows != sent_windows;
  const std::string who = fmt::format("tenant {} user {} request {}", t.tenant, t.user, request_id);

  if (status == 200) ++ts.chats_by_user[t.user];
  // Every tool the agent asked for passed the gateway, used or refused; a turn that failed after
  // the agent began (a fault, a throttled model) may have made calls that no answer lists. A
  // refusal for a tier limit comes before the agent.
  if (status == 200) ts.gateway_calls += static_cast<int64_t>(tools_used.size() + tools_refused.size());
  else if (status >= 500 || (status == 429 && !is_message_limit_code(code))) ts.gateway_uncertain = true;

  // Limits.
  if (status == 200) {
    for (const auto& [key, limit] : sent_windows) {
      auto& w = windows_[key];
      if (straddles) {
        ++w.uncertain;
        continue;
      }
      if (++w.accepted > limit)
        check("limits.within_limits").fail(fmt::format("{}: accepted message {} of {} in window {}", who, w.accepted, limit, key));
      else check("limits.within_limits").pass();
    }
    if (straddles)
      for (const auto& [key, limit] : now_windows) ++windows_[key].uncertain;
  } else if (status >= 500 && t.failed_before_the_model) {
    // Known not to count: nothing to add.
  } else if (status >= 500 || (status == 429 && !is_message_limit_code(code))) {
    // Failed after the reservation (a fault, or the model throttling), maybe after a first model
    // round was paid for: the message may have counted.
    for (const auto& [key, limit] : sent_windows) ++windows_[key].uncertain;
  } else if (status == 429 && is_message_limit_code(code) && !straddles) {
    bool full = false;
    for (const auto& [key, limit] : sent_windows) {
      const auto& w = windows_[key];
      full |= w.accepted + w.in_flight + w.uncertain >= limit;
    }
    if (!full) {
      std::string counts;
      for (const auto& [key, limit] : sent_windows) counts += fmt::format(" {}={}/{}", key, windows_[key].accepted, limit);
      check("limits.no_refusal_under_limit").fail(fmt::format("{}: refused ({}) with room:{}", who, code, counts));
    } else {
      check("limits.no_refusal_under_limit").pass();
    }
  }

  // Session duration: the system created the session no later than the open call's answer.
  auto user_sessions = sessions_.find(t.tenant + "/" + t.user);
  if (user_sessions != sessions_.end()) {
    auto s = user_sessions->second.find(t.session);
    // A session keeps the duration of the tier it was opened on.
    const bool known = s != user_sessions->second.end() && !s->second.duration_unknown;
    const int64_t minutes = known ? s->second.minutes : 0;
    if (known && status == 200) {
      const Time latest_end = s->second.answered + std::chrono::minutes(minutes);
      if (minutes > 0 && t.sent >= latest_end)
        check("limits.session_duration").fail(fmt::format("{}: accepted {} s after the session's {} min ran out", who,
                                                          to_unix_seconds(t.sent) - to_unix_seconds(latest_end), minutes));
      else check("limits.session_duration").pass();
    } else if (known && status == 409 && code == "SessionExpired" && minutes > 0) {
      // The other direction: the session must last its full duration, counted from the open call.
      const Time earliest_end = s->second.sent + std::chrono::minutes(minutes);
      if (answered < earliest_end)
        check("limits.session_duration").fail(fmt::format("{}: refused as expired {} s before the session's {} min ran out",
                                                          who, to_unix_seconds(earliest_end) - to_unix_seconds(answered),
                                                          minutes));
      else check("limits.session_duration").pass();
    }
  }

  // Canaries: any "cnry:{tenant}:{user}:" in the answer must be this tenant's, and this user's.
  if (status == 200) {
    bool leaked = false, user_leaked = false;
    const auto word = [&](size_t from) {
      size_t end = from;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-')) ++end;
      return end;
    };
    const std::string own_user = user_tag(t.user);
    for (size_t at = text.find("cnry:"); at != std::string::npos && !leaked; at = text.find("cnry:", at + 5)) {
      const size_t tenant_end = word(at + 5);
      const std::string owner = text.substr(at + 5, tenant_end - at - 5);
      // A quote cut short ("cnry:acme1" of "cnry:acme1-corp:") is judged by what is left of it.
      const bool whole = tenant_end < text.size() && text[tenant_end] == ':';
      if (whole ? owner != t.tenant : t.tenant.rfind(owner, 0) != 0) {
        leaked = true;
        check("isolation.canaries").fail(fmt::format("{}: answer carries tenant {}'s canary", who, owner));
        break;
      }
      if (!whole) continue;
      const size_t user_end = word(tenant_end + 1);
      const std::string user = text.substr(tenant_end + 1, user_end - tenant_end - 1);
      const bool whole_user = user_end < text.size() && text[user_end] == ':';
      if (whole_user ? user != own_user : own_user.rfind(user, 0) != 0) {
        if (!user_leaked)
          check("isolation.between_users").fail(fmt::format("{}: answer carries user {}'s canary (same tenant)", who, user));
        user_leaked = true;
      }
    }
    if (!leaked) check("isolation.canaries").pass();
    if (!user_leaked) check("isolation.between_users").pass();
    knowledge_quoted(t.tenant, who, text);
  }

  // Tools: only the tier's own, and count what the tenant should be billed for.
  if (status == 200) {
    bool ok = true;
    for (const auto& tool : tools_used) {
      if (!tier.tools.count(tool)) ok = false;
      ts.tool_executions += 1;
      ts.weather_calls += is_weather_tool(tool);
    }
    const bool asked_unused = !t.asks_for_tool.empty() && tier.tools.count(t.asks_for_tool) &&
        std::find(tools_used.begin(), tools_used.end(), t.asks_for_tool) == tools_used.end();
    if (tier_changed_in_flight) {
      // either tier's tools were allowed: not judged
    } else if (!ok) {
      check("tiers.tool_gating").fail(fmt::format("{}: a {} chat used a tool outside its tier", who, tier.name));
    } else if (asked_unused) {
      check("tiers.tool_gating").fail(fmt::format("{}: a {} chat asked for {}, which its tier includes, and was answered "
                                                  "without it (tools used: {})",
                                                  who, tier.name, t.asks_for_tool,
                                                  tools_used.empty() ? "none" : fmt::format("{}", fmt::join(tools_used, ", "))));
    } else {
      check("tiers.tool_gating").pass();
    }
  } else if (weather_question) {
    ts.weather_uncertain = true;  // the tool may have run before the failure
  }
}

namespace {
// The end of the day or month window holding `t` at a fixed UTC offset, from std::chrono alone.
Time window_end(Time t, int offset, bool daily) {
  const auto day = local_day(t, offset);
  std::chrono::sys_days next = day + std::chrono::days(1);
  if (!daily) {
    const std::chrono::year_month_day ymd{day};
    next = std::chrono::sys_days{(ymd.year() / ymd.month() / 1) + std::chrono::months(1)};
  }
  return Time{next} - std::chrono::minutes(offset);
}
}  // namespace

void Oracle::usage_reported(const std::string& tenant, const std::string& user, Time sent, Time answered,
                            const nlohmann::json& view) {
  auto& c = check("limits.usage_reported");
  const auto& ts = tenants_.at(tenant);
  const auto& tier = tiers_.at(ts.tier);
  const auto number = [](const nlohmann::json& o, const char* key) {
    return o.is_object() && o.contains(key) && o[key].is_number_integer() ? o[key].get<int64_t>() : int64_t{-1};
  };
  // The tier it shows is the directory's, at once after a change (unless it changed while asked).
  if (!ts.changing && (answered < ts.change_asked || sent > ts.changed_at)) {
    const nlohmann::json limits = view.value("limits", nlohmann::json::object());
    const std::string shown = view.value("subscription_tier", "");
    if (shown != tier.name || number(limits, "daily_messages") != tier.daily ||
        number(limits, "monthly_messages") != tier.monthly)
      return c.fail(fmt::format("tenant {} user {}: the subscription shows tier '{}' with {} daily and {} monthly "
                                "messages; the tenant is on {} ({} and {})",
                                tenant, user, shown, number(limits, "daily_messages"), number(limits, "monthly_messages"),
                                tier.name, tier.daily, tier.monthly));
  }
  const auto windows = windows_at(tenant, user, sent);
  if (windows != windows_at(tenant, user, answered)) return c.pass();  // asked across a window edge
  const nlohmann::json usage = view.value("current_usage", nlohmann::json::object());
  const int64_t daily = number(usage, "daily_messages"), monthly = number(usage, "monthly_messages");
  // The first windows are the scope's own day and month (when the tier limits them).
  size_t i = 0;
  for (const auto& [reported, limited, name] :
       {std::tuple{daily, tier.daily > 0, "daily"}, std::tuple{monthly, tier.monthly > 0, "monthly"}}) {
    if (!limited) continue;
    const auto& [key, limit] = windows[i++];
    const auto& w = windows_[key];
    // Messages in flight or failed midway may or may not be counted yet.
    if (reported < w.accepted || reported > w.accepted + w.in_flight + w.uncertain)
      return c.fail(fmt::format("tenant {} user {}: the subscription shows {} {} messages, {} were accepted{}", tenant,
                                user, reported, name, w.accepted,
                                w.in_flight + w.uncertain > 0 ? fmt::format(" (+{} uncertain)", w.in_flight + w.uncertain) : ""));
  }
  c.pass();
}

void Oracle::limit_retry_after(const ChatTicket& t, Time answered, std::optional<int64_t> retry_after_seconds) {
  auto& c = check("limits.retry_after");
  const std::string who = fmt::format("tenant {} user {}", t.tenant, t.user);
  if (!retry_after_seconds) return c.fail(who + ": a limit refusal without Retry-After");
  if (windows_at(t.tenant, t.user, answered) != t.windows) return;  // refused across a window edge: either answer holds
  const TenantState& ts = tenants_.at(t.tenant);
  // The system answered at some instant in [sent, answered]; Retry-After is rounded up to seconds.
  const Time earliest = t.sent + std::chrono::seconds(*retry_after_seconds) - std::chrono::seconds(1);
  const Time latest = answered + std::chrono::seconds(*retry_after_seconds);
  // A window may be the full one if it was full counting what was in flight; the answer must not
  // be earlier than the reset of any window that was surely full.
  Time must_reach{};
  std::vector<Time> candidates;
  for (const auto& [key, limit] : t.windows) {
    const auto& w = windows_[key];
    const bool daily = key.find("/d/") != std::string::npos;
    const Time end = ts.zone.empty() ? window_end(t.sent, ts.offset, daily) : iana_window_end(ts.zone, t.sent, daily);
    if (w.accepted >= limit) must_reach = std::max(must_reach, end);
    if (w.accepted + w.in_flight + w.uncertain >= limit) candidates.push_back(end);
  }
  for (const Time end : candidates)
    if (end >= earliest && end <= latest && end >= must_reach) return c.pass();
  std::string expected;
  for (const Time end : candidates) expected += " " + to_iso8601(end);
  c.fail(fmt::format("{}: Retry-After {} s points to {}, but {}", who, *retry_after_seconds,
                     to_iso8601(answered + std::chrono::seconds(*retry_after_seconds)),
                     candidates.empty() ? std::string("no window was full")
                                        : fmt::format("the full window{} reset{} at{}", candidates.size() == 1 ? "" : "s",
                                                      candidates.size() == 1 ? "s" : "", expected)));
}

void Oracle::legitimate_request(const std::string& tenant, const std::string& endpoint, int status,
                                const std::string& code, bool past_capacity, bool failed_inside) {
  if (!past_capacity) {
    auto& served = served_[{tenants_.at(tenant).tier, endpoint}];
    ++served.requests;
    const RefusalKind kind = classify_refusal(status, code).kind;
    if (failed_inside || status == 400 || (status >= 500 && kind != RefusalKind::kThrottled)) ++served.failures[{status, code}];
  }
  auto& c = check("access.legitimate_requests");
  if (status == 401 || status == 403)
    c.fail(fmt::format("tenant {}: {} answered {} {} to its own user's legitimate request", tenant, endpoint,
                       status, code));
  else c.pass();
}

void Oracle::onboarding_refused(const std::string& tenant, const std::string& step, int status,
                                const std::string& code) {
  check("access.legitimate_requests")
      .fail(fmt::format("tenant {}: {} answered {} {} while signing up; the tenant was left out of the run", tenant,
                        step, status, code));
}

void Oracle::user_attempt(const std::string& tenant, const std::string& what, int expected, int got) {
  attack_reached("cross_user", got < 500);
  auto& c = check("isolation.between_users");
  if (got == expected) c.pass();
  else c.fail(fmt::format("a plain user of tenant {}: {} answered {}, expected {}", tenant, what, got, expected));
}

void Oracle::user_cost_view(const std::string& tenant, const std::string& user, const nlohmann::json& body) {
  auto& c = check("isolation.between_users");
  if (body.value("user_id", "") != user)
    return c.fail(fmt::format("tenant {} user {}: the costs view is not the user's own (user_id '{}')", tenant, user,
                              body.value("user_id", "")));
  if (body.contains("by_user"))
    for (const auto& [other, cost] : body["by_user"].items())
      if (other != user) return c.fail(fmt::format("tenant {} user {}: the costs view shows user {}", tenant, user, other));
  c.pass();
}

void Oracle::sessions_listed(const std::string& tenant, const std::string& user, const std::vector<std::string>& owners) {
  auto& c = check("isolation.between_users");
  for (const auto& owner : owners)
    if (owner != user)
      return c.fail(fmt::format("tenant {} user {}: the session list shows a session of user {}", tenant, user, owner));
  c.pass();
}

void Oracle::cost_report_requested(const std::string& tenant, const std::string& report, int status) {
  const auto& tier = tiers_.at(tenants_.at(tenant).tier);
  const int expected = tier.cost_reports ? 200 : 403;
  auto& c = check("tiers.feature_gating");
  if (status == expected) c.pass();
  else c.fail(fmt::format("tenant {} ({} tier): admin cost report {} answered {}, expected {}", tenant, tier.name, report,
                          status, expected));
}

void Oracle::session_open_sent(const std::string& tenant, const std::string& user) { ++opening_[tenant + "/" + user]; }

void Oracle::session_opened(const std::string& tenant, const std::string& user, const std::string& session, Time sent,
                            Time answered, int status, const std::string& code) {
  const auto& ts = tenants_.at(tenant);
  const auto& tier = tiers_.at(ts.tier);
  auto& mine = sessions_[tenant + "/" + user];
  // The user's other opens still in flight may already hold a slot (a script opening several at once).
  auto& opening = opening_[tenant + "/" + user];
  if (opening > 0) --opening;
  int64_t surely_open = 0, maybe_open = opening;
  for (const auto& [id, s] : mine) {
    if (s.closed) continue;
    // An open across a tier change may have either tier's duration: the longer bounds "maybe".
    const auto duration = std::chrono::minutes(s.duration_unknown ? max_session_minutes_ : s.minutes);
    if (sent < s.sent + duration && !s.ambiguous && !s.grandfathered && !s.duration_unknown) ++surely_open;
    if (sent <= s.answered + duration + std::chrono::seconds(1)) ++maybe_open;
  }
  const bool across_change = sent < ts.changed_at && ts.changed_at <= answered;
  const std::string who = fmt::format("tenant {} user {}", tenant, user);
  auto& c = check("limits.concurrent_sessions");
  if (status == 201) {
    if (across_change) {
      // either tier's limit held: not judged
    } else if (tier.concurrent_sessions > 0 && surely_open >= tier.concurrent_sessions) {
      c.fail(fmt::format("{}: session {} opened with {} of {} already open", who, session, surely_open,
                         tier.concurrent_sessions));
    } else {
      c.pass();
    }
    mine[session] = OpenSession{sent, answered, false, false, tier.session_minutes, false, across_change};
  } else if (status == 429 && code == "ConcurrentSessionLimitExceeded" && !across_change) {
    if (maybe_open < tier.concurrent_sessions)
      c.fail(fmt::format("{}: refused a session with only {} of {} open", who, maybe_open, tier.concurrent_sessions));
    else c.pass();
  } else if (status >= 500) {
    // A failed open may have leased a slot it could not give back (as a real DynamoDB write may
    // succeed behind a 500): until that lease would expire, a refusal is allowed but not owed.
    mine[fmt::format("?{}", mine.size())] = OpenSession{sent, answered, false, true, tier.session_minutes, false, across_change};
  }
}

void Oracle::session_closed(const std::string& tenant, const std::string& user, const std::string& session, int status) {
  if (status != 200) return;  // the system may still hold it until it expires
  auto& mine = sessions_[tenant + "/" + user];
  auto it = mine.find(session);
  if (it != mine.end()) it->second.closed = true;
}

void Oracle::attack_reached(const std::string& kind, bool reached) {
  auto& [arrived, attempted] = attacks_[kind];
  arrived += reached;
  ++attempted;
}

void Oracle::attempt(const std::string& kind, const std::string& tenant, const std::string& what, int expected, int got) {
  attempt(kind, tenant, what, std::set<int>{expected}, got);
}

void Oracle::attempt(const std::string& kind, const std::string& tenant, const std::string& what,
                     const std::set<int>& expected, int got) {
  attack_reached(kind, got < 500);
  auto& c = check("isolation.adversary_refused");
  if (expected.count(got)) c.pass();
  else c.fail(fmt::format("{} by tenant {}: {} answered {}, expected {}", kind, tenant, what, got,
                          expected.size() > 4 ? std::string("a refusal (4xx)") : fmt::format("{}", fmt::join(expected, " or "))),
              kind);
}

void Oracle::tenant_resources(const std::string& tenant, const std::string& when, const TenantResources& r) {
  auto& c = check("isolation.shared_resources");
  bool ok = true;
  const auto fail = [&](std::string what) {
    ok = false;
    c.fail(fmt::format("tenant {} ({}) {}: {}", tenant, r.silo ? "silo" : "pool", when, what));
  };
  for (const auto& [kind, table, error] : {std::tuple{"usage", &r.usage_table, &r.usage_error},
                                           std::tuple{"sessions", &r.sessions_table, &r.sessions_error}}) {
    if (table->empty()) {
      fail(fmt::format("has no {} table", kind));
      continue;
    }
    if (!error->empty()) fail(fmt::format("its {} table {} cannot be read: {}", kind, *table, *error));
    // One tenant per silo table, and no silo tenant on a table the pool uses (or the reverse).
    auto& users = table_users_[*table];
    users.insert(tenant);
    const auto [silo, fresh] = table_silo_.emplace(*table, r.silo);
    if (!fresh && silo->second != r.silo)
      fail(fmt::format("its {} table {} is shared by silo and pooled tenants", kind, *table));
    else if (r.silo && users.size() > 1)
      fail(fmt::format("its {} table {} is shared with {} other tenant(s)", kind, *table, users.size() - 1));
  }
  if (ok) c.pass();
}

void Oracle::scope_probe(const std::string& tenant, const std::string& other, bool denied) {
  auto& c = check("isolation.table_scope");
  if (denied) c.pass();
  else c.fail(fmt::format("a handle scoped to tenant {} read tenant {}'s partition", tenant, other));
}

void Oracle::tools_listed(const std::string& tenant, const std::set<std::string>& names) {
  const auto& tier = tiers_.at(tenants_.at(tenant).tier);
  auto& c = check("tiers.tool_gating");
  std::set<std::string> weather;  // the MCP weather server lists its own tools only
  for (const auto& t : tier.tools)
    if (is_weather_tool(t)) weather.insert(t);
  if (names == weather) c.pass();
  else c.fail(fmt::format("tenant {} ({}) is offered {} weather tools, its tier has {}", tenant, tier.name, names.size(), weather.size()));
}

void Oracle::gateway_tools_listed(const std::string& tenant, int status, const std::set<std::string>& names) {
  auto& ts = tenants_.at(tenant);
  if (status >= 500) ts.gateway_uncertain = true;
  else if (status != 401) ts.gateway_calls += 1;  // billed like a tool call
  if (status != 200) return;
  const auto& tier = tiers_.at(ts.tier);
  auto& c = check("tiers.tool_gating");
  if (names == tier.tools) return c.pass();
  std::string offered;
  for (const auto& n : names) offered += (offered.empty() ? "" : ", ") + n;
  c.fail(fmt::format("tenant {} ({}): the gateway's tools/list offers [{}], its tier has {} tools", tenant, tier.name,
                     offered, tier.tools.size()));
}

void Oracle::my_tenants_listed(const std::string& tenant, bool admin, int status, const nlohmann::json& body) {
  auto& c = check("access.admin_views");
  const std::string who = fmt::format("tenant {}'s {}", tenant, admin ? "admin" : "plain user");
  if (!admin) {
    if (status == 403) return c.pass();
    return c.fail(fmt::format("{}: GET /api/admin/my-tenants answered {}, expected 403", who, status));
  }
  if (status != 200) return c.fail(fmt::format("{}: GET /api/admin/my-tenants answered {}, expected 200", who, status));
  const auto& listed = body.contains("tenants") && body["tenants"].is_array() ? body["tenants"] : nlohmann::json::array();
  const std::string tier = tenants_.at(tenant).tier;
  if (listed.size() == 1 && listed[0].value("tenant_id", "") == tenant && listed[0].value("subscription_tier", "") == tier)
    return c.pass();
  c.fail(fmt::format("{}: GET /api/admin/my-tenants listed {}, expected only {} at {}", who, listed.dump(), tenant, tier));
}

namespace {
// A cost view's money, as pico-dollars: {"usd": "...", "pico_usd": N}; nullopt when absent or malformed.
std::optional<int64_t> pico(const nlohmann::json& money) {
  if (!money.is_object() || !money.contains("pico_usd") || !money["pico_usd"].is_number_integer()) return std::nullopt;
  return money["pico_usd"].get<int64_t>();
}
// The sum of a map of money ({"name": money, ...}); nullopt when any is malformed.
std::optional<int64_t> pico_sum(const nlohmann::json& lines) {
  if (!lines.is_object()) return std::nullopt;
  int64_t sum = 0;
  for (const auto& [name, money] : lines.items()) {
    const auto v = pico(money);
    if (!v || __builtin_add_overflow(sum, *v, &sum)) return std::nullopt;
  }
  return sum;
}
}  // namespace

void Oracle::cost_views(const std::string& tenant, const CostViews& v) {
  auto& c = check("cost.views");
  const auto usd = [](int64_t p) { return Money{p}.to_usd_string(); };
  bool ok = true;
  const auto fail = [&](std::string what) {
    ok = false;
    c.fail(fmt::format("tenant {}: {}", tenant, what));
  };
  const auto total = pico(v.all.value("total", nlohmann::json()));
  if (!total) return fail("its admin's cost view has no total");
  api_cost_totals_[tenant] = *total;
  for (const auto& [name, view] : {std::pair<const char*, const nlohmann::json&>{"all time", v.all}, {"the last 366 days", v.last_366_days},
                                   {"the last 30 days", v.last_30_days}, {"the last day", v.last_day}}) {
    const auto t = pico(view.value("total", nlohmann::json()));
    const auto services = pico_sum(view.value("by_service", nlohmann::json()));
    const auto users = pico_sum(view.value("by_user", nlohmann::json()));
    if (!t || !services || !users) {
      fail(fmt::format("the view over {} lacks its total, services or users", name));
      continue;
    }
    if (*services != *t || *users != *t)
      fail(fmt::format("over {} the total is {} USD, its services add up to {} and its users to {}", name, usd(*t),
                       usd(*services), usd(*users)));
  }
  if (const auto t366 = pico(v.last_366_days.value("total", nlohmann::json()));
      t366 && (v.run_within_366_days ? *t366 != *total : *t366 > *total))
    fail(fmt::format("?days=366 totals {} USD, the whole run {}", usd(*t366), usd(*total)));
  // Longer windows hold the shorter ones: 0 <= 1 day <= 30 days <= the whole run.
  const auto t1 = pico(v.last_day.value("total", nlohmann::json()));
  const auto t30 = pico(v.last_30_days.value("total", nlohmann::json()));
  if (t1 && t30 && (*t1 < 0 || *t1 > *t30 || *t30 > *total))
    fail(fmt::format("?days=1 totals {} USD, ?days=30 {} and the whole run {}: a longer window holds a shorter one",
                     usd(*t1), usd(*t30), usd(*total)));
  // A window's view against the records in it: the views read a running aggregate, which only the
  // records can prove (a window that drops its partial first day is still consistent with itself).
  for (const auto& [name, view, records] :
       {std::tuple<const char*, const nlohmann::json&, const std::optional<std::pair<int64_t, int64_t>>&>{
            "?days=30", v.last_30_days, v.records_last_30_days},
        {"?days=1", v.last_day, v.records_last_day}}) {
    const auto t = pico(view.value("total", nlohmann::json()));
    if (t && records && (*t < records->first || *t > records->second))
      fail(fmt::format("{} totals {} USD, its usage records in that window {}", name, usd(*t),
                       records->first == records->second ? usd(records->first) + " USD"
                                                         : fmt::format("{} to {} USD", usd(records->first), usd(records->second))));
  }
  // The comprehensive report prices each (metric, model) line; the lines add up to its total,
  // which is the tenant's.
  if (!v.comprehensive.is_null()) {
    const auto report_total = pico(v.comprehensive.value("total", nlohmann::json()));
    int64_t lines = 0;
    bool lines_ok = v.comprehensive.contains("lines") && v.comprehensive["lines"].is_array();
    for (const auto& line : lines_ok ? v.comprehensive["lines"] : nlohmann::json::array()) {
      const auto cost = pico(line.value("cost", nlohmann::json()));
      lines_ok = lines_ok && cost && !__builtin_add_overflow(lines, *cost, &lines);
    }
    if (!report_total || !lines_ok) fail("the comprehensive report lacks its total or its priced lines");
    else if (lines != *report_total || *report_total != *total)
      fail(fmt::format("the comprehensive report's lines add up to {} USD, its total is {}, the tenant's {}",
                       usd(lines), usd(*report_total), usd(*total)));
  }
  for (const auto& [query, status] : v.bad_windows)
    if (status != 400) fail(fmt::format("?{} answered {}, expected 400", query, status));
  if (!v.user.empty()) {
    const auto by_user = v.all.value("by_user", nlohmann::json::object());
    const int64_t line = by_user.contains(v.user) ? pico(by_user[v.user]).value_or(-1) : 0;
    const auto own = pico(v.user_view.value("total", nlohmann::json()));
    if (!own || *own != line)
      fail(fmt::format("user {} sees {} USD as its own costs, the tenant's view bills it {}", v.user,
                       own ? usd(*own) : std::string("nothing"), usd(line)));
  }
  if (ok) c.pass();
}

void Oracle::knowledge_quoted(const std::string& tenant, const std::string& who, const std::string& text) {
  if (!knowledge_base_in_use_) return;
  // Documents are quoted whole, so each mark names its tenant in full.
  constexpr std::string_view kMark = "kbmark:";
  for (size_t at = text.find(kMark); at != std::string::npos; at = text.find(kMark, at + kMark.size())) {
    const size_t from = at + kMark.size();
    const size_t end = text.find(':', from);
    const std::string owner = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
    if (owner != tenant) {
      check("isolation.knowledge_base").fail(fmt::format("{}: answer quotes tenant {}'s documents", who, owner));
      return;
    }
  }
  check("isolation.knowledge_base").pass();
}

void Oracle::knowledge_searched(const std::string& tenant, const std::string& who, int status, const std::string& text) {
  if (!knowledge_base_in_use_ || status != 200) return;
  auto& c = check("isolation.knowledge_base");
  if (text.find(knowledge_canary_for(tenant)) == std::string::npos)
    return c.fail(fmt::format("{}: tenant {}'s search of its own documents found none of them", who, tenant));
  c.pass();
}

void Oracle::jwks_published(int status, const std::set<std::string>& published, const std::set<std::string>& in_use,
                            const std::set<std::string>& retired) {
  auto& access = check("access.legitimate_requests");
  if (status != 200) {
    access.fail(fmt::format("GET /.well-known/jwks.json answered {}: no verifier can check any token", status));
  } else {
    std::vector<std::string> missing;
    for (const auto& kid : in_use)
      if (!published.count(kid)) missing.push_back(kid);
    if (missing.empty()) access.pass();
    else access.fail(fmt::format("the published JWKS lacks key(s) {} that tenants' tokens are signed with", fmt::join(missing, ", ")));
  }
  auto& isolation = check("isolation.adversary_refused");
  for (const auto& kid : retired)
    if (published.count(kid))
      return isolation.fail(fmt::format("the published JWKS still lists key {} of an offboarded tenant's deleted user pool", kid));
  if (!retired.empty() && status == 200) isolation.pass();
}

void Oracle::tool_called(const std::string& tenant, const std::string& tool, int status, bool through_gateway) {
  auto& ts = tenants_.at(tenant);
  // The gateway bills every call past its token check, whatever its interceptor or the tool said.
  if (through_gateway && status >= 500) ts.gateway_uncertain = true;
  else if (through_gateway && status != 401) ts.gateway_calls += 1;
  const bool allowed = tiers_.at(ts.tier).tools.count(tool) > 0;
  auto& c = check("tiers.tool_gating");
  if (allowed ? status == 200 || status == 429 || status >= 500 : status == 403) c.pass();
  else c.fail(fmt::format("tenant {} ({}) calling {} got {}", tenant, ts.tier, tool, status));
  if (status == 200) {
    ts.tool_executions += 1;
    ts.weather_calls += is_weather_tool(tool);
  } else if (status != 403 && status != 400) {
    ts.weather_uncertain = true;
  }
}

void Oracle::set_runtime_size(int64_t vcpus, int64_t memory_mb) {
  runtime_vcpus_ = vcpus;
  runtime_memory_mb_ = memory_mb;
}

void Oracle::runtime_answered(const std::string& tenant, int status, const std::string& code, Duration latency) {
  auto& ts = tenants_.at(tenant);
  // Refused in front of the microVM (request validation, the inbound authorizer, the attribute
  // checks, no such runtime): not billed. A 5xx may have come from either side.
  if (status == 400 || status == 401 || status == 403 || (status == 404 && code == "ResourceNotFoundException")) return;
  // AgentCore bills by the second, 1 at least. The runtime ran for less than the driver waited,
  // but for more than the driver waited less a second (what the system does around the turn,
  // its own metering write among it, takes well under a second).
  const int64_t us = latency.count();
  const int64_t ceil_s = std::max<int64_t>(1, (us + 999'999) / 1'000'000), floor_s = std::max<int64_t>(1, us / 1'000'000);
  ts.runtime_seconds_ceil += ceil_s;
  if (status >= 500) {
    ++ts.runtime_maybe;
    return;
  }
  ++ts.runtime_sure;
  ts.runtime_seconds_floor += floor_s;
}

Money Oracle::price(const std::string& metric, const std::string& model, int64_t quantity) const {
  auto it = prices_.find({metric, model});
  if (it == prices_.end()) it = prices_.find({metric, ""});
  if (it == prices_.end()) return Money{};
  return Money::times(it->second, quantity);
}

void Oracle::judge_availability(const std::map<std::string, uint64_t>& injected) {
  // Each injected failure may fail the one request that met it: a failure whose code names a
  // service (the fakes answer with the real services' error names) spends that service's injected
  // faults, any other spends what is left of any service's. What remains is the system failing
  // its users on its own (a model the account cannot call, a bug answering 500). No threshold: the
  // fault plan is the harness's own and bounds exactly the failures it can have caused.
  std::map<std::string, int64_t> left;  // service -> injected failures not yet spent
  std::string injected_text;
  for (const auto& [service, n] : injected) {
    left[service] = static_cast<int64_t>(n);
    if (n > 0) injected_text += fmt::format("{}{} {}", injected_text.empty() ? "" : ", ", n, service);
  }
  using Where = std::pair<std::string, std::string>;
  std::map<Where, std::map<std::pair<int, std::string>, int64_t>> unexplained;
  std::vector<std::tuple<Where, std::pair<int, std::string>, int64_t>> unnamed;
  const auto spend = [](int64_t& budget, int64_t n) {
    const int64_t spent = std::min(budget, n);
    budget -= spent;
    return n - spent;
  };
  for (const auto& [where, s] : served_)
    for (const auto& [failure, n] : s.failures) {
      const std::string service = classify_refusal(failure.first, failure.second).service;
      if (service.empty()) unnamed.emplace_back(where, failure, n);
      else if (const int64_t over = spend(left[service], n); over > 0) unexplained[where][failure] += over;
    }
  int64_t spare = 0;
  for (const auto& [service, n] : left) spare += n;
  for (const auto& [where, failure, n] : unnamed)
    if (const int64_t over = spend(spare, n); over > 0) unexplained[where][failure] += over;

  auto& c = check("access.availability");
  for (const auto& [where, s] : served_) {
    const auto it = unexplained.find(where);
    c.checked += s.requests - static_cast<int64_t>(it == unexplained.end() ? 0 : it->second.size());
    if (it == unexplained.end()) continue;
    for (const auto& [failure, n] : it->second)
      c.fail(fmt::format("{} tier, {}: {} of {} legitimate requests answered {} {}, beyond the failures the scenario "
                         "injected ({})",
                         where.first, where.second, n, s.requests, failure.first, failure.second,
                         injected_text.empty() ? "none" : injected_text));
  }
}

namespace {

// The model's three metrics, and one of a usage's quantities by the same index.
const char* const kMetrics[] = {"bedrock_invocation", "bedrock_input_tokens", "bedrock_output_tokens"};
int64_t quantity_of(const Oracle::ModelUsage& u, int i) { return i == 0 ? u.invocations : i == 1 ? u.input_tokens : u.output_tokens; }
// The documented cost category of each metric.
const std::map<std::string, std::string>& service_of_metric() {
  static const std::map<std::string, std::string> kService = {
      {"bedrock_invocation", "bedrock_agent"}, {"bedrock_input_tokens", "bedrock_agent"},
      {"bedrock_output_tokens", "bedrock_agent"}, {"bedrock_agent_invocation", "bedrock_agent"},
      {"weather_api_call", "weather_api"},
      {"mcp_tool_execution", "mcp_runtime"}, {"knowledge_base_retrieval", "knowledge_base"},
      {"knowledge_base_query_tokens", "knowledge_base"},
      {"agentcore_runtime_vcpu_seconds", "agentcore_runtime"}, {"agentcore_runtime_memory_mb_seconds", "agentcore_runtime"},
      {"agentcore_gateway_invocation", "agentcore_gateway"}};
  return kService;
}

}  // namespace

// The finish: each check that needs the whole run, in turn. The order is the examples' order.
std::vector<CheckResult> Oracle::finish(const std::map<std::string, Metered>& metered, const Ledgers& ledgers,
                                        const std::map<std::string, LatencyHistogram>& chat_latency_us,
                                        std::optional<int64_t> p99_threshold_ms) {
  judge_availability(ledgers.injected_faults);
  judge_attacks_reached();
  judge_cost_view_totals(metered);
  const Metered none;
  for (const auto& [tenant, ts] : tenants_) {
    const auto m = metered.find(tenant);
    judge_tenant_bill(tenant, ts, m == metered.end() ? none : m->second, ledgers);
  }
  judge_model_accounts(ledgers);
  judge_unattributed(metered, ledgers);
  judge_knowledge_base(ledgers);
  judge_consumption_events(ledgers);
  return results(chat_latency_us, p99_threshold_ms);
}

// Each adversary kind's attacks mostly reached the layer they attack.
void Oracle::judge_attacks_reached() {
  auto& reached = check("isolation.attacks_reached");
  for (const auto& [kind, counts] : attacks_) {
    const auto [arrived, attempted] = counts;
    // At least half: a few may meet an injected fault or the end of the run.
    if (2 * arrived >= attempted) reached.pass();
    else reached.fail(fmt::format("{}: only {} of {} attacks reached the layer they attack, so their refusals were not "
                                  "exercised", kind, arrived, attempted));
  }
}

// The cost API's whole-run total against what the harness read from the usage tables.
void Oracle::judge_cost_view_totals(const std::map<std::string, Metered>& metered) {
  for (const auto& [tenant, api_total] : api_cost_totals_) {
    Money sum;
    if (const auto m = metered.find(tenant); m != metered.end())
      for (const auto& [service, money] : m->second.cost_by_service) sum += money;
    if (sum.pico == api_total) check("cost.views").pass();
    else check("cost.views").fail(fmt::format("tenant {}: its cost view totals {} USD, its usage records {}", tenant,
                                              Money{api_total}.to_usd_string(), sum.to_usd_string()));
  }
}

// One tenant's bill: every metered quantity against the ledgers (metering.complete), its cost per
// service and per user against the ledger-derived cost (cost.attribution).
void Oracle::judge_tenant_bill(const std::string& tenant, const TenantState& ts, const Metered& m, const Ledgers& ledgers) {
  const auto& kService = service_of_metric();
  const auto quantity = quantity_of;
  auto& complete = check("metering.complete");
  auto& cost = check("cost.attribution");
  std::map<std::string, Money> expected_cost;
  std::map<std::pair<std::string, std::string>, int64_t> expected_qty;
  auto b = ledgers.bedrock_by_tenant.find(tenant);
  if (b != ledgers.bedrock_by_tenant.end())
    for (const auto& [model, u] : b->second)
      for (int i = 0; i < 3; ++i) expected_qty[{kMetrics[i], model}] = quantity(u, i);
  if (!ts.weather_uncertain) {
    expected_qty[{"weather_api_call", ""}] = ts.weather_calls;
    expected_qty[{"mcp_tool_execution", ""}] = ts.tool_executions;
  }
  if (!ts.gateway_uncertain) expected_qty[{"agentcore_gateway_invocation", ""}] = ts.gateway_calls;
  // The runtime's bill lies between what surely ran and what may have: the metered figure is
  // expected when it does, else the bound it crossed.
  std::map<std::string, std::pair<int64_t, int64_t>> bounds;
  const auto bounded = [&](const char* metric, int64_t lo, int64_t hi) {
    const std::pair<std::string, std::string> k{metric, ""};
    const int64_t got = m.quantity.count(k) ? m.quantity.at(k) : 0;
    if (lo > 0 || got > 0) expected_qty[k] = std::clamp(got, lo, hi);
    bounds[metric] = {lo, hi};
  };
  bounded("agentcore_runtime_vcpu_seconds", runtime_vcpus_ * ts.runtime_sure,
          runtime_vcpus_ * (ts.runtime_sure + ts.runtime_maybe));
  bounded("agentcore_runtime_memory_mb_seconds", runtime_memory_mb_ * ts.runtime_seconds_floor,
          runtime_memory_mb_ * ts.runtime_seconds_ceil);
  if (auto a = ledgers.agent_invocations.find(tenant); a != ledgers.agent_invocations.end())
    for (const auto& [agent, n] : a->second) expected_qty[{"bedrock_agent_invocation", agent}] = n;
  // Retrievals are exact whatever became of the chat: the provider's ledger against the meter.
  if (auto kb = ledgers.knowledge_by_tenant.find(tenant); kb != ledgers.knowledge_by_tenant.end()) {
    expected_qty[{"knowledge_base_retrieval", ""}] = kb->second.retrievals;
    expected_qty[{"knowledge_base_query_tokens", "amazon.titan-embed-text-v2:0"}] = kb->second.query_tokens;
  }
  // Quantities: every (metric, model) either side must agree.
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& [k, q] : expected_qty) keys.insert(k);
  // What is judged whatever happened: the model's and the knowledge base's usage (exact from their
  // ledgers) and the runtime's (bounded above). The gateway's and the tools' only when no call
  // failed midway.
  const auto& state = ts;  // a structured binding (clang 14 captures none in a lambda)
  const auto judged = [&](const std::string& metric) {
    if (metric.rfind("bedrock_", 0) == 0 || metric.rfind("knowledge_base_", 0) == 0 ||
        metric.rfind("agentcore_runtime_", 0) == 0)
      return true;
    if (metric == "agentcore_gateway_invocation") return !state.gateway_uncertain;
    return !state.weather_uncertain;
  };
  for (const auto& [k, q] : m.quantity)
    if (judged(k.first)) keys.insert(k);
  bool all_equal = true;
  for (const auto& k : keys) {
    const int64_t want = expected_qty.count(k) ? expected_qty[k] : 0;
    const int64_t got = m.quantity.count(k) ? m.quantity.at(k) : 0;
    if (want != got) {
      all_equal = false;
      if (const auto bound = bounds.find(k.first); bound != bounds.end())
        complete.fail(fmt::format("tenant {}: metered {} {} but its runtime invocations bill {} to {}", tenant, got,
                                  k.first, bound->second.first, bound->second.second));
      else
        complete.fail(fmt::format("tenant {}: metered {} {}{} but the ledgers say {}", tenant, got, k.first,
                                  k.second.empty() ? "" : " of " + k.second, want));
    }
    expected_cost[kService.count(k.first) ? kService.at(k.first) : k.first] += price(k.first, k.second, want);
  }
  if (all_equal) complete.pass();
  // Cost per service.
  std::set<std::string> services;
  for (const auto& [s, v] : expected_cost) services.insert(s);
  for (const auto& [s, v] : m.cost_by_service) services.insert(s);
  bool cost_ok = true;
  for (const auto& s : services) {
    if (s == "agentcore_gateway" ? ts.gateway_uncertain
                                 : ts.weather_uncertain && s != "bedrock_agent" && s != "knowledge_base" &&
                                       s != "agentcore_runtime")
      continue;
    const Money want = expected_cost.count(s) ? expected_cost[s] : Money{};
    const Money got = m.cost_by_service.count(s) ? m.cost_by_service.at(s) : Money{};
    if (want != got) {
      cost_ok = false;
      cost.fail(fmt::format("tenant {} service {}: system says {} USD, ledgers say {} USD", tenant, s,
                            got.to_usd_string(), want.to_usd_string()));
    }
  }
  // Cost categories are the documented services: a line filed under another name is misfiled,
  // even when it costs nothing today.
  for (const auto& [s, v] : m.cost_by_service) {
    bool known = false;
    for (const auto& [metric, service] : kService) known |= service == s;
    if (!known) {
      cost_ok = false;
      cost.fail(fmt::format("tenant {}: cost filed under unknown service '{}'", tenant, s));
    }
  }
  if (cost_ok) cost.pass();
  judge_user_attribution(tenant, ts, m, ledgers);
}

// Per user: the model usage each user's requests were tagged with at the provider must be what the
// system billed to that user.
void Oracle::judge_user_attribution(const std::string& tenant, const TenantState& ts, const Metered& m,
                                    const Ledgers& ledgers) {
  const auto quantity = quantity_of;
  auto& cost = check("cost.attribution");
  std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> want_by_user;
  for (auto it = ledgers.bedrock_by_user.lower_bound({tenant, ""});
       it != ledgers.bedrock_by_user.end() && it->first.first == tenant; ++it)
    for (const auto& [model, u] : it->second)
      for (int i = 0; i < 3; ++i) want_by_user[it->first.second][{kMetrics[i], model}] = quantity(u, i);
  std::set<std::string> users;
  for (const auto& [user, q] : want_by_user) users.insert(user);
  for (const auto& [user, q] : m.quantity_by_user) users.insert(user);
  bool users_ok = true;
  for (const auto& user : users) {
    // Independent anchors: usage is billed to the users the oracle knows, each of whose
    // accepted chats made at least one model call.
    auto known = ts.chats_by_user.find(user);
    if (known == ts.chats_by_user.end()) {
      users_ok = false;
      cost.fail(fmt::format("tenant {}: usage billed to '{}', who is not one of its users", tenant, user));
      break;
    }
    const auto& tagged = want_by_user[user];
    int64_t invocations = 0;
    for (const auto& [k, q] : tagged) invocations += k.first == kMetrics[0] ? q : 0;
    if (invocations < known->second) {
      users_ok = false;
      cost.fail(fmt::format("tenant {} user {}: {} chats answered but {} model calls tagged to the user", tenant, user,
                            known->second, invocations));
      break;
    }
    const auto& want = want_by_user[user];
    const auto got_it = m.quantity_by_user.find(user);
    for (int i = 0; i < 3 && users_ok; ++i) {
      int64_t w = 0, g = 0;
      for (const auto& [k, q] : want) w += k.first == kMetrics[i] ? q : 0;
      if (got_it != m.quantity_by_user.end())
        for (const auto& [k, q] : got_it->second) g += k.first == kMetrics[i] ? q : 0;
      if (w != g) {
        users_ok = false;
        cost.fail(fmt::format("tenant {} user {}: billed {} {} but the provider's records tag {} to the user",
                              tenant, user, g, kMetrics[i], w));
      }
    }
  }
  if (users_ok) cost.pass();
}

void Oracle::judge_model_accounts(const Ledgers& ledgers) {
  const auto quantity = quantity_of;
  auto& cost = check("cost.attribution");
  // Accounts: a silo tenant's model calls run on (and are billed to) its own account, every one of
  // them, and the pooled account serves exactly the pooled tenants. The account ledgers are evidence
  // that does not depend on the tags the system put on its requests.
  std::map<std::pair<std::string, std::string>, ModelUsage> pooled_expected;  // (account, model)
  for (const auto& [tenant, ts] : tenants_) {
    auto acct = ledgers.model_account_of.find(tenant);
    const std::string account = acct == ledgers.model_account_of.end() ? "" : acct->second;
    std::map<std::string, ModelUsage> tagged;
    if (auto b = ledgers.bedrock_by_tenant.find(tenant); b != ledgers.bedrock_by_tenant.end()) tagged = b->second;
    if (!ts.silo) {
      for (const auto& [model, u] : tagged) {
        auto& p = pooled_expected[{ledgers.pooled_account, model}];
        p.invocations += u.invocations;
        p.input_tokens += u.input_tokens;
        p.output_tokens += u.output_tokens;
      }
      continue;
    }
    if (account.empty() || account == ledgers.pooled_account) {
      cost.fail(fmt::format("silo tenant {} has no model account of its own ({})", tenant, account.empty() ? "none" : account));
      continue;
    }
    std::set<std::string> models;
    for (const auto& [model, u] : tagged) models.insert(model);
    for (const auto& [key, u] : ledgers.bedrock_by_account)
      if (key.first == account) models.insert(key.second);
    bool ok = true;
    for (const auto& model : models) {
      auto a = ledgers.bedrock_by_account.find({account, model});
      const ModelUsage served = a == ledgers.bedrock_by_account.end() ? ModelUsage{} : a->second;
      const ModelUsage want = tagged.count(model) ? tagged.at(model) : ModelUsage{};
      for (int i = 0; i < 3; ++i)
        if (quantity(served, i) != quantity(want, i)) {
          ok = false;
          cost.fail(fmt::format("silo tenant {}: its account {} was billed {} {} of {}, its requests used {}", tenant,
                                account, quantity(served, i), kMetrics[i], model, quantity(want, i)));
        }
    }
    if (ok) cost.pass();
  }
  {
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& [k, u] : pooled_expected) keys.insert(k);
    for (const auto& [k, u] : ledgers.bedrock_by_account)
      if (k.first == ledgers.pooled_account) keys.insert(k);
    bool ok = true;
    for (const auto& k : keys) {
      auto a = ledgers.bedrock_by_account.find(k);
      const ModelUsage served = a == ledgers.bedrock_by_account.end() ? ModelUsage{} : a->second;
      const ModelUsage want = pooled_expected.count(k) ? pooled_expected.at(k) : ModelUsage{};
      for (int i = 0; i < 3; ++i)
        if (quantity(served, i) != quantity(want, i)) {
          ok = false;
          cost.fail(fmt::format("pooled account {} was billed {} {} of {}, the pooled tenants used {}", k.first,
                                quantity(served, i), kMetrics[i], k.second, quantity(want, i)));
        }
    }
    if (ok) cost.pass();
  }

}

// Nothing unattributed: the model calls of all tenants and the weather calls add up to the ledgers.
void Oracle::judge_unattributed(const std::map<std::string, Metered>& metered, const Ledgers& ledgers) {
  int64_t untagged = 0;
  for (const auto& [tag, models] : ledgers.bedrock_by_tenant)
    if (!tenants_.count(tag))
      for (const auto& [model, u] : models) untagged += u.invocations;
  if (untagged > 0) check("cost.attribution").fail(fmt::format("{} model invocations carry no known tenant", untagged));
  else check("cost.attribution").pass();
  int64_t metered_weather = 0;
  for (const auto& [tenant, ts] : tenants_)
    if (const auto m = metered.find(tenant); m != metered.end())
      for (const auto& [k, q] : m->second.quantity)
        if (k.first == "weather_api_call") metered_weather += q;
  if (metered_weather != ledgers.weather_calls)
    check("metering.complete").fail(fmt::format("weather calls: {} metered over all tenants, {} served by the weather API", metered_weather,
                              ledgers.weather_calls));
  else check("metering.complete").pass();

}

void Oracle::judge_knowledge_base(const Ledgers& ledgers) {
  // The pooled knowledge base answered only filtered retrievals, and only for known tenants. Where
  // no tier offers the retrieve tool the check does not apply (not the same as judging nothing
  // where it does, which fails the run), so scenarios written before it keep their verdicts.
  if (!knowledge_base_in_use_) checks_.erase("isolation.knowledge_base");
  if (knowledge_base_in_use_) {
    auto& kb = check("isolation.knowledge_base");
    if (ledgers.knowledge_unfiltered_pooled > 0)
      kb.fail(fmt::format("{} retrievals from the pooled knowledge base had no tenant filter", ledgers.knowledge_unfiltered_pooled));
    else kb.pass();
    for (const auto& [tenant, u] : ledgers.knowledge_by_tenant)
      if (!tenants_.count(tenant)) {
        check("metering.complete").fail(fmt::format("{} knowledge-base retrievals filtered to '{}', which is no tenant", u.retrievals, tenant));
        break;
      }
  }

}

void Oracle::judge_consumption_events(const Ledgers& ledgers) {
  // Seed 004's consumption events: each model invocation's names its tenant, so grouping them by
  // tenant gives what the model served each tenant (by the requests' tenant tags).
  {
    auto& events = check("observability.tenant_context");
    for (const auto& [tenant, u] : ledgers.consumption_by_tenant)
      if (!tenants_.count(tenant))
        events.fail(fmt::format("{} model invocations' consumption events name no known tenant ('{}')", u.invocations,
                                tenant));
    for (const auto& [tenant, ts] : tenants_) {
      ModelUsage served;
      if (auto b = ledgers.bedrock_by_tenant.find(tenant); b != ledgers.bedrock_by_tenant.end())
        for (const auto& [model, u] : b->second) {
          served.invocations += u.invocations;
          served.input_tokens += u.input_tokens;
          served.output_tokens += u.output_tokens;
        }
      const auto e = ledgers.consumption_by_tenant.find(tenant);
      const ModelUsage emitted = e == ledgers.consumption_by_tenant.end() ? ModelUsage{} : e->second;
      if (emitted == served) events.pass();
      else
        events.fail(fmt::format("tenant {}: consumption events say {} invocations ({} in, {} out tokens), the model "
                                "served {} ({} in, {} out)", tenant, emitted.invocations, emitted.input_tokens,
                                emitted.output_tokens, served.invocations, served.input_tokens, served.output_tokens));
    }
  }

}

std::vector<CheckResult> Oracle::results(const std::map<std::string, LatencyHistogram>& chat_latency_us,
                                         std::optional<int64_t> p99_threshold_ms) const {
  std::vector<CheckResult> out;
  for (const auto& [name, desc] : check_catalog())
    if (checks_.count(name)) out.push_back(checks_.at(name));
  if (p99_threshold_ms) {
    CheckResult t;
    t.name = "thresholds.p99_latency";
    t.description = fmt::format("chat p99 (virtual time) per tier at most {} ms", *p99_threshold_ms);
    for (const auto& [tier, histogram] : chat_latency_us) {
      if (histogram.count() == 0) continue;
      const int64_t p99 = histogram.percentile(99);
      ++t.checked;
      if (p99 > *p99_threshold_ms * 1000) {
        ++t.failed;
        t.examples.push_back(fmt::format("tier {}: p99 {} ms", tier, p99 / 1000));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace tenantsim
