#include "harness/load/target_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "scenarios/field_reader.h"

namespace tenantsim::load {

namespace {

using json = nlohmann::json;

Error invalid(std::string what) { return Error::make(ErrorKind::kBadRequest, "InvalidTargetProfile", std::move(what)); }

const std::set<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
const std::set<std::string> kPlaceholders = {"tenant_id", "own_tenant_id", "user_id", "username", "password",
                                             "session_id", "message", "tier", "n"};

// Every {name} of `text` must be a placeholder the driver fills.
void check_placeholders(FieldReader& r, const std::string& field, const std::string& text) {
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return r.fail(field, fmt::format("'{}' opens a placeholder it never closes", text));
    const std::string name = text.substr(open + 1, close - open - 1);
    if (!kPlaceholders.count(name))
      return r.fail(field, fmt::format("unknown placeholder {{{}}} (known: tenant_id, own_tenant_id, user_id, username, "
                                       "password, session_id, message, tier, n)", name));
  }
}

void check_body_placeholders(FieldReader& r, const std::string& field, const json& body) {
  if (body.is_string()) return check_placeholders(r, field, body.get<std::string>());
  if (body.is_object())
    for (const auto& [k, v] : body.items()) check_body_placeholders(r, field + "." + k, v);
  if (body.is_array())
    for (size_t i = 0; i < body.size(); ++i) check_body_placeholders(r, fmt::format("{}[{}]", field, i), body[i]);
}

std::set<int> statuses(FieldReader& r, const std::string& k, std::set<int> fallback, bool required = false) {
  const json* v = r.get(k, required);
  if (!v) return fallback;
  std::set<int> out;
  if (v->is_array())
    for (const auto& s : *v)
      if (s.is_number_integer() && s.get<int64_t>() >= 100 && s.get<int64_t>() <= 599) out.insert(s.get<int>());
  if (out.empty() || !v->is_array() || out.size() != v->size())
    r.fail(r.at(k), "must be a non-empty list of HTTP statuses (100..599)");
  return out;
}

// The statuses of one class of refusal: 4xx only (a 2xx or a 5xx is no refusal).
std::set<int> refusal_statuses(FieldReader& r, const std::string& k) {
  std::set<int> out = statuses(r, k, {}, true);
  if (std::any_of(out.begin(), out.end(), [](int s) { return s < 400 || s > 499; }))
    r.fail(r.at(k), "a refusal is a 4xx status");
  return out;
}

void pointer(FieldReader& r, const std::string& k, std::string& out) {
  r.string(k, out);
  if (out.empty()) return;
  try {
    (void)json::json_pointer(out);  // RFC 6901: '/' before each token, '~' only as ~0 or ~1
  } catch (const json::exception&) {
    r.fail(r.at(k), "must be a JSON pointer (\"/field/sub\") or \"\"");
  }
}

RouteTemplate route(const json& j, const std::string& field, std::vector<ScenarioProblem>& problems,
                    std::set<int> default_ok) {
  RouteTemplate t;
  t.field = field;
  FieldReader r(j, field, problems);
  r.string("method", t.method, true);
  if (!t.method.empty() && !kMethods.count(t.method)) r.fail(r.at("method"), "must be one of GET, POST, PUT, PATCH, DELETE");
  r.string("path", t.path, true);
  if (!t.path.empty() && t.path[0] != '/') r.fail(r.at("path"), "must start with '/'");
  if (t.path.find_first_of(" \r\n#") != std::string::npos) r.fail(r.at("path"), "must hold no spaces, line breaks or '#'");
  check_placeholders(r, r.at("path"), t.path);
  if (const json* b = r.get("body")) {
    t.body = *b;
    check_body_placeholders(r, r.at("body"), t.body);
  }
  t.ok = statuses(r, "ok", std::move(default_ok));
  return t;
}

std::string percent_encoded(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '@') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

template <typename Encode>
std::string substitute(const std::string& text, const TemplateVars& v, Encode encode) {
  std::string out;
  size_t at = 0;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', at)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    out.append(text, at, open - at);
    const std::string name = text.substr(open + 1, close - open - 1);
    const std::string* value = name == "tenant_id"       ? &v.tenant_id
                             : name == "own_tenant_id" ? &v.own_tenant_id
                             : name == "user_id"       ? &v.user_id
                             : name == "username"      ? &v.username
                             : name == "password"      ? &v.password
                             : name == "session_id"    ? &v.session_id
                             : name == "message"       ? &v.message
                             : name == "tier"          ? &v.tier
                             : name == "n"             ? &v.n
                                                       : nullptr;
    out += value ? encode(*value) : text.substr(open, close - open + 1);
    at = close + 1;
  }
  out.append(text, at, std::string::npos);
  return out;
}

}  // namespace

