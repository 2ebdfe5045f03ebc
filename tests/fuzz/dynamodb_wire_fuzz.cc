// libFuzzer target: DynamoDB's JSON 1.0 API as `fakes serve` answers it. The first line names the
// operation, the rest is the body (through the same bounded JSON parse); a table exists, so item
// and expression paths are reached. Then the three expression grammars on the raw text. No input
// may crash; every answer is 200 or a 4xx with the service's error shape.
#include <cstdint>
#include <cstdlib>

#include "core/base/json_text.h"
#include "fakes/dynamodb/dynamodb_api.h"
#include "fakes/dynamodb/expression.h"

namespace {
tenantsim::dynamo::DynamoApi& api() {
  static auto* a = [] {
    auto* made = new tenantsim::dynamo::DynamoApi([] { return int64_t{1704067200000}; });
    made->call("CreateTable",
               nlohmann::json::parse(R"({"TableName": "t", "BillingMode": "PAY_PER_REQUEST",
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                 "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]})"),
               {});
    return made;
  }();
  return *a;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string op = input.substr(0, nl);
  const std::string body = nl == std::string::npos ? "" : input.substr(nl + 1);
  const nlohmann::json request = tenantsim::parse_json(body);
  if (!request.is_discarded()) {
    const auto reply = api().call(op, request, {});
    if (reply.status != 200 && (reply.status < 400 || reply.status > 599)) std::abort();
    (void)tenantsim::to_json_text(reply.body);
  }
  using tenantsim::dynamo::AttributeValue;
  std::string error;
  AttributeValue one = *tenantsim::dynamo::from_json(nlohmann::json{{"N", "1"}}, &error);
  AttributeValue set = *tenantsim::dynamo::from_json(nlohmann::json{{"SS", {"a"}}}, &error);
  tenantsim::dynamo::Placeholders ph({{"#n", "name"}}, {{":v", one}, {":s", set}});
  (void)tenantsim::dynamo::parse_condition(body, "ConditionExpression", ph, &error);
  (void)tenantsim::dynamo::parse_update(body, ph, &error);
  (void)tenantsim::dynamo::parse_projection(body, ph, &error);
  return 0;
}
