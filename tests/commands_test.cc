// The endpoints' typed inputs: each parser takes a well-formed body to its struct, and refuses a bad
// one with 400 and the name of the first bad field, so a service never sees an unchecked value.
#include <gtest/gtest.h>

#include "core/api/commands.h"

namespace tenantsim {
namespace {

using nlohmann::json;

template <class T>
std::string refusal(const Result<T>& r) {
  if (r.ok()) return "accepted";
  EXPECT_EQ(r.error().kind, ErrorKind::kBadRequest) << r.error().message;
  return r.error().name + ": " + r.error().message;
}

TEST(Commands, RegistrationTakesAnOffsetOrAZoneAndTypedExtras) {
  json body = {{"tenant_id", "acme"}, {"username", "ann"}, {"password", "pw-123456"}, {"subscription_tier", "basic"},
               {"admin", true}, {"utc_offset_minutes", -300}, {"email", "ann@acme.test"}};
  auto r = parse_register_tenant(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tenant_id, "acme");
  EXPECT_EQ(r->tier, "basic");
  EXPECT_TRUE(r->admin);
  EXPECT_EQ(r->utc_offset_minutes, -300);
  EXPECT_FALSE(r->time_zone.has_value());
  EXPECT_EQ(r->email, "ann@acme.test");

  json both = body;
  both["time_zone"] = "Europe/London";
  EXPECT_NE(refusal(parse_register_tenant(both)).find("not both"), std::string::npos);
  json far = body;
  far["utc_offset_minutes"] = 15 * 60;
  EXPECT_EQ(refusal(parse_register_tenant(far)).rfind("InvalidUtcOffset", 0), 0u);
  json admin_text = body;
  admin_text["admin"] = "yes";
  EXPECT_NE(refusal(parse_register_tenant(admin_text)).find("'admin'"), std::string::npos);
  // An email that is not a string was a 500 (the JSON library threw); it is a 400 naming it.
  json email_number = body;
  email_number["email"] = 7;
  EXPECT_NE(refusal(parse_register_tenant(email_number)).find("'email'"), std::string::npos);
  json missing = body;
  missing.erase("password");
  EXPECT_NE(refusal(parse_register_tenant(missing)).find("'password'"), std::string::npos);
}

TEST(Commands, ChatNeedsAMessageAndAWholeTenantContext) {
  json ok = {{"message", "hi"}, {"tenant_context", {{"tenant_id", "acme"}, {"user_id", "u1"}, {"session_id", "s1"}}}};
  auto r = parse_chat_request(ok);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message, "hi");
  EXPECT_EQ(r->session_id, "s1");
  EXPECT_NE(refusal(parse_chat_request(json{{"message", "hi"}})).find("tenant_context"), std::string::npos);
  json no_session = ok;
  no_session["tenant_context"].erase("session_id");
  EXPECT_NE(refusal(parse_chat_request(no_session)).find("'session_id'"), std::string::npos);
  json long_message = ok;
  long_message["message"] = std::string(32 * 1024 + 1, 'x');
  EXPECT_EQ(refusal(parse_chat_request(long_message)).rfind("FieldTooLong", 0), 0u);
}

TEST(Commands, RuntimeInvocationTakesTheHeaderIdAndRefusesShortOnesUnlessTold) {
  const std::string id(36, 'a');
  json body = {{"prompt", "p"}, {"sessionAttributes", {{"tenant_id", "acme"}}}, {"enableTrace", true}};
  auto r = parse_runtime_invocation(body, id, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->runtime_session_id, id);
  EXPECT_EQ(r->attribute_tenant, "acme");
  EXPECT_EQ(r->attribute_user, "");
  EXPECT_TRUE(r->trace);
  json in_body = body;
  in_body["runtimeSessionId"] = id;
  EXPECT_EQ(parse_runtime_invocation(in_body, "", false)->runtime_session_id, id);
  EXPECT_EQ(refusal(parse_runtime_invocation(body, "short", false)).rfind("ValidationException", 0), 0u);
  EXPECT_TRUE(parse_runtime_invocation(body, "short", true).ok()) << "the runtime-session-id-short defect";
  json numbers = body;
  numbers["sessionAttributes"] = {{"tenant_id", 3}};
  EXPECT_NE(refusal(parse_runtime_invocation(numbers, id, false)).find("sessionAttributes"), std::string::npos);
}

TEST(Commands, McpKnowsItsTwoMethodsAndStringArguments) {
  auto list = parse_mcp_request(json{{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/list"}});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->method, McpRequest::Method::kListTools);
  EXPECT_EQ(list->id, 4);
  auto call = parse_mcp_request(json{{"jsonrpc", "2.0"}, {"method", "tools/call"},
                                     {"params", {{"name", "get_current_weather"}, {"arguments", {{"city", "Oslo"}}}}}});
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->tool, "get_current_weather");
  EXPECT_EQ(call->arguments.at("city"), "Oslo");
  auto unknown = parse_mcp_request(json{{"jsonrpc", "2.0"}, {"method", "resources/list"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(refusal(parse_mcp_request(json{{"jsonrpc", "1.0"}, {"method", "tools/list"}})).rfind("InvalidRequest", 0), 0u);
  EXPECT_EQ(refusal(parse_mcp_request(json{{"jsonrpc", "2.0"}, {"method", "tools/call"},
                                           {"params", {{"name", "x"}, {"arguments", {{"city", 1}}}}}}))
                .rfind("InvalidParams", 0),
            0u);
}

TEST(Commands, AdminInputsTypeTheirOptionalFields) {
  auto add = parse_add_to_group(json{{"username", "bob"}});
  ASSERT_TRUE(add.ok());
  EXPECT_FALSE(add->group.has_value());
  EXPECT_NE(refusal(parse_add_to_group(json{{"username", "bob"}, {"group", 5}})).find("'group'"), std::string::npos);
  auto user = parse_create_user(json{{"username", "bob"}, {"password", "pw-123456"}, {"email", 5}});
  ASSERT_TRUE(user.ok());
  EXPECT_FALSE(user->email.has_value()) << "a non-string email is left out";
  EXPECT_NE(refusal(parse_weather_tool_call(json{{"city", ""}})).find("'city'"), std::string::npos);
}

}  // namespace
}  // namespace tenantsim
