#include "fakes/dynamodb/dynamodb_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "fakes/dynamodb/expression.h"

namespace tenantsim::dynamo {

using nlohmann::json;

namespace {

// An operation's failure: thrown by the validate/parse/act steps, caught once in call(), so each
// step reads as the service's rules and nothing else. Never leaves this file.
struct Failure {
  std::string name;
  std::string message;
  int status = 400;
  json extra = json::object();  // fields beside __type and message
};

[[noreturn]] void validation(std::string message) { throw Failure{"ValidationException", std::move(message), 400, json::object()}; }
[[noreturn]] void not_found(const std::string& table) {
  throw Failure{"ResourceNotFoundException", "Requested resource not found: Table: " + table + " not found", 400, json::object()};
}
[[noreturn]] void throttled() {
  throw Failure{"ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. Consider increasing your "
                "provisioning level with the UpdateTable API.",
                400, json::object()};
}

// ---- request fields

const json* field(const json& req, const char* name) {
  auto it = req.find(name);
  return it == req.end() || it->is_null() ? nullptr : &*it;
}

std::string string_field(const json& req, const char* name, bool required) {
  const json* f = field(req, name);
  if (!f) {
    if (required)
      validation(fmt::format("1 validation error detected: Value null at '{}{}' failed to satisfy constraint: Member must not be null",
                             static_cast<char>(std::tolower(name[0])), name + 1));
    return "";
  }
  if (!f->is_string()) throw Failure{"SerializationException", fmt::format("Expected a string for {}", name), 400, json::object()};
  return f->get<std::string>();
}

bool bool_field(const json& req, const char* name) {
  const json* f = field(req, name);
  if (!f) return false;
  if (!f->is_boolean()) throw Failure{"SerializationException", fmt::format("Expected a boolean for {}", name), 400, json::object()};
  return f->get<bool>();
}

std::optional<int64_t> int_field(const json& req, const char* name) {
  const json* f = field(req, name);
  if (!f) return std::nullopt;
  if (!f->is_number_integer()) throw Failure{"SerializationException", fmt::format("Expected an integer for {}", name), 400, json::object()};
  return f->get<int64_t>();
}

std::string enum_field(const json& req, const char* name, std::initializer_list<const char*> allowed, const char* fallback) {
  std::string v = string_field(req, name, false);
  if (v.empty()) return fallback;
  for (const char* a : allowed)
    if (v == a) return v;
  std::vector<std::string> names(allowed.begin(), allowed.end());
  validation(fmt::format("1 validation error detected: Value '{}' at '{}{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                         v, static_cast<char>(std::tolower(name[0])), name + 1, fmt::join(names, ", ")));
}

Item item_field(const json& req, const char* name, bool required) {
  const json* f = field(req, name);
  if (!f) {
    if (required)
      validation(fmt::format("1 validation error detected: Value null at '{}{}' failed to satisfy constraint: Member must not be null",
                             static_cast<char>(std::tolower(name[0])), name + 1));
    return {};
  }
  std::string error;
  auto item = item_from_json(*f, &error);
  if (!item) validation(error);
  return std::move(*item);
}

// ---- expressions and their placeholders

Placeholders placeholders(const json& req) {
  std::map<std::string, std::string> names;
  std::map<std::string, AttributeValue> values;
  if (const json* n = field(req, "ExpressionAttributeNames")) {
    if (!n->is_object()) throw Failure{"SerializationException", "Expected a map for ExpressionAttributeNames", 400, json::object()};
    if (n->empty()) validation("ExpressionAttributeNames must not be empty");
    for (const auto& [k, v] : n->items()) {
      if (!v.is_string()) throw Failure{"SerializationException", "Expected a string in ExpressionAttributeNames", 400, json::object()};
      names.emplace(k, v.get<std::string>());
    }
  }
  if (const json* v = field(req, "ExpressionAttributeValues")) {
    if (!v->is_object()) throw Failure{"SerializationException", "Expected a map for ExpressionAttributeValues", 400, json::object()};
    if (v->empty()) validation("ExpressionAttributeValues must not be empty");
    for (const auto& [k, x] : v->items()) {
      std::string error;
      auto value = from_json(x, &error);
      if (!value) validation("ExpressionAttributeValues contains invalid value: " + error + " for key " + k);
      values.emplace(k, std::move(*value));
    }
  }
  return Placeholders(std::move(names), std::move(values));
}

// The legacy parameters (Expected, AttributeUpdates, KeyConditions, ...) predate expressions;
// clients of this decade do not send them, and this fake says so rather than ignore them.
void refuse_legacy(const json& req, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (field(req, n))
      validation(fmt::format("tenantsim's DynamoDB fake does not support the legacy parameter {}; use expressions", n));
}

void check_used(const Placeholders& ph, const json& req) {
  const bool any = field(req, "ExpressionAttributeNames") || field(req, "ExpressionAttributeValues");
  if (!any) return;
  std::string unused = ph.unused();
  if (!unused.empty()) validation(unused);
}

std::optional<Condition> condition_field(const json& req, const char* name, Placeholders& ph) {
  const json* f = field(req, name);
  if (!f) return std::nullopt;
  if (!f->is_string()) throw Failure{"SerializationException", fmt::format("Expected a string for {}", name), 400, json::object()};
  std::string error;
  auto c = parse_condition(f->get<std::string>(), name, ph, &error);
  if (!c) validation(error);
  return c;
}

std::optional<std::vector<Path>> projection_field(const json& req, Placeholders& ph) {
  const json* f = field(req, "ProjectionExpression");
  if (!f) return std::nullopt;
  if (!f->is_string()) throw Failure{"SerializationException", "Expected a string for ProjectionExpression", 400, json::object()};
  std::string error;
  auto p = parse_projection(f->get<std::string>(), ph, &error);
  if (!p) validation(error);
  return p;
}

// ---- capacity

struct Consumed {
  std::string table;
  int64_t read_half = 0;
  int64_t write = 0;
  json to_json(const std::string& mode) const {
    const double units = static_cast<double>(read_half) / 2.0 + static_cast<double>(write);
    json j = {{"TableName", table}, {"CapacityUnits", units}};
    if (mode == "INDEXES") j["Table"] = {{"CapacityUnits", units}};
    if (read_half) j["ReadCapacityUnits"] = static_cast<double>(read_half) / 2.0;
    if (write) j["WriteCapacityUnits"] = static_cast<double>(write);
    return j;
  }
};

// ConsumedCapacity of a call over several tables: one entry per table, in name order.
json capacity_list(const std::map<std::string, int64_t>& write_units_by_table, const std::string& mode) {
  json out = json::array();
  for (const auto& [name, u] : write_units_by_table) out.push_back(Consumed{name, 0, u}.to_json(mode));
  return out;
}

// TransactItems: 1 to 100 actions.
const json* transact_items(const json& req) {
  const json* items = field(req, "TransactItems");
  if (!items || !items->is_array() || items->empty() || items->size() > 100)
    validation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length "
               "less than or equal to 100, Member must have length greater than or equal to 1");
  return items;
}

std::string capacity_mode(const json& req) {
  return enum_field(req, "ReturnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"}, "NONE");
}

// [a-zA-Z0-9_.-]+, checked by hand: std::regex costs microseconds a call, on every request.
bool valid_table_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

std::string error_type(std::string_view name) {
  static const std::set<std::string, std::less<>> coral_service = {
      "SerializationException", "UnknownOperationException", "MissingAuthenticationTokenException",
      "InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException",
      "IncompleteSignatureException", "RequestExpired"};
  if (name == "ValidationException") return "com.amazon.coral.validate#ValidationException";
  if (coral_service.count(name)) return fmt::format("com.amazon.coral.service#{}", name);
  return fmt::format("com.amazonaws.dynamodb.v20120810#{}", name);
}

struct DynamoApi::Impl {
  std::function<int64_t()> now_ms;
  StoreLimits limits;
  mutable std::mutex mu;
  // (account, region) -> table name -> table
  std::map<std::pair<std::string, std::string>, std::map<std::string, StoredTable>> tables;
  // TransactWriteItems idempotency: token -> the request it came with.
  std::map<std::string, std::string> transaction_tokens;

