#include "harness/aws/real_dynamodb.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace tenantsim::aws {

namespace {

using nlohmann::json;

Error validation(std::string message) { return Error::make(ErrorKind::kBadRequest, "ValidationException", std::move(message)); }

json wire_value(const Value& v) {
  if (std::holds_alternative<Null>(v)) return {{"NULL", true}};
  if (const auto* s = std::get_if<std::string>(&v)) return {{"S", *s}};
  if (const auto* n = std::get_if<int64_t>(&v)) return {{"N", std::to_string(*n)}};
  return {{"BOOL", std::get<bool>(v)}};
}

// Placeholders are numbered per expression set: #n0, :v0, ...
std::string name_ref(const std::string& attribute, json& names) {
  const std::string ref = fmt::format("#n{}", names.size());
  names[ref] = attribute;
  return ref;
}
std::string value_ref(const Value& v, json& values) {
  const std::string ref = fmt::format(":v{}", values.size());
  values[ref] = wire_value(v);
  return ref;
}

void add_placeholders(json& req, const json& names, const json& values) {
  if (!names.empty()) req["ExpressionAttributeNames"] = names;
  if (!values.empty()) req["ExpressionAttributeValues"] = values;
}

class RealTable final : public Table {
 public:
  RealTable(std::shared_ptr<AwsJsonClient> client, TableSchema schema, std::optional<LeadingKeyScope> scope)
      : client_(std::move(client)), schema_(std::move(schema)), scope_(std::move(scope)) {}

  const TableSchema& schema() const override { return schema_; }

  Task<Result<std::optional<Item>>> get_item(Key key, bool consistent_read) override {
    if (auto e = check(key)) co_return *e;
    auto r = client_->call("GetItem", {{"TableName", schema_.name}, {"Key", wire_key(key)}, {"ConsistentRead", consistent_read}});
    if (!r.ok()) co_return r.take_error();
    if (!r->contains("Item")) co_return std::optional<Item>{};
    auto item = from_wire((*r)["Item"]);
    if (!item.ok()) co_return item.take_error();
    co_return std::optional<Item>(std::move(*item));
  }

  Task<Status> put_item(Item item, std::optional<Condition> condition) override {
    Key key{get_string(item, schema_.partition_key) ? *get_string(item, schema_.partition_key) : "", ""};
    if (!schema_.sort_key.empty() && get_string(item, schema_.sort_key)) key.sort = *get_string(item, schema_.sort_key);
    if (auto e = check(key)) co_return *e;
    json req = {{"TableName", schema_.name}, {"Item", to_wire(item)}};
    add_condition(req, condition);
    auto r = client_->call("PutItem", req);
    if (!r.ok()) co_return r.take_error();
    co_return Status{};
  }

  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition) override {
    if (auto e = check(key)) co_return *e;
    json names = json::object(), values = json::object();
    json req = {{"TableName", schema_.name}, {"Key", wire_key(key)}, {"ReturnValues", "ALL_NEW"}};
    const std::string text = update_expression(update, names, values);
    if (!text.empty()) req["UpdateExpression"] = text;
    if (condition) req["ConditionExpression"] = condition_expression(*condition, names, values);
    add_placeholders(req, names, values);
    auto r = client_->call("UpdateItem", req);
    if (!r.ok()) co_return r.take_error();
    co_return from_wire(r->value("Attributes", json::object()));
  }

  Task<Status> delete_item(Key key, std::optional<Condition> condition) override {
    if (auto e = check(key)) co_return *e;
    json req = {{"TableName", schema_.name}, {"Key", wire_key(key)}};
    add_condition(req, condition);
    auto r = client_->call("DeleteItem", req);
    if (!r.ok()) co_return r.take_error();
    co_return Status{};
  }

