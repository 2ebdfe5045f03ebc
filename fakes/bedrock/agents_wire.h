// AgentsApi: Bedrock Agents on their REST-JSON wire (signing name "bedrock") over FakeBedrockAgents,
// validate -> parse -> act -> encode like the other wire APIs:
//   Agents for Amazon Bedrock (control plane)
//     PUT  /agents/                                            CreateAgent (202)
//     PUT  /agents/{agentId}/agentversions/DRAFT/actiongroups/ CreateAgentActionGroup (functionSchema)
//     POST /agents/{agentId}/                                  PrepareAgent (202)
//     PUT  /agents/{agentId}/agentaliases/                     CreateAgentAlias (202)
//   Agents for Amazon Bedrock Runtime
//     POST /agents/{agentId}/agentAliases/{aliasId}/sessions/{sessionId}/text   InvokeAgent
//
// InvokeAgent answers with event-stream frames: `trace` events (with enableTrace: each model
// invocation's usage, each function call), then either a `chunk` (the completion, base64 bytes) or,
// when the model asks for a function of an action group, a `returnControl` event: the client runs
// the function and invokes again with sessionState.returnControlInvocationResults and the
// invocationId, and the orchestration goes on where it stopped (FakeBedrockAgents::resume). Action
// groups are RETURN_CONTROL only: in AWS the other executor is a Lambda, which a fake cannot call.
// The test alias TSTALIASID reaches every agent's draft, as in AWS. Agents belong to the caller's
// account, and their model calls are that account's (its quotas and ledger).
//
// Invocations waiting for results live in memory (at most 4096, the oldest dropped first): a restart
// of `fakes serve` loses them, the client's next call is then a ValidationException.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/bedrock/fake_bedrock_agents.h"
#include "fakes/common/rest_json.h"

namespace tenantsim::agents_wire {

using rest_json::Reply;

// An InvokeAgent answer: the stream's events in order (event type, JSON payload), or an error
// (before any event, as a plain REST error).
struct InvokeReply {
  std::string session_id;  // the x-amz-bedrock-agent-session-id header
  std::vector<std::pair<std::string, nlohmann::json>> events;
  std::optional<Reply> error;
};

class AgentsApi {
 public:
  using Runner = std::function<void(Task<void>)>;
  AgentsApi(FakeBedrockAgents& agents, Runner run, std::function<int64_t()> now_ms);

  // Whether `path` is one of this API's (every path under /agents/).
  static bool serves(const std::string& path);
  // The name an agent was created with ("" for an id it does not know).
  std::string name_of(const std::string& agent_id);
  // Whether the call is InvokeAgent (its answer is a stream: invoke(), not call()).
  static bool is_invoke(const std::string& method, const std::string& path);

  // A control-plane call; `path` without its query string.
  Reply call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& account,
             const std::string& region);
  InvokeReply invoke(const std::string& path, const nlohmann::json& body, const std::string& account);

 private:
  struct Function {
    std::string action_group;
    ToolSpec spec;
  };
  struct Agent {
    std::string account;
    nlohmann::json summary;  // what CreateAgent answered
    std::string model;
    std::vector<Function> functions;
    std::map<std::string, std::string> aliases;  // alias id -> name
  };
  struct Waiting {
    std::string invocation_id;
    AgentInvocation turn;
    size_t trace_sent = 0;  // trace entries already streamed
  };

  Reply create_agent(const nlohmann::json& body, const std::string& account, const std::string& region);
  Reply create_action_group(Agent& agent, const std::string& agent_id, const nlohmann::json& body);
  Reply create_alias(Agent& agent, const std::string& agent_id, const nlohmann::json& body);
  // The stream for a turn that stopped: its new trace entries, then returnControl or the chunk.
  InvokeReply stream(const std::string& key, Waiting waiting, const Agent& agent);
  std::string timestamp() const;

  FakeBedrockAgents& agents_;
  Runner run_;
  std::function<int64_t()> now_ms_;
  std::mutex mu_;
  std::map<std::string, Agent> by_id_;
  std::map<std::string, Waiting> waiting_;  // (account/agent/session) -> the invocation waiting for results
  std::deque<std::string> waiting_order_;
  uint64_t invocations_ = 0;
};

}  // namespace tenantsim::agents_wire
