// A DynamoDB-over-HTTP load client for bench/dynamodb_wire_bench.sh: the same operation mix, with
// the same client, against `tenantsim fakes serve`, dynalite or the minimal Beast server, so their
// figures compare side by side. Closed loop: each connection sends its next request when the last
// answer arrives (this measures a server's capacity, not latency under a fixed rate).
//   dynamodb_wire_bench PORT SECONDS CONNECTIONS [mix|get]
// mix: PutItem, GetItem, conditional UpdateItem and Query in turn; get: GetItem only.
// Prints one JSON line: ops, ops_per_second, p50_us, p99_us, errors.
#include <utility>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "harness/load/blocking_client.h"
#include "reports/histogram.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 100;
constexpr int kItems = 1000;

std::map<std::string, std::string> headers(const std::string& op) {
  // A well-formed SigV4 header (servers here do not verify it; dynalite needs one present).
  return {{"x-amz-target", "DynamoDB_20120810." + op},
          {"content-type", "application/x-amz-json-1.0"},
          {"x-amz-date", "20260101T000000Z"},
          {"authorization",
           "AWS4-HMAC-SHA256 Credential=AKIDTENANTSIMBENCH/20260101/us-east-1/dynamodb/aws4_request, "
           "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + std::string(64, '0')}};
}

json key(int i) {
  return {{"pk", {{"S", fmt::format("p{}", i % kPartitions)}}}, {"sk", {{"S", fmt::format("s{}", i % kItems)}}}};
}

std::pair<std::string, json> operation(int i, bool get_only) {
  const int kind = get_only ? 1 : i % 4;
  switch (kind) {
    case 0: {
      json item = key(i);
      item["v"] = {{"N", std::to_string(i)}};
      item["note"] = {{"S", "a small attribute of a bench item"}};
      return {"PutItem", {{"TableName", "bench"}, {"Item", item}}};
    }
    case 1: return {"GetItem", {{"TableName", "bench"}, {"Key", key(i)}}};
    case 2:
      return {"UpdateItem",
              {{"TableName", "bench"}, {"Key", key(i)}, {"UpdateExpression", "SET v = v + :one"},
               {"ConditionExpression", "attribute_exists(pk)"}, {"ExpressionAttributeValues", {{":one", {{"N", "1"}}}}}}};
    default:
      return {"Query",
              {{"TableName", "bench"}, {"KeyConditionExpression", "pk = :p"}, {"Limit", 10},
               {"ExpressionAttributeValues", {{":p", {{"S", fmt::format("p{}", i % kPartitions)}}}}}}};
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: dynamodb_wire_bench PORT SECONDS CONNECTIONS [mix|get]\n";
    return 2;
  }
  const auto port = static_cast<uint16_t>(std::stoi(argv[1]));
  const double seconds = std::stod(argv[2]);
  const int connections = std::stoi(argv[3]);
  const bool get_only = argc > 4 && std::string(argv[4]) == "get";

  // The table and its items (answers ignored: against the minimal server there is no table).
  {
    tenantsim::http::BlockingClient setup(port);
    setup.request("POST", "/", "", json::parse(R"({"TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]})"),
                  headers("CreateTable"));
    for (int i = 0; i < kItems; ++i) {  // every key the mix reads, so reads hit and conditions hold
      json item = key(i);
      item["v"] = {{"N", "0"}};
      setup.request("POST", "/", "", json{{"TableName", "bench"}, {"Item", item}}, headers("PutItem"));
    }
  }

  std::atomic<int64_t> ops{0}, errors{0};
  std::vector<tenantsim::LatencyHistogram> histograms(static_cast<size_t>(connections));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      tenantsim::http::BlockingClient client(port);
      auto& h = histograms[static_cast<size_t>(c)];
      for (int i = c * 7919; Clock::now() < deadline; ++i) {
        auto [op, body] = operation(i, get_only);
        const auto sent = Clock::now();
        const auto reply = client.request("POST", "/", "", body, headers(op));
        h.record(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
        ++ops;
        if (reply.status != 200) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  tenantsim::LatencyHistogram all;
  for (const auto& h : histograms) all.merge(h);
  std::cout << json{{"ops", ops.load()},
                    {"ops_per_second", static_cast<int64_t>(static_cast<double>(ops.load()) / elapsed)},
                    {"p50_us", all.percentile(50)},
                    {"p99_us", all.percentile(99)},
                    {"errors", errors.load()}}
                   .dump()
            << std::endl;
  return 0;
}
