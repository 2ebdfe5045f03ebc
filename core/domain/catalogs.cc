#include "core/domain/catalogs.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace tenantsim {

namespace {

Error bad(const std::string& path, const std::string& why) {
  return Error::make(ErrorKind::kBadRequest, "InvalidConfig", fmt::format("{}: {}", path, why));
}

// A string member, `fallback` when absent; an error naming the field when it is another type (a
// number where a decimal string belongs, say: `--set tier_overrides.premium.monthly_fee_usd=299`).
Result<std::string> read_text(const nlohmann::json& obj, const char* field, const std::string& path, const char* fallback,
                              const char* shape) {
  if (!obj.contains(field)) return std::string(fallback);
  if (!obj[field].is_string()) return bad(path + "." + field, std::string("must be a string: ") + shape);
  return obj[field].get<std::string>();
}

Result<int64_t> read_count(const nlohmann::json& obj, const char* field, const std::string& path, bool required) {
  if (!obj.contains(field)) {
    if (required) return bad(path + "." + field, "is required");
    return int64_t{0};
  }
  const auto& v = obj[field];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) return bad(path + "." + field, "must be a non-negative integer");
  return v.get<int64_t>();
}

}  // namespace

bool TierPolicy::allows_tool(const std::string& t) const { return std::find(tools.begin(), tools.end(), t) != tools.end(); }

Result<TierCatalog> TierCatalog::from_json(const nlohmann::json& doc) {
  if (!doc.is_object() || !doc.contains("tiers") || !doc["tiers"].is_object()) return bad("tiers", "must be an object");
  static const std::set<std::string> known_tools = {"get_current_weather", "get_weather_forecast", "get_weather_alerts",
                                                    "search_knowledge_base"};
  static const std::set<std::string> fields = {
      "monthly_fee_usd", "daily_messages", "monthly_messages", "tenant_daily_messages", "tenant_monthly_messages",
      "concurrent_sessions", "session_minutes", "tools", "cost_reports", "deployment", "message_limit_scope", "model_id",
      "bedrock_agent_id", "orchestrator", "seat_fee_usd", "included_seats", "overage_usd_per_message",
      "included_messages"};
  TierCatalog out;
  for (const auto& [name, t] : doc["tiers"].items()) {
    const std::string path = "tiers." + name;
    if (!t.is_object()) return bad(path, "must be an object");
    for (const auto& [k, v] : t.items())
      if (!fields.count(k)) return bad(path + "." + k, "unknown field");
    TierPolicy p;
    p.name = name;
    constexpr const char* kUsd = "a decimal string such as \"29\" or \"29.99\"";
    auto fee_text = read_text(t, "monthly_fee_usd", path, "0", kUsd);
    if (!fee_text.ok()) return fee_text.take_error();
    auto fee = parse_usd(*fee_text);
    if (!fee) return bad(path + ".monthly_fee_usd", std::string("must be ") + kUsd);
    p.monthly_fee = *fee;
    for (const auto& [field, money] : {std::pair{"seat_fee_usd", &p.seat_fee}, std::pair{"overage_usd_per_message", &p.overage_per_message}}) {
      if (!t.contains(field)) continue;
      auto usd = t[field].is_string() ? parse_usd(t[field].get<std::string>()) : std::nullopt;
      if (!usd) return bad(path + "." + field, "must be a decimal string such as \"5\" or \"0.02\"");
      *money = *usd;
    }
    auto seats = read_count(t, "included_seats", path, false);
    auto included = read_count(t, "included_messages", path, false);
    for (auto* r : {&seats, &included})
      if (!r->ok()) return r->take_error();
    p.included_seats = *seats;
    p.included_messages = *included;
    auto daily = read_count(t, "daily_messages", path, true);
    auto monthly = read_count(t, "monthly_messages", path, true);
    auto tdaily = read_count(t, "tenant_daily_messages", path, false);
    auto tmonthly = read_count(t, "tenant_monthly_messages", path, false);
    auto sessions = read_count(t, "concurrent_sessions", path, true);
    auto minutes = read_count(t, "session_minutes", path, true);
    for (auto* r : {&daily, &monthly, &tdaily, &tmonthly, &sessions, &minutes})
      if (!r->ok()) return r->take_error();
    p.daily_messages = *daily;
    p.monthly_messages = *monthly;
    p.tenant_daily_messages = *tdaily;
    p.tenant_monthly_messages = *tmonthly;
    if (*sessions < 1 || *sessions > 100) return bad(path + ".concurrent_sessions", "must be 1 to 100");
    p.concurrent_sessions = static_cast<int>(*sessions);
    if (*minutes < 1) return bad(path + ".session_minutes", "must be at least 1");
    p.session_duration = std::chrono::minutes(*minutes);
    if (t.contains("tools")) {
      if (!t["tools"].is_array()) return bad(path + ".tools", "must be an array of tool names");
      for (const auto& tool : t["tools"]) {
        if (!tool.is_string() || !known_tools.count(tool.get<std::string>()))
          return bad(path + ".tools", "unknown tool (known: get_current_weather, get_weather_forecast, get_weather_alerts, search_knowledge_base)");
        p.tools.push_back(tool.get<std::string>());
      }
    }
    if (t.contains("cost_reports") && !t["cost_reports"].is_boolean()) return bad(path + ".cost_reports", "must be true or false");
    p.cost_reports = t.value("cost_reports", false);
    auto dep_text = read_text(t, "deployment", path, "pool", "\"pool\" or \"silo\"");
    if (!dep_text.ok()) return dep_text.take_error();
    const std::string dep = *dep_text;
    if (dep != "pool" && dep != "silo") return bad(path + ".deployment", "must be \"pool\" or \"silo\"");
    p.deployment = dep == "silo" ? Deployment::kSilo : Deployment::kPool;
    auto scope_text = read_text(t, "message_limit_scope", path, "user", "\"user\" or \"tenant\"");
    if (!scope_text.ok()) return scope_text.take_error();
    const std::string scope = *scope_text;
    if (scope != "user" && scope != "tenant") return bad(path + ".message_limit_scope", "must be \"user\" or \"tenant\"");
    p.message_limit_scope = scope == "tenant" ? LimitScope::kTenant : LimitScope::kUser;
    auto model = read_text(t, "model_id", path, "", "a Bedrock model id");
    if (!model.ok()) return model.take_error();
    p.model_id = *model;
    if (p.model_id.empty()) return bad(path + ".model_id", "is required");
    if (t.contains("orchestrator") && !t["orchestrator"].is_boolean()) return bad(path + ".orchestrator", "must be true or false");
    p.orchestrator = t.value("orchestrator", false);
    if (p.orchestrator && t.contains("bedrock_agent_id"))
      return bad(path + ".orchestrator", "runs on the direct path; a tier with bedrock_agent_id orchestrates in its agent");
    if (t.contains("bedrock_agent_id")) {
      if (!t["bedrock_agent_id"].is_string() || t["bedrock_agent_id"].get<std::string>().empty() ||
          t["bedrock_agent_id"].get<std::string>().size() > 10)
        return bad(path + ".bedrock_agent_id", "must be an agent id of 1 to 10 characters");
      p.bedrock_agent_id = t["bedrock_agent_id"].get<std::string>();
    }
    out.tiers_.emplace(name, std::move(p));
  }
  if (out.tiers_.empty()) return bad("tiers", "needs at least one tier");
  return out;
}