  using Tables = std::map<std::string, StoredTable>;

  int64_t now_second() const { return now_ms() / 1000; }

  StoredTable& table(Tables& ts, const std::string& name) {
    auto it = ts.find(name);
    if (it == ts.end()) not_found(name);
    return it->second;
  }

  std::string table_name(const json& req) {
    std::string name = string_field(req, "TableName", true);
    if (name.size() < 3 || name.size() > 255 || !valid_table_name(name))
      validation(fmt::format("1 validation error detected: Value '{}' at 'tableName' failed to satisfy constraint: "
                             "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255",
                             name));
    return name;
  }

  // ---- keys and items

  void check_key_value(const StoredTable& t, const KeyAttribute& k, const AttributeValue& v) const {
    if (v.type != k.type)
      validation(fmt::format("One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}", k.name,
                             type_name(k.type), type_name(v.type)));
    if ((v.type == Type::kS || v.type == Type::kB) && v.s.empty())
      validation(fmt::format("One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
                             "contain an empty {} value. Key: {}",
                             v.type == Type::kS ? "string" : "binary", k.name));
    const bool is_hash = &k == &t.hash;
    const size_t size = value_size(v);
    if (is_hash && size > 2048) validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
    if (!is_hash && size > 1024) validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  }

  // A Key parameter: exactly the table's key attributes, of the right types.
  Item key_param(const StoredTable& t, Item key) const {
    if (key.size() != t.key_names().size()) validation("The provided key element does not match the schema");
    for (const auto& name : t.key_names())
      if (!key.count(name)) validation("The provided key element does not match the schema");
    check_key_value(t, t.hash, key.at(t.hash.name));
    if (t.range) check_key_value(t, *t.range, key.at(t.range->name));
    return key;
  }

  void check_item(const StoredTable& t, const Item& item) const {
    for (const KeyAttribute* k : {&t.hash, t.range ? &*t.range : nullptr}) {
      if (!k) continue;
      auto it = item.find(k->name);
      if (it == item.end()) validation(fmt::format("One or more parameter values were invalid: Missing the key {} in the item", k->name));
      check_key_value(t, *k, it->second);
    }
    if (item_size(item) > limits.max_item_bytes) validation("Item size has exceeded the maximum allowed size");
  }

  void charge(StoredTable& t, const Item& key, int64_t read_half, int64_t write) {
    if (!t.consume(key.at(t.hash.name), now_second(), read_half, write, limits)) throttled();
  }

  [[noreturn]] void condition_failed(const Item* current, const json& req) {
    Failure f{"ConditionalCheckFailedException", "The conditional request failed", 400, json::object()};
    if (current && string_field(req, "ReturnValuesOnConditionCheckFailure", false) == "ALL_OLD") f.extra["Item"] = to_json(*current);
    throw f;
  }

