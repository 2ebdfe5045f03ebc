// The scenario parser: valid files parse with their defaults, and every kind of mistake is
// reported with the path of the field it is in, all mistakes at once.
#include <gtest/gtest.h>

#include "scenarios/scenario.h"
#include "harness/simulation.h"

#include <set>

namespace tenantsim {
namespace {

using nlohmann::json;

const std::vector<std::string> kTiers = {"basic", "advanced", "premium"};

json minimal() {
  return json{{"name", "t"}, {"start", "2024-01-31T00:00:00Z"}, {"duration_hours", 24},
              {"population", {{"tenants", 3}, {"tier_mix", {{"basic", 1}}}}}};
}

std::vector<std::string> problems_of(const json& doc) {
  std::vector<std::string> out;
  for (const auto& p : parse_scenario(doc, kTiers).problems) out.push_back(p.path + ": " + p.reason);
  return out;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

TEST(Scenario, MinimalParsesWithDefaults) {
  auto r = parse_scenario(minimal(), kTiers);
  ASSERT_TRUE(r.scenario) << (r.problems.empty() ? "" : r.problems[0].path + ": " + r.problems[0].reason);
  EXPECT_EQ(r.scenario->tenants, 3);
  EXPECT_EQ(r.scenario->duration, std::chrono::hours(24));
  EXPECT_EQ(r.scenario->utc_offsets_minutes, std::vector<int>{0});
  ASSERT_TRUE(r.scenario->behaviour.count("basic")) << "tiers in the mix get default behaviour";
  EXPECT_EQ(r.scenario->behaviour.at("basic").messages_per_session.max, 6);
}

TEST(Scenario, UnknownFieldsAreErrorsAtEveryDepth) {
  json doc = minimal();
  doc["colour"] = "blue";
  doc["population"]["tenant_count"] = 4;
  doc["behaviour"] = {{"basic", {{"think_time", 3}}}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "colour: unknown field"));
  EXPECT_TRUE(mentions(p, "population.tenant_count: unknown field"));
  EXPECT_TRUE(mentions(p, "behaviour.basic.think_time: unknown field"));
}

TEST(Scenario, EveryProblemIsReportedNotJustTheFirst) {
  json doc = minimal();
  doc.erase("name");
  doc["start"] = "tomorrow";
  doc["duration_hours"] = -1;
  doc["population"]["tier_mix"] = {{"gold", 1}};
  doc["population"]["users_per_tenant"] = {{"min", 5}, {"max", 2}};
  doc["adversaries"] = {{"share", 2}, {"kinds", {"cross_tenant", "ddos"}}};
  doc["thresholds"] = {{"fail_on", "isolation"}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "name: is required"));
  EXPECT_TRUE(mentions(p, "start: must be an ISO 8601"));
  EXPECT_TRUE(mentions(p, "duration_hours: must be between 1 and"));
  EXPECT_TRUE(mentions(p, "population.tier_mix.gold: unknown tier"));
  EXPECT_TRUE(mentions(p, "population.users_per_tenant: min must not exceed max"));
  EXPECT_TRUE(mentions(p, "adversaries.share: must be between 0 and 1"));
  EXPECT_TRUE(mentions(p, "adversaries.kinds[1]: unknown adversary kind"));
  EXPECT_TRUE(mentions(p, "thresholds.fail_on: must be an array"));
  EXPECT_FALSE(parse_scenario(doc, kTiers).scenario) << "nothing runs on an invalid file";
}

TEST(Scenario, TypesAreCheckedNotCoerced) {
  json doc = minimal();
  doc["population"]["tenants"] = "3";
  doc["seed"] = 1.5;
  doc["behaviour"] = {{"basic", {{"diurnal", "yes"}}}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "population.tenants: must be an integer"));
  EXPECT_TRUE(mentions(p, "seed: must be an integer"));
  EXPECT_TRUE(mentions(p, "behaviour.basic.diurnal: must be true or false"));
}

TEST(Scenario, TierMixNeedsAPositiveWeightAndOverridesNeedKnownTiers) {
  json doc = minimal();
  doc["population"]["tier_mix"] = {{"basic", 0}};
  doc["tier_overrides"] = {{"platinum", {{"daily_messages", 5}}}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "population.tier_mix: needs at least one tier with a positive weight"));
  EXPECT_TRUE(mentions(p, "tier_overrides.platinum: unknown tier"));
}

TEST(Scenario, CapacityIsOptionalAndChecked) {
  json doc = minimal();
  doc["capacity"] = {{"bedrock_requests_per_minute", 60}};
  auto r = parse_scenario(doc, kTiers);
  ASSERT_TRUE(r.scenario);
  EXPECT_EQ(r.scenario->capacity.bedrock_requests_per_minute, 60);
  EXPECT_FALSE(r.scenario->capacity.weather_calls_per_minute);
  doc["capacity"] = {{"bedrock_requests_per_minute", 0}, {"gpu_hours", 1}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "capacity.bedrock_requests_per_minute: must be between 1 and"));
  EXPECT_TRUE(mentions(p, "capacity.gpu_hours: unknown field"));
}

TEST(Scenario, AgentRuntimeSizeDefaultsAndIsChecked) {
  json doc = minimal();
  auto plain = parse_scenario(doc, kTiers);
  ASSERT_TRUE(plain.scenario);
  EXPECT_EQ(plain.scenario->agent_runtime.vcpus, 1);
  EXPECT_EQ(plain.scenario->agent_runtime.memory_mb, 1024);
  doc["agent_runtime"] = {{"vcpus", 2}, {"memory_mb", 2048}};
  doc["behaviour"] = {{"basic", {{"runtime_share", 0.5}}}};
  auto sized = parse_scenario(doc, kTiers);
  ASSERT_TRUE(sized.scenario);
  EXPECT_EQ(sized.scenario->agent_runtime.memory_mb, 2048);
  EXPECT_EQ(sized.scenario->behaviour.at("basic").runtime_share, 0.5);
  doc["agent_runtime"] = {{"vcpus", 0}, {"memory_mb", 64}, {"gpus", 1}};
  doc["behaviour"] = {{"basic", {{"runtime_share", 1.5}}}};
  const auto p = problems_of(doc);
  EXPECT_TRUE(mentions(p, "agent_runtime.vcpus: must be between 1 and 64"));
  EXPECT_TRUE(mentions(p, "agent_runtime.memory_mb: must be between 128 and 65536"));
  EXPECT_TRUE(mentions(p, "agent_runtime.gpus: unknown field"));
  EXPECT_TRUE(mentions(p, "behaviour.basic.runtime_share"));
}

TEST(Scenario, UtcOffsetsAreBounded) {
  json doc = minimal();
  doc["population"]["utc_offsets_minutes"] = {0, 900};
  EXPECT_TRUE(mentions(problems_of(doc), "population.utc_offsets_minutes[1]: must be an integer between -720 and 840"));
}

}  // namespace
}  // namespace tenantsim

namespace tenantsim {
namespace {

// The adversaries are a table: every kind a scenario may name has an attack, and no attack is
// unreachable from a scenario.
TEST(Adversaries, EveryKindScenariosNameHasAnAttackAndNoOther) {
  std::set<std::string> kinds(adversary_kinds().begin(), adversary_kinds().end());
  std::set<std::string> attacks;
  for (const auto& [kind, fn] : Simulation::attacks()) attacks.insert(kind);
  EXPECT_EQ(kinds, attacks);
}

}  // namespace
}  // namespace tenantsim