const TierPolicy* TierCatalog::find(const std::string& name) const {
  auto it = tiers_.find(name);
  return it == tiers_.end() ? nullptr : &it->second;
}

const char* metric::service_of(const std::string& m) {
  if (m == kInputTokens || m == kOutputTokens || m == kInvocation || m == kAgentInvocation) return "bedrock_agent";
  if (m == kWeatherCall) return "weather_api";
  if (m == kToolExecution) return "mcp_runtime";
  if (m == kKbRetrieval || m == kKbQueryTokens) return "knowledge_base";
  if (m == kRuntimeVcpuSeconds || m == kRuntimeMemoryMbSeconds) return "agentcore_runtime";
  if (m == kGatewayInvocation) return "agentcore_gateway";
  if (m == kDynamoReadUnit || m == kDynamoWriteUnit) return "dynamodb";
  if (m == kCognitoMau) return "cognito";
  if (m == kSiloFixedMonthly) return "silo_fixed";
  return "other";
}

Result<PriceCatalog> PriceCatalog::from_json(const nlohmann::json& doc) {
  if (!doc.is_object()) return bad("price catalog", "must be an object");
  PriceCatalog out;
  auto name = read_text(doc, "name", "price catalog", "", "the catalog's name");
  if (!name.ok()) return name.take_error();
  out.name_ = *name;
  if (out.name_.empty()) return bad("name", "is required");
  if (!doc.contains("prices") || !doc["prices"].is_array()) return bad("prices", "must be an array");
  static const std::set<std::string> metrics = {metric::kInputTokens,    metric::kOutputTokens,  metric::kInvocation,
                                                metric::kWeatherCall,    metric::kToolExecution, metric::kDynamoReadUnit,
                                                metric::kDynamoWriteUnit, metric::kCognitoMau,
                                                metric::kKbRetrieval,    metric::kKbQueryTokens,  metric::kAgentInvocation,
                                                metric::kSiloFixedMonthly, metric::kRuntimeVcpuSeconds,
                                                metric::kRuntimeMemoryMbSeconds, metric::kGatewayInvocation};
  for (size_t i = 0; i < doc["prices"].size(); ++i) {
    const auto& line = doc["prices"][i];
    const std::string path = fmt::format("prices[{}]", i);
    if (!line.is_object()) return bad(path, "must be an object");
    for (const auto& [k, v] : line.items())
      if (k != "metric" && k != "model" && k != "resource" && k != "usd" && k != "per" && k != "source" && k != "as_of")
        return bad(path + "." + k, "unknown field");
    auto metric_name = read_text(line, "metric", path, "", "a metric name");
    if (!metric_name.ok()) return metric_name.take_error();
    const std::string m = *metric_name;
    if (!metrics.count(m)) return bad(path + ".metric", "unknown metric '" + m + "'");
    if (!line.contains("usd") || !line["usd"].is_string())
      return bad(path + ".usd", "must be a decimal string (money is never a binary float)");
    auto usd = parse_usd(line["usd"].get<std::string>());
    if (!usd) return bad(path + ".usd", "is not a non-negative decimal with at most 12 places");
    if (!line.contains("per") || !line["per"].is_number_integer() || line["per"].get<int64_t>() < 1)
      return bad(path + ".per", "must be a positive integer");
    const int64_t per = line["per"].get<int64_t>();
    // A fixed monthly line is qualified by the resource it pays for; a usage line by its model.
    const bool fixed = m == metric::kSiloFixedMonthly;
    if (line.contains(fixed ? "model" : "resource"))
      return bad(path + (fixed ? ".model" : ".resource"), fixed ? "a fixed monthly line names a resource, not a model"
                                                                : "only silo_fixed_monthly lines name a resource");
    if (fixed && (!line.contains("resource") || !line["resource"].is_string() || line["resource"].get<std::string>().empty()))
      return bad(path + ".resource", "is required: the dedicated resource this monthly price pays for");
    if (fixed && per != 1) return bad(path + ".per", "must be 1 (the price of one silo tenant-month)");
    if (usd->pico % per != 0) return bad(path, "price per unit is not a whole number of pico-dollars");
    auto qualifier = read_text(line, fixed ? "resource" : "model", path, "", fixed ? "a resource name" : "a model id");
    if (!qualifier.ok()) return qualifier.take_error();
    const std::string model = *qualifier;
    if (!out.prices_.emplace(std::make_pair(m, model), Money{usd->pico / per}).second)
      return bad(path, "duplicate price for this metric and model");
  }
  return out;
}