  // ---- tables

  json describe(const StoredTable& t, const CallContext& ctx, const char* status) const {
    json key_schema = json::array({{{"AttributeName", t.hash.name}, {"KeyType", "HASH"}}});
    json defs = json::array({{{"AttributeName", t.hash.name}, {"AttributeType", type_name(t.hash.type)}}});
    if (t.range) {
      key_schema.push_back({{"AttributeName", t.range->name}, {"KeyType", "RANGE"}});
      defs.push_back({{"AttributeName", t.range->name}, {"AttributeType", type_name(t.range->type)}});
    }
    json d = {{"TableName", t.name},
              {"TableStatus", status},
              {"KeySchema", key_schema},
              {"AttributeDefinitions", defs},
              {"CreationDateTime", t.created},
              {"ItemCount", t.item_count},
              {"TableSizeBytes", t.bytes},
              {"TableArn", fmt::format("arn:aws:dynamodb:{}:{}:table/{}", ctx.region, ctx.account, t.name)},
              {"TableId", t.table_id},
              {"ProvisionedThroughput",
               {{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", t.read_capacity}, {"WriteCapacityUnits", t.write_capacity}}},
              {"DeletionProtectionEnabled", false}};
    if (t.billing_mode == "PAY_PER_REQUEST")
      d["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"}, {"LastUpdateToPayPerRequestDateTime", t.created}};
    return d;
  }

  json create_table(Tables& ts, const json& req, const CallContext& ctx) {
    StoredTable t;
    t.name = table_name(req);
    for (const char* unsupported : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"})
      if (field(req, unsupported)) validation(fmt::format("tenantsim's DynamoDB fake does not support {}", unsupported));
    const json* schema = field(req, "KeySchema");
    const json* defs = field(req, "AttributeDefinitions");
    if (!schema || !schema->is_array() || schema->empty() || schema->size() > 2)
      validation("1 validation error detected: Value at 'keySchema' failed to satisfy constraint: Member must have length between 1 and 2");
    if (!defs || !defs->is_array()) validation("1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
    std::map<std::string, Type> defined;
    for (const auto& d : *defs) {
      const std::string name = string_field(d, "AttributeName", true);
      const std::string type = string_field(d, "AttributeType", true);
      if (type != "S" && type != "N" && type != "B")
        validation(fmt::format("1 validation error detected: Value '{}' at 'attributeDefinitions.1.member.attributeType' failed to "
                               "satisfy constraint: Member must satisfy enum value set: [B, N, S]", type));
      defined[name] = *type_from_name(type);
    }
    std::vector<std::string> key_names;
    for (size_t i = 0; i < schema->size(); ++i) {
      const auto& k = (*schema)[i];
      const std::string name = string_field(k, "AttributeName", true);
      const std::string kind = string_field(k, "KeyType", true);
      if (kind != (i == 0 ? "HASH" : "RANGE"))
        validation(i == 0 ? "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
                          : "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
      key_names.push_back(name);
      auto d = defined.find(name);
      if (d == defined.end())
        validation(fmt::format("One or more parameter values were invalid: Some index key attributes are not defined in "
                               "AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                               name, fmt::join([&] {
                                 std::vector<std::string> n;
                                 for (const auto& [dn, dt] : defined) n.push_back(dn);
                                 return n;
                               }(), ", ")));
      (i == 0 ? t.hash : t.range.emplace()) = KeyAttribute{name, d->second};
    }
    if (key_names.size() == 2 && key_names[0] == key_names[1])
      validation("Invalid KeySchema: Some index key attribute have no definition");
    if (defined.size() != key_names.size())
      validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of "
                 "attributes defined in AttributeDefinitions");
    t.billing_mode = enum_field(req, "BillingMode", {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
    const json* throughput = field(req, "ProvisionedThroughput");
    if (t.billing_mode == "PROVISIONED") {
      if (!throughput)
        validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified "
                   "when BillingMode is PROVISIONED");
      auto r = int_field(*throughput, "ReadCapacityUnits");
      auto w = int_field(*throughput, "WriteCapacityUnits");
      if (!r || !w || *r < 1 || *w < 1)
        validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be at least 1");
      t.read_capacity = *r;
      t.write_capacity = *w;
    } else if (throughput) {
      validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                 "when BillingMode is PAY_PER_REQUEST");
    }
    if (ts.count(t.name)) throw Failure{"ResourceInUseException", "Table already exists: " + t.name, 400, json::object()};
    t.created = static_cast<double>(now_ms()) / 1000.0;
    t.table_id = fmt::format("{:08x}-0000-4000-8000-{:012x}", std::hash<std::string>{}(ctx.account + t.name) & 0xffffffffu,
                             static_cast<uint64_t>(now_ms()) & 0xffffffffffffu);
    auto& stored = ts.emplace(t.name, std::move(t)).first->second;
    return {{"TableDescription", describe(stored, ctx, "ACTIVE")}};
  }

  json describe_table(Tables& ts, const json& req, const CallContext& ctx) {
    return {{"Table", describe(table(ts, table_name(req)), ctx, "ACTIVE")}};
  }

  json delete_table(Tables& ts, const json& req, const CallContext& ctx) {
    const std::string name = table_name(req);
    json out = {{"TableDescription", describe(table(ts, name), ctx, "DELETING")}};
    ts.erase(name);
    return out;
  }

  json list_tables(Tables& ts, const json& req, const CallContext&) {
    auto limit = int_field(req, "Limit").value_or(100);
    if (limit < 1 || limit > 100)
      validation(fmt::format("1 validation error detected: Value '{}' at 'limit' failed to satisfy constraint: Member must have "
                             "value between 1 and 100", limit));
    const std::string start = string_field(req, "ExclusiveStartTableName", false);
    json names = json::array();
    auto it = start.empty() ? ts.begin() : ts.upper_bound(start);
    for (; it != ts.end() && static_cast<int64_t>(names.size()) < limit; ++it) names.push_back(it->first);
    json out = {{"TableNames", names}};
    if (it != ts.end() && !names.empty()) out["LastEvaluatedTableName"] = names.back();
    return out;
  }

  // ---- items

  // ReturnValues for the old and the new image, as the operation allows them.
  static json returned(const std::string& mode, const Item* old_item, const Item* new_item,
                       const std::vector<UpdateAction>* actions) {
    auto updated = [&](const Item& item) {
      std::vector<Path> paths;
      if (actions)
        for (const auto& a : *actions) paths.push_back(a.path);
      return project(item, paths);
    };
    // An image that exists is returned even when the update touched none of its attributes
    // ("Attributes": {}); an old image that does not exist is left out.
    if (mode == "ALL_OLD" && old_item) return to_json(*old_item);
    if (mode == "ALL_NEW" && new_item) return to_json(*new_item);
    if (mode == "UPDATED_OLD" && old_item) return to_json(updated(*old_item));
    if (mode == "UPDATED_NEW" && new_item) return to_json(updated(*new_item));
    return json();
  }

  // The parameters every single-item write takes: ReturnValues (only ALL_OLD or NONE unless
  // `updates`), ReturnValuesOnConditionCheckFailure, ReturnConsumedCapacity and the condition.
  struct WriteOptions {
    std::string mode;
    std::string capacity;
    std::optional<Condition> condition;
  };
  static WriteOptions write_options(const json& req, Placeholders& ph, bool updates) {
    WriteOptions w;
    w.mode = enum_field(req, "ReturnValues", {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, "NONE");
    if (!updates && w.mode != "NONE" && w.mode != "ALL_OLD") validation("ReturnValues can only be ALL_OLD or NONE");
    enum_field(req, "ReturnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"}, "NONE");
    w.capacity = capacity_mode(req);
    w.condition = condition_field(req, "ConditionExpression", ph);
    return w;
  }

  json put_item(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"Expected", "ConditionalOperator"});
    auto& t = table(ts, table_name(req));
    Item item = item_field(req, "Item", true);
    check_item(t, item);
    Placeholders ph = placeholders(req);
    const auto [mode, capacity, condition] = write_options(req, ph, false);
    check_used(ph, req);

    const Item key = t.key_of(item);
    const Item* current = t.find(key);
    if (condition && !evaluate(*condition, current)) {
      charge(t, key, 0, 1);
      condition_failed(current, req);
    }
    const int64_t units = std::max(write_units(item_size(item)), current ? write_units(item_size(*current)) : 0);
    charge(t, key, 0, units);
    json out = json::object();
    if (json r = returned(mode, current, nullptr, nullptr); !r.is_null()) out["Attributes"] = r;
    t.put(std::move(item));
    if (capacity != "NONE") out["ConsumedCapacity"] = Consumed{t.name, 0, units}.to_json(capacity);
    return out;
  }

