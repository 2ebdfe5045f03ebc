// tenantsim: the command-line entry point. Subcommands not built yet say so and exit 2.
#include <cxxopts.hpp>
#include <fmt/format.h>

#include <iostream>

#include "harness/world.h"

namespace {

constexpr int kOk = 0, kCheckFailed = 1, kUsage = 2, kEnvironment = 3;

void usage() {
  std::cout << R"(tenantsim — multi-tenant simulation and load-test harness

usage:
  tenantsim demo [--seed N] [--inject-defect NAME]...   run the system on fakes through its rules, print a verdict
  tenantsim defects list                                the defect catalog
  tenantsim run SCENARIO ...                            (not yet implemented)
  tenantsim serve | fakes serve | load | report | compare | merge | scenario validate   (not yet implemented)
  tenantsim --help | --version

exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or input, 3 environment failure
)";
}

struct Check {
  std::string name;
  bool passed;
  std::string detail;
};

// The main job until the scenario engine lands: onboard tenants of every tier, drive them, attack
// across tenants, and check the outcome against the fakes' ledgers.
int demo(uint64_t seed, const tenantsim::DefectSet& defects) {
  using namespace tenantsim;
  WorldOptions o;
  o.seed = seed;
  o.data_dir = TENANTSIM_DATA_DIR;
  o.defects = defects;
  auto made = World::create(o);
  if (!made.ok()) {
    std::cerr << "tenantsim: " << made.error().message << "\n";
    return kUsage;
  }
  World& w = **made;
  std::vector<Check> checks;
  std::vector<World::Account> accounts;
  const char* tiers[] = {"basic", "advanced", "premium"};
  for (int i = 0; i < 12; ++i) {
    auto a = w.new_tenant(fmt::format("tenant-{:02d}", i), tiers[i % 3]);
    if (!a.ok()) {
      std::cerr << "tenantsim: onboarding failed: " << a.error().message << "\n";
      return kEnvironment;
    }
    accounts.push_back(*a);
  }
  int64_t refused_cross = 0, attempts_cross = 0, over_limit_accepted = 0;
  for (size_t i = 0; i < accounts.size(); ++i) {
    auto& a = accounts[i];
    auto s = w.call("POST", "/api/sessions", a.token);
    const std::string sid = s.body.value("session_id", "");
    const auto* tier = w.system->config().tiers.find(tiers[i % 3]);
    int accepted = 0;
    for (int m = 0; m < tier->daily_messages + 5 && m < 60; ++m) {
      auto r = w.call("POST", "/api/chat", a.token,
                      {{"message", m % 3 ? "hello canary-" + a.tenant_id : "weather in London?"},
                       {"tenant_context", {{"tenant_id", a.tenant_id}, {"user_id", a.sub}, {"session_id", sid}}}});
      accepted += r.status == 200;
    }
    if (tier->daily_messages < 60 && accepted > tier->daily_messages) ++over_limit_accepted;
    const auto& victim = accounts[(i + 1) % accounts.size()];
    for (const std::string& path : {"/api/tenants/" + victim.tenant_id + "/usage", "/api/tenants/" + victim.tenant_id + "/sessions",
                                    "/api/admin/tenants/" + victim.tenant_id + "/overall-cost"}) {
      ++attempts_cross;
      refused_cross += w.call("GET", path, a.token).status == 403;
    }
  }
  checks.push_back({"isolation.cross_tenant_refused", refused_cross == attempts_cross,
                    fmt::format("{}/{} cross-tenant reads refused", refused_cross, attempts_cross)});
  checks.push_back({"limits.daily_not_exceeded", over_limit_accepted == 0,
                    fmt::format("{} tenants accepted more than their daily limit", over_limit_accepted)});
  const auto ledger = w.bedrock.ledger();
  int64_t mismatched = 0;
  for (const auto& a : accounts) {
    auto u = w.call("GET", "/api/tenants/" + a.tenant_id + "/usage", a.token);
    auto it = ledger.by_tenant_tag.find(a.tenant_id);
    int64_t out = 0;
    if (it != ledger.by_tenant_tag.end())
      for (const auto& [model, usage] : it->second) out += usage.output_tokens;
    if (u.body["metrics"].value("bedrock_output_tokens", int64_t{0}) != out) ++mismatched;
  }
  checks.push_back({"cost.metering_matches_ledger", mismatched == 0,
                    fmt::format("{} tenants whose metered output tokens differ from the Bedrock ledger", mismatched)});
  bool all = true;
  for (const auto& c : checks) {
    std::cout << (c.passed ? "PASS " : "FAIL ") << c.name << ": " << c.detail << "\n";
    all &= c.passed;
  }
  std::cout << fmt::format("verdict: {} (seed {}, {} tenants, {} model calls)\n", all ? "pass" : "fail", seed,
                           accounts.size(), [&] {
                             int64_t n = 0;
                             for (const auto& [k, v] : ledger.by_account_model) n += v.invocations;
                             return n;
                           }());
  return all ? kOk : kCheckFailed;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tenantsim;
  if (argc < 2) {
    usage();
    return kUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage();
    return kOk;
  }
  if (cmd == "--version") {
    std::cout << "tenantsim " << TENANTSIM_VERSION << "\n";
    return kOk;
  }
  if (cmd == "defects" && argc == 3 && std::string(argv[2]) == "list") {
    for (const auto& d : defect_catalog()) std::cout << fmt::format("{:<30} {}\n", d.name, d.description);
    return kOk;
  }
  if (cmd == "demo") {
    cxxopts::Options opts("tenantsim demo");
    opts.add_options()("seed", "seed", cxxopts::value<uint64_t>()->default_value("42"))(
        "inject-defect", "defect name", cxxopts::value<std::vector<std::string>>());
    try {
      auto r = opts.parse(argc - 1, argv + 1);
      if (!r.unmatched().empty()) throw cxxopts::exceptions::exception("unexpected argument: " + r.unmatched()[0]);
      DefectSet defects;
      if (r.count("inject-defect")) {
        for (const auto& name : r["inject-defect"].as<std::vector<std::string>>()) {
          auto d = parse_defect(name);
          if (!d) {
            std::cerr << "tenantsim: unknown defect '" << name << "' (see `tenantsim defects list`)\n";
            return kUsage;
          }
          defects.enable(*d);
          std::cerr << "*** DEFECT INJECTED: " << name << " ***\n";
        }
      }
      return demo(r["seed"].as<uint64_t>(), defects);
    } catch (const cxxopts::exceptions::exception& e) {
      std::cerr << "tenantsim demo: " << e.what() << "\n";
      return kUsage;
    }
  }
  static const char* planned[] = {"run", "serve", "fakes", "load", "report", "compare", "merge", "scenario"};
  for (const char* p : planned)
    if (cmd == p) {
      std::cerr << "tenantsim " << cmd << ": not yet implemented\n";
      return kUsage;
    }
  std::cerr << "tenantsim: unknown command '" << cmd << "' (try --help)\n";
  return kUsage;
}
