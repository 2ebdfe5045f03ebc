// RealBedrockAgents: core's AgentService port over Bedrock Agents' InvokeAgent (REST-JSON with an
// event-stream answer, SigV4 signing name "bedrock") through AwsJsonClient: against AWS, or
// `tenantsim fakes serve`.
//
// The agent runs in the service; its action group is RETURN_CONTROL, so each function the model
// asks for comes back as a `returnControl` event, runs here through the request's ActionGroup (the
// system's gateway, bound to the verified caller), and goes back in the next InvokeAgent with its
// invocationId, until the stream ends in the completion's chunks. Usage is metered from the trace's
// modelInvocationOutput, so the request asks for the trace whatever enable_trace says; the trace
// handed back is the service's.
//
// In AWS an agent's model and functions are its own configuration (CreateAgent, its action
// group): the request's `model_id` and `functions` are not sent. The port's agent id (a tier's
// `bedrock_agent_id`) is mapped to AWS's agent and alias ids by `agents`; an unmapped id is sent as
// it is, with the request's alias.
//
// Each invocation signs as the request's account (AccountClients). With `provision`, an agent the
// account does not have yet is deployed there on first use, as a silo tenant's own stack would be:
// CreateAgent (named after the port's agent id, on the request's model), one RETURN_CONTROL action
// group with the request's functions, PrepareAgent, then invoked through the test alias
// TSTALIASID. That needs the control plane on the runtime's endpoint (`fakes serve`); AWS would
// also need a role for the agent.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/agent_service.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

struct AgentRef {
  std::string agent_id;
  std::string alias_id;
};

class RealBedrockAgents final : public AgentService {
 public:
  RealBedrockAgents(std::shared_ptr<AccountClients> runtime, std::map<std::string, AgentRef> agents, bool provision = false)
      : runtime_(std::move(runtime)), agents_(std::move(agents)), provision_(provision) {}
  // One client for every account.
  RealBedrockAgents(std::shared_ptr<AwsJsonClient> runtime, std::map<std::string, AgentRef> agents)
      : RealBedrockAgents(std::make_shared<AccountClients>(std::move(runtime)), std::move(agents)) {}

  Task<InvokeAgentResponse> invoke_agent(InvokeAgentRequest request) override;

 private:
  // The agent to invoke for the request: mapped, provisioned, or the port's ids as they are.
  Result<AgentRef> agent_for(const InvokeAgentRequest& request, AwsJsonClient& client);

  std::shared_ptr<AccountClients> runtime_;
  std::map<std::string, AgentRef> agents_;
  bool provision_ = false;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, AgentRef> provisioned_;  // (account, port agent id)
};

}  // namespace tenantsim::aws
