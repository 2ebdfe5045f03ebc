// RealDynamoDb: core's Database/Table ports over DynamoDB's wire API (AwsJsonClient): against AWS,
// or against any server that speaks the protocol (`tenantsim fakes serve`, dynalite). Core does
// not change to switch: it sees the same ports as with the in-process fake.
//
// The port's structured conditions and updates become expression strings built here with
// #name/:value placeholders only, so no item data ever becomes expression text.
//
// A leading-key scope is checked here, before the request leaves: in AWS the same rule is an IAM
// policy on the credentials (dynamodb:LeadingKeys), which this client cannot create; the check keeps
// the port's contract (AccessDeniedException for a foreign partition) the same on every backend.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "core/ports/table.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

class RealDynamoDb final : public Database {
 public:
  explicit RealDynamoDb(std::shared_ptr<AwsJsonClient> client);

  // PAY_PER_REQUEST, both keys S; waits (briefly) until the table is ACTIVE.
  Status create_table(TableSchema schema) override;
  Status delete_table(const std::string& name) override;
  // DescribeTable gives the key schema; ResourceNotFoundException when there is no such table.
  // A table's key schema never changes, so it is asked once per table (the system opens a handle
  // per request: a DescribeTable each would be a quarter of its calls); deleting the table here
  // forgets it. A table deleted elsewhere fails its next call with ResourceNotFoundException.
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override;

  AwsJsonClient& client() { return *client_; }

 private:
  std::shared_ptr<AwsJsonClient> client_;
  std::mutex mu_;
  std::map<std::string, TableSchema> schemas_;  // by table name
};

// The port's values on the wire (NULL, S, N, BOOL) and back; a wire value the port cannot hold
// (a float, a set, a list, a map) is a ValidationException naming the attribute.
nlohmann::json to_wire(const Item& item);
Result<Item> from_wire(const nlohmann::json& item);

// A Condition as expression text; names and values are added to the placeholder maps.
std::string condition_expression(const Condition& c, nlohmann::json& names, nlohmann::json& values);
// An Update as expression text ("SET #n0 = :v0 ADD #n1 :v1 REMOVE #n2").
std::string update_expression(const Update& u, nlohmann::json& names, nlohmann::json& values);

}  // namespace tenantsim::aws
