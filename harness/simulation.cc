// Coroutine style (GCC 12): arguments of every co_await call are named locals, never braced
// temporaries or ?: results, and no co_await sits inside ?: (see README, "Architecture").
#include "harness/simulation.h"

#include "core/api/router.h"

#include "scenarios/iana_zones.h"

#include <set>

#include <fmt/format.h>

#include <algorithm>

#include "scenarios/refusals.h"
#include "harness/token_forge.h"

namespace tenantsim {

namespace {

constexpr auto kTokenRefreshAfter = std::chrono::minutes(50);  // ID tokens live 60 minutes

const char* const kWords[] = {"please", "summarise", "our", "quarterly", "plan", "for", "the", "team", "and",
                              "list", "risks", "draft", "an", "email", "about", "invoice", "numbers", "schedule",
                              "meeting", "notes", "customer", "feedback", "roadmap", "budget"};
// Topics of the canary documents, and of the users' questions about them.
const char* const kTopics[] = {"budget", "roadmap", "invoices"};
const char* const kCities[] = {"London", "Paris", "Tokyo", "Berlin", "Madrid", "Sydney"};
// kWeatherAsks[i] asks for the weather tool kTools[i].
const char* const kWeatherAsks[] = {"What's the weather in {}?", "What is the weather forecast for {}?",
                                    "Are there weather alerts in {}?"};
const char* const kTools[] = {"get_current_weather", "get_weather_forecast", "get_weather_alerts"};
static_assert(std::size(kWeatherAsks) == std::size(kTools));

// Moves a path's query string ("?days=7&x=y") into the request's decoded parameters, with the
// HTTP layer's own parser.
void split_query(ApiRequest& r) {
  const auto q = r.path.find('?');
  if (q == std::string::npos) return;
  r.query = parse_query(std::string_view(r.path).substr(q + 1));
  r.path.resize(q);
}

}  // namespace

Simulation::Simulation(World& world, const Scenario& scenario, Oracle& oracle, Driver& driver, RequestSink* sink)
    : world_(world),
      scenario_(scenario),
      oracle_(oracle),
      driver_(driver),
      sink_(sink),
      rng_(Rng(scenario.seed).split("population")) {
  end_ = scenario.start + scenario.duration;
}

// Whether a failed onboarding step is the system's answer to a legitimate request (a 4xx: judged)
// rather than a dependency or the environment failing (5xx: the run cannot go on, exit 3).
bool Simulation::refused_by_the_system(const std::string& tenant, const std::string& step, const Error& e) {
  const int status = http_status(e.kind);
  if (status < 400 || status >= 500) return false;
  oracle_.onboarding_refused(tenant, step, status, e.name);
  return true;
}

Status Simulation::onboard(Duration pace) {
  onboarded_from_ = world_.clock.now();
  tenants_ = plan_population(scenario_, world_.system->config().tiers, iana_zones());
  std::set<std::string> refused;  // tenants the system would not sign up: left out of the run
  for (auto& t : tenants_) {
    SimUser& owner_plan = t.users[0];
    auto owner = world_.new_tenant(t.id, t.tier, true, t.offset, owner_plan.username, t.time_zone);
    if (!owner.ok() && refused_by_the_system(t.id, "registering the tenant and signing its owner in", owner.error())) {
      refused.insert(t.id);
      continue;
    }
    if (!owner.ok()) return Error::make(ErrorKind::kUnavailable, "OnboardingFailed", t.id + ": " + owner.error().message);
    const auto record = world_.system->tenants().find(t.id);
    t.deployment = deployment_name(record ? record->deployment : Deployment::kPool);
    t.runtime = record ? record->runtime_id : "";
    const Time now = world_.clock.now();
    auto signed_up = [&](SimUser& u, const World::Account& a) {
      u.password = a.password;
      u.sub = a.sub;
      u.token = a.token;
      // A user that calls with its access token signs in for one at its first call.
      u.token_at = u.access_token ? Time{} : now;
    };
    signed_up(owner_plan, *owner);
    bool complete = true;
    for (size_t u = 1; complete && u < t.users.size(); ++u) {
      auto a = world_.add_user(*owner, t.users[u].username);
      if (!a.ok() && refused_by_the_system(t.id, "the admin creating a user and the user signing in", a.error())) {
        complete = false;
        break;
      }
      if (!a.ok()) return Error::make(ErrorKind::kUnavailable, "OnboardingFailed", t.id + ": " + a.error().message);
      signed_up(t.users[u], *a);
    }
    if (!complete) {
      refused.insert(t.id);
      continue;
    }
    oracle_.add_tenant(t.id, t.tier, t.offset, t.time_zone);
    for (const auto& u : t.users) oracle_.add_user(t.id, u.sub);
    world_.clock.advance(pace);
  }

  std::erase_if(tenants_, [&](const SimTenant& t) { return refused.count(t.id) > 0; });
  // An attacker whose victim was left out attacks the next tenant that was signed up instead.
  for (size_t i = 0; i < tenants_.size(); ++i) {
    SimTenant& t = tenants_[i];
    if (!t.adversary || !refused.count(t.victim)) continue;
    t.victim = tenants_.size() > 1 ? tenants_[(i + 1) % tenants_.size()].id : "";
    if (t.victim.empty()) t.adversary = false;
  }

  if (auto st = ingest_documents(); !st.ok()) return st;
  // Each tenant's neighbour in its user pool (the next tenant of the same pool, if any): its users
  // are in the pool the admin's calls reach, so only the system's tenant check keeps them apart.
  std::map<std::string, std::vector<const SimTenant*>> by_pool;
  for (const auto& t : tenants_)
    if (const auto record = world_.system->tenants().find(t.id)) by_pool[record->pool_id].push_back(&t);
  std::map<std::string, const SimTenant*> neighbour;
  for (const auto& [pool, members] : by_pool)
    for (size_t i = 0; members.size() > 1 && i < members.size(); ++i) neighbour[members[i]->id] = members[(i + 1) % members.size()];
  // Tier features, asked once per tenant: the tool list, and each tool called directly.
  for (auto& t : tenants_) {
    const std::string token = t.users[0].token;
    auto listed = world_.call("GET", "/api/mcp/weather/tools", token);
    std::set<std::string> names;
    for (const auto& tool : listed.body.value("weather_tools", Json::array())) names.insert(tool.value("name", ""));
    oracle_.tools_listed(t.id, names);
    for (const char* tool : kTools) {
      auto r = world_.call("POST", std::string("/api/mcp/weather/") + tool, token, {{"city", "London"}});
      oracle_.tool_called(t.id, tool, r.status, false);
    }
    // The admin's cost reports: served exactly when the tier includes them.
    for (const char* report : {"overall-cost", "per-user-cost", "service-wise-cost", "comprehensive-report"}) {
      auto r = world_.call("GET", fmt::format("/api/admin/tenants/{}/{}", t.id, report), token);
      oracle_.cost_report_requested(t.id, report, r.status);
    }
    auto own = world_.call("GET", fmt::format("/api/admin/tenants/{}/users/{}/service-cost", t.id, t.users[0].sub), token);
    oracle_.cost_report_requested(t.id, "users/{user}/service-cost", own.status);
    probe_gateway(t);
    probe_admin_views(t, neighbour.count(t.id) ? neighbour.at(t.id) : nullptr);
    world_.clock.advance(pace);  // at a tenant admin's pace, within Cognito's request quotas
  }
  // Table scope: a handle bound to one tenant must not reach any other's partition.
  for (size_t i = 0; i < tenants_.size(); ++i) {
    const auto& t = tenants_[i];
    const auto& other = tenants_[i % 2 == 0 && i + 1 < tenants_.size() ? i + 1 : (i + 1) % tenants_.size()];
    if (other.id == t.id) continue;
    auto table = world_.system->usage_table_for(t.id);
    if (!table.ok()) continue;
    Key key{other.id, "q#probe"};
    auto got = world_.run((*table)->get_item(std::move(key)));
    oracle_.scope_probe(t.id, other.id, !got.ok() && got.error().name == "AccessDeniedException");
  }
  // Offboarding: a tenant that leaves (one pooled, one silo, made for the probe) is locked out at
  // once, though its users still hold unexpired tokens: a pooled one by the directory (403), a silo
  // one because its user pool is gone (401). Each signs up through a Cognito failure at every step
  // of its registration first (a failed sign-up must not keep its id or its user).
  std::vector<std::string> retired_kids;
  if (!tenants_.empty()) {
    for (const auto& [id, tier, expected] : {std::tuple{"offboarded-pool", "basic", 403}, std::tuple{"offboarded-silo", "premium", 401}}) {
      if (!world_.system->config().tiers.find(tier)) continue;
      auto leaver = world_.new_tenant_through_faults(id, tier);
      if (!leaver.ok() && refused_by_the_system(id, "registering the tenant and signing its owner in", leaver.error()))
        continue;
      if (!leaver.ok()) return Error::make(ErrorKind::kUnavailable, "OnboardingFailed", std::string(id) + ": " + leaver.error().message);
      const auto record = world_.system->tenants().find(id);
      const std::string runtime = record ? record->runtime_id : "";
      const bool silo = record && record->deployment == Deployment::kSilo;
      if (silo) retired_kids.push_back(decode_jwt(leaver->token).header.value("kid", ""));
      auto gone = world_.run(world_.system->tenants().offboard(id));
      if (!gone.ok()) return Error::make(ErrorKind::kUnavailable, "OffboardingFailed", std::string(id) + ": " + gone.error().message);
      auto r = world_.call("GET", fmt::format("/api/tenants/{}/subscription", id), leaver->token);
      oracle_.attempt("offboarded_tenant", id, "GET its own subscription after offboarding", expected, r.status);
      // Its agent runtime, with the token it still holds: a silo tenant's own runtime was retired
      // with it (404 ResourceNotFoundException, before any token check); the pooled runtime
      // refuses it as the subscription is.
      if (!runtime.empty()) {
        auto inv = world_.call("POST", runtime_invocations_path(runtime), leaver->token,
                               runtime_invocation("hello", std::string(40, 'o'), id, leaver->sub));
        oracle_.attempt("offboarded_tenant", id, "POST its agent runtime after offboarding", silo ? 404 : expected,
                        inv.status);
      }
    }
    // What verifiers outside the system read: every remaining tenant's signing key, none of a
    // retired pool's.
    auto jwks = world_.call("GET", "/.well-known/jwks.json");
    std::set<std::string> published, in_use;
    for (const auto& key : jwks.body.value("keys", Json::array())) published.insert(key.value("kid", ""));
    for (const auto& t : tenants_) in_use.insert(decode_jwt(t.users[0].token).header.value("kid", ""));
    oracle_.jwks_published(jwks.status, published, in_use, {retired_kids.begin(), retired_kids.end()});
  }
  // Two tenants came and went: everyone else's resources must be as they were.
  check_resources("after onboarding and two offboardings");
  return Status{};
}

void Simulation::check_resources(const std::string& when) {
  // Read through the database port as the system would, bound to the tenant's own partition.
  const auto readable = [&](const std::string& table, const std::string& tenant) -> std::string {
    auto handle = world_.dynamodb_faults().open(table, LeadingKeyScope{tenant});
    if (!handle.ok()) return handle.error().name + ": " + handle.error().message;
    Key key{tenant, "q#resource-probe"};
    auto got = world_.run((*handle)->get_item(std::move(key)));
    return got.ok() ? "" : got.error().name + ": " + got.error().message;
  };
  for (const auto& t : tenants_) {
    const auto record = world_.system->tenants().find(t.id);
    Oracle::TenantResources r;
    if (record) {
      r.silo = record->deployment == Deployment::kSilo;
      r.usage_table = record->usage_table;
      r.sessions_table = record->sessions_table;
      if (!r.usage_table.empty()) r.usage_error = readable(r.usage_table, t.id);
      if (!r.sessions_table.empty()) r.sessions_error = readable(r.sessions_table, t.id);
    }
    oracle_.tenant_resources(t.id, when, r);
  }
}

void Simulation::probe_gateway(const SimTenant& t) {
  // The tool gateway, as the tenant's agent would use it with the admin's valid token: its list is
  // the tier's tools, each of them is served, and every other is refused (403).
  const std::string& token = t.users[0].token;
  const Json list = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
  auto listed = world_.call("POST", "/mcp", token, list);
  oracle_.legitimate_request(t.id, "POST /mcp", listed.status, listed.body.value("code", ""));
  std::set<std::string> offered;
  if (listed.status == 200)
    for (const auto& tool : listed.body["result"].value("tools", Json::array())) offered.insert(tool.value("name", ""));
  oracle_.gateway_tools_listed(t.id, listed.status, offered);
  const OracleTier& tier = oracle_.tier(t.tier);
  for (const char* tool : {"get_current_weather", "get_weather_forecast", "get_weather_alerts", "search_knowledge_base"}) {
    const bool knowledge = tool == std::string("search_knowledge_base");
    const Json arguments = knowledge ? Json{{"query", "budget"}} : Json{{"city", "Paris"}};
    const Json call = {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"},
                       {"params", {{"name", tool}, {"arguments", arguments}}}};
    auto r = world_.call("POST", "/mcp", token, call);
    oracle_.tool_called(t.id, tool, r.status, true);
    if (tier.tools.count(tool)) oracle_.legitimate_request(t.id, "POST /mcp", r.status, r.body.value("code", ""));
    if (knowledge) oracle_.knowledge_quoted(t.id, "the gateway's search_knowledge_base", r.body.dump());
    if (knowledge && tier.tools.count(tool))
      oracle_.knowledge_searched(t.id, "the gateway's search_knowledge_base", r.status, r.body.dump());
  }
}

void Simulation::probe_admin_views(const SimTenant& t, const SimTenant* neighbour) {
  // The admin's own views, and what a real admin must still be refused: another tenant's user or
  // group. (A plain user's refusals are the admin_without_group adversary's.)
  auto mine = world_.call("GET", "/api/admin/my-tenants", t.users[0].token);
  oracle_.my_tenants_listed(t.id, true, mine.status, mine.body);
  if (t.users.size() > 1) {
    auto plain = world_.call("GET", "/api/admin/my-tenants", t.users[1].token);
    oracle_.my_tenants_listed(t.id, false, plain.status, plain.body);
  }
  if (!neighbour) return;
  const SimTenant& other = *neighbour;
  auto foreign_user = world_.call("POST", "/api/admin/add-to-group", t.users[0].token, {{"username", other.users[0].username}});
  oracle_.attempt("admin_foreign_user", t.id, "add-to-group of tenant " + other.id + "'s admin", 404, foreign_user.status);
  auto foreign_group = world_.call("POST", "/api/admin/add-to-group", t.users[0].token,
                                   {{"username", t.users[0].username}, {"group", other.id + "-admins"}});
  oracle_.attempt("admin_foreign_user", t.id, "add-to-group into tenant " + other.id + "'s admin group", 403,
                  foreign_group.status);
}

Task<std::optional<std::pair<int64_t, int64_t>>> Simulation::records_priced_since(std::string tenant_id, Time asked,
                                                                                  Duration window) {
  // The system's window is [now - window, now] with its now between `asked` and this moment; no
  // record is written after the run, so the start decides: the later it is, the less it holds.
  auto table = world_.system->usage_table_for(tenant_id);
  if (!table.ok()) co_return std::nullopt;
  const Time now = world_.clock.now();
  const auto& prices = world_.system->config().prices;
  // The window once, and the few records between the two starts (usually none) to take off it.
  auto most = co_await summarize_records(**table, tenant_id, Period{asked - window, now + Duration(1)}, prices);
  auto gap = co_await summarize_records(**table, tenant_id, Period{asked - window, now - window}, prices);
  if (!most.ok() || !gap.ok()) co_return std::nullopt;
  co_return std::pair{most->total.pico - gap->total.pico, most->total.pico};
}

Task<int64_t> Simulation::probe_cost_views() {
  // After the run, as each tenant's admin and one of its users look at the bill.
  int64_t probed = 0;
  for (auto& t : tenants_) {
    SimUser& admin = t.users[0];
    if (!co_await fresh_token(t, admin)) continue;
    const std::string base = "/api/tenants/" + t.id + "/costs";
    const std::string label = "GET /api/tenants/{t}/costs";
    Oracle::CostViews v;
    v.run_within_366_days = world_.clock.now() - onboarded_from_ < std::chrono::days(366);
    const Time asked = world_.clock.now();
    v.all = (co_await call(t, "GET", base, label, admin.token, Json())).body;
    v.last_366_days = (co_await call(t, "GET", base + "?days=366", label, admin.token, Json())).body;
    v.last_30_days = (co_await call(t, "GET", base + "?days=30", label, admin.token, Json())).body;
    v.last_day = (co_await call(t, "GET", base + "?days=1", label, admin.token, Json())).body;
    v.records_last_30_days = co_await records_priced_since(t.id, asked, std::chrono::days(30));
    v.records_last_day = co_await records_priced_since(t.id, asked, std::chrono::days(1));
    for (const char* bad : {"days=0", "days=367", "days=1.5", "days=-1"}) {
      ApiRequest req{"GET", base + "?" + bad, "Bearer " + admin.token, "", {}, {}, {}};  // malformed: not a user's request
      split_query(req);
      v.bad_windows.emplace_back(bad, (co_await driver_.send(std::move(req))).status);
    }
    if (oracle_.tier(t.billed_tier()).cost_reports) {
      auto report = co_await call(t, "GET", fmt::format("/api/admin/tenants/{}/comprehensive-report", t.id),
                                  "GET /api/admin/tenants/{t}/comprehensive-report", admin.token, Json());
      if (report.status == 200) v.comprehensive = std::move(report.body);
    }
    if (t.users.size() > 1 && co_await fresh_token(t, t.users[1])) {
      v.user = t.users[1].sub;
      v.user_view = (co_await call(t, "GET", base, label, t.users[1].token, Json())).body;
    }
    oracle_.cost_views(t.id, v);
    ++probed;
  }
  co_return probed;
}

Status Simulation::ingest_documents() {
  bool offered = false;
  for (const auto& [name, tier] : world_.system->config().tiers.tiers()) offered |= tier.allows_tool("search_knowledge_base");
  if (!offered) return Status{};
  oracle_.knowledge_base_in_use();
  // The data-source sync of each tenant's documents (what its admin uploaded), tagged with the
  // tenant's id: the pooled base holds them all, so only the retrieval filter keeps them apart.
  for (const auto& t : tenants_) {
    const auto record = world_.system->tenants().find(t.id);
    if (!record) continue;
    for (const char* topic : kTopics) {
      KnowledgeDocument doc{t.id + "/" + topic,
                            fmt::format("The {} notes of {}. {} Only this organisation may read them.", topic, t.id,
                                        knowledge_canary_for(t.id)),
                            {{"tenant_id", t.id}}};
      auto st = world_.run(world_.knowledge_bases().ingest(record->knowledge_base_id, std::move(doc)));
      if (!st.ok()) return Error::make(ErrorKind::kUnavailable, "IngestionFailed", t.id + ": " + st.error().message);
    }
  }
  return Status{};
}

void Simulation::start() {
  for (size_t ti = 0; ti < tenants_.size(); ++ti) {
    for (size_t ui = 0; ui < tenants_[ti].users.size(); ++ui) {
      ++running_;
      spawn(user_actor(ti, ui));
    }
    if (tenants_[ti].adversary) {
      ++running_;
      spawn(adversary_actor(ti));
      continue;  // an adversary's own limits must stay those its attacks assume
    }
    // Billing changes: drawn from a stream of their own, so scenarios without them are unchanged.
    Rng r = Rng(scenario_.seed).split("tier_changes").split(ti);
    for (const auto& change : scenario_.tier_changes) {
      if (change.from != tenants_[ti].tier || !r.chance(change.share)) continue;
      const Time at = scenario_.start + std::chrono::hours(r.between(change.at_hour.min, change.at_hour.max)) +
                      std::chrono::minutes(r.between(0, 59));
      ++running_;
      spawn(tier_change_actor(ti, change.to, at));
      break;  // one change per tenant
    }
  }
}

Task<void> Simulation::tier_change_actor(size_t ti, std::string to, Time at) {
  SimTenant& t = tenants_[ti];
  co_await sleep_until(world_.clock, at);
  // The billing system's call, not a user's: the directory is the system's own operations API.
  oracle_.tier_changing(t.id, world_.clock.now());
  auto st = co_await world_.system->tenants().change_tier(t.id, to);
  if (!st.ok()) {
    oracle_.tier_change_settled(t.id);
  } else {
    oracle_.tier_changed(t.id, to, world_.clock.now());
    ++t.tier_changes;
    t.tier_history.emplace_back(world_.clock.now(), to);
    // The admin, with the token it already holds (its tier claim now stale), asks what its tier
    // gives: the new tier's tools and features are owed at once.
    // (Straight to the driver, like the onboarding probes: a 403 for a feature is owed, not a refusal.)
    // A token that has run out is renewed first; Cognito still holds the old tier, so the new
    // token's claim is as stale as the old one's.
    (void)co_await fresh_token(t, t.users[0]);
    const std::string bearer = "Bearer " + t.users[0].token;
    ApiRequest list_tools{"GET", "/api/mcp/weather/tools", bearer, "", {}, {}, {}};  // a named local (GCC 12)
    auto listed = co_await driver_.send(std::move(list_tools));
    if (listed.status == 200) {
      std::set<std::string> names;
      for (const auto& tool : listed.body.value("weather_tools", Json::array())) names.insert(tool.value("name", ""));
      oracle_.tools_listed(t.id, names);
    }
    ApiRequest ask_report{"GET", fmt::format("/api/admin/tenants/{}/overall-cost", t.id), bearer, "", {}, {}, {}};
    auto report = co_await driver_.send(std::move(ask_report));
    if (report.status < 500) oracle_.cost_report_requested(t.id, "overall-cost", report.status);
    ApiRequest ask_mine{"GET", "/api/admin/my-tenants", bearer, "", {}, {}, {}};  // the new tier, not the token's
    auto mine = co_await driver_.send(std::move(ask_mine));
    if (mine.status < 500) oracle_.my_tenants_listed(t.id, true, mine.status, mine.body);
    co_await look_at_subscription(t, t.users[0]);  // its tier and limits, the new ones
  }
  --running_;
}

Task<ApiResponse> Simulation::call(SimTenant& t, std::string method, std::string path, std::string label,
                                   std::string token, Json body, std::map<std::string, std::string> headers) {
  const bool path_is_runtime = path.rfind("/runtimes/", 0) == 0;
  ApiRequest req{std::move(method), std::move(path), token.empty() ? "" : "Bearer " + token,
                 body.is_null() ? "" : body.dump(), {}, {}, std::move(headers)};
  split_query(req);
  const Time sent = world_.clock.now();
  ApiResponse r = co_await driver_.send(std::move(req));
  ++requests_;
  ++t.requests;
  ++by_status_[r.status];
  const int64_t latency = (world_.clock.now() - sent).count();
  latency_[{label, t.tier}].record(latency);
  if (path_is_runtime) oracle_.runtime_answered(t.id, r.status, r.body.value("code", ""), Duration{latency});
  if (sent >= scenario_.start && sent < end_) {
    const auto hour = static_cast<size_t>(std::chrono::floor<std::chrono::hours>(sent - scenario_.start).count());
    if (timeline_.size() <= hour) {
      const size_t from = timeline_.size();
      timeline_.resize(hour + 1);
      for (size_t h = from; h <= hour; ++h) timeline_[h].hour = static_cast<int64_t>(h);
    }
    ++timeline_[hour].requests;
  }
  const bool attack = label.rfind("attack ", 0) == 0;
  if (!attack) oracle_.legitimate_request(t.id, label, r.status, r.body.value("code", ""));
  if ((r.status == 429 || r.status >= 500) && !attack) {
    const std::string code = r.body.value("code", std::to_string(r.status));
    const RefusalKind kind = classify_refusal(r.status, code).kind;
    const int64_t limit = kind == RefusalKind::kTierLimit, throttled = kind == RefusalKind::kThrottled,
                  failed = r.status >= 500;
    t.refused_limit += limit;
    t.throttled += throttled;
    t.failed += failed;
    if (sent >= scenario_.start && sent < end_) {
      auto& bucket = timeline_[static_cast<size_t>(std::chrono::floor<std::chrono::hours>(sent - scenario_.start).count())];
      bucket.refused_limit += limit;
      bucket.throttled += throttled;
      bucket.failed += failed;
    }
    auto& x = refusals_[code];
    if (x.count++ == 0) {
      x.status = r.status;
      x.first = sent;
    }
  }
  if (sink_) sink_->record(RequestRow{sent.time_since_epoch().count(), t.id, t.tier, label, r.status, latency});
  co_return r;
}

Task<bool> Simulation::fresh_token(SimTenant& t, SimUser& u) {
  if (world_.clock.now() - u.token_at < kTokenRefreshAfter) co_return true;
  Json body = {{"tenant_id", t.id}, {"username", u.username}, {"password", u.password}};
  auto r = co_await call(t, "POST", "/api/auth/login", "POST /api/auth/login", "", std::move(body));
  if (r.status != 200) co_return false;
  u.token = r.body.value(u.access_token ? "access_token" : "id_token", "");
  u.token_at = world_.clock.now();
  co_return true;
}

Task<std::string> Simulation::open_session(SimTenant& t, SimUser& u) {
  const Time sent = world_.clock.now();
  oracle_.session_open_sent(t.id, u.sub);
  auto r = co_await call(t, "POST", "/api/sessions", "POST /api/sessions", u.token, Json());
  const std::string id = r.status == 201 ? r.body.value("session_id", "") : "";
  oracle_.session_opened(t.id, u.sub, id, sent, world_.clock.now(), r.status, r.body.value("code", ""));
  co_return id;
}

Task<void> Simulation::close_session(SimTenant& t, SimUser& u, std::string session) {
  (void)co_await fresh_token(t, u);
  // As a well-behaved client does: a close that failed on the server's side is tried once more
  // (closing is idempotent), so a transient fault does not hold a session slot until it expires.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = co_await call(t, "DELETE", "/api/sessions/" + session, "DELETE /api/sessions/{id}", u.token, Json());
    oracle_.session_closed(t.id, u.sub, session, r.status);
    if (r.status < 500) break;
  }
}

