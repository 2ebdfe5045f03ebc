// libFuzzer target: a scenario file's text through the loader `tenantsim run` and `scenario
// validate` use (bounded JSON, then every field checked and named). No input may crash; a parse
// either gives a scenario or problems that name fields.
#include <cstdint>
#include <cstdlib>

#include "core/base/json_text.h"
#include "scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json doc = tenantsim::parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (doc.is_discarded()) return 0;
  (void)tenantsim::parse_scenario(doc, {"basic", "advanced", "premium"});
  return 0;
}
