#include <fmt/format.h>
#include <pthread.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/cli/cli.h"
#include "harness/world.h"

namespace tenantsim::cli {

namespace {
// cxxopts says "Argument '-1' failed to parse" without the option: find the option the value was
// given to on the command line (`--seed -1` or `--seed=-1`) and name it.
std::string with_option_named(std::string message, int argc, char** argv, int first) {
  const std::string open = "\u2018", close = "\u2019";  // cxxopts quotes with curly single quotes
  const auto a = message.find(open), b = message.find(close);
  if (message.find("failed to parse") == std::string::npos || a == std::string::npos || b == std::string::npos || b < a)
    return message;
  const std::string value = message.substr(a + open.size(), b - a - open.size());
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos && arg.substr(eq + 1) == value)
      return fmt::format("{}: '{}' is not a valid value (see --help)", arg.substr(0, eq), value);
    if (arg == value && i > first && argv[i - 1][0] == '-')
      return fmt::format("{}: '{}' is not a valid value (see --help)", argv[i - 1], value);
  }
  return message;
}
}  // namespace

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
    throw UsageError(with_option_named(e.what(), argc, argv, first));
  }
}

namespace {

// The --config FILE named on the command line, if any (before parsing: its keys become options).
std::optional<std::string> config_file(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config") {
      if (i + 1 >= argc) throw UsageError("--config needs a file");
      return std::string(argv[i + 1]);
    }
    if (a.rfind("--config=", 0) == 0) return a.substr(9);
  }
  return std::nullopt;
}

// A config file's keys as command-line tokens, validated against the options `opts` declares.
std::vector<std::string> config_tokens(const cxxopts::Options& opts, const std::string& file,
                                       const std::set<std::string>& path_keys) {
  namespace fs = std::filesystem;
  auto doc = read_json_file(file);  // "no such file", "is a directory", "FILE:line:col: not valid JSON"
  if (!doc.ok()) throw UsageError("--config " + doc.error().message);
  const nlohmann::json& j = *doc;
  if (!j.is_object()) throw UsageError(fmt::format("--config {}: must be a JSON object of option names", file));
  std::map<std::string, cxxopts::HelpOptionDetails> known;
  for (const auto& g : opts.groups())
    for (const auto& o : opts.group_help(g).options)
      for (const auto& name : o.l)
        if (name != "config" && name != "help") known.emplace(name, o);
  const fs::path base = fs::path(file).parent_path();
  std::vector<std::string> tokens;
  for (const auto& item : j.items()) {  // not a structured binding: clang 14 cannot capture one
    const std::string raw_key = item.key();
    const auto& value = item.value();
    std::string key = raw_key;
    std::replace(key.begin(), key.end(), '_', '-');
    const auto it = known.find(key);
    if (it == known.end()) {
      std::string names;
      for (const auto& [n, o] : known) names += (names.empty() ? "" : ", ") + n;
      throw UsageError(fmt::format("--config {}: unknown key '{}' (known: {})", file, raw_key, names));
    }
    const auto& o = it->second;
    auto scalar = [&](const nlohmann::json& v) -> std::string {
      if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (path_keys.count(key) && !s.empty() && fs::path(s).is_relative()) s = (base / s).string();
        return s;
      }
      if (v.is_number()) return v.dump();
      throw UsageError(fmt::format("--config {}: '{}' must be a {}, got {}", file, raw_key,
                                   o.is_container ? "list of strings or numbers" : "string or number", v.dump()));
    };
    if (o.is_boolean) {
      if (!value.is_boolean()) throw UsageError(fmt::format("--config {}: '{}' must be true or false", file, raw_key));
      if (value.get<bool>()) tokens.push_back("--" + key);
    } else if (o.is_container && value.is_array()) {
      for (const auto& v : value) tokens.insert(tokens.end(), {"--" + key, scalar(v)});
    } else {
      tokens.insert(tokens.end(), {"--" + key, scalar(value)});
    }
  }
  return tokens;
}

}  // namespace