  Task<Result<QueryPage>> query(QueryRequest q) override {
    if (auto e = check(Key{q.partition, ""})) co_return *e;
    json names = json::object(), values = json::object();
    std::string kc = fmt::format("{} = {}", name_ref(schema_.partition_key, names), value_ref(q.partition, values));
    using Op = SortKeyCondition::Op;
    if (q.sort.op != Op::kAny) {
      if (schema_.sort_key.empty()) co_return validation("table has no sort key");
      const std::string sk = name_ref(schema_.sort_key, names);
      const std::string a = value_ref(q.sort.a, values);
      switch (q.sort.op) {
        case Op::kEq: kc += fmt::format(" AND {} = {}", sk, a); break;
        case Op::kLt: kc += fmt::format(" AND {} < {}", sk, a); break;
        case Op::kLe: kc += fmt::format(" AND {} <= {}", sk, a); break;
        case Op::kGt: kc += fmt::format(" AND {} > {}", sk, a); break;
        case Op::kGe: kc += fmt::format(" AND {} >= {}", sk, a); break;
        case Op::kBeginsWith: kc += fmt::format(" AND begins_with({}, {})", sk, a); break;
        case Op::kBetween:
          // The service refuses a reversed range; the port's contract is an empty answer.
          if (q.sort.b < q.sort.a) co_return QueryPage{};
          kc += fmt::format(" AND {} BETWEEN {} AND {}", sk, a, value_ref(q.sort.b, values));
          break;
        case Op::kAny: break;
      }
    }
    json req = {{"TableName", schema_.name}, {"KeyConditionExpression", kc}, {"ScanIndexForward", q.scan_forward},
                {"ConsistentRead", q.consistent_read}};
    if (q.limit < 0) co_return validation("Limit must be positive");
    if (q.limit > 0) req["Limit"] = q.limit;
    if (q.exclusive_start_key) req["ExclusiveStartKey"] = wire_key(*q.exclusive_start_key);
    add_placeholders(req, names, values);
    auto r = client_->call("Query", req);
    if (!r.ok()) co_return r.take_error();
    QueryPage page;
    for (const auto& wire_item : r->value("Items", json::array())) {
      auto item = from_wire(wire_item);
      if (!item.ok()) co_return item.take_error();
      page.items.push_back(std::move(*item));
    }
    if (r->contains("LastEvaluatedKey")) {
      auto k = from_wire((*r)["LastEvaluatedKey"]);
      if (!k.ok()) co_return k.take_error();
      Key last{get_string(*k, schema_.partition_key) ? *get_string(*k, schema_.partition_key) : "", ""};
      if (!schema_.sort_key.empty() && get_string(*k, schema_.sort_key)) last.sort = *get_string(*k, schema_.sort_key);
      page.last_evaluated_key = last;
    }
    co_return page;
  }