std::string render_text(const std::string& text, const TemplateVars& vars) {
  return substitute(text, vars, [](const std::string& s) { return s; });
}

json render_json(const json& doc, const TemplateVars& vars) {
  if (doc.is_string()) return render_text(doc.get<std::string>(), vars);
  json out = doc;
  if (doc.is_object())
    for (auto& [k, x] : out.items()) x = render_json(x, vars);
  if (doc.is_array())
    for (auto& x : out) x = render_json(x, vars);
  return out;
}

RenderedRequest render(const RouteTemplate& route, const TemplateVars& vars) {
  RenderedRequest r;
  r.method = route.method;
  // The query part keeps its own separators; only the placeholders' values are encoded.
  r.path = substitute(route.path, vars, percent_encoded);
  if (!route.body.is_null()) r.body = render_json(route.body, vars);
  return r;
}

std::string TargetProfile::code_of(const std::string& body) const {
  if (error_code.empty()) return "";
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return "";
  const json::json_pointer p(error_code);
  if (!j.contains(p) || !j[p].is_string()) return "";
  const std::string text = j[p].get<std::string>();
  const auto mapped = error_codes.find(text);
  return mapped == error_codes.end() ? text : mapped->second;
}

bool TargetProfile::chat_failed(const json& body) const {
  for (const auto& m : chat_failed_when) {
    const json::json_pointer at(m.pointer);
    if (!body.is_object() || !body.contains(at)) continue;
    const json& v = body[at];
    if (m.equals && v == *m.equals) return true;
    if (!m.starts_with.empty() && v.is_string() && v.get<std::string>().starts_with(m.starts_with)) return true;
  }
  return false;
}

