// tenantsim sweep: a grid of what-if overrides over one scenario. Each cell is a separate
// `tenantsim run` process (so cells run in parallel on separate cores, and a cell is exactly the
// run its --set flags reproduce), then sweep.csv and sweep.html compare the cells' economics.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "harness/cli/cli.h"
#include "harness/run.h"
#include "harness/world.h"
#include "reports/economics.h"
#include "reports/writers.h"

extern char** environ;

namespace tenantsim::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr size_t kMaxCells = 256;

struct Cell {
  std::string name;
  std::vector<ScenarioOverride> overrides;
};

// "PATH=VALUE" as --set reads it back to the same value: strings bare unless they would read as
// another JSON value ("50"), everything else as JSON.
ScenarioOverride override_of(const std::string& path, const Json& value) {
  std::string text = value.dump();
  if (value.is_string() && Json::parse(value.get<std::string>(), nullptr, false).is_discarded())
    text = value.get<std::string>();
  return ScenarioOverride{path, value, path + "=" + text};
}

// The sweep file: {"scenario", "set"?, "grid"}; every problem names its field.
std::vector<Cell> read_sweep(const std::string& file, const Json& doc, std::string& scenario) {
  auto fail = [&](const std::string& what) { throw UsageError(fmt::format("{}: {}", file, what)); };
  if (!doc.is_object()) fail("must be a JSON object with \"scenario\" and \"grid\"");
  for (const auto& [k, v] : doc.items())
    if (k != "scenario" && k != "set" && k != "grid" && k != "description") fail(fmt::format("{}: unknown field", k));
  if (!doc.contains("scenario") || !doc["scenario"].is_string()) fail("scenario: a scenario file is required");
  scenario = (fs::path(file).parent_path() / doc["scenario"].get<std::string>()).string();
  std::vector<ScenarioOverride> fixed;
  if (doc.contains("set")) {
    if (!doc["set"].is_object()) fail("set: must be an object of PATH: VALUE");
    for (const auto& [k, v] : doc["set"].items()) fixed.push_back(override_of(k, v));
  }
  if (!doc.contains("grid") || !doc["grid"].is_object() || doc["grid"].empty())
    fail("grid: must be an object of PATH: [VALUES...] with at least one path");
  std::vector<Cell> cells{Cell{"", fixed}};
  for (const auto& [k, values] : doc["grid"].items()) {
    if (!values.is_array() || values.empty()) fail(fmt::format("grid.{}: must be a non-empty list of values", k));
    std::vector<Cell> next;
    for (const auto& c : cells)
      for (const auto& v : values) {
        Cell n = c;
        n.overrides.push_back(override_of(k, v));
        next.push_back(std::move(n));
      }
    cells = std::move(next);
    if (cells.size() > kMaxCells) fail(fmt::format("grid: more than {} cells", kMaxCells));
  }
  for (size_t i = 0; i < cells.size(); ++i) cells[i].name = fmt::format("cell-{}", i + 1);
  return cells;
}

// Starts `tenantsim run` for a cell, its output in DIR/run.log. Returns the child's pid.
pid_t start_cell(const std::string& self, const std::string& scenario, const std::string& data_dir, const Cell& c,
                 const fs::path& dir) {
  std::vector<std::string> words = {self, "run", scenario, "--out", dir.string(), "--data-dir", data_dir};
  for (const auto& o : c.overrides) words.insert(words.end(), {"--set", o.text});
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (dir / "run.log").string();
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", self, std::strerror(rc)));
  return pid;
}

}  // namespace

