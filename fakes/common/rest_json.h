// What the fakes of AWS's REST-JSON services (Bedrock's knowledge bases and agents) share: the
// answer of one call, the ids the service gives its resources, the Name shape, and reading members
// of a request body that may hold anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tenantsim::rest_json {

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::string error;     // the exception's name when the call failed (x-amzn-ErrorType)
  bool mutated = false;  // the state changed: what a write-ahead log must record
};

Reply fail(int status, const std::string& name, const std::string& message);
Reply invalid(const std::string& message);          // 400 ValidationException
Reply not_found(const std::string& what);           // 404 ResourceNotFoundException

// Ten characters of [0-9A-Z] (AWS's id shape for knowledge bases, agents, aliases), derived from
// `seed` so that a replayed state log rebuilds the same ids.
std::string derived_id(const std::string& seed);

// AWS's Name shape ([0-9a-zA-Z][_-]?){1,100}: up to 100 letters or digits, each may be followed by
// one '_' or '-'.
bool valid_name(const std::string& name);

// The parts of `path` after `root` ("/agents/" and "/agents/a/b/" give {a, b}).
std::vector<std::string> path_parts(const std::string& path, std::string_view root);

// The member `key` of `j` if `j` is an object that has it.
const nlohmann::json* member(const nlohmann::json& j, const char* key);
// The member as a string; "" when absent or not a string.
std::string string_member(const nlohmann::json& j, const char* key);

}  // namespace tenantsim::rest_json
