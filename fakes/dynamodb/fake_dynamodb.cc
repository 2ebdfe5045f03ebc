#include "fakes/dynamodb/fake_dynamodb.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <set>
#include <string_view>

#include "core/base/time.h"

namespace tenantsim {

namespace {

constexpr size_t kPageBytes = 1024 * 1024;

Error ddb(ErrorKind kind, const char* name, std::string msg) { return Error::make(kind, name, std::move(msg)); }
Error validation(std::string msg) { return ddb(ErrorKind::kBadRequest, "ValidationException", std::move(msg)); }
Error condition_failed() {
  return ddb(ErrorKind::kConflict, "ConditionalCheckFailedException", "The conditional request failed");
}

int compare(const Value& a, const Value& b, bool& comparable) {
  comparable = a.index() == b.index() && (std::holds_alternative<std::string>(a) || std::holds_alternative<int64_t>(a));
  if (!comparable) return 0;
  if (const auto* s = std::get_if<std::string>(&a)) return s->compare(std::get<std::string>(b));
  const int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool evaluate(const Condition& c, const Item* item) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::kAnd: return evaluate(c.children.at(0), item) && evaluate(c.children.at(1), item);
    case Op::kOr: return evaluate(c.children.at(0), item) || evaluate(c.children.at(1), item);
    case Op::kNot: return !evaluate(c.children.at(0), item);
    default: break;
  }
  const Value* v = nullptr;
  if (item) {
    auto it = item->find(c.attribute);
    if (it != item->end()) v = &it->second;
  }
  switch (c.op) {
    case Op::kExists: return v != nullptr;
    case Op::kNotExists: return v == nullptr;
    case Op::kEq: return v && *v == c.operand;
    case Op::kNe: return !v || !(*v == c.operand);  // DynamoDB: <> is true for a missing attribute
    case Op::kBeginsWith: {
      const auto* s = v ? std::get_if<std::string>(v) : nullptr;
      const auto* p = std::get_if<std::string>(&c.operand);
      return s && p && s->starts_with(*p);
    }
    default: break;
  }
  if (!v) return false;
  bool comparable = false;
  const int r = compare(*v, c.operand, comparable);
  if (!comparable) return false;
  switch (c.op) {
    case Op::kLt: return r < 0;
    case Op::kLe: return r <= 0;
    case Op::kGt: return r > 0;
    case Op::kGe: return r >= 0;
    default: return false;
  }
}

// The [first, last) range of sort keys a key condition selects, found by seeking, not scanning.
using ItemMap = std::map<std::string, Item>;
std::pair<ItemMap::iterator, ItemMap::iterator> key_range(ItemMap& items, const SortKeyCondition& c) {
  using Op = SortKeyCondition::Op;
  switch (c.op) {
    case Op::kAny: return {items.begin(), items.end()};
    case Op::kEq: return {items.lower_bound(c.a), items.upper_bound(c.a)};
    case Op::kLt: return {items.begin(), items.lower_bound(c.a)};
    case Op::kLe: return {items.begin(), items.upper_bound(c.a)};
    case Op::kGt: return {items.upper_bound(c.a), items.end()};
    case Op::kGe: return {items.lower_bound(c.a), items.end()};
    case Op::kBetween:
      if (c.b < c.a) return {items.end(), items.end()};
      return {items.lower_bound(c.a), items.upper_bound(c.b)};
    case Op::kBeginsWith: {
      // Keys starting with the prefix lie before its successor ("ab" -> "ac"; trailing 0xFF bytes drop).
      std::string next = c.a;
      while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xFF) next.pop_back();
      if (next.empty()) return {items.lower_bound(c.a), items.end()};
      next.back() = static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
      return {items.lower_bound(c.a), items.lower_bound(next)};
    }
  }
  return {items.end(), items.end()};
}

// Of two positions in `items`, the later and the earlier one (end() comes after every key).
ItemMap::iterator later(ItemMap& items, ItemMap::iterator a, ItemMap::iterator b) {
  if (a == items.end() || b == items.end()) return items.end();
  return a->first < b->first ? b : a;
}
ItemMap::iterator earlier(ItemMap& items, ItemMap::iterator a, ItemMap::iterator b) {
  if (a == items.end()) return b;
  if (b == items.end()) return a;
  return a->first < b->first ? a : b;
}

