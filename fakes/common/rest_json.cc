#include "fakes/common/rest_json.h"

#include <cctype>

#include "core/base/rng.h"

namespace tenantsim::rest_json {

Reply fail(int status, const std::string& name, const std::string& message) {
  return Reply{status, nlohmann::json{{"message", message}}, name, false};
}
Reply invalid(const std::string& message) { return fail(400, "ValidationException", message); }
Reply not_found(const std::string& what) { return fail(404, "ResourceNotFoundException", what + " was not found"); }

std::string derived_id(const std::string& seed) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  Rng r(stable_hash(seed));
  std::string id;
  for (int i = 0; i < 10; ++i) id += kAlphabet[r.uniform(36)];
  return id;
}

bool valid_name(const std::string& name) {
  int alnum = 0;
  bool after_alnum = false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      ++alnum;
      after_alnum = true;
    } else if ((c == '_' || c == '-') && after_alnum) {
      after_alnum = false;
    } else {
      return false;
    }
  }
  return alnum >= 1 && alnum <= 100;
}

std::vector<std::string> path_parts(const std::string& path, std::string_view root) {
  std::vector<std::string> parts;
  const std::string rest = path.size() > root.size() ? path.substr(root.size()) : "";
  for (size_t at = 0; at < rest.size();) {
    const size_t slash = rest.find('/', at);
    parts.push_back(rest.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
    at = slash == std::string::npos ? rest.size() : slash + 1;
  }
  return parts;
}

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  const nlohmann::json* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

}  // namespace tenantsim::rest_json
