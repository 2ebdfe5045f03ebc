// Scenario: what a run simulates, parsed from a JSON file (format in scenarios/SCHEMA.md).
// Parsing validates everything before anything runs: each problem is reported with its field
// path ("population.tier_mix.gold: unknown tier") and unknown fields are errors, so a typo
// cannot silently fall back to a default.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/time.h"

namespace tenantsim {

struct IntRange {
  int64_t min = 0;
  int64_t max = 0;  // inclusive
};

// How the users of one tier behave.
struct TierBehaviour {
  double sessions_per_user_per_day = 1;
  IntRange messages_per_session{1, 6};
  IntRange think_time_seconds{5, 90};
  double weather_share = 0.2;      // share of messages that ask about the weather
  double knowledge_share = 0;      // share of the others that ask about the tenant's documents
  double runtime_share = 0;        // share of chats sent to the AgentCore runtime rather than /api/chat
  IntRange prompt_words{4, 40};    // prompt length (the model fake counts ~4 characters a token)
  bool diurnal = true;             // sessions follow a day curve in the tenant's local time
  double heavy_user_share = 0.1;   // users who send until the daily limit refuses them
};

struct Adversaries {
  double share = 0;  // share of tenants that also run one adversary actor
  std::vector<std::string> kinds;
};

// Every adversary kind a scenario may ask for.
const std::vector<std::string>& adversary_kinds();

struct Thresholds {
  std::vector<std::string> fail_on;   // checks or groups ("isolation") that fail the run; empty: every check
  std::vector<std::string> may_skip;  // checks or groups that may judge nothing without failing the run
  std::optional<int64_t> p99_latency_ms;  // chat p99 in virtual time
};

// What-if capacity of the shared services (unset: the fakes' defaults, AWS's published quotas).
struct Capacity {
  std::optional<int64_t> bedrock_requests_per_minute, bedrock_tokens_per_minute;
  std::optional<int64_t> dynamodb_partition_read_units_per_second, dynamodb_partition_write_units_per_second;
  std::optional<int64_t> weather_calls_per_minute;
};

// A billing change during the run: `share` of the tenants on `from` move to `to` at a time drawn
// in [at_hour.min, at_hour.max] hours after the start. Their users keep the tokens they hold (whose
// tier claim is now stale): the new tier's limits, tools and features must apply at once.
struct TierChange {
  std::string from, to;
  double share = 0;
  IntRange at_hour{0, 0};
};

// The model fake's character. An untrusted model obeys instructions injected into a prompt (a
// jailbroken or compromised model): isolation must then hold without the model's cooperation.
struct ModelBehaviour {
  bool follows_injections = false;
};

// The microVM size of the agent runtimes: what AgentCore bills each invocation for, per second.
struct AgentRuntime {
  int64_t vcpus = 1;
  int64_t memory_mb = 1024;
};

// How the simulator itself runs the scenario.
struct SimulationOptions {
  // Timers due at the same virtual instant resume in a seeded order rather than the order they
  // were set, and some timers wake a little late (VirtualClock::perturb), so races show without a
  // fault plan.
  bool perturb_schedule = true;
  // The most a perturbed timer wakes late, in microseconds (0: ties are shuffled, nothing is late).
  int64_t max_extra_delay_us = 1000;
};

struct Scenario {
  std::string name;
  std::string description;
  // "load": written for `tenantsim load` (a population and faults, no behaviour to simulate): `run`
  // refuses it with the command to use instead of failing every check as not exercised.
  std::string mode = "run";
  uint64_t seed = 1;
  Time start{};
  Duration duration{};
  std::string prices_file = "prices-on-demand.json";
  nlohmann::json tier_overrides = nlohmann::json::object();  // tier -> {field: value}, applied to tiers.json

  int tenants = 10;
  std::map<std::string, double> tier_mix;  // tier -> weight
  IntRange users_per_tenant{1, 3};
  std::vector<int> utc_offsets_minutes{0};
  // IANA zones (daylight saving included) drawn instead of the offsets when given.
  std::vector<std::string> time_zones;
  int prefix_pairs = 0;  // tenants whose id is a prefix of another's ("acme" / "acme-corp")

  std::map<std::string, TierBehaviour> behaviour;  // per tier
  Adversaries adversaries;
  ModelBehaviour model;
  SimulationOptions simulation;
  AgentRuntime agent_runtime;
  Capacity capacity;
  Thresholds thresholds;
  std::vector<TierChange> tier_changes;
};

struct ScenarioProblem {
  std::string path;
  std::string reason;
};

// Parses and validates. `known_tiers` are the tier names of the tier table; `known_services` the fakes.
// On failure every problem found is returned, not just the first.
struct ScenarioParse {
  std::optional<Scenario> scenario;
  std::vector<ScenarioProblem> problems;
};
ScenarioParse parse_scenario(const nlohmann::json& doc, const std::vector<std::string>& known_tiers);

}  // namespace tenantsim