std::string Simulation::message_text(SimTenant& t, const SimUser& u, Ask ask, Rng& rng, std::string* tool) const {
  if (ask == Ask::kDocuments) {
    *tool = "search_knowledge_base";
    return fmt::format("What do our documents say about {}?", kTopics[rng.uniform(std::size(kTopics))]);
  }
  if (ask == Ask::kWeather) {
    const size_t which = rng.uniform(std::size(kWeatherAsks));
    *tool = kTools[which];
    return fmt::format(fmt::runtime(kWeatherAsks[which]), kCities[rng.uniform(std::size(kCities))]);
  }
  const TierBehaviour& b = scenario_.behaviour.at(t.tier);
  std::string text = canary_for(t.id, u.sub);
  const int64_t words = rng.between(b.prompt_words.min, b.prompt_words.max);
  for (int64_t i = 0; i < words; ++i) (text += ' ') += kWords[rng.uniform(std::size(kWords))];
  return text;
}

Task<int> Simulation::chat(SimTenant& t, SimUser& u, std::string session, Ask ask, std::string* code) {
  (void)co_await fresh_token(t, u);  // a long session outlives a token: sign in again when it is due
  std::string tool;
  std::string text = message_text(t, u, ask, u.rng, &tool);
  // Drawn only when asked for, so scenarios without runtime traffic keep their streams.
  const double runtime_share = scenario_.behaviour.at(t.tier).runtime_share;
  const bool via_runtime = runtime_share > 0 && u.rng.chance(runtime_share);
  co_return co_await send_chat(t, u, std::move(session), std::move(text), ask != Ask::kPlain, code, via_runtime,
                               std::move(tool));
}

