// tenantsim serve: the system's REST API on a real socket, over the in-process fakes in wall-clock
// time. The server skeleton is harness/http/http_server.h; the request handling is ApiService.
#include <utility>  // before Asio's coroutine headers (GCC 12, Boost 1.74)

#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "harness/aws/backends.h"
#include "harness/cli/cli.h"
#include "harness/http/served_system.h"

namespace tenantsim::cli {

namespace {

template <class T>
T int_option(const cxxopts::ParseResult& args, const char* name, T min, T max) {
  const auto v = args[name].as<int64_t>();
  if (v < static_cast<int64_t>(min) || v > static_cast<int64_t>(max))
    throw UsageError(fmt::format("--{} must be between {} and {}, got {}", name, min, max, v));
  return static_cast<T>(v);
}

}  // namespace

int serve(int argc, char** argv) {
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  cxxopts::Options opts("tenantsim serve",
                        "Serve the system's REST API over HTTP/1.1 on the in-process fakes, in wall-clock time.\n"
                        "Prints 'listening on http://ADDR:PORT' when ready; SIGTERM or SIGINT stops it gracefully.");
  opts.add_options()("port", "TCP port (0: any free port)", cxxopts::value<int64_t>()->default_value("8080"))(
      "bind", "address to listen on", cxxopts::value<std::string>()->default_value("127.0.0.1"))(
      "threads", "connection threads (the system itself runs on one more)",
      cxxopts::value<int64_t>()->default_value(std::to_string(cores)))(
      "scenario", "take the tier table, prices, faults and capacity from this scenario", cxxopts::value<std::string>())(
      "seed", "seed of the fakes' ids and token counts", cxxopts::value<uint64_t>()->default_value("42"))(
      "cors-origin", "an origin whose pages may call the API (repeatable; '*' for any)",
      cxxopts::value<std::vector<std::string>>())(
      "access-log", "append one JSON line per request to this file", cxxopts::value<std::string>())(
      "max-connections", "open connections at most", cxxopts::value<int64_t>()->default_value("1024"))(
      "max-body-bytes", "largest request body", cxxopts::value<int64_t>()->default_value("1048576"))(
      "max-header-bytes", "largest request head", cxxopts::value<int64_t>()->default_value("16384"))(
      "read-timeout-ms", "time a started request has to arrive whole", cxxopts::value<int64_t>()->default_value("10000"))(
      "idle-timeout-ms", "keep-alive connections idle this long are closed", cxxopts::value<int64_t>()->default_value("60000"))(
      "no-fake-control", "do not serve GET /_fake/cognito/confirmation-code")(
      "fixture-keys", "sign tokens with the published fixture keys (tests only: anyone can then sign a token this "
                      "server accepts); default: RSA keys made at start")(
      "backends", "JSON file: which services run on a real endpoint (see README)", cxxopts::value<std::string>());
  add_system_options(opts);
  add_scenario_options(opts);
  auto args = parse_with_config(opts, argc, argv, 2, {"scenario", "access-log", "data-dir", "backends"});
  if (!args) return kOk;

  http::Limits limits;
  const auto port = int_option<uint16_t>(*args, "port", 0, 65535);
  const auto threads = int_option<int>(*args, "threads", 1, 256);
  limits.max_connections = int_option<size_t>(*args, "max-connections", 1, 1'000'000);
  limits.max_body_bytes = int_option<size_t>(*args, "max-body-bytes", 1, 64 << 20);
  limits.max_header_bytes = int_option<size_t>(*args, "max-header-bytes", 1024, 1 << 20);
  limits.read_timeout = std::chrono::milliseconds(int_option<int64_t>(*args, "read-timeout-ms", 1, 3'600'000));
  limits.idle_timeout = std::chrono::milliseconds(int_option<int64_t>(*args, "idle-timeout-ms", 1, 3'600'000));
  const DefectSet defects = injected_defects(*args);

  ServeOptions so;
  so.world.seed = (*args)["seed"].as<uint64_t>();
  so.world.data_dir = (*args)["data-dir"].as<std::string>();
  so.world.defects = defects;
  aws::RealClients real;
  if (args->count("backends")) {
    auto backends = aws::load_backends((*args)["backends"].as<std::string>());
    if (!backends.ok()) throw UsageError("--backends: " + backends.error().message);
    if (!backends->fakes_serve.empty())
      throw UsageError("--backends: fakes_serve links a virtual-time `run` to fakes serve; `serve` runs on the wall clock: "
                       "point the services' endpoints at it and leave fakes_serve out");
    // A client that could not be made (no credentials, say) is the command line's problem.
    auto made = aws::make_clients(*backends, so.world.seed);
    if (!made.ok()) throw UsageError("--backends: " + made.error().message);
    real = std::move(*made);
    so.world.ports = real.ports(nullptr);
  }
  std::optional<LoadedScenario> scenario;
  if (args->count("scenario")) {
    auto loaded = load_scenario((*args)["scenario"].as<std::string>(), so.world.data_dir, scenario_overrides(*args));
    if (!loaded.ok()) {
      std::cerr << "tenantsim serve: " << loaded.error().message << "\n";
      return kUsage;
    }
    scenario = std::move(*loaded);
    so.use_scenario(*scenario);
  }
  std::ofstream access_log;
  if (args->count("access-log")) {
    const auto file = (*args)["access-log"].as<std::string>();
    access_log.open(file, std::ios::app);
    if (!access_log) throw UsageError(fmt::format("--access-log: cannot open '{}' for appending", file));
  }

  so.bind = (*args)["bind"].as<std::string>();
  so.port = port;
  so.threads = threads;
  so.limits = limits;
  so.fake_control = !args->count("no-fake-control");
  so.world.fixture_keys = args->count("fixture-keys") > 0;
  if (args->count("cors-origin"))
    for (const auto& o : (*args)["cors-origin"].as<std::vector<std::string>>()) so.api.cors_origins.insert(o);
  if (access_log.is_open()) so.api.access_log = &access_log;

  StopSignals stop_signals;  // before any thread starts

  auto served = ServedSystem::start(std::move(so));
  if (!served.ok()) {
    std::cerr << "tenantsim serve: " << served.error().message << "\n";
    return served.error().kind == ErrorKind::kBadRequest ? kUsage : kEnvironment;
  }
  ServedSystem& sys = **served;
  if (kDefectCatalogCompiledIn)
    std::cerr << "tenantsim serve: WARNING: this build carries the defect catalog: --inject-defect can switch off JWT "
                 "signature verification and other safeguards. For a server that cannot, build with "
                 "-DTENANTSIM_DEFECTS=OFF.\n";
  if (!sys.control_secret().empty())
    std::cerr << fmt::format("tenantsim serve: GET /_fake/cognito/confirmation-code needs X-Tenantsim-Control-Secret, in {} "
                             "(or set {} before starting); --no-fake-control turns it off\n",
                             http::control_secret_file(sys.port()), http::kControlSecretEnv);
  std::cout << fmt::format("tenantsim serve: listening on http://{}:{} ({} connection threads{})",
                           (*args)["bind"].as<std::string>(), sys.port(), threads,
                           defects.enabled().empty() ? "" : ", DEFECTS INJECTED")
            << std::endl;
  const int sig = stop_signals.wait();
  std::cerr << "tenantsim serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing requests in flight\n";
  sys.stop();
  const size_t pending = sys.wait();
  if (real.dynamodb && real.drop_tables)
    if (auto st = real.dynamodb->drop_created(); !st.ok())
      std::cerr << "tenantsim serve: could not delete the DynamoDB tables: " << st.error().message << "\n";
  std::cerr << fmt::format("tenantsim serve: stopped after {} connections; {} usage records could not be written\n",
                           sys.stats().accepted.load(), pending);
  return pending == 0 ? kOk : kEnvironment;
}

}  // namespace tenantsim::cli