  Task<Status> batch_write(std::vector<WriteRequest> writes) override {
    if (writes.empty() || writes.size() > 25) co_return validation("BatchWriteItem takes 1 to 25 requests");
    json list = json::array();
    for (const auto& w : writes) {
      Key key = w.key;
      if (w.kind == WriteRequest::Kind::kPut) {
        key.partition = get_string(w.item, schema_.partition_key) ? *get_string(w.item, schema_.partition_key) : "";
      }
      if (auto e = check(key)) co_return *e;
      if (w.kind == WriteRequest::Kind::kPut) {
        list.push_back({{"PutRequest", {{"Item", to_wire(w.item)}}}});
      } else {
        list.push_back({{"DeleteRequest", {{"Key", wire_key(w.key)}}}});
      }
    }
    // Unprocessed items (throttled) go again, a bounded number of times, as the SDKs advise.
    json pending = {{schema_.name, list}};
    for (int round = 0; round < 8 && !pending.empty(); ++round) {
      if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10 << round));
      auto r = client_->call("BatchWriteItem", {{"RequestItems", pending}});
      if (!r.ok()) co_return r.take_error();
      pending = r->value("UnprocessedItems", json::object());
    }
    if (!pending.empty()) {
      Error e = Error::make(ErrorKind::kTooManyRequests, "ProvisionedThroughputExceededException",
                            "BatchWriteItem left items unprocessed after 8 rounds");
      e.retry_after = std::chrono::seconds(1);
      co_return e;
    }
    co_return Status{};
  }

  Task<Status> transact_write(std::vector<TransactItem> items) override {
    if (items.empty() || items.size() > 100) co_return validation("TransactWriteItems takes 1 to 100 actions");
    json list = json::array();
    for (const auto& t : items) {
      Key key = t.key;
      if (t.kind == TransactItem::Kind::kPut)
        key.partition = get_string(t.item, schema_.partition_key) ? *get_string(t.item, schema_.partition_key) : "";
      if (auto e = check(key)) co_return *e;
      json names = json::object(), values = json::object();
      json action = {{"TableName", schema_.name}};
      switch (t.kind) {
        case TransactItem::Kind::kPut: action["Item"] = to_wire(t.item); break;
        case TransactItem::Kind::kUpdate: {
          action["Key"] = wire_key(t.key);
          const std::string text = update_expression(t.update, names, values);
          if (!text.empty()) action["UpdateExpression"] = text;
          break;
        }
        default: action["Key"] = wire_key(t.key);
      }
      if (t.condition) action["ConditionExpression"] = condition_expression(*t.condition, names, values);
      add_placeholders(action, names, values);
      static const char* kKinds[] = {"Put", "Update", "Delete", "ConditionCheck"};
      list.push_back({{kKinds[static_cast<int>(t.kind)], action}});
    }
    auto r = client_->call("TransactWriteItems", {{"TransactItems", list}});
    if (!r.ok()) co_return r.take_error();
    co_return Status{};
  }

 private:
  json wire_key(const Key& key) const {
    json k = {{schema_.partition_key, {{"S", key.partition}}}};
    if (!schema_.sort_key.empty()) k[schema_.sort_key] = {{"S", key.sort}};
    return k;
  }

  void add_condition(json& req, const std::optional<Condition>& condition) const {
    if (!condition) return;
    json names = json::object(), values = json::object();
    req["ConditionExpression"] = condition_expression(*condition, names, values);
    add_placeholders(req, names, values);
  }

  // The leading-key rule of the scope (see the header) and the port's key checks.
  std::optional<Error> check(const Key& key) const {
    if (scope_) {
      if (key.partition != scope_->partition_value)
        return Error::make(ErrorKind::kForbidden, "AccessDeniedException",
                           fmt::format("not authorized to access partition '{}' of table {} (dynamodb:LeadingKeys)",
                                       key.partition, schema_.name));
    }
    if (key.partition.empty()) return validation("partition key value must not be empty");
    return std::nullopt;
  }

  std::shared_ptr<AwsJsonClient> client_;
  TableSchema schema_;
  std::optional<LeadingKeyScope> scope_;
};

}  // namespace

json to_wire(const Item& item) {
  json out = json::object();
  for (const auto& [name, v] : item) out[name] = wire_value(v);
  return out;
}

