#include <fmt/format.h>

#include <iostream>

#include "harness/cli/cli.h"

namespace tenantsim::cli {

std::optional<cxxopts::ParseResult> parse(cxxopts::Options& opts, int argc, char** argv, int first) {
  opts.add_options()("h,help", "show this help");
  opts.allow_unrecognised_options();
  try {
    auto r = opts.parse(argc - first + 1, argv + first - 1);
    if (r.count("help")) {
      std::cout << opts.help();
      return std::nullopt;
    }
    if (!r.unmatched().empty()) {
      const std::string& a = r.unmatched()[0];
      throw UsageError(a.rfind("-", 0) == 0 ? "unknown option '" + a + "'" : "unexpected argument '" + a + "'");
    }
    return r;
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
}

void add_system_options(cxxopts::Options& opts) {
  opts.add_options()("inject-defect", "switch on a catalogued defect (repeatable; see tenantsim defects list)",
                     cxxopts::value<std::vector<std::string>>())(
      "data-dir", "tier table and price catalogs", cxxopts::value<std::string>()->default_value(TENANTSIM_DATA_DIR));
}

DefectSet injected_defects(const cxxopts::ParseResult& args) {
  DefectSet defects;
  if (!args.count("inject-defect")) return defects;
  for (const auto& name : args["inject-defect"].as<std::vector<std::string>>()) {
    auto d = parse_defect(name);
    if (!d) throw UsageError(fmt::format("unknown defect '{}' (see tenantsim defects list)", name));
    defects.enable(*d);
    std::cerr << "*** DEFECT INJECTED: " << name << " — this run tests the checks, not the system ***\n";
  }
  return defects;
}

}  // namespace tenantsim::cli