  json get_item(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"AttributesToGet"});
    auto& t = table(ts, table_name(req));
    const Item key = key_param(t, item_field(req, "Key", true));
    const bool consistent = bool_field(req, "ConsistentRead");
    const std::string capacity = capacity_mode(req);
    Placeholders ph = placeholders(req);
    auto projection = projection_field(req, ph);
    check_used(ph, req);
    const Item* current = t.find(key);
    const int64_t half = read_half_units(current ? item_size(*current) : 0, consistent);
    charge(t, key, half, 0);
    json out = json::object();
    if (current) out["Item"] = to_json(projection ? project(*current, *projection) : *current);
    if (capacity != "NONE") out["ConsumedCapacity"] = Consumed{t.name, half, 0}.to_json(capacity);
    return out;
  }

  json update_item(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"Expected", "ConditionalOperator", "AttributeUpdates"});
    auto& t = table(ts, table_name(req));
    const Item key = key_param(t, item_field(req, "Key", true));
    Placeholders ph = placeholders(req);
    std::vector<UpdateAction> actions;
    if (const json* u = field(req, "UpdateExpression")) {
      if (!u->is_string()) throw Failure{"SerializationException", "Expected a string for UpdateExpression", 400, json::object()};
      std::string error;
      auto parsed = parse_update(u->get<std::string>(), ph, &error);
      if (!parsed) validation(error);
      actions = std::move(*parsed);
    }
    const auto [mode, capacity, condition] = write_options(req, ph, true);
    check_used(ph, req);

    const Item* current = t.find(key);
    if (condition && !evaluate(*condition, current)) {
      charge(t, key, 0, 1);
      condition_failed(current, req);
    }
    const std::vector<std::string> names = t.key_names();
    std::string error;
    auto next = apply_update(current ? *current : key, actions, {names.begin(), names.end()}, &error);
    if (!next) validation(error);
    if (item_size(*next) > limits.max_item_bytes) validation("Item size to update has exceeded the maximum allowed size");
    const int64_t units = std::max(write_units(item_size(*next)), current ? write_units(item_size(*current)) : 0);
    charge(t, key, 0, units);
    json out = json::object();
    std::optional<Item> old_item;
    if (current) old_item = *current;
    if (json r = returned(mode, old_item ? &*old_item : nullptr, &*next, &actions); !r.is_null()) out["Attributes"] = r;
    t.put(std::move(*next));
    if (capacity != "NONE") out["ConsumedCapacity"] = Consumed{t.name, 0, units}.to_json(capacity);
    return out;
  }

  json delete_item(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"Expected", "ConditionalOperator"});
    auto& t = table(ts, table_name(req));
    const Item key = key_param(t, item_field(req, "Key", true));
    Placeholders ph = placeholders(req);
    const auto [mode, capacity, condition] = write_options(req, ph, false);
    check_used(ph, req);
    const Item* current = t.find(key);
    if (condition && !evaluate(*condition, current)) {
      charge(t, key, 0, 1);
      condition_failed(current, req);
    }
    const int64_t units = current ? write_units(item_size(*current)) : 1;
    charge(t, key, 0, units);
    json out = json::object();
    if (json r = returned(mode, current, nullptr, nullptr); !r.is_null()) out["Attributes"] = r;
    t.erase(key);
    if (capacity != "NONE") out["ConsumedCapacity"] = Consumed{t.name, 0, units}.to_json(capacity);
    return out;
  }

  // ---- Query and Scan: one page walk, with the key range (Query) or every partition (Scan)

  struct Page {
    std::vector<Item> evaluated;
    size_t bytes = 0;
    bool cut = false;  // stopped by Limit or the page size
  };

  // Adds `item` to the page; false once the page is full.
  bool take(Page& page, const Item& item, std::optional<int64_t> limit) const {
    page.evaluated.push_back(item);
    page.bytes += item_size(item);
    if ((limit && static_cast<int64_t>(page.evaluated.size()) >= *limit) || page.bytes >= limits.max_page_bytes) {
      page.cut = true;
      return false;
    }
    return true;
  }

  json finish_page(StoredTable& t, Page& page, const json& req, const std::optional<Condition>& filter,
                   const std::optional<std::vector<Path>>& projection, const std::string& select, bool consistent,
                   const std::string& capacity, const AttributeValue* hash_key) {
    const int64_t half = read_half_units(page.bytes, consistent);
    if (hash_key) {
      charge(t, Item{{t.hash.name, *hash_key}}, half, 0);
    }
    json items = json::array();
    int64_t count = 0;
    for (const auto& item : page.evaluated) {
      if (filter && !evaluate(*filter, &item)) continue;
      ++count;
      if (select != "COUNT") items.push_back(to_json(projection ? project(item, *projection) : item));
    }
    json out = {{"Count", count}, {"ScannedCount", page.evaluated.size()}};
    if (select != "COUNT") out["Items"] = std::move(items);
    if (page.cut && !page.evaluated.empty()) out["LastEvaluatedKey"] = to_json(t.key_of(page.evaluated.back()));
    if (capacity != "NONE") out["ConsumedCapacity"] = Consumed{t.name, half, 0}.to_json(capacity);
    (void)req;
    return out;
  }

  std::optional<int64_t> limit_param(const json& req) {
    auto limit = int_field(req, "Limit");
    if (limit && *limit < 1)
      validation(fmt::format("1 validation error detected: Value '{}' at 'limit' failed to satisfy constraint: Member must have "
                             "value greater than or equal to 1", *limit));
    return limit;
  }

  std::string select_param(const json& req, bool has_projection) {
    const std::string s = enum_field(req, "Select", {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"},
                                     has_projection ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES");
    if (s == "ALL_PROJECTED_ATTRIBUTES") validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    if (s == "SPECIFIC_ATTRIBUTES" && !has_projection)
      validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
    if (s != "SPECIFIC_ATTRIBUTES" && has_projection)
      validation(fmt::format("Cannot specify the ProjectionExpression when choosing to get {}", s));
    return s;
  }

  // ExclusiveStartKey: the table's key attributes (a key from another table is refused).
  std::optional<Item> start_key(const StoredTable& t, const json& req) {
    if (!field(req, "ExclusiveStartKey")) return std::nullopt;
    Item k = item_field(req, "ExclusiveStartKey", false);
    if (k.size() != t.key_names().size()) validation("The provided starting key is invalid: The provided key element does not match the schema");
    for (const auto& name : t.key_names())
      if (!k.count(name)) validation("The provided starting key is invalid: The provided key element does not match the schema");
    if (k.at(t.hash.name).type != t.hash.type || (t.range && k.at(t.range->name).type != t.range->type))
      validation("The provided starting key is invalid: The provided key element does not match the schema");
    return k;
  }

  json query(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"});
    auto& t = table(ts, table_name(req));
    if (const json* index = field(req, "IndexName"))
      validation("The table does not have the specified index: " + (index->is_string() ? index->get<std::string>() : index->dump()));
    const auto limit = limit_param(req);
    const bool consistent = bool_field(req, "ConsistentRead");
    const bool forward = field(req, "ScanIndexForward") ? bool_field(req, "ScanIndexForward") : true;
    const std::string capacity = capacity_mode(req);
    Placeholders ph = placeholders(req);
    const std::string text = string_field(req, "KeyConditionExpression", false);
    if (text.empty()) validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    std::string error;
    auto key = parse_key_condition(text, t.hash.name, t.range ? t.range->name : "", ph, &error);
    if (!key) validation(error);
    auto filter = condition_field(req, "FilterExpression", ph);
    auto projection = projection_field(req, ph);
    const std::string select = select_param(req, projection.has_value());
    check_used(ph, req);
    check_key_value(t, t.hash, key->partition);
    if (key->sort)
      for (size_t i = 1; i < key->sort->operands.size(); ++i)
        if (key->sort->operands[i].value.type != t.range->type)
          validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
    if (filter) {
      for (const auto& name : t.key_names())
        if (mentions(*filter, name))
          validation(fmt::format("Filter Expression can only contain non-primary key attributes: Primary key attribute: {}", name));
    }
    auto start = start_key(t, req);
    if (start && !(start->at(t.hash.name) == key->partition))
      validation("The provided starting key is invalid: The query can return at most one row and cannot be restarted");

    Page page;
    auto p = t.partitions.find(key->partition);
    if (p != t.partitions.end()) {
      auto& items = p->second.items;
      std::vector<const Item*> range;
      for (const auto& [sort, item] : items) {
        if (key->sort && !evaluate(*key->sort, &item)) continue;
        if (start && t.range) {
          const auto order = key_order(sort, start->at(t.range->name));
          if (forward ? order <= 0 : order >= 0) continue;
        }
        range.push_back(&item);
      }
      if (!forward) std::reverse(range.begin(), range.end());
      for (const Item* item : range)
        if (!take(page, *item, limit)) break;
    }
    return finish_page(t, page, req, filter, projection, select, consistent, capacity, &key->partition);
  }

  static bool mentions(const Condition& c, const std::string& name) {
    for (const auto& o : c.operands)
      if (!o.path.empty() && o.path[0].name == name) return true;
    for (const auto& child : c.children)
      if (mentions(child, name)) return true;
    return false;
  }

  json scan(Tables& ts, const json& req, const CallContext&) {
    refuse_legacy(req, {"ScanFilter", "AttributesToGet", "ConditionalOperator"});
    auto& t = table(ts, table_name(req));
    if (const json* index = field(req, "IndexName"))
      validation("The table does not have the specified index: " + (index->is_string() ? index->get<std::string>() : index->dump()));
    const auto limit = limit_param(req);
    const bool consistent = bool_field(req, "ConsistentRead");
    const std::string capacity = capacity_mode(req);
    auto segment = int_field(req, "Segment");
    auto total = int_field(req, "TotalSegments");
    if (segment.has_value() != total.has_value())
      validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
    if (total && (*total < 1 || *total > 1000000 || *segment < 0 || *segment >= *total))
      validation("The Segment parameter is zero-based and must be less than parameter TotalSegments");
    Placeholders ph = placeholders(req);
    auto filter = condition_field(req, "FilterExpression", ph);
    auto projection = projection_field(req, ph);
    const std::string select = select_param(req, projection.has_value());
    check_used(ph, req);
    auto start = start_key(t, req);

    Page page;
    bool started = !start;
    for (auto& [hash, part] : t.partitions) {
      if (total && static_cast<int64_t>(std::hash<std::string>{}(to_json(hash).dump()) % static_cast<size_t>(*total)) != *segment)
        continue;
      bool full = false;
      for (const auto& [sort, item] : part.items) {
        if (!started) {
          // Resume after the start key: skip up to and including it.
          if (hash == start->at(t.hash.name) && (!t.range || sort == start->at(t.range->name))) started = true;
          continue;
        }
        if (!take(page, item, limit)) {
          full = true;
          break;
        }
      }
      if (full) break;
    }
    return finish_page(t, page, req, filter, projection, select, consistent, capacity, nullptr);
  }

  // ---- batches and transactions

  json batch_write(Tables& ts, const json& req, const CallContext&) {
    const json* requests = field(req, "RequestItems");
    if (!requests || !requests->is_object() || requests->empty())
      validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
    size_t n = 0;
    struct Write {
      StoredTable* table;
      bool put;
      Item item;  // the item (put) or the key (delete)
    };
    std::vector<Write> writes;
    for (const auto& [name, list] : requests->items()) {
      auto& t = table(ts, name);
      if (!list.is_array() || list.empty()) validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
      std::set<std::string> seen;
      for (const auto& w : list) {
        if (++n > 25)
          validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length less than or equal to 25");
        const json* put = field(w, "PutRequest");
        const json* del = field(w, "DeleteRequest");
        if ((put != nullptr) == (del != nullptr)) validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
        Item item;
        if (put) {
          item = item_field(*put, "Item", true);
          check_item(t, item);
        } else {
          item = key_param(t, item_field(*del, "Key", true));
        }
        if (!seen.insert(to_json(t.key_of(item)).dump()).second) validation("Provided list of item keys contains duplicates");
        writes.push_back(Write{&t, put != nullptr, std::move(item)});
      }
    }
    const std::string capacity = capacity_mode(req);
    json unprocessed = json::object();
    std::map<std::string, int64_t> units;
    size_t done = 0;
    for (auto& w : writes) {
      const Item key = w.table->key_of(w.item);
      const Item* current = w.table->find(key);
      const int64_t u = std::max(w.put ? write_units(item_size(w.item)) : 1, current ? write_units(item_size(*current)) : 0);
      if (!w.table->consume(key.at(w.table->hash.name), now_second(), 0, u, limits)) {
        // A throttled write comes back unprocessed; the client retries it.
        json entry = w.put ? json{{"PutRequest", {{"Item", to_json(w.item)}}}} : json{{"DeleteRequest", {{"Key", to_json(w.item)}}}};
        unprocessed[w.table->name].push_back(std::move(entry));
        continue;
      }
      ++done;
      units[w.table->name] += u;
      if (w.put) {
        w.table->put(std::move(w.item));
      } else {
        w.table->erase(key);
      }
    }
    if (done == 0) throttled();
    json out = {{"UnprocessedItems", unprocessed}};
    if (capacity != "NONE") out["ConsumedCapacity"] = capacity_list(units, capacity);
    return out;
  }

  json batch_get(Tables& ts, const json& req, const CallContext&) {
    const json* requests = field(req, "RequestItems");
    if (!requests || !requests->is_object() || requests->empty())
      validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
    const std::string capacity = capacity_mode(req);
    size_t n = 0;
    json responses = json::object();
    json consumed = json::array();
    for (const auto& [name, spec] : requests->items()) {
      auto& t = table(ts, name);
      const json* keys = field(spec, "Keys");
      if (!keys || !keys->is_array() || keys->empty()) validation("1 validation error detected: Value at 'requestItems." + name + ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1");
      refuse_legacy(spec, {"AttributesToGet"});
      Placeholders ph = placeholders(spec);
      auto projection = projection_field(spec, ph);
      check_used(ph, spec);
      const bool consistent = bool_field(spec, "ConsistentRead");
      std::set<std::string> seen;
      int64_t half = 0;
      responses[name] = json::array();
      for (const auto& k : *keys) {
        if (++n > 100) validation("Too many items requested for the BatchGetItem call");
        std::string error;
        auto key_item = item_from_json(k, &error);
        if (!key_item) validation(error);
        const Item key = key_param(t, std::move(*key_item));
        if (!seen.insert(to_json(key).dump()).second) validation("Provided list of item keys contains duplicates");
        const Item* current = t.find(key);
        const int64_t h = read_half_units(current ? item_size(*current) : 0, consistent);
        if (!t.consume(key.at(t.hash.name), now_second(), h, 0, limits)) throttled();
        half += h;
        if (current) responses[name].push_back(to_json(projection ? project(*current, *projection) : *current));
      }
      if (capacity != "NONE") consumed.push_back(Consumed{name, half, 0}.to_json(capacity));
    }
    json out = {{"Responses", responses}, {"UnprocessedKeys", json::object()}};
    if (capacity != "NONE") out["ConsumedCapacity"] = consumed;
    return out;
  }

  json transact_write(Tables& ts, const json& req, const CallContext&) {
    const json* items = transact_items(req);
    const std::string token = string_field(req, "ClientRequestToken", false);
    if (!token.empty()) {
      json body = req;
      body.erase("ClientRequestToken");
      auto [it, fresh] = transaction_tokens.emplace(token, body.dump());
      if (!fresh) {
        if (it->second != body.dump())
          throw Failure{"IdempotentParameterMismatchException",
                        "Request parameters do not match the parameters of the previous request with the same client request token",
                        400, json::object()};
        return json::object();  // the same request again: already applied
      }
    }
    const std::string capacity = capacity_mode(req);
    struct Action {
      StoredTable* table;
      std::string kind;
      Item key;
      std::optional<Item> image;  // the new item (Put, Update)
      std::optional<Condition> condition;
      std::vector<UpdateAction> actions;
      std::string return_on_failure;
    };
    std::vector<Action> actions;
    std::set<std::string> seen;
    for (const auto& entry : *items) {
      if (!entry.is_object() || entry.size() != 1)
        validation("TransactItems can only contain one of Check, Put, Update or Delete");
      const std::string kind = entry.begin().key();
      const json& spec = entry.begin().value();
      if (kind != "Put" && kind != "Update" && kind != "Delete" && kind != "ConditionCheck")
        validation("TransactItems can only contain one of Check, Put, Update or Delete");
      auto& t = table(ts, table_name(spec));
      Action a{&t, kind, {}, std::nullopt, std::nullopt, {}, ""};
      Placeholders ph = placeholders(spec);
      if (kind == "Put") {
        Item item = item_field(spec, "Item", true);
        check_item(t, item);
        a.key = t.key_of(item);
        a.image = std::move(item);
      } else {
        a.key = key_param(t, item_field(spec, "Key", true));
      }
      if (kind == "Update") {
        std::string error;
        auto parsed = parse_update(string_field(spec, "UpdateExpression", true), ph, &error);
        if (!parsed) validation(error);
        a.actions = std::move(*parsed);
      }
      a.condition = condition_field(spec, "ConditionExpression", ph);
      if (kind == "ConditionCheck" && !a.condition)
        validation("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' "
                   "failed to satisfy constraint: Member must not be null");
      check_used(ph, spec);
      a.return_on_failure = enum_field(spec, "ReturnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"}, "NONE");
      if (!seen.insert(t.name + "\n" + to_json(a.key).dump()).second)
        validation("Transaction request cannot include multiple operations on one item");
      actions.push_back(std::move(a));
    }
    // Conditions first, on the state before the transaction; any false one cancels them all.
    json reasons = json::array();
    bool cancelled = false;
    std::vector<std::string> codes;
    for (auto& a : actions) {
      const Item* current = a.table->find(a.key);
      json reason = {{"Code", "None"}};
      if (a.condition && !evaluate(*a.condition, current)) {
        cancelled = true;
        reason = {{"Code", "ConditionalCheckFailed"}, {"Message", "The conditional request failed"}};
        if (current && a.return_on_failure == "ALL_OLD") reason["Item"] = to_json(*current);
      } else if (a.kind == "Update") {
        std::string error;
        const std::vector<std::string> names = a.table->key_names();
        auto next = apply_update(current ? *current : a.key, a.actions, {names.begin(), names.end()}, &error);
        if (!next) validation(error);
        a.image = std::move(*next);
      }
      codes.push_back(reason["Code"].get<std::string>());
      reasons.push_back(std::move(reason));
    }
    if (cancelled) {
      if (!token.empty()) transaction_tokens.erase(token);
      Failure f{"TransactionCanceledException",
                fmt::format("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", fmt::join(codes, ", ")),
                400, json::object()};
      f.extra["CancellationReasons"] = reasons;
      throw f;
    }
    // Transactions cost two units per KB written; check every partition's budget before writing.
    std::map<std::string, int64_t> units;
    for (auto& a : actions) {
      const Item* current = a.table->find(a.key);
      const size_t bytes = std::max(a.image ? item_size(*a.image) : 0, current ? item_size(*current) : 0);
      const int64_t u = 2 * write_units(bytes);
      if (!a.table->consume(a.key.at(a.table->hash.name), now_second(), 0, u, limits)) throttled();
      units[a.table->name] += u;
    }
    for (auto& a : actions) {
      if (a.kind == "Delete") a.table->erase(a.key);
      if (a.image) a.table->put(std::move(*a.image));
    }
    json out = json::object();
    if (capacity != "NONE") out["ConsumedCapacity"] = capacity_list(units, capacity);
    return out;
  }

  json transact_get(Tables& ts, const json& req, const CallContext&) {
    const json* items = transact_items(req);
    const std::string capacity = capacity_mode(req);
    json responses = json::array();
    std::map<std::string, int64_t> half_units;
    for (const auto& entry : *items) {
      const json* get = field(entry, "Get");
      if (!get) validation("TransactGetItems can only contain Get");
      auto& t = table(ts, table_name(*get));
      const Item key = key_param(t, item_field(*get, "Key", true));
      Placeholders ph = placeholders(*get);
      auto projection = projection_field(*get, ph);
      check_used(ph, *get);
      const Item* current = t.find(key);
      const int64_t half = 2 * read_half_units(current ? item_size(*current) : 0, true);  // transactional reads cost double
      if (!t.consume(key.at(t.hash.name), now_second(), half, 0, limits)) throttled();
      half_units[t.name] += half;
      json r = json::object();
      if (current) r["Item"] = to_json(projection ? project(*current, *projection) : *current);
      responses.push_back(std::move(r));
    }
    json out = {{"Responses", responses}};
    if (capacity != "NONE") {
      out["ConsumedCapacity"] = json::array();
      for (const auto& [name, h] : half_units) out["ConsumedCapacity"].push_back(Consumed{name, h, 0}.to_json(capacity));
    }
    return out;
  }
};

DynamoApi::DynamoApi(std::function<int64_t()> now_ms, StoreLimits limits) : impl_(std::make_shared<Impl>()) {
  impl_->now_ms = std::move(now_ms);
  impl_->limits = limits;
}

size_t DynamoApi::table_count() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const auto& [k, ts] : impl_->tables) n += ts.size();
  return n;
}