int64_t write_units(size_t bytes) { return std::max<int64_t>(1, static_cast<int64_t>((bytes + 1023) / 1024)); }
int64_t read_half_units(size_t bytes, bool consistent) {
  const int64_t units = std::max<int64_t>(1, static_cast<int64_t>((bytes + 4095) / 4096));
  return consistent ? 2 * units : units;
}

}  // namespace

struct FakeDynamoDb::State {
  struct Partition {
    std::map<std::string, Item> items;  // by sort key ("" without one)
    int64_t second = -1;                // the second the counters below belong to
    int64_t read_half_units = 0;
    int64_t write_units = 0;
  };
  struct TableData {
    TableSchema schema;
    std::map<std::string, Partition> partitions;
    size_t item_count = 0;
  };

  State(Clock& c, DynamoLimits l) : clock(c), limits(l) {}

  // Today's UTC day key, formatted once a day rather than on every request (under mu).
  const std::string& utc_day() {
    const int64_t secs = to_unix_seconds(clock.now());
    const int64_t day = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);  // floored, before 1970 too
    if (day != day_index) {
      day_index = day;
      day_string = day_key(clock.now(), 0);
    }
    return day_string;
  }

  Clock& clock;
  DynamoLimits limits;
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<TableData>> tables;
  DynamoLedger ledger;
  int64_t day_index = INT64_MIN;
  std::string day_string;
};

namespace {

using State = FakeDynamoDb::State;

class FakeTable final : public Table {
 public:
  FakeTable(std::shared_ptr<State> state, std::shared_ptr<State::TableData> data, std::optional<LeadingKeyScope> scope)
      : state_(std::move(state)), data_(std::move(data)), scope_(std::move(scope)) {}

  const TableSchema& schema() const override { return data_->schema; }

  Task<Result<std::optional<Item>>> get_item(Key key, bool consistent) override {
    std::unique_lock lock(state_->mu);
    if (auto e = precheck(key.partition)) co_return *e;
    if (auto e = validate_key(key)) co_return *e;
    auto& part = partition(key.partition);
    const Item* current = find(part, key.sort);
    const size_t bytes = current ? item_size_bytes(*current) : 0;
    if (auto e = consume(key.partition, part, read_half_units(bytes, consistent), 0)) co_return *e;
    std::optional<Item> out;
    if (current) out = *current;
    co_return out;
  }

  Task<Status> put_item(Item item, std::optional<Condition> condition) override {
    std::unique_lock lock(state_->mu);
    auto key = key_of(item);
    if (!key.ok()) co_return key.take_error();
    if (auto e = precheck(key->partition)) co_return *e;
    if (auto e = validate_item(item)) co_return *e;
    auto& part = partition(key->partition);
    const Item* current = find(part, key->sort);
    if (auto e = check_condition(key->partition, part, condition, current)) co_return *e;
    if (auto e = consume(key->partition, part, 0, write_units(item_size_bytes(item)))) co_return *e;
    if (!current) ++data_->item_count;
    part.items[key->sort] = std::move(item);
    co_return Status{};
  }

  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition) override {
    std::unique_lock lock(state_->mu);
    if (auto e = precheck(key.partition)) co_return *e;
    if (auto e = validate_key(key)) co_return *e;
    auto& part = partition(key.partition);
    const Item* current = find(part, key.sort);
    if (auto e = check_condition(key.partition, part, condition, current)) co_return *e;
    auto next = apply(key, current, update);
    if (!next.ok()) co_return next.take_error();
    if (auto e = validate_item(next.value())) co_return *e;
    if (auto e = consume(key.partition, part, 0, write_units(item_size_bytes(next.value())))) co_return *e;
    if (!current) ++data_->item_count;
    part.items[key.sort] = next.value();
    co_return next;
  }

  Task<Status> delete_item(Key key, std::optional<Condition> condition) override {
    std::unique_lock lock(state_->mu);
    if (auto e = precheck(key.partition)) co_return *e;
    if (auto e = validate_key(key)) co_return *e;
    auto& part = partition(key.partition);
    const Item* current = find(part, key.sort);
    if (auto e = check_condition(key.partition, part, condition, current)) co_return *e;
    if (auto e = consume(key.partition, part, 0, current ? write_units(item_size_bytes(*current)) : 1)) co_return *e;
    if (current) {
      part.items.erase(key.sort);
      --data_->item_count;
    }
    co_return Status{};
  }

