// The storage behind the DynamoDB wire API: tables of one account and region, their items by key
// in the service's key order, per-partition throughput and the capacity arithmetic. No JSON and
// no request validation here (dynamodb_api.cc does that); this is what the service *does*.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fakes/dynamodb/attribute_value.h"

namespace tenantsim::dynamo {

// Key values order by type tag first, then the service's key order; a table's keys all have one
// type, so within a table this is DynamoDB's order.
struct KeyLess {
  bool operator()(const AttributeValue& a, const AttributeValue& b) const {
    if (a.type != b.type) return a.type < b.type;
    return key_order(a, b) < 0;
  }
};

struct KeyAttribute {
  std::string name;
  Type type = Type::kS;  // S, N or B
};

struct StoreLimits {
  int64_t partition_read_units_per_second = 3000;
  int64_t partition_write_units_per_second = 1000;
  size_t max_item_bytes = 400 * 1024;
  size_t max_page_bytes = 1024 * 1024;
};

struct StoredTable {
  std::string name;
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
  std::string billing_mode = "PROVISIONED";  // or PAY_PER_REQUEST
  int64_t read_capacity = 0, write_capacity = 0;
  double created = 0;  // epoch seconds
  std::string table_id;

  struct Partition {
    std::map<AttributeValue, Item, KeyLess> items;  // by range key (NULL without one)
    int64_t second = -1;  // the second the throughput counters belong to
    int64_t read_half_units = 0;
    int64_t write_units = 0;
  };
  std::map<AttributeValue, Partition, KeyLess> partitions;
  size_t item_count = 0;
  size_t bytes = 0;

  std::vector<std::string> key_names() const;
  // The key part of an item (its key attributes only).
  Item key_of(const Item& item) const;
  const Item* find(const Item& key) const;
  // Inserts or replaces; erase() removes. Both keep item_count and bytes right.
  void put(Item item);
  void erase(const Item& key);
  // Charges capacity against the partition's budget for `now_second`; false when it would exceed
  // it (ProvisionedThroughputExceededException), in which case nothing is charged.
  bool consume(const AttributeValue& partition_key, int64_t now_second, int64_t read_half_units, int64_t write_units,
               const StoreLimits& limits);
};

// Capacity arithmetic: a write unit per KB written, a read unit per 4 KB read (half for eventually
// consistent reads).
int64_t write_units(size_t bytes);
int64_t read_half_units(size_t bytes, bool consistent);

}  // namespace tenantsim::dynamo
