// ChatService: one chat turn, reached two ways: the REST chat endpoint (seed 000's /api/chat, with
// its tenant_context) and the AgentCore runtime's InvokeAgentRuntime (seed 002, with its runtime
// session id and sessionAttributes). Both come to the same turn: the session must be open and
// within its duration, a message is reserved against the tier's limits, the conversation memory is
// read under the caller's actor id, the agent runs, and everything it consumed is metered to the
// caller's tenant, whether or not the turn succeeded.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/api/id_source.h"
#include "core/domain/agent.h"
#include "core/domain/metering.h"
#include "core/domain/quota.h"
#include "core/domain/tenant_tables.h"
#include "core/ports/consumption.h"

namespace tenantsim {

struct ChatSettings {
  std::string memory_table;  // the platform's long-term memory store
  size_t memory_turns = 10;  // conversation turns sent back to the model
  RuntimeSize runtime_size;  // what an agent-runtime invocation is billed for, per second
  std::string region;        // named in the consumption events
};

class ChatService {
 public:
  // All must outlive this object; `consumption` may be null (no events).
  ChatService(Clock& clock, Authorizer& auth, TenantDirectory& tenants, TenantTables& tables, QuotaManager& quotas,
              Agent& agent, Metering& metering, IdSource& ids, ConsumptionSink* consumption, ChatSettings settings,
              const DefectSet& defects)
      : clock_(clock), auth_(auth), tenants_(tenants), tables_(tables), quotas_(quotas), agent_(agent),
        metering_(metering), ids_(ids), consumption_(consumption), settings_(std::move(settings)), defects_(defects) {}

  // POST /api/chat: {"message", "tenant_context": {tenant_id, user_id, session_id}}; the context
  // must name the token's tenant and user (403 otherwise).
  Task<Result<nlohmann::json>> chat(std::string token, nlohmann::json body);
  // InvokeAgentRuntime on runtime `runtime_id`: {"prompt", "sessionAttributes"?, "enableTrace"?} in
  // the runtime session `runtime_session_id` (33-256 characters). An unknown runtime is 404. The
  // runtime's inbound authorizer verifies the token and accepts only the tenants the runtime is
  // deployed for (a silo tenant's own runtime: that tenant; the pooled one: the pooled tenants), 401
  // otherwise; sessionAttributes naming another tenant or user are refused (403), never believed.
  Task<Result<nlohmann::json>> invoke_runtime(std::string token, std::string runtime_id, std::string runtime_session_id,
                                              nlohmann::json body);

 private:
  // `c` must live until the turn is answered (its callers await it).
  Task<Result<nlohmann::json>> run_turn(const Caller& c, std::string message, std::string session_id, bool with_trace);
  // Bills the runtime's microVM for an invocation that ran from `started` until now.
  Task<void> meter_runtime(const Caller& c, const std::string& runtime_session_id, Time started);
  // One consumption event per model invocation of the turn, with the caller's tenant context.
  void emit_consumption(const Caller& c, const std::string& request_id, const std::vector<TraceStep>& trace);

  Clock& clock_;
  Authorizer& auth_;
  TenantDirectory& tenants_;
  TenantTables& tables_;
  QuotaManager& quotas_;
  Agent& agent_;
  Metering& metering_;
  IdSource& ids_;
  ConsumptionSink* consumption_;
  ChatSettings settings_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
