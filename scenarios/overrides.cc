#include "scenarios/overrides.h"

#include <fmt/format.h>

namespace tenantsim {

namespace {
Error bad(std::string what) { return Error::make(ErrorKind::kBadRequest, "BadOverride", std::move(what)); }
}  // namespace

Result<ScenarioOverride> parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return bad(fmt::format("--set '{}': expected PATH=VALUE", text));
  ScenarioOverride o;
  o.path = text.substr(0, eq);
  o.text = text;
  if (o.path.empty() || o.path.front() == '.' || o.path.back() == '.' || o.path.find("..") != std::string::npos)
    return bad(fmt::format("--set '{}': the path must be field names joined by dots", text));
  const std::string value = text.substr(eq + 1);
  o.value = nlohmann::json::parse(value, nullptr, false);
  if (o.value.is_discarded()) o.value = value;  // a bare word is a string
  return o;
}

Status apply_overrides(nlohmann::json& doc, const std::vector<ScenarioOverride>& overrides) {
  for (const auto& o : overrides) {
    nlohmann::json* node = &doc;
    std::string walked;
    size_t from = 0;
    while (true) {
      const size_t dot = o.path.find('.', from);
      const std::string step = o.path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
      nlohmann::json* next = nullptr;
      if (node->is_array()) {
        const bool index = !step.empty() && step.size() < 9 && step.find_first_not_of("0123456789") == std::string::npos;
        if (!index || std::stoul(step) >= node->size())
          return bad(fmt::format("--set {}: '{}' is a list of {} elements; '{}' is not an index into it", o.text,
                                 walked, node->size(), step));
        next = &(*node)[std::stoul(step)];
      } else if (node->is_object() || node->is_null()) {
        next = &(*node)[step];
      } else {
        return bad(fmt::format("--set {}: '{}' is {}, not an object with a field '{}'", o.text, walked,
                               node->dump(), step));
      }
      walked += (walked.empty() ? "" : ".") + step;
      node = next;
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    *node = o.value;
  }
  return Status{};
}

}  // namespace tenantsim
