// RealBedrock: core's ModelRuntime port over the Bedrock runtime's Converse API
// (`POST /model/{modelId}/converse`, REST-JSON, SigV4 signing name "bedrock") through AwsJsonClient:
// against AWS, or `tenantsim fakes serve`. The body mapping is fakes/bedrock/converse_wire's, used the
// other way. Throttling (429) is retried with backoff as every AWS client does.
//
// One credential set signs every call: the request's `account` (the pooled account, or a silo
// tenant's) is not a separate AWS account here, so per-account quotas are the one account's. A
// deployment that runs silo tenants in their own accounts would give each account its own role;
// that is not built. `requestMetadata` (tenant, user) travels, so invocation logs attribute calls.
#pragma once

#include <memory>

#include "core/ports/model_runtime.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

class RealBedrock final : public ModelRuntime {
 public:
  explicit RealBedrock(std::shared_ptr<AwsJsonClient> client) : client_(std::move(client)) {}

  Task<Result<ConverseResponse>> converse(ConverseRequest request) override;

 private:
  std::shared_ptr<AwsJsonClient> client_;
};

}  // namespace tenantsim::aws