Task<int> Simulation::send_chat(SimTenant& t, SimUser& u, std::string session, std::string text, bool tool_question,
                                std::string* code, bool via_runtime, std::string asked_tool) {
  Json body = {{"message", text}, {"tenant_context", {{"tenant_id", t.id}, {"user_id", u.sub}, {"session_id", session}}}};
  std::string path = "/api/chat", label = "POST /api/chat";
  std::map<std::string, std::string> headers;
  if (via_runtime) {  // the same turn through the agent runtime, as seed 002's frontend calls it
    // Every other turn names its session as the AWS SDK does (InvokeAgentRuntime's runtimeSessionId
    // travels only in the header), the others as the frontend does, in the body.
    const bool in_header = u.chats_sent % 2 == 1;
    if (in_header) headers[kRuntimeSessionHeader] = session;
    body = runtime_invocation(text, in_header ? "" : session, t.id, u.sub);
    body["enableTrace"] = true;
    path = runtime_invocations_path(t.runtime);
    label = "POST /runtimes/{runtime}/invocations";
  }
  auto ticket = oracle_.begin_chat(t.id, u.sub, session, world_.clock.now());
  const bool alone_at_send = u.chats_in_flight++ == 0;
  const int64_t sent_as = ++u.chats_sent;
  auto r = co_await call(t, "POST", path, label, u.token, std::move(body), std::move(headers));
  --u.chats_in_flight;
  *code = r.body.value("code", "");
  // No other chat of this user overlapped this one (none in flight at its send, none sent since).
  const bool alone = alone_at_send && u.chats_sent == sent_as;
  // The harness's own faults while the chat ran, read once (only when something below needs them).
  const bool failed_alone = r.status >= 500 && alone;
  const InjectedFaults faults =
      tool_question || failed_alone ? world_.injected_between(ticket.sent, world_.clock.now()) : InjectedFaults{};
  if (failed_alone) ticket.failed_before_the_model = failed_before_the_model(t, u, faults);
  if (tool_question && weather_failed(faults)) oracle_.weather_fault_met(t.id);
  if (!asked_tool.empty() && faults.empty()) ticket.asks_for_tool = std::move(asked_tool);
  std::vector<std::string> tools, refused;
  if (r.status == 200) {
    for (const auto& tool : r.body["usage_metrics"].value("tools_used", Json::array())) tools.push_back(tool.get<std::string>());
    for (const auto& tool : r.body["usage_metrics"].value("tools_refused", Json::array()))
      refused.push_back(tool.get<std::string>());
  }
  oracle_.end_chat(ticket, world_.clock.now(), r.status, *code, r.body.value("request_id", "-"),
                   r.body.value("response", ""), tools, refused, tool_question);
  if (r.status == 429 && is_message_limit_code(*code)) {
    const auto h = r.headers.find("Retry-After");
    oracle_.limit_retry_after(ticket, world_.clock.now(),
                              h == r.headers.end() ? std::nullopt : retry_after_seconds(h->second));
  }
  if (r.status == 200) {
    ++t.chats_accepted;
    ++t.messages[{day_key(world_.clock.now(), 0), t.billed_tier()}];
  }
  if (ticket.failed_before_the_model) {
    // The message was given back: hold the system to it where the user would look.
    co_await look_at_subscription(t, u);
  }
  co_return r.status;
}