Result<Item> from_wire(const json& item) {
  Item out;
  for (const auto& [name, v] : item.items()) {
    if (!v.is_object() || v.size() != 1) return validation("attribute " + name + " is not an AttributeValue");
    const std::string type = v.begin().key();
    const json& payload = v.begin().value();
    if (type == "S") {
      out[name] = payload.get<std::string>();
    } else if (type == "N") {
      // The port holds integers (counts, tokens, pico-dollars); anything else is not ours.
      const std::string text = payload.get<std::string>();
      size_t used = 0;
      int64_t n = 0;
      try {
        n = std::stoll(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size()) return validation(fmt::format("attribute {} holds {}, not an integer", name, text));
      out[name] = n;
    } else if (type == "BOOL") {
      out[name] = payload.get<bool>();
    } else if (type == "NULL") {
      out[name] = Null{};
    } else {
      return validation(fmt::format("attribute {} has type {}, which the Table port does not hold", name, type));
    }
  }
  return out;
}

std::string condition_expression(const Condition& c, json& names, json& values) {
  using Op = Condition::Op;
  switch (c.op) {
    case Op::kAnd:
      return fmt::format("({}) AND ({})", condition_expression(c.children.at(0), names, values),
                         condition_expression(c.children.at(1), names, values));
    case Op::kOr:
      return fmt::format("({}) OR ({})", condition_expression(c.children.at(0), names, values),
                         condition_expression(c.children.at(1), names, values));
    case Op::kNot: return fmt::format("NOT ({})", condition_expression(c.children.at(0), names, values));
    case Op::kExists: return fmt::format("attribute_exists({})", name_ref(c.attribute, names));
    case Op::kNotExists: return fmt::format("attribute_not_exists({})", name_ref(c.attribute, names));
    case Op::kBeginsWith:
      return fmt::format("begins_with({}, {})", name_ref(c.attribute, names), value_ref(c.operand, values));
    default: break;
  }
  static const std::map<Op, const char*> kOps = {{Op::kEq, "="}, {Op::kNe, "<>"}, {Op::kLt, "<"},
                                                 {Op::kLe, "<="}, {Op::kGt, ">"}, {Op::kGe, ">="}};
  return fmt::format("{} {} {}", name_ref(c.attribute, names), kOps.at(c.op), value_ref(c.operand, values));
}

std::string update_expression(const Update& u, json& names, json& values) {
  std::vector<std::string> sets, adds, removes;
  for (const auto& [a, v] : u.sets) sets.push_back(fmt::format("{} = {}", name_ref(a, names), value_ref(v, values)));
  for (const auto& [a, d] : u.adds) adds.push_back(fmt::format("{} {}", name_ref(a, names), value_ref(d, values)));
  for (const auto& a : u.removes) removes.push_back(name_ref(a, names));
  std::string out;
  auto section = [&](const char* word, const std::vector<std::string>& parts) {
    if (parts.empty()) return;
    out += fmt::format("{}{} {}", out.empty() ? "" : " ", word, fmt::join(parts, ", "));
  };
  section("SET", sets);
  section("ADD", adds);
  section("REMOVE", removes);
  return out;
}

RealDynamoDb::RealDynamoDb(std::shared_ptr<AwsJsonClient> client) : client_(std::move(client)) {}

Status RealDynamoDb::create_table(TableSchema schema) {
  json keys = json::array({{{"AttributeName", schema.partition_key}, {"KeyType", "HASH"}}});
  json defs = json::array({{{"AttributeName", schema.partition_key}, {"AttributeType", "S"}}});
  if (!schema.sort_key.empty()) {
    keys.push_back({{"AttributeName", schema.sort_key}, {"KeyType", "RANGE"}});
    defs.push_back({{"AttributeName", schema.sort_key}, {"AttributeType", "S"}});
  }
  auto r = client_->call("CreateTable", {{"TableName", schema.name}, {"KeySchema", keys}, {"AttributeDefinitions", defs},
                                         {"BillingMode", "PAY_PER_REQUEST"}});
  if (!r.ok()) return r.take_error();
  // Real tables take seconds to become ACTIVE; writes before that fail.
  for (int i = 0; i < 120; ++i) {
    auto d = client_->call("DescribeTable", {{"TableName", schema.name}});
    if (d.ok() && (*d)["Table"].value("TableStatus", "") == "ACTIVE") return Status{};
    std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 50 : 500));
  }
  return Error::make(ErrorKind::kUnavailable, "TableNotActive", "table " + schema.name + " did not become ACTIVE");
}

Status RealDynamoDb::delete_table(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    schemas_.erase(name);
  }
  auto r = client_->call("DeleteTable", {{"TableName", name}});
  if (!r.ok()) return r.take_error();
  return Status{};
}

Result<std::shared_ptr<Table>> RealDynamoDb::open(const std::string& name, std::optional<LeadingKeyScope> scope) {
  if (scope && scope->partition_value.empty()) return validation("a leading-key scope needs a partition value");
  std::optional<TableSchema> known;
  {
    std::lock_guard lock(mu_);
    if (auto it = schemas_.find(name); it != schemas_.end()) known = it->second;
  }
  if (!known) {
    auto d = client_->call("DescribeTable", {{"TableName", name}});
    if (!d.ok()) return d.take_error();
    known = TableSchema{name, "", ""};
    for (const auto& k : (*d)["Table"].value("KeySchema", json::array())) {
      if (k.value("KeyType", "") == "HASH") known->partition_key = k.value("AttributeName", "");
      if (k.value("KeyType", "") == "RANGE") known->sort_key = k.value("AttributeName", "");
    }
    std::lock_guard lock(mu_);
    schemas_.emplace(name, *known);
  }
  TableSchema schema = *known;
  return std::shared_ptr<Table>(std::make_shared<RealTable>(client_, std::move(schema), std::move(scope)));
}

}  // namespace tenantsim::aws
