#include "core/api/request_fields.h"

#include <fmt/format.h>

namespace tenantsim {

Result<std::string> field(const Json& body, const char* name, size_t max) {
  if (!body.is_object()) return bad_request("InvalidBody", "request body must be a JSON object");
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return bad_request("MissingField", fmt::format("'{}' is required and must be a non-empty string", name));
  if (it->get<std::string>().size() > max) return bad_request("FieldTooLong", fmt::format("'{}' is longer than {}", name, max));
  return it->get<std::string>();
}

}  // namespace tenantsim