Task<void> Simulation::look_at_subscription(SimTenant& t, SimUser& u) {
  const Time asked = world_.clock.now();
  auto sub = co_await call(t, "GET", "/api/tenants/" + t.id + "/subscription", "GET /api/tenants/{t}/subscription",
                           u.token, Json());
  if (sub.status == 200) oracle_.usage_reported(t.id, u.sub, asked, world_.clock.now(), sub.body);
}

bool Simulation::weather_failed(const InjectedFaults& faults) {
  for (const auto& [service, fault] : faults)
    if (service == "weather") return true;
  return false;
}

bool Simulation::failed_before_the_model(const SimTenant& t, const SimUser& u, const InjectedFaults& faults) {
  // A chat that failed is known not to count when the one failure the harness injected while it
  // ran was the model's, on the request's first call, for this user: the model consumed nothing,
  // and the system's contract is to give such a message back. Anything else in the window (another
  // fault, which might have broken the give-back; another chat of this user, which might have met
  // the fault; the caller asks only for a chat no other of the user's overlapped) leaves it "maybe counted".
  return faults.size() == 1 && faults[0].first == "bedrock" && faults[0].second.before_output &&
         faults[0].second.tenant == t.id && faults[0].second.user == u.sub;
}

Task<void> Simulation::run_session(SimTenant& t, SimUser& u, int64_t messages, bool until_refused) {
  const TierBehaviour& b = scenario_.behaviour.at(t.tier);
  Rng& rng = u.rng;
  if (!co_await fresh_token(t, u)) co_return;
  std::string session = co_await open_session(t, u);
  if (session.empty()) co_return;
  // What the sample's frontend does when a chat opens: it shows the tier and what is left of it.
  co_await look_at_subscription(t, u);
  for (int64_t m = 0; m < messages; ++m) {
    // The run ends for every user at its end: nothing is sent after it (its cost is not the run's).
    if (world_.clock.now() >= end_) co_return;
    std::string code;
    Ask ask = rng.chance(b.weather_share) ? Ask::kWeather : Ask::kPlain;
    // Drawn only when asked for, so scenarios without document questions keep their streams.
    if (ask == Ask::kPlain && b.knowledge_share > 0 && rng.chance(b.knowledge_share)) ask = Ask::kDocuments;
    const int status = co_await chat(t, u, session, ask, &code);
    if (until_refused && status == 429 && is_message_limit_code(code)) break;
    if (status == 409 || status == 404) {  // the session ran out: carry on in a new one
      co_await close_session(t, u, session);
      if (!co_await fresh_token(t, u)) co_return;
      session = co_await open_session(t, u);
      if (session.empty()) co_return;
    }
    const auto think = until_refused ? rng.between(2, 8) : rng.between(b.think_time_seconds.min, b.think_time_seconds.max);
    co_await sleep_for(world_.clock, std::chrono::seconds(think));
  }
  if (world_.clock.now() >= end_) co_return;
  // One session in ten is abandoned (the tab closed): its slot must come back when it expires.
  if (!rng.chance(0.1)) co_await close_session(t, u, session);
  if (rng.chance(0.3)) {  // and, now and then, the usage and the user's own costs
    const std::string own = "/api/tenants/" + t.id;
    (void)co_await call(t, "GET", own + "/usage", "GET /api/tenants/{t}/usage", u.token, Json());
    (void)co_await call(t, "GET", own + "/users/" + u.sub + "/costs", "GET /api/tenants/{t}/users/{u}/costs", u.token, Json());
  }
}

