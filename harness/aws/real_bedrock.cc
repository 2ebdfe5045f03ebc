#include "harness/aws/real_bedrock.h"

#include "fakes/bedrock/converse_wire.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::aws {

Task<Result<ConverseResponse>> RealBedrock::converse(ConverseRequest request) {
  auto client = clients_->of(request.account);
  if (!client.ok()) co_return client.take_error();
  auto r = (*client)->post("/model/" + wire::uri_encode_component(request.model_id) + "/converse", bedrock_wire::converse_request_json(request));
  if (!r.ok()) co_return r.take_error();
  co_return bedrock_wire::parse_converse_response(*r);
}

}  // namespace tenantsim::aws