  Task<Result<QueryPage>> query(QueryRequest q) override {
    std::unique_lock lock(state_->mu);
    if (auto e = precheck(q.partition)) co_return *e;
    if (q.partition.empty()) co_return validation("partition key value must not be empty");
    if (q.limit < 0) co_return validation("Limit must be positive");
    if (data_->schema.sort_key.empty() && q.sort.op != SortKeyCondition::Op::kAny)
      co_return validation("table has no sort key");
    auto& part = partition(q.partition);
    QueryPage page;
    size_t bytes = 0;
    // Seek to the key range the condition allows (like DynamoDB, which reads only that range and
    // bills only what it read), then walk it in the requested direction.
    auto [lo, hi] = key_range(part.items, q.sort);
    if (q.exclusive_start_key) {
      const std::string& after = q.exclusive_start_key->sort;
      if (q.scan_forward) {
        lo = later(part.items, lo, part.items.upper_bound(after));
      } else {
        hi = earlier(part.items, hi, part.items.lower_bound(after));
      }
    }
    auto take = [&](const std::pair<const std::string, Item>& entry) {
      page.items.push_back(entry.second);
      bytes += item_size_bytes(entry.second);
      if ((q.limit > 0 && page.items.size() == static_cast<size_t>(q.limit)) || bytes >= kPageBytes) {
        // Like DynamoDB, a page cut by Limit or size carries LastEvaluatedKey even if nothing follows.
        page.last_evaluated_key = Key{q.partition, entry.first};
        return false;
      }
      return true;
    };
    if (earlier(part.items, lo, hi) == lo && lo != hi) {
      if (q.scan_forward) {
        for (auto it = lo; it != hi; ++it)
          if (!take(*it)) break;
      } else {
        for (auto it = std::make_reverse_iterator(hi); it != std::make_reverse_iterator(lo); ++it)
          if (!take(*it)) break;
      }
    }
    if (auto e = consume(q.partition, part, read_half_units(bytes, q.consistent_read), 0)) co_return *e;
    co_return page;
  }

  Task<Status> batch_write(std::vector<WriteRequest> writes) override {
    if (writes.empty() || writes.size() > 25)
      co_return validation("BatchWriteItem takes 1 to 25 requests");
    for (auto& w : writes) {
      // (No co_await inside ?: — GCC 12 miscompiles it.)
      Status st;
      if (w.kind == WriteRequest::Kind::kPut) {
        st = co_await put_item(std::move(w.item), std::nullopt);
      } else {
        st = co_await delete_item(std::move(w.key), std::nullopt);
      }
      if (!st.ok()) co_return st;
    }
    co_return Status{};
  }

  Task<Status> transact_write(std::vector<TransactItem> items) override {
    std::unique_lock lock(state_->mu);
    if (items.empty() || items.size() > 100) co_return validation("TransactWriteItems takes 1 to 100 actions");
    // Resolve keys, check scope, conditions and new images first; apply only if all pass.
    std::vector<Key> keys;
    std::vector<std::optional<Item>> images;
    std::vector<std::string> reasons;
    bool cancelled = false;
    for (auto& t : items) {
      Key key = t.key;
      if (t.kind == TransactItem::Kind::kPut) {
        auto k = key_of(t.item);
        if (!k.ok()) co_return k.take_error();
        key = k.value();
        if (auto e = validate_item(t.item)) co_return *e;
      } else if (auto e = validate_key(key)) {
        co_return *e;
      }
      if (auto e = precheck(key.partition)) co_return *e;
      for (const auto& k : keys)
        if (k == key) co_return validation("Transaction request cannot include multiple operations on one item");
      auto& part = partition(key.partition);
      const Item* current = find(part, key.sort);
      const bool ok = !t.condition || evaluate(*t.condition, current);
      reasons.push_back(ok ? "None" : "ConditionalCheckFailed");
      cancelled |= !ok;
      std::optional<Item> image;
      if (t.kind == TransactItem::Kind::kPut) image = t.item;
      if (t.kind == TransactItem::Kind::kUpdate && ok) {
        auto next = apply(key, current, t.update);
        if (!next.ok()) co_return next.take_error();
        image = std::move(next).value();
      }
      keys.push_back(key);
      images.push_back(std::move(image));
    }
    if (cancelled) {
      std::string joined;
      for (const auto& r : reasons) joined += (joined.empty() ? "" : ", ") + r;
      co_return ddb(ErrorKind::kConflict, "TransactionCanceledException",
                    fmt::format("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", joined));
    }
    for (size_t i = 0; i < items.size(); ++i) {
      auto& part = partition(keys[i].partition);
      const auto kind = items[i].kind;
      if (kind == TransactItem::Kind::kConditionCheck) continue;
      const int64_t units = images[i] ? 2 * write_units(item_size_bytes(*images[i])) : 2;  // transactions cost double
      if (auto e = consume(keys[i].partition, part, 0, units)) co_return *e;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      auto& part = partition(keys[i].partition);
      auto it = part.items.find(keys[i].sort);
      switch (items[i].kind) {
        case TransactItem::Kind::kConditionCheck: break;
        case TransactItem::Kind::kDelete:
          if (it != part.items.end()) {
            part.items.erase(it);
            --data_->item_count;
          }
          break;
        default:
          if (it == part.items.end()) ++data_->item_count;
          part.items[keys[i].sort] = std::move(*images[i]);
      }
    }
    co_return Status{};
  }

