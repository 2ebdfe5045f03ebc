// System: the multi-tenant agent SaaS of seed 000 as an in-process API. Every endpoint takes the
// caller's bearer token and its inputs, and answers a JSON document or a typed Error that maps to
// an HTTP status. The HTTP server and the in-process driver both call exactly this (through the
// route table, router.h). System only builds the parts and hands each endpoint to its service:
// registration, sessions, chat (REST and the AgentCore runtime), costs, tools (MCP and the
// gateway) and admin, all deciding who may do what through one Authorizer.
//
// Rules every endpoint keeps: the token is verified (RS256 via JWKS); the tenant comes from the
// token, and a tenant in the path or body must equal it (403 otherwise); tables are opened bound
// to that tenant (leading-key scope), so a bug cannot reach another tenant's items; admin
// endpoints need "{tenant}-admins", and cost reports need a tier with cost_reports.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/api/admin_service.h"
#include "core/api/authorizer.h"
#include "core/api/chat_service.h"
#include "core/api/cost_service.h"
#include "core/api/id_source.h"
#include "core/api/registration_service.h"
#include "core/api/session_service.h"
#include "core/api/tool_service.h"
#include "core/auth/token_verifier.h"
#include "core/base/defects.h"
#include "core/domain/agent.h"
#include "core/domain/catalogs.h"
#include "core/domain/metering.h"
#include "core/domain/quota.h"
#include "core/domain/tenant_tables.h"
#include "core/domain/tenants.h"
#include "core/ports/consumption.h"

namespace tenantsim {

struct SystemPorts {
  Clock& clock;
  IdentityProvider& identity;
  ModelRuntime& model;
  Database& database;
  WeatherApi& weather;
  KnowledgeBase& knowledge;
  AgentService& agents;
  // Named time zones for tenants that give one at registration; without it only fixed offsets.
  const ZoneDatabase* zones = nullptr;
  // Where each model invocation's consumption event goes (seed 004); none: not emitted.
  ConsumptionSink* consumption = nullptr;
};

struct SystemConfig {
  TierCatalog tiers;
  PriceCatalog prices;
  PlatformConfig platform;
  VerifierPolicy verifier;
  DefectSet defects;
  uint64_t seed = 1;
  size_t memory_turns = 10;  // conversation turns sent back to the model
};

using Json = nlohmann::json;

class System final {
 public:
  System(SystemPorts ports, SystemConfig config);
  ~System();

  // Creates the pooled resources. REQUIRES: called once, before any endpoint.
  Task<Status> start();

  // --- the endpoints, each answered by its service --------------------------------------
  // Public (no token): registration, confirmation, sign-in, refresh, the trusted pools' keys.
  Json health() const;
  Task<Result<Json>> jwks() { return registration_->jwks(); }
  Task<Result<Json>> register_tenant(Json body) { return registration_->register_tenant(std::move(body)); }
  // What a sign-in page needs to talk to the tenant's user pool itself (as the sample's page does
  // with amazon-cognito-identity-js): public in every such page, so public here.
  Result<Json> auth_config(const std::string& tenant_id) const { return registration_->auth_config(tenant_id); }
  Task<Result<Json>> confirm_registration(Json body) { return registration_->confirm(std::move(body)); }
  Task<Result<Json>> login(Json body) { return registration_->login(std::move(body)); }
  Task<Result<Json>> refresh(Json body) { return registration_->refresh(std::move(body)); }

  // Authenticated (token = the bearer token).
  Task<Result<Json>> create_session(std::string token) { return sessions_->create(std::move(token)); }
  Task<Result<Json>> close_session(std::string token, std::string session_id) {
    return sessions_->close(std::move(token), std::move(session_id));
  }
  Task<Result<Json>> list_sessions(std::string token, std::string tenant_id) {
    return sessions_->list(std::move(token), std::move(tenant_id));
  }
  Task<Result<Json>> chat(std::string token, Json body) { return chat_->chat(std::move(token), std::move(body)); }
  Task<Result<Json>> invoke_runtime(std::string token, std::string runtime_id, std::string runtime_session_id, Json body) {
    return chat_->invoke_runtime(std::move(token), std::move(runtime_id), std::move(runtime_session_id), std::move(body));
  }
  Task<Result<Json>> usage(std::string token, std::string tenant_id) {
    return costs_->usage(std::move(token), std::move(tenant_id));
  }
  Task<Result<Json>> subscription(std::string token, std::string tenant_id) {
    return costs_->subscription(std::move(token), std::move(tenant_id));
  }
  Task<Result<Json>> tenant_costs(std::string token, std::string tenant_id, CostWindow window = {}) {
    return costs_->tenant_costs(std::move(token), std::move(tenant_id), window);
  }
  Task<Result<Json>> user_costs(std::string token, std::string tenant_id, std::string user_id, CostWindow window = {}) {
    return costs_->user_costs(std::move(token), std::move(tenant_id), std::move(user_id), window);
  }
  Task<Result<Json>> gateway_mcp(std::string token, Json body) { return tools_->gateway_mcp(std::move(token), std::move(body)); }
  Task<Result<Json>> weather_tools(std::string token) { return tools_->weather_tools(std::move(token)); }
  Task<Result<Json>> run_weather_tool(std::string token, std::string tool, Json body) {
    return tools_->run_weather_tool(std::move(token), std::move(tool), std::move(body));
  }

  // The tenant's admins.
  Task<Result<Json>> admin_cost_report(std::string token, std::string tenant_id, std::string report,
                                       CostWindow window = {}) {
    return costs_->admin_report(std::move(token), std::move(tenant_id), std::move(report), window);
  }
  Task<Result<Json>> admin_user_service_cost(std::string token, std::string tenant_id, std::string user_id,
                                             CostWindow window = {}) {
    return costs_->admin_user_service_cost(std::move(token), std::move(tenant_id), std::move(user_id), window);
  }
  Task<Result<Json>> admin_my_tenants(std::string token) { return admin_->my_tenants(std::move(token)); }
  Task<Result<Json>> admin_add_to_group(std::string token, Json body) {
    return admin_->add_to_group(std::move(token), std::move(body));
  }
  Task<Result<Json>> admin_create_user(std::string token, std::string tenant_id, Json body) {
    return admin_->create_user(std::move(token), std::move(tenant_id), std::move(body));
  }

  // --- operations ---------------------------------------------------------------------------
  TenantDirectory& tenants() { return *tenants_; }
  Metering& metering() { return *metering_; }
  TokenVerifier& verifier() { return *verifier_; }
  const SystemConfig& config() const { return config_; }
  const Agent& agent() const { return *agent_; }
  const ToolGateway& gateway() const { return *gateway_; }
  // The tenant's usage table, bound to that tenant (metering writes through it).
  Result<std::shared_ptr<Table>> usage_table_for(const std::string& tenant_id) { return tables_->usage_table_for(tenant_id); }

 private:
  SystemPorts ports_;
  SystemConfig config_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<TenantDirectory> tenants_;
  std::unique_ptr<TenantTables> tables_;
  std::unique_ptr<QuotaManager> quotas_;
  std::unique_ptr<Metering> metering_;
  std::unique_ptr<ToolGateway> gateway_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<IdSource> ids_;
  std::unique_ptr<Authorizer> auth_;
  std::unique_ptr<RegistrationService> registration_;
  std::unique_ptr<SessionService> sessions_;
  std::unique_ptr<ChatService> chat_;
  std::unique_ptr<CostService> costs_;
  std::unique_ptr<ToolService> tools_;
  std::unique_ptr<AdminService> admin_;
};

}  // namespace tenantsim