ApiReply DynamoApi::call(std::string_view operation, const json& request, const CallContext& context) {
  std::lock_guard lock(impl_->mu);
  auto& ts = impl_->tables[{context.account, context.region}];
  ApiReply reply;
  try {
    if (!request.is_object()) throw Failure{"SerializationException", "Start of structure or map found where not expected", 400, json::object()};
    static const std::set<std::string, std::less<>> kReadOnly = {"DescribeTable", "ListTables", "GetItem", "Query",
                                                                  "Scan", "BatchGetItem", "TransactGetItems"};
    using Operation = json (Impl::*)(Impl::Tables&, const json&, const CallContext&);
    static const std::map<std::string, Operation, std::less<>> kOperations = {
        {"CreateTable", &Impl::create_table},         {"DescribeTable", &Impl::describe_table},
        {"ListTables", &Impl::list_tables},           {"DeleteTable", &Impl::delete_table},
        {"PutItem", &Impl::put_item},                 {"GetItem", &Impl::get_item},
        {"UpdateItem", &Impl::update_item},           {"DeleteItem", &Impl::delete_item},
        {"Query", &Impl::query},                      {"Scan", &Impl::scan},
        {"BatchWriteItem", &Impl::batch_write},       {"BatchGetItem", &Impl::batch_get},
        {"TransactWriteItems", &Impl::transact_write}, {"TransactGetItems", &Impl::transact_get}};
    auto op = kOperations.find(operation);
    if (op == kOperations.end())
      throw Failure{"UnknownOperationException",
                    fmt::format("tenantsim's DynamoDB fake does not implement DynamoDB_20120810.{}", operation), 400, json::object()};
    reply.body = ((*impl_).*(op->second))(ts, request, context);
    reply.mutated = !kReadOnly.count(operation);
  } catch (Failure& f) {
    reply.status = f.status;
    reply.body = std::move(f.extra);
    reply.body["__type"] = error_type(f.name);
    // TransactionCanceledException carries "Message" (capitalised) like the service; the rest "message".
    reply.body[f.name == "TransactionCanceledException" ? "Message" : "message"] = f.message;
  }
  return reply;
}

}  // namespace tenantsim::dynamo