Time Simulation::local_time_on_day(const SimTenant& t, int day, int minute_of_day) const {
  // The instant the tenant's clock first reads `minute_of_day` on its local calendar day `day` days
  // after the scenario's start (a minute that a spring-forward skips: when the gap ends).
  const auto start_local = std::chrono::floor<std::chrono::days>(scenario_.start + t.zone.offset_at(scenario_.start));
  return t.zone.first_instant_at_or_after(Time{start_local} + std::chrono::days(day) + std::chrono::minutes(minute_of_day));
}

Task<void> Simulation::user_actor(size_t ti, size_t ui) {
  SimTenant& t = tenants_[ti];
  SimUser& u = t.users[ui];
  Rng& rng = u.rng;
  const TierBehaviour& b = scenario_.behaviour.at(t.tier);
  const OracleTier& tier = oracle_.tier(t.tier);
  const int days = static_cast<int>(std::chrono::ceil<std::chrono::days>(scenario_.duration).count()) + 1;
  for (int day = 0; day < days; ++day) {
    // Plan the day: session starts on the diurnal curve, plus the heavy user's late-evening burst.
    std::vector<std::pair<Time, int64_t>> plan;  // start, messages (-1: burst until refused)
    const double rate = b.sessions_per_user_per_day;
    int64_t sessions = static_cast<int64_t>(rate) + (rng.chance(rate - static_cast<double>(static_cast<int64_t>(rate))) ? 1 : 0);
    for (int64_t s = 0; s < sessions; ++s) {
      int hour = static_cast<int>(rng.uniform(24));
      if (b.diurnal) hour = diurnal_hour(rng.unit());
      const Time at = local_time_on_day(t, day, hour * 60 + static_cast<int>(rng.uniform(60)));
      plan.emplace_back(at, rng.between(b.messages_per_session.min, b.messages_per_session.max));
    }
    if (u.heavy && tier.daily > 0) {
      plan.emplace_back(local_time_on_day(t, day, 22 * 60 + static_cast<int>(rng.uniform(30))), -1);
      plan.emplace_back(local_time_on_day(t, day + 1, 1 + static_cast<int>(rng.uniform(3))), 3);  // just after the reset
    }
    std::sort(plan.begin(), plan.end());
    for (const auto& [at, messages] : plan) {
      if (at < world_.clock.now() && messages >= 0) continue;  // the previous session ran over it
      if (at >= end_) break;
      co_await sleep_until(world_.clock, at);
      if (messages < 0) co_await run_session(t, u, tier.daily + 5, true);
      else co_await run_session(t, u, messages, false);
    }
  }
  --running_;
}

}  // namespace tenantsim