std::optional<Money> PriceCatalog::unit_price(const std::string& m, const std::string& model) const {
  auto it = prices_.find({m, model});
  if (it == prices_.end()) it = prices_.find({m, ""});
  if (it == prices_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, Money> PriceCatalog::silo_fixed_monthly() const {
  std::map<std::string, Money> out;
  for (const auto& [key, price] : prices_)
    if (key.first == metric::kSiloFixedMonthly) out[key.second] = price;
  return out;
}

Money PriceCatalog::cost(const std::string& m, const std::string& model, int64_t quantity) const {
  auto p = unit_price(m, model);
  return p ? Money::times(*p, quantity) : Money{};
}

std::vector<MissingPrice> missing_prices(const TierCatalog& tiers, const PriceCatalog& prices) {
  std::vector<MissingPrice> out;
  auto need = [&](const std::string& tier, const char* m, const std::string& model) {
    if (!prices.unit_price(m, model)) out.push_back({tier, m, model});
  };
  for (const char* m : {metric::kDynamoReadUnit, metric::kDynamoWriteUnit, metric::kCognitoMau, metric::kRuntimeVcpuSeconds,
                        metric::kRuntimeMemoryMbSeconds, metric::kGatewayInvocation})
    need("", m, "");
  bool agents = false, weather = false, knowledge = false;
  for (const auto& [name, t] : tiers.tiers()) {
    for (const char* m : {metric::kInputTokens, metric::kOutputTokens, metric::kInvocation}) need(name, m, t.model_id);
    agents = agents || !t.bedrock_agent_id.empty();
    for (const auto& tool : t.tools) {
      knowledge = knowledge || tool == "search_knowledge_base";
      weather = weather || tool != "search_knowledge_base";
    }
  }
  if (agents) need("", metric::kAgentInvocation, "");
  if (weather) {
    need("", metric::kWeatherCall, "");
    need("", metric::kToolExecution, "");
  }
  if (knowledge) {
    need("", metric::kKbRetrieval, "");
    need("", metric::kKbQueryTokens, metric::kEmbeddingModel);
  }
  return out;
}

}  // namespace tenantsim
