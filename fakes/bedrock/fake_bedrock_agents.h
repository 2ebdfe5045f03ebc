// FakeBedrockAgents: Bedrock Agents' InvokeAgent over the model fake. The orchestration is the
// managed service's: up to three model calls, each function the model asks for sent to the
// caller's action group, the answer as the completion. Its model calls go through the model fake
// on the request's account, tagged with the sessionAttributes' tenant and user (what invocation
// logs would carry), so the model ledger stays the evidence of what was billed. Its own ledger
// counts invocations per agent and per session-attribute tenant, and the session ids it saw.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "core/ports/agent_service.h"

namespace tenantsim {

// One invocation's orchestration, resumable at each function the model asks for: in process the
// caller's ActionGroup answers at once; over the wire (an action group with RETURN_CONTROL) the
// agent hands the function to the client and the client's next InvokeAgent carries the result.
struct AgentInvocation {
  InvokeAgentRequest request;
  bool functions_callable = false;  // an action group can run the model's function calls
  ConverseRequest call;             // the conversation so far
  int step = 0;                     // model calls made
  InvokeAgentResponse response;
  std::optional<ToolUse> pending;   // the function waiting for its result
  bool done = false;
};

struct AgentsLedger {
  std::map<std::pair<std::string, std::string>, int64_t> invocations;  // (agent, tenant attribute) -> count
  std::set<std::string> session_ids;
};

class FakeBedrockAgents final : public AgentService {
 public:
  explicit FakeBedrockAgents(ModelRuntime& model) : model_(model) {}
  Task<InvokeAgentResponse> invoke_agent(InvokeAgentRequest request) override;
  AgentsLedger ledger() const;

  // The same orchestration in steps. begin() validates, records the invocation and runs until the
  // model asks for a function (turn.pending) or the turn is done; resume() gives that function's
  // result and runs on the same way.
  Task<void> begin(AgentInvocation& turn);
  Task<void> resume(AgentInvocation& turn, Result<nlohmann::json> result);

 private:
  Task<void> run_steps(AgentInvocation& turn);

  ModelRuntime& model_;
  mutable std::mutex mu_;
  AgentsLedger ledger_;
};

}  // namespace tenantsim
