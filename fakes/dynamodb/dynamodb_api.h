// DynamoApi: DynamoDB's JSON 1.0 API (the operations behind `X-Amz-Target: DynamoDB_20120810.*`)
// over an in-memory store, the way dynalite and moto build theirs: each operation validates the
// request, parses its expressions, acts on the store, and encodes the answer or the service's
// error (`__type`, message, HTTP status). Transport-free: `tenantsim fakes serve` puts it behind
// HTTP, tests call it directly.
//
// Tables belong to an (account, region), as in AWS: two access keys of different accounts do not
// see each other's tables, and throughput is per partition of each table.
//
// Thread-safe: one lock around every call (a fake's answers must be linearizable, its speed comes
// from staying in memory, not from concurrency).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "fakes/dynamodb/table_store.h"

namespace tenantsim::dynamo {

struct CallContext {
  std::string account = "000000000000";
  std::string region = "us-east-1";
};

struct ApiReply {
  int status = 200;
  nlohmann::json body;  // the answer, or {"__type": ..., "message": ...}
  bool mutated = false;  // the call changed state (for a write-ahead log)
};

// Full `__type` values of the errors, as the service sends them.
std::string error_type(std::string_view name);

class DynamoApi {
 public:
  // `now` gives wall-clock (or virtual) time in milliseconds since the epoch: throughput is
  // budgeted per second, and tables carry their creation time.
  explicit DynamoApi(std::function<int64_t()> now_ms, StoreLimits limits = {});

  // One call: `operation` is the part after "DynamoDB_20120810." ("PutItem").
  ApiReply call(std::string_view operation, const nlohmann::json& request, const CallContext& context);

  // Counts for tests and benchmarks.
  size_t table_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tenantsim::dynamo
