#include "core/api/system.h"

namespace tenantsim {

System::System(SystemPorts ports, SystemConfig config) : ports_(ports), config_(std::move(config)) {
  if (config_.defects.on(Defect::kCustomAttributesWritable)) config_.platform.user_writable_attributes = std::nullopt;
  const DefectSet& defects = config_.defects;
  verifier_ = std::make_unique<TokenVerifier>(ports_.identity, ports_.clock, config_.verifier, &defects);
  tenants_ = std::make_unique<TenantDirectory>(ports_.identity, ports_.database, ports_.knowledge, *verifier_,
                                               config_.tiers, config_.platform);
  tables_ = std::make_unique<TenantTables>(ports_.database, *tenants_);
  quotas_ = std::make_unique<QuotaManager>(ports_.clock, defects);
  metering_ = std::make_unique<Metering>(*tables_, defects);
  gateway_ = std::make_unique<ToolGateway>(defects);
  for (auto kind : {WeatherKind::kCurrent, WeatherKind::kForecast, WeatherKind::kAlerts})
    gateway_->add(make_weather_tool(kind, ports_.weather, config_.platform.weather_api_key));
  gateway_->add(make_knowledge_base_tool(ports_.knowledge, defects));
  agent_ = std::make_unique<Agent>(ports_.model, ports_.agents, *gateway_, ports_.clock, defects);
  ids_ = std::make_unique<IdSource>(Rng(config_.seed).split("system"));
  auth_ = std::make_unique<Authorizer>(*verifier_, *tenants_, config_.tiers, defects);
  registration_ = std::make_unique<RegistrationService>(ports_.identity, *tenants_, *auth_, ports_.zones);
  sessions_ = std::make_unique<SessionService>(ports_.clock, *auth_, *tables_, *quotas_, *ids_, defects);
  ChatSettings chat{config_.platform.memory_table, config_.memory_turns, config_.platform.runtime_size,
                    config_.platform.region};
  chat_ = std::make_unique<ChatService>(ports_.clock, *auth_, *tenants_, *tables_, *quotas_, *agent_, *metering_, *ids_,
                                        ports_.consumption, std::move(chat), defects);
  costs_ = std::make_unique<CostService>(ports_.clock, *auth_, *tables_, *quotas_, *sessions_, config_.prices);
  tools_ = std::make_unique<ToolService>(ports_.clock, *auth_, *gateway_, *metering_, *ids_, defects);
  admin_ = std::make_unique<AdminService>(ports_.identity, *auth_);
}

System::~System() = default;

Task<Status> System::start() {
  CO_CHECK(co_await tenants_->bootstrap());
  TableSchema memory{config_.platform.memory_table, "actor_id", "sk"};
  co_return unless(ServiceError::kResourceInUse, ports_.database.create_table(std::move(memory)));
}

Json System::health() const {
  // A build that can switch safeguards off says so to whoever checks on it, and says which are off.
  Json on = Json::array();
  for (Defect d : config_.defects.enabled()) on.push_back(std::string(defect_name(d)));
  return Json{{"status", "healthy"}, {"service", "tenantsim"},
              {"defect_catalog", kDefectCatalogCompiledIn ? "compiled in" : "compiled out"}, {"defects_on", on}};
}

}  // namespace tenantsim
