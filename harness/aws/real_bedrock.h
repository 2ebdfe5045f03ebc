// RealBedrock: core's ModelRuntime port over the Bedrock runtime's Converse API
// (`POST /model/{modelId}/converse`, REST-JSON, SigV4 signing name "bedrock") through AwsJsonClient:
// against AWS, or `tenantsim fakes serve`. The body mapping is fakes/bedrock/converse_wire's, used the
// other way. Throttling (429) is retried with backoff as every AWS client does.
//
// Each call signs as the request's `account` (the pooled account, or a silo tenant's) through
// AccountClients: against `fakes serve` each account has its own key; against AWS one credential
// set signs every account's calls (a deployment with silo tenants in their own accounts would give
// each its own role: not built), so per-account quotas are the one account's. `requestMetadata`
// (tenant, user) travels, so invocation logs attribute calls.
#pragma once

#include <memory>

#include "core/ports/model_runtime.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

class RealBedrock final : public ModelRuntime {
 public:
  explicit RealBedrock(std::shared_ptr<AccountClients> clients) : clients_(std::move(clients)) {}
  // One client for every account.
  explicit RealBedrock(std::shared_ptr<AwsJsonClient> client) : RealBedrock(std::make_shared<AccountClients>(std::move(client))) {}

  Task<Result<ConverseResponse>> converse(ConverseRequest request) override;

 private:
  std::shared_ptr<AccountClients> clients_;
};

}  // namespace tenantsim::aws
