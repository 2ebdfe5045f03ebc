// DynamoDB's wire API as the fake serves it (fakes/dynamodb/dynamodb_api.h): the type system, the
// expression languages and each operation's answers and errors, called without HTTP. What AWS
// clients see over the wire is tested in tests/fakes_serve_clients.py.
#include <gtest/gtest.h>

#include "fakes/dynamodb/dynamodb_api.h"
#include "fakes/dynamodb/expression.h"

namespace tenantsim::dynamo {
namespace {

using nlohmann::json;

// ---- Number

std::string canonical(const std::string& text) {
  std::string error;
  auto n = Number::parse(text, &error);
  return n ? n->text() : "error: " + error;
}

TEST(Number, ParsesToTheCanonicalTextDynamoDbReturns) {
  EXPECT_EQ(canonical("1.50"), "1.5");
  EXPECT_EQ(canonical("0100"), "100");
  EXPECT_EQ(canonical("1e3"), "1000");
  EXPECT_EQ(canonical("-0.0"), "0");
  EXPECT_EQ(canonical("+.5"), "0.5");
  EXPECT_EQ(canonical("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678");
  EXPECT_EQ(canonical("1.25E-3"), "0.00125");
}

TEST(Number, RefusesWhatTheServiceRefuses) {
  EXPECT_EQ(canonical("abc").substr(0, 6), "error:");
  EXPECT_EQ(canonical("1e"), "error: The parameter cannot be converted to a numeric value: 1e");
  EXPECT_EQ(canonical("123456789012345678901234567890123456789"),
            "error: Attempting to store more than 38 significant digits in a Number");
  EXPECT_NE(canonical("1e126").find("Number overflow"), std::string::npos);
  EXPECT_NE(canonical("1e-131").find("Number underflow"), std::string::npos);
  EXPECT_EQ(canonical("9.9999999999999999999999999999999999999E+125").substr(0, 2), "99");
}

TEST(Number, AddsExactlyWhereADoubleWouldRound) {
  std::string error;
  auto a = Number::parse("0.1", &error), b = Number::parse("0.2", &error);
  EXPECT_EQ(Number::add(*a, *b, &error)->text(), "0.3");
  auto big = Number::parse("99999999999999999999999999999999999999", &error);
  auto tenth = Number::parse("0.1", &error);
  EXPECT_FALSE(Number::add(*big, *tenth, &error).has_value());  // 39 significant digits
  auto one = Number::parse("1", &error);
  EXPECT_EQ(Number::add(*big, *one, &error)->text(), "1" + std::string(38, '0'));  // one digit: fine
  EXPECT_EQ(error, "Attempting to store more than 38 significant digits in a Number");
  auto x = Number::parse("-5.5", &error), y = Number::parse("2.25", &error);
  EXPECT_EQ(Number::add(*x, *y, &error)->text(), "-3.25");
  EXPECT_EQ(Number::add(*y, y->negated(), &error)->text(), "0");
}

TEST(Number, OrdersByValue) {
  std::string e;
  EXPECT_LT(*Number::parse("-10", &e), *Number::parse("-9.5", &e));
  EXPECT_LT(*Number::parse("9.5", &e), *Number::parse("10", &e));
  EXPECT_LT(*Number::parse("0", &e), *Number::parse("0.001", &e));
  EXPECT_EQ(*Number::parse("1.0", &e), *Number::parse("1", &e));
}

// ---- AttributeValue

TEST(AttributeValue, RoundTripsEveryType) {
  const json item = json::parse(R"({
    "s": {"S": "x"}, "n": {"N": "1.5"}, "b": {"B": "AAEC"}, "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2", "10"]},
    "bs": {"BS": ["AQ=="]}, "l": {"L": [{"S": "a"}, {"N": "1"}]}, "m": {"M": {"k": {"BOOL": true}}},
    "z": {"NULL": true}, "t": {"BOOL": false}})");
  std::string error;
  auto parsed = item_from_json(item, &error);
  ASSERT_TRUE(parsed) << error;
  json back = to_json(*parsed);
  EXPECT_EQ(back["ss"]["SS"], json::parse(R"(["a", "b"])"));  // a set has no order; ours is sorted
  EXPECT_EQ(back["ns"]["NS"], json::parse(R"(["2", "10"])"));
  back["ss"] = item["ss"];
  back["ns"] = item["ns"];
  EXPECT_EQ(back, item);
  EXPECT_EQ(parsed->at("b").s, std::string("\x00\x01\x02", 3));
}

