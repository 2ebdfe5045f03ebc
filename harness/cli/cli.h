// The tenantsim command line: one function per subcommand, sharing the exit codes, option
// parsing and --help handling below. Each subcommand's file holds its options and what it does.
#pragma once

#include "harness/cli/cxxopts_config.h"

#include <csignal>
#include <set>
#include <string>

#include "core/base/defects.h"
#include "reports/run_result.h"
#include "scenarios/overrides.h"

namespace tenantsim::cli {

// Exit codes (DESIGN.md): 0 all checks passed, 1 a check failed (or compare found a regression),
// 2 bad usage, config or input, 3 an environment failure.
inline constexpr int kOk = 0, kCheckFailed = 1, kUsage = 2, kEnvironment = 3;

// Bad usage: main prints "tenantsim CMD: <what> (try tenantsim CMD --help)" and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses argv[first..] (first = the index after the subcommand's words). Returns nullopt when
// --help was asked for, after printing the options. Throws UsageError on unknown flags, stray
// arguments or bad values.
std::optional<cxxopts::ParseResult> parse(cxxopts::Options& opts, int argc, char** argv, int first);

// parse(), plus --config FILE: a JSON object whose keys are the command's long option names
// ('_' may stand for '-'), turned into options ahead of the command line's (so flags given on
// the command line win; repeatable ones add up). Switches take true/false, repeatable options a
// list. Paths under `path_keys` resolve relative to the file's directory. Unknown keys and wrong
// types are usage errors naming the file and the key.
std::optional<cxxopts::ParseResult> parse_with_config(cxxopts::Options& opts, int argc, char** argv, int first,
                                                      const std::set<std::string>& path_keys);

// Adds --set PATH=VALUE (repeatable): what-if edits of the scenario document.
void add_scenario_options(cxxopts::Options& opts);
// The --set options, parsed; UsageError naming a malformed one.
std::vector<ScenarioOverride> scenario_overrides(const cxxopts::ParseResult& args);

// The data directory (tier table, price catalogs) when --data-dir is not given: $TENANTSIM_DATA_DIR,
// else an installed binary's PREFIX/share/tenantsim/data, else the source tree's scenarios/data.
std::string default_data_dir();

// Adds --inject-defect (repeatable) and --data-dir, which every command that builds a system takes.
void add_system_options(cxxopts::Options& opts);
// The --inject-defect NAME options (repeatable), each announced on stderr; UsageError on an
// unknown name.
DefectSet injected_defects(const cxxopts::ParseResult& args);

// One console line per check, as `run` and `load` print them: PASS, FAIL, WARN, SKIP, checked and
// failed counts, "not exercised" said the same way everywhere, the first example.
void print_checks(const RunResult& r);

// SIGINT and SIGTERM, taken by one thread with sigwait. Construct it before any thread starts: the
// signals are blocked in the constructing thread and every thread it starts after, so no other
// thread is interrupted by them.
class StopSignals {
 public:
  StopSignals();
  // Blocks until one arrives; returns its number.
  int wait();

 private:
  sigset_t set_;
};

int run(int argc, char** argv);             // tenantsim run
int validate(int argc, char** argv);        // tenantsim scenario validate
int report(int argc, char** argv);          // tenantsim report
int compare(int argc, char** argv);         // tenantsim compare
int defects_list(int argc, char** argv);    // tenantsim defects list
int checks_list(int argc, char** argv);     // tenantsim checks list
int serve(int argc, char** argv);           // tenantsim serve
int load(int argc, char** argv);            // tenantsim load
int sweep(int argc, char** argv);           // tenantsim sweep
int fakes_serve(int argc, char** argv);     // tenantsim fakes serve

}  // namespace tenantsim::cli
