#include "fakes/dynamodb/table_store.h"

#include <algorithm>

namespace tenantsim::dynamo {

std::vector<std::string> StoredTable::key_names() const {
  std::vector<std::string> names{hash.name};
  if (range) names.push_back(range->name);
  return names;
}

Item StoredTable::key_of(const Item& item) const {
  Item key;
  for (const auto& key_name : key_names()) {
    auto it = item.find(key_name);
    if (it != item.end()) key.emplace(key_name, it->second);
  }
  return key;
}

const Item* StoredTable::find(const Item& key) const {
  auto p = partitions.find(key.at(hash.name));
  if (p == partitions.end()) return nullptr;
  auto it = p->second.items.find(range ? key.at(range->name) : AttributeValue::null());
  return it == p->second.items.end() ? nullptr : &it->second;
}

void StoredTable::put(Item item) {
  auto& part = partitions[item.at(hash.name)];
  const AttributeValue sort = range ? item.at(range->name) : AttributeValue::null();
  auto it = part.items.find(sort);
  if (it != part.items.end()) {
    bytes -= item_size(it->second);
    bytes += item_size(item);
    it->second = std::move(item);
    return;
  }
  bytes += item_size(item);
  ++item_count;
  part.items.emplace(sort, std::move(item));
}

void StoredTable::erase(const Item& key) {
  auto p = partitions.find(key.at(hash.name));
  if (p == partitions.end()) return;
  auto it = p->second.items.find(range ? key.at(range->name) : AttributeValue::null());
  if (it == p->second.items.end()) return;
  bytes -= item_size(it->second);
  --item_count;
  p->second.items.erase(it);
  // The partition's throughput counters stay: an emptied partition is still hot this second.
}

bool StoredTable::consume(const AttributeValue& partition_key, int64_t now_second, int64_t read_half, int64_t write,
                          const StoreLimits& limits) {
  auto& part = partitions[partition_key];
  if (part.second != now_second) {
    part.second = now_second;
    part.read_half_units = 0;
    part.write_units = 0;
  }
  if (part.read_half_units + read_half > 2 * limits.partition_read_units_per_second ||
      part.write_units + write > limits.partition_write_units_per_second)
    return false;
  part.read_half_units += read_half;
  part.write_units += write;
  return true;
}

int64_t write_units(size_t bytes) { return std::max<int64_t>(1, static_cast<int64_t>((bytes + 1023) / 1024)); }

int64_t read_half_units(size_t bytes, bool consistent) {
  const int64_t units = std::max<int64_t>(1, static_cast<int64_t>((bytes + 4095) / 4096));
  return consistent ? 2 * units : units;
}

}  // namespace tenantsim::dynamo