std::optional<cxxopts::ParseResult> parse_with_config(cxxopts::Options& opts, int argc, char** argv, int first,
                                                      const std::set<std::string>& path_keys) {
  opts.add_options()("config", "a JSON file of these options by long name (flags on the command line win)",
                     cxxopts::value<std::string>());
  const auto file = config_file(argc, argv, first);
  if (!file) return parse(opts, argc, argv, first);
  // The file's options go first: a scalar given again on the command line takes the later value.
  std::vector<std::string> words = {argv[first - 1]};
  for (auto& t : config_tokens(opts, *file, path_keys)) words.push_back(std::move(t));
  for (int i = first; i < argc; ++i) words.emplace_back(argv[i]);
  std::vector<char*> ptrs;
  for (auto& w : words) ptrs.push_back(w.data());
  try {
    return parse(opts, static_cast<int>(ptrs.size()), ptrs.data(), 1);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{} (with the options of --config {})", e.what(), *file));
  }
}

void add_scenario_options(cxxopts::Options& opts) {
  opts.add_options()("set", "PATH=VALUE: change a scenario field for this run (repeatable), e.g. population.tenants=500, "
                            "tier_overrides.basic.daily_messages=100, prices_file=seed",
                     cxxopts::value<std::vector<std::string>>());
}

std::vector<ScenarioOverride> scenario_overrides(const cxxopts::ParseResult& args) {
  std::vector<ScenarioOverride> out;
  if (!args.count("set")) return out;
  for (const auto& text : args["set"].as<std::vector<std::string>>()) {
    auto o = parse_override(text);
    if (!o.ok()) throw UsageError(o.error().message);
    out.push_back(std::move(o).value());
  }
  return out;
}

std::string default_data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("TENANTSIM_DATA_DIR"); env && *env) return env;
  // Installed (`cmake --install`): PREFIX/bin/tenantsim beside PREFIX/share/tenantsim/data. First,
  // so an installed or copied tree never reads the source tree it was built from.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "tenantsim" / "data";
    if (fs::exists(installed / "tiers.json", ec)) return installed.string();
  }
  return TENANTSIM_DATA_DIR;  // the build tree's scenarios/data
}

void add_system_options(cxxopts::Options& opts) {
  opts.add_options()("inject-defect", "switch on a catalogued defect (repeatable; see tenantsim defects list)",
                     cxxopts::value<std::vector<std::string>>())(
      "data-dir", "tier table and price catalogs (default: $TENANTSIM_DATA_DIR, else PREFIX/share/tenantsim/data of an "
                  "installed binary, else the source tree's scenarios/data)",
      cxxopts::value<std::string>()->default_value(default_data_dir()));
}

DefectSet injected_defects(const cxxopts::ParseResult& args) {
  DefectSet defects;
  if (!args.count("inject-defect")) return defects;
  if (!kDefectCatalogCompiledIn)
    throw UsageError("this build has no defect catalog (built with -DTENANTSIM_DEFECTS=OFF): --inject-defect is refused");
  for (const auto& name : args["inject-defect"].as<std::vector<std::string>>()) {
    auto d = parse_defect(name);
    if (!d) throw UsageError(fmt::format("unknown defect '{}' (see tenantsim defects list)", name));
    defects.enable(*d);
    std::cerr << "*** DEFECT INJECTED: " << name << " — this run tests the checks, not the system ***\n";
  }
  return defects;
}

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int StopSignals::wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return sig;
}

void print_checks(const RunResult& r) {
  for (const auto& c : r.checks) {
    const std::string label = c.label();
    std::cout << fmt::format("{:<4} {:<32} {:>8} checked {:>6} failed{}{}\n",
                             c.fails_run() ? "FAIL" : label.substr(0, 4), c.name, c.checked, c.failed,
                             c.status() == CheckStatus::kNotExercised
                                 ? (c.fails_run() ? "  not exercised: judged nothing (list it in thresholds.may_skip to allow that)"
                                                  : "  not exercised (allowed)")
                                 : "",
                             c.examples.empty() ? "" : "  e.g. " + c.examples.front());
  }
}

}  // namespace tenantsim::cli
