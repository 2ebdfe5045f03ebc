// tenantsim fakes serve: the fakes on their AWS wire protocols on one loopback port, behind the
// same HTTP server skeleton as `tenantsim serve`. Point an AWS CLI, an SDK or our own real clients
// at it with --endpoint-url http://127.0.0.1:PORT.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "core/base/json_text.h"
#include "fakes/weather/fake_weather.h"
#include "harness/cli/cli.h"
#include "harness/http/control_secret.h"
#include "harness/http/fakes_service.h"
#include "harness/http/http_server.h"
#include "harness/http/request_log.h"

namespace tenantsim::cli {

namespace {

// The services this build serves on the wire.
const std::set<std::string> kOnTheWire = {"dynamodb", "cognito", "bedrock", "weather"};

std::set<std::string> services_option(const std::string& list) {
  std::set<std::string> out;
  std::stringstream ss(list);
  std::string s;
  while (std::getline(ss, s, ',')) {
    if (s.empty()) continue;
    if (!kOnTheWire.count(s)) throw UsageError(fmt::format("--services: unknown service '{}' (known: dynamodb, cognito, bedrock, weather)", s));
    out.insert(s);
  }
  if (out.empty()) throw UsageError("--services: name at least one service");
  return out;
}

}  // namespace

int fakes_serve(int argc, char** argv) {
  cxxopts::Options opts("tenantsim fakes serve",
                        "Serve the fakes on their wire protocols on one port: DynamoDB (JSON 1.0) and Cognito user pools (JSON 1.1)\n"
                        "by X-Amz-Target, with each pool's /{poolId}/.well-known/jwks.json; the Bedrock\n"
                        "runtime (POST /model/{id}/converse and /invoke) and OpenWeatherMap (GET /data/2.5/weather, /forecast,\n"
                        "/data/3.0/onecall).\n"
                        "Prints 'listening on http://ADDR:PORT' when ready; SIGTERM or SIGINT stops it gracefully.");
  opts.add_options()("port", "TCP port (0: any free port)", cxxopts::value<int64_t>()->default_value("8000"))(
      "bind", "address to listen on", cxxopts::value<std::string>()->default_value("127.0.0.1"))(
      "threads", "connection threads", cxxopts::value<int64_t>()->default_value("2"))(
      "services", "comma-separated services to serve", cxxopts::value<std::string>()->default_value("dynamodb,cognito,bedrock,weather"))(
      "seed", "seed of the model's token counts and ids", cxxopts::value<uint64_t>()->default_value("42"))(
      "weather-api-key",
      fmt::format("an OpenWeatherMap key the fake accepts, KEY or KEY:CALLS_PER_MINUTE (repeatable; default "
                  "tenantsim-weather-key:{})",
                  kPlatformWeatherCallsPerMinute),
      cxxopts::value<std::vector<std::string>>())(
      "state", "keep the fakes' state in this directory (write-ahead, survives a restart)", cxxopts::value<std::string>())(
      "keys", "JSON file of access keys: {\"AKID\": {\"secret\": \"...\", \"account\": \"123456789012\"}}",
      cxxopts::value<std::string>())(
      "verify-sigv4", "refuse requests whose SigV4 signature does not verify against --keys")(
      "fixture-keys", "sign tokens with the published fixture keys (tests only: anyone can then sign a token the "
                      "pools' JWKS verifies); default: RSA keys made at start")(
      "max-body-bytes", "largest request body", cxxopts::value<int64_t>()->default_value("16777216"))(
      "access-log", "append one JSON line per request to this file", cxxopts::value<std::string>())(
      "clock", "wall, or caller: the fakes' time is each request's X-Tenantsim-Clock-Ms (a virtual-time run's clock)",
      cxxopts::value<std::string>()->default_value("wall"));
  auto args = parse_with_config(opts, argc, argv, 3, {"state", "keys", "access-log"});
  if (!args) return kOk;

  http::Limits limits;
  const auto port = (*args)["port"].as<int64_t>();
  if (port < 0 || port > 65535) throw UsageError(fmt::format("--port must be between 0 and 65535, got {}", port));
  const auto threads = (*args)["threads"].as<int64_t>();
  if (threads < 1 || threads > 256) throw UsageError(fmt::format("--threads must be between 1 and 256, got {}", threads));
  const auto body = (*args)["max-body-bytes"].as<int64_t>();
  if (body < 1024 || body > (256 << 20)) throw UsageError(fmt::format("--max-body-bytes must be between 1024 and {}, got {}", 256 << 20, body));
  limits.max_body_bytes = static_cast<size_t>(body);
  limits.server_name = "tenantsim-fakes";

  http::FakesServiceOptions fo;
  fo.services = services_option((*args)["services"].as<std::string>());
  fo.verify_sigv4 = args->count("verify-sigv4") > 0;
  fo.fixture_keys = args->count("fixture-keys") > 0;
  const std::string clock = (*args)["clock"].as<std::string>();
  if (clock != "wall" && clock != "caller") throw UsageError(fmt::format("--clock must be wall or caller, got '{}'", clock));
  fo.caller_clock = clock == "caller";
  fo.seed = (*args)["seed"].as<uint64_t>();
  if (args->count("weather-api-key")) {
    for (const auto& spec : (*args)["weather-api-key"].as<std::vector<std::string>>()) {
      const size_t colon = spec.rfind(':');
      const std::string key = spec.substr(0, colon);
      int per_minute = 60;
      if (colon != std::string::npos) {
        const std::string rate = spec.substr(colon + 1);
        if (rate.empty() || rate.size() > 7 || rate.find_first_not_of("0123456789") != std::string::npos || std::stoi(rate) < 1)
          throw UsageError(fmt::format("--weather-api-key '{}': CALLS_PER_MINUTE must be a positive integer", spec));
        per_minute = std::stoi(rate);
      }
      if (key.empty()) throw UsageError(fmt::format("--weather-api-key '{}': the key is empty", spec));
      fo.weather_keys[key] = per_minute;
    }
  }
  if (args->count("keys")) {
    const auto file = (*args)["keys"].as<std::string>();
    std::ifstream in(file);
    if (!in) throw UsageError(fmt::format("--keys: cannot read '{}'", file));
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw UsageError(fmt::format("--keys: '{}' is not JSON", file));
    auto keys = http::parse_access_keys(j, file);
    if (!keys.ok()) throw UsageError("--keys: " + keys.error().message);
    fo.keys = std::move(*keys);
  }
  if (fo.verify_sigv4 && fo.keys.empty()) throw UsageError("--verify-sigv4 needs --keys: there is no secret to verify against");
  fo.control_secret = http::make_control_secret();
  const std::string control_secret = fo.control_secret;
  std::ofstream access_log;
  if (args->count("access-log")) {
    const auto file = (*args)["access-log"].as<std::string>();
    access_log.open(file, std::ios::app);
    if (!access_log) throw UsageError(fmt::format("--access-log: cannot open '{}' for appending", file));
    fo.access_log = &access_log;
  }
  std::unique_ptr<http::RequestLog> log;
  std::vector<nlohmann::json> entries;
  if (args->count("state")) {
    auto opened = http::RequestLog::open((*args)["state"].as<std::string>(), &entries);
    if (!opened.ok()) {
      std::cerr << "tenantsim fakes serve: --state: " << opened.error().message << "\n";
      return opened.error().kind == ErrorKind::kBadRequest ? kUsage : kEnvironment;
    }
    log = std::move(*opened);
    fo.log = log.get();
  }

  StopSignals stop_signals;  // before any thread starts
  const std::set<std::string> served = fo.services;
  http::FakesService service(std::move(fo));
  if (log) {
    auto replayed = service.replay(entries);
    if (!replayed.ok()) {
      std::cerr << "tenantsim fakes serve: --state: " << replayed.error().message << "\n";
      return kUsage;
    }
    std::cerr << fmt::format("tenantsim fakes serve: restored {} requests from {}\n", *replayed, log->path());
  }
  std::mutex access_mu;
  http::Server server(limits, [&](http::Request req, http::Responder respond) {
    http::Response resp = service.handle(req);
    if (access_log.is_open()) {
      const nlohmann::json line = {{"method", req.method}, {"path", req.target}, {"target", req.header("x-amz-target")},
                                   {"status", resp.status}};
      std::lock_guard lock(access_mu);
      access_log << to_json_text(line) << '\n' << std::flush;
    }
    respond(std::move(resp));
  });
  uint16_t bound = 0;
  try {
    bound = server.listen((*args)["bind"].as<std::string>(), static_cast<uint16_t>(port));
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("--bind: {}", e.what()));
  } catch (const std::exception& e) {
    std::cerr << "tenantsim fakes serve: " << e.what() << "\n";
    return kEnvironment;
  }
  const http::ControlSecretFile secret_file(bound, control_secret);
  if (!secret_file.status().ok()) {
    std::cerr << "tenantsim fakes serve: " << secret_file.status().error().message << "\n";
    return kEnvironment;
  }
  std::cerr << fmt::format("tenantsim fakes serve: /_fake/* control endpoints need X-Tenantsim-Control-Secret, in {} "
                           "(or set {} before starting); never cross-origin\n",
                           secret_file.path(), http::kControlSecretEnv);
  std::thread serving([&] { server.run(static_cast<int>(threads)); });
  std::cout << fmt::format("tenantsim fakes serve: listening on http://{}:{} ({}{})", (*args)["bind"].as<std::string>(),
                           bound, fmt::join(served, ","), log ? ", state " + log->path() : "")
            << std::endl;
  const int sig = stop_signals.wait();
  std::cerr << "tenantsim fakes serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing requests in flight\n";
  server.stop();
  serving.join();
  std::cerr << fmt::format("tenantsim fakes serve: stopped after {} requests\n", service.requests());
  return kOk;
}

}  // namespace tenantsim::cli
