// Table: the DynamoDB subset the system uses. Condition and update expressions are structured
// values, never strings the system concatenates, so no caller input can change an expression.
// Failures carry the real DynamoDB exception names in Error::name:
//   ConditionalCheckFailedException (kConflict), TransactionCanceledException (kConflict),
//   ProvisionedThroughputExceededException (kTooManyRequests), ValidationException (kBadRequest),
//   AccessDeniedException (kForbidden), ResourceNotFoundException (kNotFound), InternalServerError (kUnavailable).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/base/result.h"
#include "core/base/task.h"

namespace tenantsim {

struct Null {
  friend bool operator==(Null, Null) { return true; }
};
// An attribute value: NULL, S, N (integral; the system stores counts, tokens and pico-dollars only), BOOL.
using Value = std::variant<Null, std::string, int64_t, bool>;
using Item = std::map<std::string, Value, std::less<>>;

const std::string* get_string(const Item& item, std::string_view name);
std::optional<int64_t> get_number(const Item& item, std::string_view name);
// DynamoDB's item size: attribute name lengths plus value sizes (strings in UTF-8 bytes, numbers ~21 bytes max).
size_t item_size_bytes(const Item& item);

struct TableSchema {
  std::string name;
  std::string partition_key;  // attribute name; type S
  std::string sort_key;       // attribute name; type S; empty for a table without a sort key
};

struct Key {
  std::string partition;
  std::string sort;  // empty when the table has no sort key
  friend bool operator==(const Key&, const Key&) = default;
};

// A condition on the item's current state (absent item: every attribute is missing).
struct Condition {
  enum class Op { kExists, kNotExists, kEq, kNe, kLt, kLe, kGt, kGe, kBeginsWith, kAnd, kOr, kNot };
  Op op = Op::kExists;
  std::string attribute;
  Value operand;
  std::vector<Condition> children;

  static Condition exists(std::string a) { return {Op::kExists, std::move(a), Null{}, {}}; }
  static Condition not_exists(std::string a) { return {Op::kNotExists, std::move(a), Null{}, {}}; }
  static Condition eq(std::string a, Value v) { return {Op::kEq, std::move(a), std::move(v), {}}; }
  static Condition ne(std::string a, Value v) { return {Op::kNe, std::move(a), std::move(v), {}}; }
  static Condition lt(std::string a, Value v) { return {Op::kLt, std::move(a), std::move(v), {}}; }
  static Condition le(std::string a, Value v) { return {Op::kLe, std::move(a), std::move(v), {}}; }
  static Condition gt(std::string a, Value v) { return {Op::kGt, std::move(a), std::move(v), {}}; }
  static Condition ge(std::string a, Value v) { return {Op::kGe, std::move(a), std::move(v), {}}; }
  static Condition begins_with(std::string a, std::string p) { return {Op::kBeginsWith, std::move(a), std::move(p), {}}; }
  friend Condition operator&&(Condition a, Condition b) { return {Op::kAnd, {}, Null{}, {std::move(a), std::move(b)}}; }
  friend Condition operator||(Condition a, Condition b) { return {Op::kOr, {}, Null{}, {std::move(a), std::move(b)}}; }
  friend Condition operator!(Condition a) { return {Op::kNot, {}, Null{}, {std::move(a)}}; }
};

// UpdateItem actions. SET replaces, ADD adds to a number (missing counts as 0), REMOVE deletes.
struct Update {
  std::vector<std::pair<std::string, Value>> sets;
  std::vector<std::pair<std::string, int64_t>> adds;
  std::vector<std::string> removes;

  Update& set(std::string a, Value v) { sets.emplace_back(std::move(a), std::move(v)); return *this; }
  Update& add(std::string a, int64_t delta) { adds.emplace_back(std::move(a), delta); return *this; }
  Update& remove(std::string a) { removes.push_back(std::move(a)); return *this; }
};

struct SortKeyCondition {
  enum class Op { kAny, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  Op op = Op::kAny;
  std::string a;
  std::string b;  // upper bound for kBetween (inclusive)
};

struct QueryRequest {
  std::string partition;
  SortKeyCondition sort;
  int limit = 0;  // 0: no limit (the 1 MB page limit still applies)
  std::optional<Key> exclusive_start_key;
  bool scan_forward = true;
  bool consistent_read = false;
};

struct QueryPage {
  std::vector<Item> items;
  std::optional<Key> last_evaluated_key;  // set when more items may follow
};

struct WriteRequest {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  Item item;  // kPut
  Key key;    // kDelete
};

struct TransactItem {
  enum class Kind { kPut, kUpdate, kDelete, kConditionCheck };
  Kind kind = Kind::kPut;
  Item item;    // kPut
  Key key;      // kUpdate, kDelete, kConditionCheck
  Update update;
  std::optional<Condition> condition;
};

class Table {
 public:
  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  virtual ~Table() = default;

  virtual const TableSchema& schema() const = 0;

  // The item with that key, or nullopt when there is none.
  virtual Task<Result<std::optional<Item>>> get_item(Key key, bool consistent_read = true) = 0;
  // Creates or replaces the item. With a condition, atomically: fails with
  // ConditionalCheckFailedException and changes nothing when the condition is false.
  virtual Task<Status> put_item(Item item, std::optional<Condition> condition = std::nullopt) = 0;
  // Applies `update` atomically (creating the item if absent) and returns the item as updated (ALL_NEW).
  virtual Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition = std::nullopt) = 0;
  virtual Task<Status> delete_item(Key key, std::optional<Condition> condition = std::nullopt) = 0;
  // Items of one partition in sort-key order, paginated by last_evaluated_key.
  virtual Task<Result<QueryPage>> query(QueryRequest request) = 0;
  // Up to 25 puts/deletes, each atomic on its own (not as a group).
  virtual Task<Status> batch_write(std::vector<WriteRequest> writes) = 0;
  // Up to 100 actions, all or nothing; a false condition cancels all with TransactionCanceledException.
  virtual Task<Status> transact_write(std::vector<TransactItem> items) = 0;
};

// Binds a table handle to one tenant, like an IAM policy with a dynamodb:LeadingKeys condition:
// every key the handle touches must have exactly this partition key value, or the call fails with
// AccessDeniedException. Whole values are compared, never prefixes (`acme` must not reach `acme-corp`;
// the mis-written `acme*` policy is a defect that lives in a harness decorator, not here).
struct LeadingKeyScope {
  std::string partition_value;
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  // Creates a table; ResourceInUseException (kConflict) if it exists.
  virtual Status create_table(TableSchema schema) = 0;
  virtual Status delete_table(const std::string& name) = 0;
  // A handle to an existing table (ResourceNotFoundException otherwise), scoped when `scope` is given.
  virtual Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) = 0;
};

}  // namespace tenantsim
