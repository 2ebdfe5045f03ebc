#include "harness/evidence.h"

#include "harness/world.h"

namespace tenantsim {

Oracle::Metered metered_of(const CostSummary& all) {
  Oracle::Metered m;
  for (const auto& [key, line] : all.lines) m.quantity[key] += line.quantity;
  m.cost_by_service = all.by_service;
  m.quantity_by_user = all.quantity_by_user;
  return m;
}

Oracle::Ledgers oracle_ledgers(const World& w, const CloudLedgers& cloud, const std::vector<std::string>& tenant_ids) {
  Oracle::Ledgers ledgers;
  for (const auto& id : tenant_ids)
    if (const auto record = w.system->tenants().find(id)) ledgers.model_account_of[id] = record->model_account;
  ledgers.pooled_account = w.system->config().platform.pooled_model_account;
  ledgers.injected_faults = w.injected_failures();
  const auto usage = [](const BedrockUsage& u) { return Oracle::ModelUsage{u.invocations, u.input_tokens, u.output_tokens}; };
  for (const auto& [tenant, models] : cloud.model.by_tenant_tag)
    for (const auto& [model, u] : models) ledgers.bedrock_by_tenant[tenant][model] = usage(u);
  for (const auto& [key, u] : cloud.model.by_account_model) ledgers.bedrock_by_account[key] = usage(u);
  for (const auto& [key, models] : cloud.model.by_user_tag)
    for (const auto& [model, u] : models) ledgers.bedrock_by_user[key][model] = usage(u);
  for (const auto& [key, n] : cloud.agents.invocations) ledgers.agent_invocations[key.second][key.first] += n;
  for (const auto& [key, kinds] : cloud.weather.calls)
    for (const auto& [kind, n] : kinds) ledgers.weather_calls += n;
  // Each retrieval belongs to the tenant it served: the filter's on the pooled base, the owner's on
  // a dedicated one (by the control plane's record, not by anything the request said).
  std::map<std::string, std::string> owner_of_base;
  for (const auto& t : w.system->tenants().all())
    if (t.deployment == Deployment::kSilo) owner_of_base[t.knowledge_base_id] = t.id;
  const std::string& pooled = w.system->config().platform.pooled_knowledge_base;
  for (const auto& [key, u] : cloud.knowledge.by_filter) {
    const auto& [base, filter] = key;
    const auto owner = owner_of_base.find(base);
    const std::string tenant = base == pooled ? filter : owner == owner_of_base.end() ? "?" + base : owner->second;
    if (base == pooled && filter.empty()) {
      ledgers.knowledge_unfiltered_pooled += u.retrievals;
      continue;
    }
    auto& sum = ledgers.knowledge_by_tenant[tenant];
    sum.retrievals += u.retrievals;
    sum.query_tokens += u.query_tokens;
  }
  // The consumption events as the metrics store grouped them (seed 004).
  for (const auto& [key, totals] : w.metrics.totals()) {
    auto& sum = ledgers.consumption_by_tenant[std::get<0>(key)];
    sum.invocations += totals.invocations;
    sum.input_tokens += totals.input_tokens;
    sum.output_tokens += totals.output_tokens;
  }
  return ledgers;
}

}  // namespace tenantsim
