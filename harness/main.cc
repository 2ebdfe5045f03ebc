// tenantsim: the command-line entry point. Finds the subcommand (one or two words) and runs it;
// every subcommand answers --help. Subcommands not built yet say so and exit 2.
#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

#include "harness/cli/cli.h"

namespace {

using namespace tenantsim::cli;

struct Command {
  std::vector<std::string> words;  // "scenario validate" is two
  const char* synopsis;
  int (*fn)(int, char**);          // null: not yet implemented
};

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {{"run"}, "run SCENARIO [--seed N | --seeds A..B] [--out DIR] [--inject-defect NAME]...\n"
                "      simulate a scenario in virtual time, check it, write reports (a sweep with --seeds)", run},
      {{"scenario", "validate"}, "scenario validate SCENARIO\n      check a scenario file; every problem with its field path",
       validate},
      {{"report"}, "report DIR [--format json|junit|md|html|costs-csv|tenants-csv|tiers-csv|users-csv|daily-csv|monthly-csv|consumption-csv]\n      re-render a stored run on stdout",
       report},
      {{"compare"}, "compare DIR_A DIR_B [--cost-tolerance PCT] [--p99-tolerance PCT]\n"
                    "      what changed between two runs; exit 1 when B regressed", compare},
      {{"defects", "list"}, "defects list\n      the defect catalog (for --inject-defect)", defects_list},
      {{"checks", "list"}, "checks list\n      every check, by name and group (for thresholds.fail_on and may_skip)",
       checks_list},
      {{"serve"}, "serve [--port P] [--bind ADDR] [--threads N] [--scenario FILE] [--cors-origin O]...\n"
                  "      the system's REST API over HTTP/1.1 on the in-process fakes, in wall-clock time", serve},
      {{"fakes", "serve"}, "fakes serve [--port P] [--services dynamodb] [--state DIR] [--keys FILE [--verify-sigv4]]\n"
                            "      the fakes on their AWS wire protocols (DynamoDB so far) for the AWS CLI and SDKs", fakes_serve},
      {{"load"}, "load SCENARIO [--target inprocess|http://HOST:PORT] [--rate R] [--ramp-to R] [--duration S] [--out DIR]\n"
                 "      wall-clock open-model load through the API; latency from intended send times", load},
      {{"sweep"}, "sweep SWEEP.json [--out DIR] [--jobs N]\n"
                  "      a grid of --set overrides over one scenario, cells in parallel; sweep.csv, sweep.html", sweep},
      {{"merge"}, "merge DIR... --out DIR\n      merge shards of one run (not yet implemented)", nullptr},
  };
  return list;
}

void usage(std::ostream& os) {
  os << "tenantsim — multi-tenant simulation and load-test harness\n\nusage:\n";
  for (const auto& c : commands()) os << "  tenantsim " << c.synopsis << "\n";
  os << "  tenantsim --help | --version        tenantsim COMMAND --help: its options\n\n"
        "exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or input, 3 environment failure\n";
}

// The command whose words start argv[1..], if any.
const Command* find(int argc, char** argv) {
  for (const auto& c : commands()) {
    if (static_cast<int>(c.words.size()) >= argc) continue;
    bool match = true;
    for (size_t i = 0; i < c.words.size(); ++i) match = match && c.words[i] == argv[i + 1];
    if (match) return &c;
  }
  return nullptr;
}

std::string joined(const Command& c) {
  std::string s;
  for (const auto& w : c.words) s += (s.empty() ? "" : " ") + w;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return kUsage;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    usage(std::cout);
    return kOk;
  }
  if (first == "--version") {
    std::cout << "tenantsim " << TENANTSIM_VERSION << "\n";
    return kOk;
  }
  const Command* cmd = find(argc, argv);
  if (!cmd) {
    // A group word alone ("scenario", "defects") or with --help: list what it offers.
    bool group = false;
    for (const auto& c : commands()) {
      if (c.words.size() < 2 || c.words[0] != first) continue;
      if (!group) std::cout << "usage:\n";
      group = true;
      std::cout << "  tenantsim " << c.synopsis << "\n";
    }
    if (group) return argc >= 3 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h") ? kOk : kUsage;
    std::cerr << "tenantsim: unknown command '" << first << "' (try tenantsim --help)\n";
    return kUsage;
  }
  const std::string name = joined(*cmd);
  if (!cmd->fn) {
    const bool help = argc > static_cast<int>(cmd->words.size()) + 1 &&
                      (std::string(argv[cmd->words.size() + 1]) == "--help" || std::string(argv[cmd->words.size() + 1]) == "-h");
    (help ? std::cout : std::cerr) << "tenantsim " << cmd->synopsis << "\n"
                                   << "tenantsim " << name << ": not yet implemented\n";
    return help ? kOk : kUsage;
  }
  try {
    return cmd->fn(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "tenantsim " << name << ": " << e.what() << " (try tenantsim " << name << " --help)\n";
    return kUsage;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "tenantsim " << name << ": " << e.what() << " (try tenantsim " << name << " --help)\n";
    return kUsage;
  } catch (const std::exception& e) {
    // A bug of ours (input is validated before anything runs): said as one, never an abort.
    std::cerr << "tenantsim " << name << ": internal error: " << e.what() << "\n";
    return kEnvironment;
  }
}
