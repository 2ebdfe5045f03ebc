// A target profile: how `tenantsim load` reaches a system under test whose API is not ours, so the
// same plan, probes and oracle judge any implementation of the seed API (issue 33). A profile is a
// JSON file (scenarios/data/targets/*.json ships `tenantsim` and `seed-000`; SCHEMA.md documents the
// fields) that says:
//  - how users come to exist and get their tokens: through our register API (`tenantsim-api`), or
//    directly on the Cognito user pool the target trusts (`cognito`: SignUp with the profile's
//    attributes, AdminConfirmSignUp, InitiateAuth), with a tenant's first admin made by the
//    operator (a group on the pool), as a team's own set-up script would;
//  - the method, path and body of each behaviour the plan draws (chat, session, usage,
//    subscription, costs), with {placeholders};
//  - the routes that must refuse a caller with no token, and the admin routes a plain user must not
//    reach;
//  - what a refusal looks like there: the statuses of no token, an untrusted token and a caller
//    reaching past its rights, and how to read an error's code (a JSON pointer, and texts mapped to
//    the catalogue's codes, so limits are recognised by the oracle whatever the target calls them).
// Everything here is validated when loaded; an error names the file and the field.
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace tenantsim::load {

struct RouteTemplate {
  std::string method;      // GET, POST, PUT, PATCH, DELETE
  std::string path;        // "/api/tenants/{tenant_id}/usage"
  nlohmann::json body;     // null: no body; every string in it is a template
  std::set<int> ok;        // the statuses of success
  std::string field;       // "routes.chat": where the profile defines it, for messages
};

// The values a template's {placeholders} take. {tenant_id} is the tenant a request is about (for a
// cross-tenant probe, the other one); {own_tenant_id} the caller's own.
struct TemplateVars {
  std::string tenant_id, own_tenant_id, user_id, username, password, session_id, message, tier;
  std::string n;  // the user's number in its tenant (0: the admin), for `username`
};

struct RenderedRequest {
  std::string method, path;
  nlohmann::json body;  // null: none
};

// Placeholders are replaced as they are in the body and percent-encoded in the path.
RenderedRequest render(const RouteTemplate& route, const TemplateVars& vars);
// A template's text, or every string of a JSON template, with its placeholders replaced.
std::string render_text(const std::string& text, const TemplateVars& vars);
nlohmann::json render_json(const nlohmann::json& doc, const TemplateVars& vars);

enum class Onboarding { kTenantsimApi, kCognito };

struct TargetProfile {
  std::string name, description, file;
  Onboarding onboarding = Onboarding::kTenantsimApi;
  // kCognito: the attributes of SignUp (templates), the token the target takes, and the group that
  // makes a tenant's admin ("" when the target has none).
  nlohmann::json sign_up_attributes = nlohmann::json::object();
  std::string token = "id_token";  // or "access_token"
  std::string admin_group;         // "{tenant_id}-admins"
  std::string username = "user{n}@{tenant_id}";  // template of a user's name

  RouteTemplate session;           // opens a chat session
  std::string session_id;          // JSON pointer into its answer: "/session_id"
  RouteTemplate chat, usage, subscription, costs;
  std::vector<RouteTemplate> token_routes;  // each must refuse a caller with no token
  std::vector<RouteTemplate> admin_routes;  // each must refuse a plain user of the tenant
  // What the chat's answer says, as JSON pointers ("": the target does not say): its text, its
  // request id, the tools it used and refused. Without tools the oracle cannot judge tool gating.
  std::string chat_text = "/response", chat_request_id, chat_tools_used, chat_tools_refused;
  // When a 2xx chat is a failure all the same (the sample answers 200 "Agent Error: ..." when the
  // model fails): the user met a failure, and availability counts it as one.
  struct FailureMark {
    std::string pointer;
    std::optional<nlohmann::json> equals;
    std::string starts_with;
  };
  std::vector<FailureMark> chat_failed_when;
  // True when a 2xx chat answer's body matches a failure mark.
  bool chat_failed(const nlohmann::json& body) const;
  // Whether a subscription's answer carries the caller's usage in our shape (limits.usage_reported).
  bool subscription_reports_usage = false;

  std::set<int> no_token, untrusted_token, forbidden;  // the refusals' statuses
  std::string error_code;                            // JSON pointer of an error's code or text
  std::map<std::string, std::string> error_codes;    // text -> catalogue code (DailyLimitExceeded...)

  // The catalogue code of an error answer's body: the text at `error_code`, mapped when listed.
  std::string code_of(const std::string& body) const;
};

// `name_or_path`: a shipped profile's name (a file `targets/<name>.json` of the data directory) or
// a file's path. kBadRequest naming the file and the field when it is not a valid profile.
Result<TargetProfile> load_target_profile(const std::string& name_or_path, const std::string& data_dir);

// The same from a parsed document (tests); `file` names it in errors.
Result<TargetProfile> parse_target_profile(const nlohmann::json& doc, const std::string& file);

}  // namespace tenantsim::load
