#include "core/domain/tool_gateway.h"

namespace tenantsim {

void UsageMeter::add(const char* metric, int64_t value, const std::string& model, int seq) {
  UsageRecord r;
  r.tenant_id = ctx_.tenant->id;
  r.user_id = ctx_.user_id;
  r.session_id = ctx_.session_id;
  r.request_id = ctx_.request_id;
  r.metric_type = metric;
  r.value = value;
  r.model_id = model;
  r.timestamp = clock_.now();
  r.seq = seq;
  out_->push_back(std::move(r));
}

void ToolGateway::add(std::unique_ptr<Tool> tool) { tools_.push_back(std::move(tool)); }

Tool* ToolGateway::find(const std::string& name) const {
  for (const auto& t : tools_)
    if (t->spec().name == name) return t.get();
  return nullptr;
}

bool ToolGateway::is_weather_tool(const std::string& name) const {
  const Tool* t = find(name);
  return t && t->weather();
}

std::vector<ToolSpec> ToolGateway::offered(const TierPolicy& tier) const {
  std::vector<ToolSpec> out;
  for (const auto& t : tools_)
    if (tier.allows_tool(t->spec().name) || defects_.on(Defect::kToolsNotGated)) out.push_back(t->spec());
  return out;
}

void ToolGateway::bill_gateway_call(UsageMeter& meter) {
  meter.add(metric::kGatewayInvocation, 1, "", meter.next_seq());
}

Task<ToolCall> ToolGateway::invoke(TurnContext ctx, std::string name, ToolInput input, Clock& clock,
                                   std::vector<UsageRecord>* usage, ToolRoute route) {
  UsageMeter meter(ctx, clock, usage);
  // The gateway bills the call whatever its interceptor decides; the defect bills only the calls
  // it let through.
  const bool bill = route == ToolRoute::kAgentCoreGateway;
  const bool bill_refusals = bill && !defects_.on(Defect::kGatewayRefusalsNotMetered);
  if (bill_refusals) bill_gateway_call(meter);
  ToolCall call{Error::make(ErrorKind::kNotFound, "UnknownTool", "no such tool: " + name), true};
  Tool* tool = find(name);
  if (!tool) co_return call;
  const bool gated = !defects_.on(Defect::kToolsNotGated) && !defects_.on(Defect::kGatewayTrustsModel);
  if (gated && !ctx.tier->allows_tool(name)) {
    call.result = Error::make(ErrorKind::kForbidden, "ToolNotInTier", "tool " + name + " is not available on the " + ctx.tier->name + " tier");
    co_return call;
  }
  if (bill && !bill_refusals) bill_gateway_call(meter);
  const size_t billed_before = usage->size();
  call.result = co_await tool->run(ctx, std::move(input), &meter);  // a copy: meter refers to ctx
  call.refused = !call.result.ok() && usage->size() == billed_before;
  co_return call;
}

namespace {

Error bad_input(std::string msg) { return Error::make(ErrorKind::kBadRequest, "InvalidToolInput", std::move(msg)); }

class WeatherTool final : public Tool {
 public:
  WeatherTool(ToolSpec spec, WeatherKind kind, WeatherApi& api, std::string key)
      : spec_(std::move(spec)), kind_(kind), api_(api), key_(std::move(key)) {}
  const ToolSpec& spec() const override { return spec_; }
  bool weather() const override { return true; }

  Task<Result<nlohmann::json>> run(TurnContext, ToolInput input, UsageMeter* meter) override {
    auto city = input.find("city");
    if (city == input.end() || city->second.empty() || city->second.size() > 100)
      co_return bad_input("tool input needs a city (1-100 characters)");
    const int seq = meter->next_seq();
    // The tool ran even if the weather call fails: the execution is billed either way.
    meter->add(metric::kToolExecution, 1, "", seq);
    WeatherQuery query{key_, city->second, kind_, 3};
    auto data = co_await api_.fetch(std::move(query));
    if (!data.ok()) co_return data.take_error();
    meter->add(metric::kWeatherCall, 1, "", seq);
    co_return data;
  }

 private:
  ToolSpec spec_;
  WeatherKind kind_;
  WeatherApi& api_;
  std::string key_;
};

class KnowledgeBaseTool final : public Tool {
 public:
  KnowledgeBaseTool(KnowledgeBase& kb, const DefectSet& defects) : kb_(kb), defects_(defects) {}
  const ToolSpec& spec() const override { return spec_; }

  Task<Result<nlohmann::json>> run(TurnContext ctx, ToolInput input, UsageMeter* meter) override {
    auto query = input.find("query");
    if (query == input.end() || query->second.empty() || query->second.size() > 1000)
      co_return bad_input("tool input needs a query (1-1000 characters)");
    RetrieveRequest req;
    req.knowledge_base_id = ctx.tenant->knowledge_base_id;
    req.query = query->second;
    // The filter is the verified tenant's, on the pooled and on a dedicated knowledge base alike
    // (a silo base holds only its tenant's documents, but a filter costs nothing and survives a
    // misconfigured ingestion). Anything the model put in `input` about tenants is ignored.
    req.filter = MetadataEquals{"tenant_id", ctx.tenant->id};
    if (defects_.on(Defect::kKbTenantFromModel))
      if (auto claimed = input.find("tenant_id"); claimed != input.end()) req.filter->value = claimed->second;
    if (defects_.on(Defect::kKbFilterMissing)) req.filter.reset();
    const int seq = meter->next_seq();
    meter->add(metric::kToolExecution, 1, "", seq);
    auto found = co_await kb_.retrieve(std::move(req));
    if (!found.ok()) co_return found.take_error();
    meter->add(metric::kKbRetrieval, 1, "", seq);
    meter->add(metric::kKbQueryTokens, found->query_tokens, metric::kEmbeddingModel, seq);
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : found->results)
      results.push_back({{"document_id", r.document_id}, {"text", r.text}, {"score_milli", r.score_milli}});
    co_return nlohmann::json{{"results", results}};
  }

 private:
  const ToolSpec spec_{"search_knowledge_base", "Search this organisation's documents"};
  KnowledgeBase& kb_;
  const DefectSet& defects_;
};

}  // namespace

std::unique_ptr<Tool> make_weather_tool(WeatherKind kind, WeatherApi& api, std::string api_key) {
  ToolSpec spec;
  switch (kind) {
    case WeatherKind::kCurrent: spec = {"get_current_weather", "Current weather for a city"}; break;
    case WeatherKind::kForecast: spec = {"get_weather_forecast", "Weather forecast for the next days for a city"}; break;
    case WeatherKind::kAlerts: spec = {"get_weather_alerts", "Active weather alerts for a city"}; break;
  }
  return std::make_unique<WeatherTool>(std::move(spec), kind, api, std::move(api_key));
}

std::unique_ptr<Tool> make_knowledge_base_tool(KnowledgeBase& kb, const DefectSet& defects) {
  return std::make_unique<KnowledgeBaseTool>(kb, defects);
}

}  // namespace tenantsim