 private:
  // Scope, fault injection and request counting; every call passes here first (lock held).
  std::optional<Error> precheck(const std::string& partition_value) {
    ++state_->ledger.requests;
    if (scope_) {
      if (partition_value != scope_->partition_value) {
        ++state_->ledger.access_denied;
        return ddb(ErrorKind::kForbidden, "AccessDeniedException",
                   fmt::format("not authorized to access partition '{}' of table {} (dynamodb:LeadingKeys)",
                               partition_value, data_->schema.name));
      }
    }
    return std::nullopt;
  }

  State::Partition& partition(const std::string& pk) { return data_->partitions[pk]; }

  static const Item* find(const State::Partition& part, const std::string& sort) {
    auto it = part.items.find(sort);
    return it == part.items.end() ? nullptr : &it->second;
  }

  // A false condition fails the write with ConditionalCheckFailedException; like DynamoDB, the
  // failed write still consumes one write unit.
  std::optional<Error> check_condition(const std::string& pk, State::Partition& part,
                                       const std::optional<Condition>& condition, const Item* current) {
    if (!condition || evaluate(*condition, current)) return std::nullopt;
    if (auto e = consume(pk, part, 0, 1)) return e;
    return condition_failed();
  }

  std::optional<Error> validate_key(const Key& key) const {
    if (key.partition.empty()) return validation("partition key value must not be empty");
    if (data_->schema.sort_key.empty() != key.sort.empty())
      return validation(data_->schema.sort_key.empty() ? "table has no sort key" : "sort key value must not be empty");
    return std::nullopt;
  }

  Result<Key> key_of(const Item& item) const {
    const auto* pk = get_string(item, data_->schema.partition_key);
    if (!pk || pk->empty()) return validation(fmt::format("missing key attribute {}", data_->schema.partition_key));
    Key key{*pk, {}};
    if (!data_->schema.sort_key.empty()) {
      const auto* sk = get_string(item, data_->schema.sort_key);
      if (!sk || sk->empty()) return validation(fmt::format("missing key attribute {}", data_->schema.sort_key));
      key.sort = *sk;
    }
    return key;
  }

  std::optional<Error> validate_item(const Item& item) const {
    if (item_size_bytes(item) > state_->limits.max_item_bytes)
      return validation("Item size has exceeded the maximum allowed size");
    return std::nullopt;
  }

  Result<Item> apply(const Key& key, const Item* current, const Update& u) const {
    Item next = current ? *current : Item{};
    next[data_->schema.partition_key] = key.partition;
    if (!data_->schema.sort_key.empty()) next[data_->schema.sort_key] = key.sort;
    auto is_key = [&](const std::string& a) { return a == data_->schema.partition_key || a == data_->schema.sort_key; };
    // DynamoDB refuses an update that names one attribute twice, in one action or across them.
    std::set<std::string_view> paths;
    auto overlaps = [&](const std::string& a) { return !paths.insert(a).second; };
    for (const auto& [a, v] : u.sets)
      if (overlaps(a)) return overlapping(a);
    for (const auto& [a, delta] : u.adds)
      if (overlaps(a)) return overlapping(a);
    for (const auto& a : u.removes)
      if (overlaps(a)) return overlapping(a);
    for (const auto& [a, v] : u.sets) {
      if (is_key(a)) return validation("Cannot update attribute " + a + ". This attribute is part of the key");
      next[a] = v;
    }
    for (const auto& [a, delta] : u.adds) {
      if (is_key(a)) return validation("Cannot update attribute " + a + ". This attribute is part of the key");
      auto it = next.find(a);
      int64_t base = 0;
      if (it != next.end()) {
        const auto* n = std::get_if<int64_t>(&it->second);
        if (!n) return validation("An operand in the update expression has an incorrect data type");
        base = *n;
      }
      int64_t sum = 0;
      if (__builtin_add_overflow(base, delta, &sum)) return validation("Number overflow");
      next[a] = sum;
    }
    for (const auto& a : u.removes) {
      if (is_key(a)) return validation("Cannot update attribute " + a + ". This attribute is part of the key");
      next.erase(a);
    }
    return next;
  }