int sweep(int argc, char** argv) {
  cxxopts::Options opts("tenantsim sweep",
                        "Run a grid of what-if overrides over one scenario, each cell a `tenantsim run` with --set,\n"
                        "in parallel; sweep.csv and sweep.html compare revenue, cost and margin per tier across cells.");
  opts.positional_help("SWEEP.json");
  opts.add_options()("sweep", "sweep file: {\"scenario\", \"set\": {PATH: VALUE}, \"grid\": {PATH: [VALUES]}}",
                     cxxopts::value<std::string>())(
      "out", "directory for sweep.csv, sweep.html and each cell's reports (default out/sweep-<file name>)",
      cxxopts::value<std::string>())(
      "jobs", "cells run at once (default: the cores)", cxxopts::value<int>())(
      "dry-run", "validate every cell and list them; run nothing")(
      "data-dir", "tier table and price catalogs", cxxopts::value<std::string>()->default_value(default_data_dir()));
  opts.parse_positional({"sweep"});
  auto args = parse(opts, argc, argv, 2);
  if (!args) return kOk;
  if (!args->count("sweep")) throw UsageError("a sweep file is required");
  const std::string file = (*args)["sweep"].as<std::string>();
  const std::string data_dir = (*args)["data-dir"].as<std::string>();
  const int jobs = args->count("jobs") ? (*args)["jobs"].as<int>()
                                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (jobs < 1 || jobs > 64) throw UsageError("--jobs must be 1..64");
  auto doc = read_json_file(file);
  if (!doc.ok()) {
    std::cerr << "tenantsim sweep: " << doc.error().message << "\n";
    return kUsage;
  }
  std::string scenario;
  const std::vector<Cell> cells = read_sweep(file, *doc, scenario);
  const fs::path out = args->count("out") ? fs::path((*args)["out"].as<std::string>())
                                          : fs::path("out") / ("sweep-" + fs::path(file).stem().string());
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw UsageError(fmt::format("--out {} is a file, not a directory", out.string()));

  // Every cell is validated before any runs: a bad value is exit 2 naming the cell and the field.
  std::string scenario_name;
  for (const auto& c : cells) {
    auto loaded = load_scenario(scenario, data_dir, c.overrides);
    if (!loaded.ok()) {
      std::cerr << "tenantsim sweep: " << c.name << ": " << loaded.error().message << "\n";
      return kUsage;
    }
    scenario_name = loaded->scenario.name;
  }
  if (args->count("dry-run")) {
    for (const auto& c : cells) {
      std::string edits;
      for (const auto& o : c.overrides) edits += " --set '" + o.text + "'";
      std::cout << fmt::format("{}: tenantsim run {}{}\n", c.name, scenario, edits);
    }
    std::cout << fmt::format("sweep: {} cells, all valid\n", cells.size());
    return kOk;
  }

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  std::map<pid_t, size_t> running;
  std::vector<int> status(cells.size(), -1);
  size_t next = 0;
  while (next < cells.size() || !running.empty()) {
    while (next < cells.size() && running.size() < static_cast<size_t>(jobs)) {
      const fs::path dir = out / cells[next].name;
      fs::create_directories(dir);
      running[start_cell(self, scenario, data_dir, cells[next], dir)] = next;
      ++next;
    }
    int ws = 0;
    const pid_t done = waitpid(-1, &ws, 0);
    if (done < 0) break;
    const auto it = running.find(done);
    if (it == running.end()) continue;
    status[it->second] = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    std::cout << fmt::format("{}: {}\n", cells[it->second].name,
                             status[it->second] == 0 ? "pass" : status[it->second] == 1 ? "FAIL (a check failed)"
                                                                                      : "did not run");
    std::cout.flush();
    running.erase(it);
  }

  std::vector<SweepCell> results;
  int exit_code = kOk;
  for (size_t i = 0; i < cells.size(); ++i) {
    const fs::path dir = out / cells[i].name;
    if (status[i] != 0 && status[i] != 1) {
      std::cerr << fmt::format("tenantsim sweep: {} exited {}; see {}\n", cells[i].name, status[i],
                               (dir / "run.log").string());
      return kEnvironment;
    }
    auto text = read_json_file((dir / "report.json").string());
    if (!text.ok()) {
      std::cerr << "tenantsim sweep: " << text.error().message << "\n";
      return kEnvironment;
    }
    auto r = run_result_from_json(*text);
    if (!r.ok()) {
      std::cerr << "tenantsim sweep: " << cells[i].name << ": " << r.error().message << "\n";
      return kEnvironment;
    }
    SweepCell cell{cells[i].name, {}, std::move(r).value()};
    for (const auto& o : cells[i].overrides) cell.overrides.push_back(o.text);
    if (!cell.result.passed()) exit_code = kCheckFailed;
    results.push_back(std::move(cell));
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : (*doc)["grid"].items()) keys.push_back(k);
  for (const auto& [name, text] : {std::pair<const char*, std::string>{"sweep.csv", render_sweep_csv(keys, results)},
                                   {"sweep.html", render_sweep_html(scenario_name, results)}})
    if (auto st = write_file_atomically((out / name).string(), text); !st.ok()) {
      std::cerr << "tenantsim sweep: " << st.error().message << "\n";
      return kEnvironment;
    }
  for (const auto& c : results) {
    std::string line;
    for (const auto& e : tier_economics(c.result))
      line += fmt::format("  {} margin {}", e.tier, e.margin.to_usd_string());
    std::cout << fmt::format("{}{}\n", c.name, line);
  }
  std::cout << fmt::format("sweep: {} cells; {}/{{sweep.csv,sweep.html,cell-N/}}\n", results.size(), out.string());
  return exit_code;
}

}  // namespace tenantsim::cli
