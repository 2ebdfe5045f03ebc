#include "harness/run.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "core/domain/revenue.h"
#include "harness/aws/fakes_link.h"
#include "harness/billing.h"
#include "harness/cloud_ledgers.h"
#include "harness/driver.h"
#include "harness/evidence.h"
#include "scenarios/oracle.h"
#include "scenarios/iana_zones.h"
#include "harness/platform_costs.h"
#include "scenarios/refusals.h"
#include "harness/simulation.h"
#include "harness/world.h"
#include "scenarios/checks.h"

namespace tenantsim {

namespace {

using Json = nlohmann::json;

// Onboarding runs before the scenario's start, one tenant per pace, inside Cognito's request quotas.
constexpr auto kOnboardingPace = std::chrono::milliseconds(200);

Error invalid(std::string message) { return Error::make(ErrorKind::kBadRequest, "InvalidScenario", std::move(message)); }


}  // namespace

namespace {

// `prices_file`: "published" and "seed" name the shipped catalogues; an absolute path is itself; a
// relative one is a file of the data directory when one is there, else relative to the scenario.
std::string price_catalog_path(const std::string& file, const std::string& data_dir, const std::string& scenario_path) {
  if (file == "published") return data_dir + "/prices-on-demand.json";
  if (file == "seed") return data_dir + "/prices-seed-000.json";
  if (file.starts_with("/")) return file;
  if (std::ifstream(data_dir + "/" + file).good()) return data_dir + "/" + file;
  const size_t slash = scenario_path.rfind('/');
  return slash == std::string::npos ? file : scenario_path.substr(0, slash + 1) + file;
}

// The tier table (with the scenario's overrides) and the price catalogue as the world will parse
// them: the first problem of each, its path named as the scenario spells it (tier_overrides.T.F for
// a field an override set), and every metered quantity without a price.
std::vector<ScenarioProblem> catalog_problems(const LoadedScenario& loaded) {
  std::vector<ScenarioProblem> problems;
  const Json& overrides = loaded.scenario.tier_overrides;
  // "tiers.premium.monthly_fee_usd: must be ..." -> the path a scenario author wrote.
  auto as_written = [&](const std::string& message) -> ScenarioProblem {
    const auto colon = message.find(": ");
    std::string where = colon == std::string::npos ? "tiers" : message.substr(0, colon);
    const std::string why = colon == std::string::npos ? message : message.substr(colon + 2);
    if (where.starts_with("tiers.")) {
      const std::string rest = where.substr(6);
      const std::string tier = rest.substr(0, rest.find('.'));
      const std::string field = rest.find('.') == std::string::npos ? "" : rest.substr(rest.find('.') + 1);
      if (overrides.is_object() && overrides.contains(tier) &&
          (field.empty() || (overrides[tier].is_object() && overrides[tier].contains(field.substr(0, field.find('.'))))))
        where = "tier_overrides." + rest;
    }
    return {where, why};
  };
  auto tiers = TierCatalog::from_json(loaded.tiers_doc);
  if (!tiers.ok()) problems.push_back(as_written(tiers.error().message));
  if (loaded.prices_doc.is_null()) return problems;
  auto prices = PriceCatalog::from_json(loaded.prices_doc);
  if (!prices.ok()) {
    problems.push_back({"prices_file", prices.error().message});
    return problems;
  }
  if (!tiers.ok()) return problems;
  for (const auto& m : missing_prices(*tiers, *prices)) {
    const bool overridden = !m.tier.empty() && overrides.is_object() && overrides.contains(m.tier) &&
                            overrides[m.tier].is_object() && overrides[m.tier].contains("model_id");
    problems.push_back(
        {overridden ? "tier_overrides." + m.tier + ".model_id" : "prices_file",
         fmt::format("the price catalogue '{}' has no price for {}{}{}: every metered quantity needs a line (\"0\" where "
                     "it is free)",
                     prices->name(), m.metric, m.model.empty() ? "" : " of model " + m.model,
                     m.tier.empty() ? "" : " (tier " + m.tier + ")")});
  }
  return problems;
}

}  // namespace

std::set<std::string> LoadedScenario::faulted_services() const {
  std::set<std::string> out;
  for (const auto& [service, plan] : fault_plans)
    if (plan.error_rate > 0 || !plan.outages.empty()) out.insert(service);
  return out;
}

Result<LoadedScenario> load_scenario(const std::string& path, const std::string& data_dir,
                                     const std::vector<ScenarioOverride>& overrides) {
  auto doc = read_json_file(path);
  if (!doc.ok()) return doc.take_error();
  if (auto st = apply_overrides(*doc, overrides); !st.ok()) return st.error();
  auto tiers = read_json_file(data_dir + "/tiers.json");
  if (!tiers.ok())
    return Error::make(tiers.error().kind, tiers.error().name,
                       tiers.error().message + " (the data directory: give --data-dir DIR or set TENANTSIM_DATA_DIR)");
  std::vector<std::string> tier_names;
  if (tiers->contains("tiers") && (*tiers)["tiers"].is_object())
    for (const auto& [name, t] : (*tiers)["tiers"].items()) tier_names.push_back(name);
  auto parsed = parse_scenario(*doc, tier_names);
  std::vector<ScenarioProblem> problems = parsed.problems;
  LoadedScenario out;
  if (doc->is_object() && doc->contains("faults") && (*doc)["faults"].is_object()) {
    for (const auto& [service, plan] : (*doc)["faults"].items()) {
      auto p = parse_fault_plan(plan, "faults." + service);
      if (!p.ok()) {
        // The fault plan's message is "path: reason" already.
        const std::string& m = p.error().message;
        const auto colon = m.find(": ");
        problems.push_back(colon == std::string::npos ? ScenarioProblem{"faults." + service, m}
                                                      : ScenarioProblem{m.substr(0, colon), m.substr(colon + 2)});
      }
      else out.fault_plans[service] = std::move(p).value();
    }
  }
  if (parsed.scenario)
    for (size_t i = 0; i < parsed.scenario->time_zones.size(); ++i)
      if (!iana_zones().find(parsed.scenario->time_zones[i]))
        problems.push_back({fmt::format("population.time_zones[{}]", i),
                            fmt::format("unknown time zone '{}' (an IANA name such as America/New_York)",
                                        parsed.scenario->time_zones[i])});
  if (parsed.scenario) {
    out.scenario = *parsed.scenario;
    for (const auto& o : overrides) out.overrides.push_back(o.text);
    out.tiers_doc = *tiers;
    for (const auto& [tier, fields] : out.scenario.tier_overrides.items()) out.tiers_doc["tiers"][tier].merge_patch(fields);
    const std::string& file = out.scenario.prices_file;
    auto prices = read_json_file(price_catalog_path(file, data_dir, path));
    if (!prices.ok()) problems.push_back({"prices_file", prices.error().message});
    else out.prices_doc = *prices;
    // What `run` will build from them, checked here, so `scenario validate` says what `run` would.
    for (auto& p : catalog_problems(out)) problems.push_back(std::move(p));
  }
  if (!problems.empty()) {
    std::string with;
    for (const auto& o : overrides) with += (with.empty() ? " (with --set " : ", --set ") + o.text;
    std::string message = fmt::format("{}{}: {} problem{}", path, with.empty() ? "" : with + ")", problems.size(),
                                      problems.size() == 1 ? "" : "s");
    for (const auto& p : problems) message += fmt::format("\n  {}: {}", p.path.empty() ? "(document)" : p.path, p.reason);
    return invalid(std::move(message));
  }
  return out;
}

void configure_services(World& w, const LoadedScenario& loaded) {
  auto plan = [&](const char* service) {
    auto it = loaded.fault_plans.find(service);
    return it == loaded.fault_plans.end() ? FaultPlan{} : it->second;
  };
  w.model_faults().set_plan(plan("bedrock"));
  w.dynamodb_faults().set_plan(plan("dynamodb"));
  w.knowledge_base_faults().set_plan(plan("knowledge_base"));
  w.cognito_faults().set_plan(plan("cognito"));
  w.weather_faults().set_plan(plan("weather"));
  w.bedrock.set_follows_injections(loaded.scenario.model.follows_injections);
  const Capacity& cap = loaded.scenario.capacity;
  if (cap.bedrock_requests_per_minute || cap.bedrock_tokens_per_minute)
    w.bedrock.set_quotas(cap.bedrock_requests_per_minute.value_or(ModelProfile{}.requests_per_minute),
                         cap.bedrock_tokens_per_minute.value_or(ModelProfile{}.tokens_per_minute));
  if (cap.dynamodb_partition_read_units_per_second || cap.dynamodb_partition_write_units_per_second) {
    DynamoLimits limits;
    limits.partition_read_units_per_second = cap.dynamodb_partition_read_units_per_second.value_or(limits.partition_read_units_per_second);
    limits.partition_write_units_per_second = cap.dynamodb_partition_write_units_per_second.value_or(limits.partition_write_units_per_second);
    w.dynamodb.set_limits(limits);
  }
  if (cap.weather_calls_per_minute)
    w.weather.add_api_key(w.system->config().platform.weather_api_key, static_cast<int>(*cap.weather_calls_per_minute));
}

nlohmann::json remote_settings(const LoadedScenario& loaded, const std::string& weather_api_key) {
  Json settings = {{"model", {{"follows_injections", loaded.scenario.model.follows_injections}}}};
  const Capacity& cap = loaded.scenario.capacity;
  if (cap.bedrock_requests_per_minute) settings["capacity"]["bedrock_requests_per_minute"] = *cap.bedrock_requests_per_minute;
  if (cap.bedrock_tokens_per_minute) settings["capacity"]["bedrock_tokens_per_minute"] = *cap.bedrock_tokens_per_minute;
  settings["weather_keys"][weather_api_key] = cap.weather_calls_per_minute.value_or(kPlatformWeatherCallsPerMinute);
  return settings;
}

Result<RunResult> run_scenario(const LoadedScenario& loaded, const RunOptions& options) {
  Scenario s = loaded.scenario;
  if (options.seed) s.seed = *options.seed;
  WorldOptions wo;
  wo.seed = s.seed;
  // Onboarding paces two passes over the tenants (sign-up, then the feature probes) before the start.
  wo.start = s.start - 2 * kOnboardingPace * s.tenants - std::chrono::seconds(1);
  wo.defects = options.defects;
  wo.tiers_doc = loaded.tiers_doc;
  wo.prices_doc = loaded.prices_doc;
  wo.ports = options.ports;
  wo.runtime_size = RuntimeSize{s.agent_runtime.vcpus, s.agent_runtime.memory_mb};
  aws::FakesLink* const link = options.fakes_link;
  if (link) wo.on_clock = [link](const Clock& clock) { link->follow(&clock); };
  // The link must not outlive the clock it follows.
  const std::unique_ptr<aws::FakesLink, void (*)(aws::FakesLink*)> unfollow(link, [](aws::FakesLink* l) {
    if (l) l->follow(nullptr);
  });
  auto made = World::create(wo);
  if (!made.ok()) return invalid(made.error().message);  // the tier table or price catalog was refused
  World& w = **made;
  if (s.simulation.perturb_schedule)
    w.clock.perturb(Rng(s.seed).split("schedule"), std::chrono::microseconds(s.simulation.max_extra_delay_us));
  auto oracle = Oracle::from_docs(loaded.tiers_doc, loaded.prices_doc);
  if (!oracle.ok()) return oracle.take_error();
  oracle->set_runtime_size(s.agent_runtime.vcpus, s.agent_runtime.memory_mb);

  InProcessDriver driver(*w.system);
  Simulation sim(w, s, *oracle, driver, options.requests);
  auto onboarded = sim.onboard(kOnboardingPace);
  if (!onboarded.ok()) return onboarded.take_error();

  // Faults start once the population exists: the scenario is about running, not signing up.
  configure_services(w, loaded);
  if (link)
    if (auto st = link->configure(remote_settings(loaded, w.system->config().platform.weather_api_key)); !st.ok())
      return Error::make(ErrorKind::kUnavailable, "FakesServeRefused", "fakes serve refused the scenario's settings: " + st.error().message);

  w.clock.run_until(s.start);
  sim.start();
  const Time end = s.start + s.duration;
  const bool tty = options.progress && isatty(fileno(stderr));
  const auto wall_start = std::chrono::steady_clock::now();
  auto last_print = wall_start;
  for (Time t = w.clock.now(); t < end;) {
    t = std::min(end, t + std::chrono::minutes(10));
    w.clock.run_until(t);
    const auto now = std::chrono::steady_clock::now();
    if (tty && now - last_print > std::chrono::milliseconds(250)) {
      last_print = now;
      std::fprintf(stderr, "\r%s  %lld requests  %lld check failures so far   ", to_iso8601(t).substr(0, 16).c_str(),
                   static_cast<long long>(sim.requests()), static_cast<long long>(oracle->failures_so_far()));
    }
  }
  w.clock.run();  // requests in flight at the end finish
  if (tty) std::fprintf(stderr, "\r%80s\r", "");
  if (sim.running() != 0) return Error::make(ErrorKind::kInternal, "ActorsStuck", fmt::format("{} actors never finished", sim.running()));

  // Settle metering with the faults off, as a retrying outbox would eventually, and read the usage
  // back without the partitions' throughput limits, as a batch job backing off would eventually:
  // both are the harness's bookkeeping, not the system's load (a defect that piles every tenant's
  // usage into one partition must fail its check, not the run).
  w.dynamodb_faults().set_plan(FaultPlan{});
  DynamoLimits unthrottled;
  unthrottled.partition_read_units_per_second = unthrottled.partition_write_units_per_second = int64_t{1} << 40;
  w.dynamodb.set_limits(unthrottled);
  for (int i = 0; i < 3 && w.run(w.system->metering().flush()) > 0; ++i) {
  }
  sim.check_resources("after the run");
  (void)w.run(sim.probe_cost_views());

  // What the system metered, read back from its own usage tables.
  std::map<std::string, Oracle::Metered> metered;
  std::map<std::string, Oracle::Metered> billed;  // the same in the run's window: what the reports bill
  int64_t outside_window_records = 0;  // usage records before the start (onboarding) or at/after the end
  std::map<std::string, Money> daily_cost;  // UTC day -> metered cost of every tenant
  std::vector<TenantDayCost> tenant_day_costs;
  std::vector<TenantDayUsage> tenant_day_usage;
  std::map<std::string, std::map<std::string, UserRow>> users;  // tenant -> sub -> row
  std::vector<std::string> tenant_ids_in_order;
  for (const auto& t : sim.tenants()) {
    tenant_ids_in_order.push_back(t.id);
    auto table = w.system->usage_table_for(t.id);
    if (!table.ok()) continue;  // judged by isolation.shared_resources: the system's fault, not the run's
    // Everything the system metered, for the oracle to reconcile with the ledgers; and what falls in
    // the run's window [start, end), which is what the run bills (onboarding's probes before it
    // and the requests still in flight at the end are not the analyst's month).
    auto all = w.run(summarize_records(**table, t.id, std::nullopt, w.system->config().prices));
    if (!all.ok()) continue;  // its table is gone or unreadable: isolation.shared_resources says so
    metered[t.id] = metered_of(*all);
    auto summary = w.run(summarize_records(**table, t.id, Period{s.start, end}, w.system->config().prices));
    if (!summary.ok()) continue;
    outside_window_records += all->records - summary->records;
    billed[t.id] = metered_of(*summary);
    for (const auto& [day, money] : summary->by_day) daily_cost[day] += money;  // UTC days (offset 0)
    for (const auto& [service, days] : summary->by_service_day)
      for (const auto& [day, money] : days) tenant_day_costs.push_back({t.id, t.tier, day, service, money});
    for (const auto& [day, quantities] : summary->quantity_by_day)
      for (const auto& [metric_type, q] : quantities) tenant_day_usage.push_back({t.id, day, metric_type, q});
    for (const auto& [user, services] : summary->by_user_service) {
      UserRow u{t.id, t.tier, user, services, {}, {}};
      for (const auto& [svc, money] : services) u.cost += money;
      users[t.id].emplace(user, std::move(u));
    }
  }
  CloudLedgers cloud = ledgers_of(w);
  if (link) {
    auto doc = link->ledger();
    if (!doc.ok()) return doc.take_error();
    auto far = ledgers_from_json(*doc);
    if (!far.ok()) return far.take_error();
    cloud = std::move(*far);
  }
  const Oracle::Ledgers ledgers = oracle_ledgers(w, cloud, tenant_ids_in_order);

  // The consumption events as the metrics store grouped them (seed 004), with their tokens' cost.
  std::vector<ConsumptionRow> consumption;
  const PriceCatalog& prices = w.system->config().prices;
  for (const auto& [key, totals] : w.metrics.totals()) {
    const auto& [tenant, tier, agent, model] = key;
    consumption.push_back({tenant, tier, agent, model, totals.invocations, totals.input_tokens, totals.output_tokens,
                           prices.cost(metric::kInputTokens, model, totals.input_tokens) +
                               prices.cost(metric::kOutputTokens, model, totals.output_tokens)});
  }

  std::map<std::string, LatencyHistogram> chat_latency;
  // A chat is a chat whichever door it came through: the REST endpoint or the agent runtime.
  for (const auto& [key, histogram] : sim.latency())
    if (key.first == "POST /api/chat" || key.first == "POST /runtimes/{runtime}/invocations")
      chat_latency[key.second].merge(histogram);

  RunResult r;
  r.scenario = s.name;
  r.description = s.description;
  r.seed = s.seed;
  r.start = to_iso8601(s.start);
  r.duration_hours = std::chrono::duration_cast<std::chrono::hours>(s.duration).count();
  r.price_catalog = w.system->config().prices.name();
  r.overrides = loaded.overrides;
  for (const auto& [key, money] : w.system->config().prices.unit_prices()) r.prices.push_back({key.first, key.second, money});
  for (auto d : options.defects.enabled()) r.defects.emplace_back(defect_name(d));
  r.consumption = std::move(consumption);
  r.checks = oracle->finish(metered, ledgers, chat_latency, s.thresholds.p99_latency_ms);
  for (auto& c : r.checks) {
    c.gating = s.thresholds.fail_on.empty() || any_selects(s.thresholds.fail_on, c.name);
    c.may_skip = any_selects(s.thresholds.may_skip, c.name);
  }
  r.requests = sim.requests();
  r.timeline = sim.timeline();
  const std::set<std::string> faulted = loaded.faulted_services();
  for (const auto& [code, x] : sim.refusals())
    r.refusals[code] = {x.status, x.count, to_iso8601(x.first), refusal_reason(classify_refusal(x.status, code), faulted)};
  r.responses_by_status = sim.responses_by_status();
  // Table traffic and monthly active users, per tenant, from the fakes' ledgers.
  std::set<std::string> tenant_ids;
  std::map<std::string, std::string> tenant_of_sub;
  for (const auto& t : sim.tenants()) {
    tenant_ids.insert(t.id);
    for (const auto& u : t.users) tenant_of_sub[u.sub] = t.id;
  }
  const DynamoLedger dynamo_ledger = w.dynamodb.ledger();
  // The UTC days of [start, end): the day the run ends on counts only when it ends after its midnight.
  const BillingDays billing_days{day_key(s.start, 0), day_key(end - std::chrono::milliseconds(1), 0)};
  const PlatformAttribution platform =
      attribute_platform_usage(dynamo_ledger, w.cognito.ledger(), tenant_ids, tenant_of_sub, billing_days);
  RunBill bill(s.start, end, w.system->config().tiers, prices, platform, tenant_day_costs, tenant_day_usage);
  for (const auto& t : sim.tenants()) {
    TenantRow row;
    row.id = t.id;
    row.tier = t.tier;
    row.deployment = t.deployment;
    row.utc_offset_minutes = t.offset;
    row.time_zone = t.time_zone;
    row.users = static_cast<int>(t.users.size());
    row.adversary = t.adversary;
    row.requests = t.requests;
    row.chats_accepted = t.chats_accepted;
    row.refused_limit = t.refused_limit;
    row.throttled = t.throttled;
    row.failed = t.failed;
    bill.add(t, billed[t.id], users[t.id], row);
    r.tenants.push_back(std::move(row));
  }
  r.daily = bill.days(daily_cost);
  for (const auto& t : sim.tenants())
    for (auto& [sub, u] : users[t.id]) r.users.push_back(std::move(u));
  std::sort(tenant_day_costs.begin(), tenant_day_costs.end(), [](const TenantDayCost& a, const TenantDayCost& b) {
    return std::tie(a.tenant, a.day, a.service) < std::tie(b.tenant, b.day, b.service);
  });
  r.tenant_day_costs = std::move(tenant_day_costs);
  std::sort(tenant_day_usage.begin(), tenant_day_usage.end(), [](const TenantDayUsage& a, const TenantDayUsage& b) {
    return std::tie(a.tenant, a.day, a.metric) < std::tie(b.tenant, b.day, b.metric);
  });
  r.tenant_day_usage = std::move(tenant_day_usage);
  for (const auto& [key, h] : sim.latency()) {
    if (h.count() == 0) continue;
    LatencyRow l{key.first, key.second, static_cast<int64_t>(h.count())};
    l.p50_us = h.percentile(50);
    l.p95_us = h.percentile(95);
    l.p99_us = h.percentile(99);
    l.max_us = h.max();
    r.latency.push_back(std::move(l));
  }
  int64_t invocations = 0;
  for (const auto& [key, u] : cloud.model.by_account_model) invocations += u.invocations;
  r.ledger_totals = {{"bedrock_invocations", invocations},
                     {"bedrock_throttled", static_cast<int64_t>(cloud.model.throttled)},
                     {"weather_calls", ledgers.weather_calls},
                     {"weather_rejected", static_cast<int64_t>(cloud.weather.rejected)},
                     {"dynamodb_requests", static_cast<int64_t>(dynamo_ledger.requests)},
                     {"dynamodb_throttled", static_cast<int64_t>(dynamo_ledger.throttled)},
                     {"metering_outbox_pending", static_cast<int64_t>(w.system->metering().pending())},
                     {"dynamodb_unattributed_read_half_units", platform.unattributed.read_half_units},
                     {"dynamodb_unattributed_write_units", platform.unattributed.write_units},
                     {"cognito_unattributed_monthly_active_users", platform.unattributed.monthly_active_users},
                     {"usage_records_outside_window", outside_window_records}};
  return r;
}

}  // namespace tenantsim
