// AgentService: Bedrock Agents' InvokeAgent (seed 000). A managed agent runs the orchestration
// itself: it calls its foundation model, and for each function the model picks it calls the
// agent's action group (in AWS a Lambda of ours; here the ActionGroup the caller hands in). The
// caller names the session (`{tenant}-{user}-{session}` in seed 000) and sets sessionAttributes,
// which the agent passes to the action group and tags its model calls with. Tokens are billed to
// the account the agent runs in; each model invocation's usage comes back in the trace, which is
// where a caller meters it from. Failures: as ModelRuntime's (ThrottlingException and so on),
// DependencyFailedException when the action group fails; usage consumed before a failure is
// still returned.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/ports/model_runtime.h"

namespace tenantsim {

// The action group's functions, as the agent calls them.
class ActionGroup {
 public:
  virtual ~ActionGroup() = default;
  // One function call the agent's model asked for; `parameters` are the model's (untrusted).
  virtual Task<Result<nlohmann::json>> execute(std::string function, std::map<std::string, std::string> parameters) = 0;
};

struct InvokeAgentRequest {
  std::string agent_id;
  std::string agent_alias_id = "live";
  std::string session_id;
  std::string input_text;
  std::string account;   // the AWS account the agent runs (and is billed) in
  std::string model_id;  // the agent's foundation model
  std::map<std::string, std::string> session_attributes;
  std::map<std::string, std::string> prompt_session_attributes;
  std::vector<ChatMessage> conversation_history;  // sessionState.conversationHistory
  std::vector<ToolSpec> functions;                // the action group's functions on this alias
  bool enable_trace = true;
  ActionGroup* action_group = nullptr;
};

struct InvokeAgentResponse {
  std::string completion;
  std::vector<TokenUsage> model_invocations;  // from the trace, one per model call
  nlohmann::json trace = nlohmann::json::array();
  std::optional<Error> error;  // set when the invocation failed; model_invocations still counts
};

class AgentService {
 public:
  AgentService() = default;
  AgentService(const AgentService&) = delete;
  AgentService& operator=(const AgentService&) = delete;
  virtual ~AgentService() = default;

  virtual Task<InvokeAgentResponse> invoke_agent(InvokeAgentRequest request) = 0;
};

}  // namespace tenantsim
