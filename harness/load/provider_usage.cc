#include "harness/load/provider_usage.h"

#include <fmt/format.h>

namespace tenantsim::load {

namespace {

using json = nlohmann::json;

// The model usage by model (every account), the agents' invocations, the weather calls and the
// knowledge bases' retrievals and query tokens of one reading of the ledgers.
struct Reading {
  std::map<std::string, BedrockUsage> model;
  int64_t agent_invocations = 0, weather_calls = 0, retrievals = 0, query_tokens = 0;
};

Reading read(const CloudLedgers& l) {
  Reading r;
  for (const auto& [key, u] : l.model.by_account_model) {
    BedrockUsage& m = r.model[key.second];
    m.invocations += u.invocations;
    m.input_tokens += u.input_tokens;
    m.output_tokens += u.output_tokens;
  }
  for (const auto& [key, n] : l.agents.invocations) r.agent_invocations += n;
  for (const auto& [key, kinds] : l.weather.calls)
    for (const auto& [kind, n] : kinds) r.weather_calls += n;
  for (const auto& [key, u] : l.knowledge.by_filter) {
    r.retrievals += u.retrievals;
    r.query_tokens += u.query_tokens;
  }
  return r;
}

}  // namespace

ProviderUsage usage_between(const CloudLedgers& before, const CloudLedgers& after, const PriceCatalog& prices,
                            const std::set<std::string>& tenants) {
  const Reading a = read(before), b = read(after);
  ProviderUsage u;
  int64_t tagged = 0;
  for (const std::string& tenant : tenants) {
    const auto now = after.model.by_tenant_tag.find(tenant);
    if (now == after.model.by_tenant_tag.end()) continue;
    const auto then = before.model.by_tenant_tag.find(tenant);
    ProviderUsage::Tagged& t = u.by_tenant[tenant];
    for (const auto& [model, usage] : now->second) {
      BedrockUsage was;
      if (then != before.model.by_tenant_tag.end())
        if (const auto m = then->second.find(model); m != then->second.end()) was = m->second;
      const int64_t calls = usage.invocations - was.invocations;
      t.invocations += calls;
      t.cost += prices.cost("bedrock_invocation", model, calls) +
                prices.cost("bedrock_input_tokens", model, usage.input_tokens - was.input_tokens) +
                prices.cost("bedrock_output_tokens", model, usage.output_tokens - was.output_tokens);
    }
    tagged += t.invocations;
  }
  int64_t& invocations = u.totals["bedrock_invocations"];
  int64_t& input = u.totals["bedrock_input_tokens"];
  int64_t& output = u.totals["bedrock_output_tokens"];
  Money& model_cost = u.cost["bedrock"];
  for (const auto& [model, now] : b.model) {
    const auto then = a.model.find(model);
    const BedrockUsage was = then == a.model.end() ? BedrockUsage{} : then->second;
    const int64_t calls = now.invocations - was.invocations, in = now.input_tokens - was.input_tokens,
                  out = now.output_tokens - was.output_tokens;
    invocations += calls;
    input += in;
    output += out;
    model_cost += prices.cost("bedrock_invocation", model, calls) + prices.cost("bedrock_input_tokens", model, in) +
                  prices.cost("bedrock_output_tokens", model, out);
  }
  u.totals["bedrock_invocations_untagged"] = invocations - tagged;
  u.totals["bedrock_agent_invocations"] = b.agent_invocations - a.agent_invocations;
  u.cost["agents"] = prices.cost("bedrock_agent_invocation", "", u.totals["bedrock_agent_invocations"]);
  u.totals["weather_calls"] = b.weather_calls - a.weather_calls;
  u.cost["weather"] = prices.cost("weather_api_call", "", u.totals["weather_calls"]);
  u.totals["knowledge_base_retrievals"] = b.retrievals - a.retrievals;
  u.totals["knowledge_base_query_tokens"] = b.query_tokens - a.query_tokens;
  u.cost["knowledge_base"] = prices.cost("knowledge_base_retrieval", "", u.totals["knowledge_base_retrievals"]) +
                             prices.cost("knowledge_base_query_tokens", "", u.totals["knowledge_base_query_tokens"]);
  return u;
}

json provider_usage_json(const ProviderUsage& u, const std::string& source, int64_t accepted_chats) {
  const auto money = [](Money m) { return json{{"usd", m.to_usd_string()}, {"pico_usd", m.pico}}; };
  json j{{"source", source}, {"accepted_chats", accepted_chats}, {"totals", u.totals}};
  Money total;
  for (const auto& [service, m] : u.cost) {
    j["cost_by_service"][service] = money(m);
    total += m;
  }
  j["cost"] = money(total);
  for (const auto& [tenant, t] : u.by_tenant)
    j["by_tenant"][tenant] = {{"bedrock_invocations", t.invocations}, {"bedrock_cost", money(t.cost)}};
  if (accepted_chats > 0) {
    // Exact to the pico-dollar (rounded down); the counts as plain ratios.
    j["per_accepted_chat"]["cost"] = money(Money{total.pico / accepted_chats});
    for (const auto& [name, n] : u.totals)
      j["per_accepted_chat"][name] = static_cast<double>(n) / static_cast<double>(accepted_chats);
  }
  return j;
}

}  // namespace tenantsim::load