  static Error overlapping(const std::string& a) {
    return validation(fmt::format("Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
                                  "rewrite one of these paths; path one: [{}], path two: [{}]", a, a));
  }

  // Charges capacity against the partition's per-second budget and the ledger.
  std::optional<Error> consume(const std::string& pk, State::Partition& part, int64_t read_half, int64_t write) {
    const int64_t second = to_unix_seconds(state_->clock.now());
    if (part.second != second) {
      part.second = second;
      part.read_half_units = 0;
      part.write_units = 0;
    }
    if (part.read_half_units + read_half > 2 * state_->limits.partition_read_units_per_second ||
        part.write_units + write > state_->limits.partition_write_units_per_second) {
      ++state_->ledger.throttled;
      Error e = ddb(ErrorKind::kTooManyRequests, "ProvisionedThroughputExceededException",
                    "The level of configured provisioned throughput for the partition was exceeded");
      e.retry_after = std::chrono::seconds(1);
      return e;
    }
    part.read_half_units += read_half;
    part.write_units += write;
    for (auto* units : {&state_->ledger.units[data_->schema.name][pk],
                        &state_->ledger.units_by_day[state_->utc_day()][pk]}) {
      units->read_half_units += read_half;
      units->write_units += write;
    }
    return std::nullopt;
  }

  std::shared_ptr<State> state_;
  std::shared_ptr<State::TableData> data_;
  std::optional<LeadingKeyScope> scope_;
};

}  // namespace

FakeDynamoDb::FakeDynamoDb(Clock& clock, DynamoLimits limits) : state_(std::make_shared<State>(clock, limits)) {}

FakeDynamoDb::~FakeDynamoDb() = default;

void FakeDynamoDb::set_limits(DynamoLimits limits) {
  std::lock_guard lock(state_->mu);
  state_->limits = limits;
}

Status FakeDynamoDb::create_table(TableSchema schema) {
  std::lock_guard lock(state_->mu);
  if (schema.name.size() < 3 || schema.name.size() > 255 || schema.partition_key.empty())
    return validation("table name must be 3-255 characters and the partition key named");
  if (state_->tables.count(schema.name))
    return ddb(ErrorKind::kConflict, "ResourceInUseException", "Table already exists: " + schema.name);
  auto data = std::make_shared<State::TableData>();
  data->schema = std::move(schema);
  state_->tables.emplace(data->schema.name, std::move(data));
  return Status{};
}

Status FakeDynamoDb::delete_table(const std::string& name) {
  std::lock_guard lock(state_->mu);
  if (!state_->tables.erase(name))
    return ddb(ErrorKind::kNotFound, "ResourceNotFoundException", "Requested resource not found: " + name);
  return Status{};
}

Result<std::shared_ptr<Table>> FakeDynamoDb::open(const std::string& name, std::optional<LeadingKeyScope> scope) {
  std::lock_guard lock(state_->mu);
  auto it = state_->tables.find(name);
  if (it == state_->tables.end())
    return ddb(ErrorKind::kNotFound, "ResourceNotFoundException", "Requested resource not found: " + name);
  if (scope && scope->partition_value.empty()) return validation("a leading-key scope needs a partition value");
  return std::shared_ptr<Table>(std::make_shared<FakeTable>(state_, it->second, std::move(scope)));
}

DynamoLedger FakeDynamoDb::ledger() const {
  std::lock_guard lock(state_->mu);
  return state_->ledger;
}


size_t FakeDynamoDb::item_count(const std::string& table) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->tables.find(table);
  return it == state_->tables.end() ? 0 : it->second->item_count;
}

}  // namespace tenantsim