Result<TargetProfile> parse_target_profile(const json& doc, const std::string& file) {
  std::vector<ScenarioProblem> problems;
  TargetProfile p;
  p.file = file;
  {
    FieldReader r(doc, "", problems);
    r.string("name", p.name, true);
    r.string("description", p.description);
    std::string users;
    if (const json* id = r.get("identity", true)) {
      FieldReader i(*id, "identity", problems);
      i.string("users", users, true);
      if (users == "tenantsim-api") p.onboarding = Onboarding::kTenantsimApi;
      else if (users == "cognito") p.onboarding = Onboarding::kCognito;
      else if (!users.empty()) i.fail(i.at("users"), "must be \"tenantsim-api\" or \"cognito\"");
      i.string("username", p.username);
      check_placeholders(i, i.at("username"), p.username);
      i.string("token", p.token);
      if (p.token != "id_token" && p.token != "access_token") i.fail(i.at("token"), "must be \"id_token\" or \"access_token\"");
      i.string("admin_group", p.admin_group);
      check_placeholders(i, i.at("admin_group"), p.admin_group);
      if (const json* a = i.get("sign_up_attributes")) {
        if (!a->is_object()) i.fail(i.at("sign_up_attributes"), "must be an object of attribute name -> template");
        else
          for (const auto& [k, v] : a->items())
            if (!v.is_string()) i.fail(i.at("sign_up_attributes") + "." + k, "must be a string");
        p.sign_up_attributes = *a;
        check_body_placeholders(i, i.at("sign_up_attributes"), *a);
      }
      if (p.onboarding == Onboarding::kCognito && p.sign_up_attributes.empty())
        i.fail(i.at("sign_up_attributes"), "is required with \"users\": \"cognito\" (at least the tenant's claim)");
    }
    if (const json* s = r.get("session", true)) {
      FieldReader sr(*s, "session", problems);
      if (const json* rt = sr.get("route", true)) p.session = route(*rt, "session.route", problems, {200, 201});
      pointer(sr, "session_id", p.session_id);
      if (p.session_id.empty()) sr.fail(sr.at("session_id"), "is required: where the answer says the session's id");
    }
    if (const json* routes = r.get("routes", true)) {
      FieldReader rr(*routes, "routes", problems);
      const std::pair<const char*, RouteTemplate*> named[] = {
          {"chat", &p.chat}, {"usage", &p.usage}, {"subscription", &p.subscription}, {"costs", &p.costs}};
      for (const auto& [k, t] : named)
        if (const json* v = rr.get(k, true)) *t = route(*v, std::string("routes.") + k, problems, {200});
    }
    for (const auto& [k, list] : {std::pair{"token_routes", &p.token_routes}, std::pair{"admin_routes", &p.admin_routes}}) {
      const json* v = r.get(k, true);
      if (!v) continue;
      if (!v->is_array() || v->empty()) {
        r.fail(k, "must be a non-empty list of routes");
        continue;
      }
      for (size_t i = 0; i < v->size(); ++i) list->push_back(route((*v)[i], fmt::format("{}[{}]", k, i), problems, {200}));
    }
    if (const json* c = r.get("chat_answer")) {
      FieldReader cr(*c, "chat_answer", problems);
      pointer(cr, "text", p.chat_text);
      pointer(cr, "request_id", p.chat_request_id);
      pointer(cr, "tools_used", p.chat_tools_used);
      pointer(cr, "tools_refused", p.chat_tools_refused);
      if (const json* marks = cr.get("failed_when")) {
        if (!marks->is_array()) cr.fail(cr.at("failed_when"), "must be a list of {\"pointer\", \"equals\" or \"starts_with\"}");
        else
          for (size_t i = 0; i < marks->size(); ++i) {
            const std::string at = fmt::format("{}[{}]", cr.at("failed_when"), i);
            FieldReader mr((*marks)[i], at, problems);
            TargetProfile::FailureMark m;
            pointer(mr, "pointer", m.pointer);
            if (m.pointer.empty()) mr.fail(mr.at("pointer"), "is required");
            if (const json* e = mr.get("equals")) m.equals = *e;
            mr.string("starts_with", m.starts_with);
            if (m.equals.has_value() == !m.starts_with.empty())
              mr.fail(at, "needs exactly one of \"equals\" and \"starts_with\"");
            p.chat_failed_when.push_back(std::move(m));
          }
      }
    }
    r.boolean("subscription_reports_usage", p.subscription_reports_usage);
    if (const json* f = r.get("refusals", true)) {
      FieldReader fr(*f, "refusals", problems);
      p.no_token = refusal_statuses(fr, "no_token");
      p.untrusted_token = refusal_statuses(fr, "untrusted_token");
      p.forbidden = refusal_statuses(fr, "forbidden");
      pointer(fr, "code", p.error_code);
      if (const json* codes = fr.get("codes")) {
        if (!codes->is_object()) fr.fail(fr.at("codes"), "must be an object of error text -> catalogue code");
        else
          for (const auto& [text, code] : codes->items()) {
            if (code.is_string()) p.error_codes[text] = code.get<std::string>();
            else fr.fail(fr.at("codes") + "." + text, "must be a string");
          }
      }
    }
  }
  if (problems.empty()) return p;
  std::string message = fmt::format("target profile {}:", file);
  for (const auto& problem : problems) message += fmt::format("\n  {}: {}", problem.path, problem.reason);
  return invalid(message);
}

Result<TargetProfile> load_target_profile(const std::string& name_or_path, const std::string& data_dir) {
  const bool is_path = name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json");
  const std::string file = is_path ? name_or_path : data_dir + "/targets/" + name_or_path + ".json";
  std::ifstream in(file);
  if (!in)
    return invalid(is_path ? fmt::format("--profile {}: cannot read the file", file)
                           : fmt::format("--profile {}: no such shipped profile ({} is not there; the shipped ones are "
                                         "tenantsim and seed-000, or give a file's path)", name_or_path, file));
  const json doc = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
  if (doc.is_discarded()) return invalid(fmt::format("target profile {}: not valid JSON", file));
  return parse_target_profile(doc, file);
}

}  // namespace tenantsim::load