TEST(AttributeValue, RefusesMalformedValuesWithTheServiceMessages) {
  auto error_of = [](const char* text) {
    std::string error;
    EXPECT_FALSE(from_json(json::parse(text), &error));
    return error;
  };
  EXPECT_EQ(error_of(R"({})"), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  EXPECT_EQ(error_of(R"({"S": "a", "N": "1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  EXPECT_EQ(error_of(R"({"NULL": false})"),
            "One or more parameter values were invalid: Null attribute value types must have the value of true");
  EXPECT_EQ(error_of(R"({"SS": []})"), "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_NE(error_of(R"({"NS": ["1", "1.0"]})").find("contains duplicates"), std::string::npos);
  EXPECT_NE(error_of(R"({"B": "not base64!"})").find("Base64"), std::string::npos);
}

TEST(AttributeValue, SizesFollowTheServiceRules) {
  std::string e;
  auto item = item_from_json(json::parse(R"({"ab": {"S": "xyz"}, "n": {"N": "12345"}, "l": {"L": [{"BOOL": true}]}})"), &e);
  // "ab"+3, "n"+ (5+1)/2+1 = 4, "l" + 3 + (1+1)
  EXPECT_EQ(item_size(*item), 2u + 3 + 1 + 4 + 1 + 3 + 2);
}

// ---- expressions

Placeholders ph(const char* names, const char* values) {
  std::map<std::string, std::string> n;
  const json parsed_names = json::parse(names), parsed_values = json::parse(values);
  for (const auto& [k, v] : parsed_names.items()) n[k] = v.get<std::string>();
  std::map<std::string, AttributeValue> vs;
  std::string e;
  for (const auto& [k, v] : parsed_values.items()) vs[k] = *from_json(v, &e);
  return Placeholders(n, vs);
}

Item item(const char* text) {
  std::string e;
  auto i = item_from_json(json::parse(text), &e);
  EXPECT_TRUE(i) << e;
  return *i;
}

bool holds(const char* condition, const char* on_item, const char* values = "{}", const char* names = "{}") {
  auto p = ph(names, values);
  std::string error;
  auto c = parse_condition(condition, "ConditionExpression", p, &error);
  EXPECT_TRUE(c) << condition << ": " << error;
  if (!c) return false;
  const Item i = item(on_item);
  return evaluate(*c, &i);
}

TEST(Expression, ConditionsFollowPrecedenceAndFunctions) {
  const char* doc = R"({"a": {"N": "5"}, "s": {"S": "hello"}, "tags": {"SS": ["x", "y"]},
                       "m": {"M": {"l": {"L": [{"N": "1"}, {"S": "two"}]}}}})";
  EXPECT_TRUE(holds("a = :five", doc, R"({":five": {"N": "5.0"}})"));
  EXPECT_TRUE(holds("a BETWEEN :lo AND :hi", doc, R"({":lo": {"N": "1"}, ":hi": {"N": "5"}})"));
  EXPECT_TRUE(holds("NOT a < :lo OR a = :lo AND s = :lo", doc, R"({":lo": {"N": "1"}})"));
  EXPECT_TRUE(holds("a IN (:x, :five)", doc, R"({":x": {"N": "1"}, ":five": {"N": "5"}})"));
  EXPECT_TRUE(holds("begins_with(s, :p) AND contains(tags, :t)", doc, R"({":p": {"S": "he"}, ":t": {"S": "y"}})"));
  EXPECT_TRUE(holds("size(s) = :five AND attribute_type(a, :n)", doc, R"({":five": {"N": "5"}, ":n": {"S": "N"}})"));
  EXPECT_TRUE(holds("#m.l[1] = :two AND attribute_not_exists(#m.l[2])", doc, R"({":two": {"S": "two"}})", R"({"#m": "m"})"));
  // An empty string is a string (dynalite says otherwise: tests/dynamodb_differential.py).
  EXPECT_TRUE(holds("attribute_type(e, :s)", R"({"e": {"S": ""}})", R"({":s": {"S": "S"}})"));
  EXPECT_TRUE(holds("absent <> :x", doc, R"({":x": {"N": "1"}})"));  // a missing attribute is unequal
  EXPECT_FALSE(holds("absent = :x OR a < s", doc, R"({":x": {"N": "1"}})"));  // N < S: not comparable
  EXPECT_FALSE(holds("(a = :x OR a = :y) AND s = :y", doc, R"({":x": {"N": "5"}, ":y": {"N": "6"}})"));
}

std::string condition_error(const char* text, const char* values = "{}", const char* names = "{}") {
  auto p = ph(names, values);
  std::string error;
  EXPECT_FALSE(parse_condition(text, "ConditionExpression", p, &error));
  return error;
}

TEST(Expression, SyntaxAndPlaceholderErrorsNameTheProblem) {
  EXPECT_EQ(condition_error("a = :missing"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing");
  EXPECT_EQ(condition_error("#x = :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x");
  EXPECT_EQ(condition_error("status = :v", R"({":v": {"N": "1"}})"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_NE(condition_error("a = = :v", R"({":v": {"N": "1"}})").find("Syntax error; token: \"=\""), std::string::npos);
  EXPECT_NE(condition_error("a BETWEEN :hi AND :lo", R"({":lo": {"N": "1"}, ":hi": {"N": "5"}})").find("upper bound"),
            std::string::npos);
  EXPECT_NE(condition_error("foo(a)").find("Invalid function name; function: foo"), std::string::npos);
  EXPECT_NE(condition_error("a < :m", R"({":m": {"M": {}}})").find("operand type: M"), std::string::npos);
  auto p = ph(R"({"#unused": "x"})", R"({":v": {"N": "1"}, ":w": {"N": "2"}})");
  std::string error;
  ASSERT_TRUE(parse_condition("a = :v", "ConditionExpression", p, &error));
  EXPECT_EQ(p.unused(), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
}

// DynamoDB's documented expression limits, at the edge and one past it; and input that once
// overflowed the parser's stack (100k parentheses, 50k NOTs) answered with the service's errors.
TEST(Expression, LimitsOfSizeAndOperatorsAtTheEdgeAndOnePast) {
  const char* v = R"({":v": {"N": "1"}})";
  auto padded = [](std::string e, size_t size) { return e + std::string(size - e.size(), ' '); };
  auto p = ph("{}", v);
  std::string error;
  EXPECT_TRUE(parse_condition(padded("a = :v", kMaxExpressionBytes), "ConditionExpression", p, &error)) << error;
  EXPECT_EQ(condition_error(padded("a = :v", kMaxExpressionBytes + 1).c_str(), v),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097");
  auto ands = [](int operators) {  // a = :v AND a = :v ...: each clause one comparator, each AND one
    std::string e = "a=:v";
    for (int i = 1; 2 * i <= operators - 1; ++i) e += " AND a=:v";
    return e;
  };
  auto ok = ph("{}", v);
  EXPECT_TRUE(parse_condition(ands(kMaxOperators - 1), "ConditionExpression", ok, &error)) << error;  // 299
  EXPECT_EQ(condition_error((ands(kMaxOperators - 1) + " AND NOT a=:v").c_str(), v),
            "Invalid ConditionExpression: The expression contains too many operators; operator count: 301");
  // Inside 4 KB: as deep as the text allows, refused before the recursion gets anywhere near it.
  EXPECT_EQ(condition_error((std::string(1500, '(') + "a=:v" + std::string(1500, ')')).c_str(), v),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "NOT ";
  EXPECT_NE(condition_error((nots + "a=:v").c_str(), v).find("too many operators"), std::string::npos);
  // Past 4 KB: the size, before any parsing.
  EXPECT_NE(condition_error((std::string(100000, '(') + "a=:v").c_str(), v).find("Expression size has exceeded"),
            std::string::npos);
}

Item updated(const char* expr, const char* on_item, const char* values = "{}", std::string* error_out = nullptr) {
  auto p = ph("{}", values);
  std::string error;
  auto actions = parse_update(expr, p, &error);
  if (!actions) {
    if (!error_out) ADD_FAILURE() << expr << ": " << error;
    if (error_out) *error_out = error;
    return {};
  }
  auto next = apply_update(item(on_item), *actions, {"pk"}, &error);
  if (!next) {
    if (!error_out) ADD_FAILURE() << expr << ": " << error;
    if (error_out) *error_out = error;
    return {};
  }
  return *next;
}

TEST(Expression, UpdatesReadTheOldItemAndApplyEverySection) {
  const Item out = updated("SET a = a + :one, b = if_not_exists(b, :zero), l = list_append(l, :more), m.k = :one "
                           "REMOVE r, arr[0], arr[2] ADD c :one, tags :t DELETE gone :g",
                           R"({"pk": {"S": "p"}, "a": {"N": "1"}, "l": {"L": [{"N": "1"}, {"N": "2"}]}, "r": {"S": "x"},
                              "arr": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]},
                              "m": {"M": {}}, "gone": {"SS": ["g"]}, "tags": {"SS": ["a"]}})",
                           R"({":one": {"N": "1"}, ":zero": {"N": "0"}, ":more": {"L": [{"N": "3"}]}, ":t": {"SS": ["b"]},
                              ":g": {"SS": ["g"]}})");
  EXPECT_EQ(to_json(out), json::parse(R"({"pk": {"S": "p"}, "a": {"N": "2"}, "b": {"N": "0"},
      "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}, "m": {"M": {"k": {"N": "1"}}}, "c": {"N": "1"}, "tags": {"SS": ["a", "b"]},
      "arr": {"L": [{"N": "1"}, {"N": "3"}]}})"));
}

TEST(Expression, UpdateErrorsAreTheServiceErrors) {
  std::string error;
  updated("SET a = :v SET b = :v", R"({"pk": {"S": "p"}})", R"({":v": {"N": "1"}})", &error);
  EXPECT_NE(error.find("The \"SET\" section can only be used once"), std::string::npos) << error;
  updated("SET a = :v REMOVE a.b", R"({"pk": {"S": "p"}})", R"({":v": {"N": "1"}})", &error);
  EXPECT_NE(error.find("Two document paths overlap"), std::string::npos) << error;
  updated("SET pk = :v", R"({"pk": {"S": "p"}})", R"({":v": {"S": "q"}})", &error);
  EXPECT_NE(error.find("This attribute is part of the key"), std::string::npos) << error;
  updated("SET a = b + :v", R"({"pk": {"S": "p"}, "b": {"S": "x"}})", R"({":v": {"N": "1"}})", &error);
  EXPECT_NE(error.find("incorrect data type"), std::string::npos) << error;
  updated("SET x.y = :v", R"({"pk": {"S": "p"}})", R"({":v": {"N": "1"}})", &error);
  EXPECT_NE(error.find("document path provided in the update expression is invalid"), std::string::npos) << error;
  updated("ADD s :v", R"({"pk": {"S": "p"}})", R"({":v": {"S": "1"}})", &error);
  EXPECT_NE(error.find("operator: ADD, operand type: S"), std::string::npos) << error;
  updated("REMOVE absent[0]", R"({"pk": {"S": "p"}})", "{}", &error);
  EXPECT_NE(error.find("document path provided in the update expression is invalid"), std::string::npos) << error;
  updated("ADD n :v", R"({"pk": {"S": "p"}, "n": {"S": "x"}})", R"({":v": {"N": "1"}})", &error);
  EXPECT_EQ(error, "An operand in the update expression has an incorrect data type");
}

TEST(Expression, ProjectionKeepsOnlyThePaths) {
  auto p = ph(R"({"#n": "name"})", "{}");
  std::string error;
  auto paths = parse_projection("#n, m.a, l[2], l[0], x[1], m.zz, l[7]", p, &error);
  ASSERT_TRUE(paths) << error;
  const Item out = project(item(R"({"name": {"S": "n"}, "x": {"S": "drop"}, "m": {"M": {"a": {"N": "1"}, "b": {"N": "2"}}},
                                   "l": {"L": [{"S": "l0"}, {"S": "l1"}, {"S": "l2"}]}})"),
                           *paths);
  EXPECT_EQ(to_json(out), json::parse(R"({"name": {"S": "n"}, "m": {"M": {"a": {"N": "1"}}}, "l": {"L": [{"S": "l0"}, {"S": "l2"}]}})"));
}

// ---- the API

class Api : public ::testing::Test {
 protected:
  int64_t now = 1'700'000'000'000;
  DynamoApi api{[this] { return now; }};
  CallContext ctx;

  json call(const char* op, const json& req, int status = 200) {
    auto r = api.call(op, req, ctx);
    EXPECT_EQ(r.status, status) << op << ": " << r.body.dump();
    return r.body;
  }
  std::string error(const char* op, const json& req) {
    auto r = api.call(op, req, ctx);
    EXPECT_EQ(r.status, 400) << r.body.dump();
    return r.body.value("__type", "") + " " + r.body.value("message", r.body.value("Message", ""));
  }
  void SetUp() override {
    call("CreateTable", json::parse(R"({"TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]})"));
  }
  void put(const std::string& pk, int sk, int v = 0) {
    call("PutItem", {{"TableName", "tbl"},
                     {"Item", {{"pk", {{"S", pk}}}, {"sk", {{"N", std::to_string(sk)}}}, {"v", {{"N", std::to_string(v)}}}}}});
  }
};

TEST_F(Api, TablesAreCreatedDescribedListedAndDeleted) {
  EXPECT_EQ(error("CreateTable", json::parse(R"({"TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})")),
            "com.amazonaws.dynamodb.v20120810#ResourceInUseException Table already exists: tbl");
  auto d = call("DescribeTable", {{"TableName", "tbl"}});
  EXPECT_EQ(d["Table"]["TableStatus"], "ACTIVE");
  EXPECT_EQ(d["Table"]["TableArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/tbl");
  EXPECT_EQ(call("ListTables", json::object())["TableNames"], json::array({"tbl"}));
  // Another account does not see it.
  ctx.account = "111111111111";
  EXPECT_EQ(call("ListTables", json::object())["TableNames"], json::array());
  ctx.account = "000000000000";
  call("DeleteTable", {{"TableName", "tbl"}});
  EXPECT_NE(error("DescribeTable", {{"TableName", "tbl"}}).find("ResourceNotFoundException"), std::string::npos);
}

TEST_F(Api, ConditionalWritesFailWithTheOldItemWhenAsked) {
  put("a", 1, 7);
  json req = {{"TableName", "tbl"},
              {"Item", {{"pk", {{"S", "a"}}}, {"sk", {{"N", "1"}}}}},
              {"ConditionExpression", "attribute_not_exists(pk)"},
              {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}};
  auto r = api.call("PutItem", req, ctx);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(r.body["Item"]["v"]["N"], "7");
  EXPECT_FALSE(r.mutated);
}

TEST_F(Api, UpdateItemReturnsTheImagesAskedFor) {
  put("a", 1, 7);
  auto r = call("UpdateItem", json::parse(R"({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
      "UpdateExpression": "SET v = v + :d, w = :w", "ExpressionAttributeValues": {":d": {"N": "0.5"}, ":w": {"S": "x"}},
      "ReturnValues": "UPDATED_NEW"})"));
  EXPECT_EQ(r["Attributes"], json::parse(R"({"v": {"N": "7.5"}, "w": {"S": "x"}})"));
  r = call("UpdateItem", json::parse(R"({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
      "UpdateExpression": "REMOVE w", "ReturnValues": "UPDATED_OLD"})"));
  EXPECT_EQ(r["Attributes"], json::parse(R"({"w": {"S": "x"}})"));
}

TEST_F(Api, QueryPagesWithLimitAndFilterInNumericOrder) {
  for (int sk : {10, 9, 100, 2}) put("a", sk, sk % 2);
  put("b", 1);
  json req = json::parse(R"({"TableName": "tbl", "KeyConditionExpression": "pk = :p AND sk >= :lo",
      "FilterExpression": "v = :zero", "Limit": 2,
      "ExpressionAttributeValues": {":p": {"S": "a"}, ":lo": {"N": "2"}, ":zero": {"N": "0"}}})");
  auto page = call("Query", req);
  // Limit counts items read (2 and 9), the filter then drops 9: Count 1, ScannedCount 2.
  EXPECT_EQ(page["ScannedCount"], 2);
  EXPECT_EQ(page["Count"], 1);
  EXPECT_EQ(page["Items"][0]["sk"]["N"], "2");
  EXPECT_EQ(page["LastEvaluatedKey"], json::parse(R"({"pk": {"S": "a"}, "sk": {"N": "9"}})"));
  req["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  page = call("Query", req);
  EXPECT_EQ(page["Items"].size(), 2u);  // 10 and 100
  EXPECT_EQ(page["Items"][1]["sk"]["N"], "100");
  EXPECT_TRUE(page.contains("LastEvaluatedKey"));  // the page was cut by Limit, like the service
  req["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  page = call("Query", req);
  EXPECT_EQ(page["Count"], 0);
  EXPECT_FALSE(page.contains("LastEvaluatedKey"));
}

TEST_F(Api, QueryRefusesBadKeyConditions) {
  EXPECT_NE(error("Query", json::parse(R"({"TableName": "tbl", "KeyConditionExpression": "sk = :v",
      "ExpressionAttributeValues": {":v": {"N": "1"}}})")).find("Query condition missed key schema element: pk"),
            std::string::npos);
  EXPECT_NE(error("Query", json::parse(R"({"TableName": "tbl", "KeyConditionExpression": "pk = :v",
      "ExpressionAttributeValues": {":v": {"S": "a"}, ":unused": {"S": "b"}}})")).find("unused in expressions: keys: {:unused}"),
            std::string::npos);
  EXPECT_NE(error("Query", json::parse(R"({"TableName": "tbl", "KeyConditionExpression": "pk = :v", "FilterExpression": "sk = :v",
      "ExpressionAttributeValues": {":v": {"S": "a"}}})")).find("non-primary key attributes"),
            std::string::npos);
}

TEST_F(Api, TransactionsAreAllOrNothingWithReasons) {
  put("a", 1, 1);
  json req = json::parse(R"({"TransactItems": [
      {"Put": {"TableName": "tbl", "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
      {"ConditionCheck": {"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                          "ConditionExpression": "v = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}}]})");
  auto r = api.call("TransactWriteItems", req, ctx);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
  EXPECT_EQ(r.body["CancellationReasons"][1]["Code"], "ConditionalCheckFailed");
  EXPECT_EQ(r.body["Message"], "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]");
  EXPECT_EQ(call("GetItem", json::parse(R"({"TableName": "tbl", "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}})")), json::object());
  req["TransactItems"][1]["ConditionCheck"]["ExpressionAttributeValues"][":two"]["N"] = "1";
  call("TransactWriteItems", req);
  EXPECT_TRUE(call("GetItem", json::parse(R"({"TableName": "tbl", "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}})")).contains("Item"));
  EXPECT_NE(error("TransactWriteItems", json::parse(R"({"TransactItems": [
      {"Delete": {"TableName": "tbl", "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
      {"Delete": {"TableName": "tbl", "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}}}]})")).find("multiple operations on one item"),
            std::string::npos);
}

TEST_F(Api, PartitionThroughputIsBudgetedPerSecond) {
  // 1,000 write units per partition per second: a 1,001st one-unit write in the same second fails.
  for (int i = 0; i < 1000; ++i) put("hot", i);
  auto r = api.call("PutItem", {{"TableName", "tbl"}, {"Item", {{"pk", {{"S", "hot"}}}, {"sk", {{"N", "5000"}}}}}}, ctx);
  EXPECT_EQ(r.body["__type"], "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
  put("cold", 1);  // another partition is unaffected
  now += 1000;
  put("hot", 5000);
}

TEST_F(Api, KeysAreValidatedAgainstTheSchema) {
  EXPECT_NE(error("GetItem", json::parse(R"({"TableName": "tbl", "Key": {"pk": {"S": "a"}}})")).find("does not match the schema"),
            std::string::npos);
  EXPECT_NE(error("PutItem", json::parse(R"({"TableName": "tbl", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}})"))
                .find("Type mismatch for key sk expected: N actual: S"),
            std::string::npos);
  EXPECT_NE(error("PutItem", json::parse(R"({"TableName": "tbl", "Item": {"pk": {"S": ""}, "sk": {"N": "1"}}})"))
                .find("cannot contain an empty string value"),
            std::string::npos);
  EXPECT_EQ(error("Frobnicate", json::object()).substr(0, 50), "com.amazon.coral.service#UnknownOperationException");
}

// Attributes nest 32 levels in DynamoDB (an item's own attributes are level 1): 31 maps around a
// scalar are stored, 32 are refused with the service's message, and so is anything deeper.
TEST_F(Api, AttributesNestThirtyTwoLevelsAndNoMore) {
  auto wrapped = [](int maps, bool as_list) {
    json v = {{"S", "leaf"}};
    for (int i = 0; i < maps; ++i) {
      json outer = json::object();
      if (as_list) outer["L"].push_back(std::move(v));
      else outer["M"]["k"] = std::move(v);
      v = std::move(outer);
    }
    return json{{"TableName", "tbl"}, {"Item", {{"pk", {{"S", "a"}}}, {"sk", {{"N", "1"}}}, {"deep", v}}}};
  };
  call("PutItem", wrapped(kMaxNestingLevels - 1, false));
  call("PutItem", wrapped(kMaxNestingLevels - 1, true));
  const std::string refused =
      "com.amazon.coral.validate#ValidationException Nesting Levels have exceeded supported limits: Attributes in the "
      "item have nested levels beyond supported limit";
  EXPECT_EQ(error("PutItem", wrapped(kMaxNestingLevels, false)), refused);
  EXPECT_EQ(error("PutItem", wrapped(kMaxNestingLevels, true)), refused);
  // As deep as fakes serve lets a body be (kMaxJsonDepth levels of JSON): deeper ones never reach here.
  EXPECT_EQ(error("PutItem", wrapped(48, false)), refused);
}

TEST_F(Api, ItemsOverFourHundredKilobytesAreRefused) {
  json req = {{"TableName", "tbl"},
              {"Item", {{"pk", {{"S", "a"}}}, {"sk", {{"N", "1"}}}, {"big", {{"S", std::string(400 * 1024, 'x')}}}}}};
  EXPECT_EQ(error("PutItem", req), "com.amazon.coral.validate#ValidationException Item size has exceeded the maximum allowed size");
}

}  // namespace
}  // namespace tenantsim::dynamo
