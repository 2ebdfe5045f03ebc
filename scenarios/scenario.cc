#include "scenarios/scenario.h"

#include "scenarios/checks.h"
#include "scenarios/field_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace tenantsim {

const std::vector<std::string>& adversary_kinds() {
  static const std::vector<std::string> kinds = {
      "cross_tenant",        // reads and writes through every endpoint with another tenant's id
      "prompt_injection",    // chat messages telling the model to use another tenant, a tool the tier lacks, all documents
      "agent_layers",        // the agent runtime and tool gateway called directly with bad tokens and foreign tenants
      "cross_user",          // a plain user at another user's costs, sessions and chats, same tenant
      "forged_signature",    // claims of another tenant signed with the attacker's own key
      "expired_token",       // a real token, replayed after it expired
      "alg_none",            // the token with "alg": "none" and no signature
      "hs256_confusion",     // HS256 signed with the pool's public key as the secret
      "wrong_audience",      // a token minted for another app client
      "wrong_token_use",     // a token the pool signed, with a token_use other than id or access
      "pool_mismatch",       // a token its own pool signed, naming a tenant of another user pool
      "self_edit_claims",    // rewrites its own tier and tenant claims through Cognito, signs in as the victim
      "sign_up_claims",      // signs up from the victim's public app client naming the victim's tenant (the sample's page)
      "tier_escalation",     // the token's tier claim edited to premium
      "admin_without_group", // admin endpoints as a plain user
      "limit_burst",         // concurrent messages past the daily limit, and again at the reset
      "session_flood",       // more concurrent sessions than the tier allows
      "session_overrun",     // messages after the session's duration ran out
  };
  return kinds;
}

namespace {

using Json = nlohmann::json;

// The members of j, or none when j is not an object (the FieldReader has reported that already).
auto entries(const Json& j) {
  static const Json empty = Json::object();
  return (j.is_object() ? j : empty).items();
}

TierBehaviour read_behaviour(const Json& j, const std::string& path, std::vector<ScenarioProblem>& problems) {
  TierBehaviour b;
  FieldReader r(j, path, problems);
  r.number("sessions_per_user_per_day", b.sessions_per_user_per_day, 0, 100);
  r.range("messages_per_session", b.messages_per_session, 1, 500);
  r.range("think_time_seconds", b.think_time_seconds, 0, 3600);
  r.number("weather_share", b.weather_share, 0, 1);
  r.number("knowledge_share", b.knowledge_share, 0, 1);
  r.number("runtime_share", b.runtime_share, 0, 1);
  r.range("prompt_words", b.prompt_words, 1, 2000);
  r.boolean("diurnal", b.diurnal);
  r.number("heavy_user_share", b.heavy_user_share, 0, 1);
  return b;
}

}  // namespace

ScenarioParse parse_scenario(const Json& doc, const std::vector<std::string>& known_tiers) {
  ScenarioParse out;
  auto& problems = out.problems;
  Scenario s;
  const auto is_tier = [&](const std::string& t) {
    return std::find(known_tiers.begin(), known_tiers.end(), t) != known_tiers.end();
  };
  {
    FieldReader r(doc, "", problems);
    r.string("name", s.name, true);
    r.string("description", s.description);
    r.string("mode", s.mode);
    if (s.mode != "run" && s.mode != "load") r.fail("mode", "must be \"run\" or \"load\"");
    int64_t seed = 1;
    r.integer("seed", seed, 0, INT64_MAX);
    s.seed = static_cast<uint64_t>(seed);
    r.time("start", s.start, true);
    int64_t hours = 0;
    r.integer("duration_hours", hours, 1, 24 * 366, true);
    s.duration = std::chrono::hours(hours);
    r.string("prices_file", s.prices_file);
    if (const Json* o = r.get("tier_overrides")) {
      FieldReader t(*o, "tier_overrides", problems);
      for (const auto& [tier, fields] : entries(*o)) {
        (void)t.get(tier);
        if (!is_tier(tier)) t.fail(t.at(tier), "unknown tier");
        else if (!fields.is_object()) t.fail(t.at(tier), "must be an object of tier fields");
      }
      if (o->is_object()) s.tier_overrides = *o;
    }

    if (const Json* p = r.get("population", true)) {
      FieldReader pr(*p, "population", problems);
      int64_t n = s.tenants;
      pr.integer("tenants", n, 1, 1'000'000, true);
      s.tenants = static_cast<int>(n);
      if (const Json* mix = pr.get("tier_mix", true)) {
        FieldReader mr(*mix, "population.tier_mix", problems);
        double total = 0;
        for (const auto& [tier, w] : entries(*mix)) {
          double weight = 0;
          mr.number(tier, weight, 0, 1e9);
          if (!is_tier(tier)) mr.fail(mr.at(tier), "unknown tier");
          s.tier_mix[tier] = weight;
          total += weight;
        }
        if (mix->is_object() && total <= 0) mr.fail("population.tier_mix", "needs at least one tier with a positive weight");
      }
      pr.range("users_per_tenant", s.users_per_tenant, 1, 1000);
      if (const Json* offs = pr.get("utc_offsets_minutes")) {
        s.utc_offsets_minutes.clear();
        if (!offs->is_array() || offs->empty()) {
          pr.fail("population.utc_offsets_minutes", "must be a non-empty array of minutes east of UTC");
        } else {
          for (size_t i = 0; i < offs->size(); ++i) {
            const Json& o = (*offs)[i];
            if (!o.is_number_integer() || o.get<int64_t>() < -720 || o.get<int64_t>() > 840)
              pr.fail(fmt::format("population.utc_offsets_minutes[{}]", i), "must be an integer between -720 and 840");
            else s.utc_offsets_minutes.push_back(o.get<int>());
          }
        }
      }
      // IANA names, checked against the tz database where the scenario is loaded (harness/run.cc):
      // the scenario model reads no files.
      if (const Json* zones = pr.get("time_zones")) {
        if (pr.get("utc_offsets_minutes"))
          pr.fail("population.time_zones", "give utc_offsets_minutes or time_zones, not both");
        else if (!zones->is_array() || zones->empty())
          pr.fail("population.time_zones", "must be a non-empty array of IANA time zone names, e.g. \"America/New_York\"");
        else
          for (size_t i = 0; i < zones->size(); ++i) {
            const Json& z = (*zones)[i];
            if (!z.is_string() || z.get<std::string>().empty() || z.get<std::string>().size() > 64)
              pr.fail(fmt::format("population.time_zones[{}]", i), "must be an IANA time zone name, e.g. \"Asia/Kolkata\"");
            else s.time_zones.push_back(z.get<std::string>());
          }
      }
      int64_t pairs = 0;
      pr.integer("prefix_pairs", pairs, 0, 1000);
      s.prefix_pairs = static_cast<int>(pairs);
    }

    if (const Json* b = r.get("behaviour")) {
      FieldReader br(*b, "behaviour", problems);
      for (const auto& [tier, spec] : entries(*b)) {
        (void)br.get(tier);
        if (!is_tier(tier)) br.fail(br.at(tier), "unknown tier");
        s.behaviour[tier] = read_behaviour(spec, br.at(tier), problems);
      }
    }

    if (const Json* a = r.get("adversaries")) {
      FieldReader ar(*a, "adversaries", problems);
      ar.number("share", s.adversaries.share, 0, 1);
      if (const Json* kinds = ar.get("kinds")) {
        if (!kinds->is_array()) ar.fail("adversaries.kinds", "must be an array");
        for (size_t i = 0; kinds->is_array() && i < kinds->size(); ++i) {
          const Json& k = (*kinds)[i];
          const auto& all = adversary_kinds();
          if (!k.is_string() || std::find(all.begin(), all.end(), k.get<std::string>()) == all.end())
            ar.fail(fmt::format("adversaries.kinds[{}]", i), "unknown adversary kind (see scenarios/SCHEMA.md)");
          else s.adversaries.kinds.push_back(k.get<std::string>());
        }
      }
    }

    if (const Json* m = r.get("model")) {
      FieldReader mr(*m, "model", problems);
      mr.boolean("follows_injections", s.model.follows_injections);
    }

    if (const Json* m = r.get("agent_runtime")) {
      FieldReader ar(*m, "agent_runtime", problems);
      ar.integer("vcpus", s.agent_runtime.vcpus, 1, 64);
      ar.integer("memory_mb", s.agent_runtime.memory_mb, 128, 65536);
    }

    if (const Json* m = r.get("simulation")) {
      FieldReader sr(*m, "simulation", problems);
      sr.boolean("perturb_schedule", s.simulation.perturb_schedule);
      sr.integer("max_extra_delay_us", s.simulation.max_extra_delay_us, 0, 1'000'000);
    }

    if (const Json* f = r.get("faults")) {
      FieldReader fr(*f, "faults", problems);
      // The plans themselves are the fakes' format: load_scenario parses them with the fakes' parser.
      for (const char* svc : {"bedrock", "dynamodb", "cognito", "weather", "knowledge_base"}) (void)fr.get(svc);
    }

    if (const Json* changes = r.get("tier_changes")) {
      if (!changes->is_array()) {
        r.fail("tier_changes", "must be an array of {from, to, share, at_hour}");
      } else {
        for (size_t i = 0; i < changes->size(); ++i) {
          const std::string path = fmt::format("tier_changes[{}]", i);
          FieldReader cr((*changes)[i], path, problems);
          TierChange c;
          cr.string("from", c.from, true);
          cr.string("to", c.to, true);
          if (!c.from.empty() && !is_tier(c.from)) cr.fail(path + ".from", "unknown tier");
          if (!c.to.empty() && !is_tier(c.to)) cr.fail(path + ".to", "unknown tier");
          if (!c.from.empty() && c.from == c.to) cr.fail(path + ".to", "must differ from 'from'");
          cr.number("share", c.share, 0, 1);
          if (!cr.get("share")) cr.fail(path + ".share", "is required");
          // hours: duration_hours; when that is itself wrong (already reported), any hour of a year.
          cr.range("at_hour", c.at_hour, 0, hours > 0 ? hours - 1 : 24 * 366 - 1);
          if (!cr.get("at_hour")) cr.fail(path + ".at_hour", "is required");
          s.tier_changes.push_back(c);
        }
      }
    }

    if (const Json* c = r.get("capacity")) {
      FieldReader cr(*c, "capacity", problems);
      const std::pair<const char*, std::optional<int64_t>*> fields[] = {
          {"bedrock_requests_per_minute", &s.capacity.bedrock_requests_per_minute},
          {"bedrock_tokens_per_minute", &s.capacity.bedrock_tokens_per_minute},
          {"dynamodb_partition_read_units_per_second", &s.capacity.dynamodb_partition_read_units_per_second},
          {"dynamodb_partition_write_units_per_second", &s.capacity.dynamodb_partition_write_units_per_second},
          {"weather_calls_per_minute", &s.capacity.weather_calls_per_minute}};
      for (const auto& [name, field] : fields) {
        int64_t v = -1;
        cr.integer(name, v, 1, int64_t{1} << 40);
        if (v > 0) *field = v;
      }
    }

    if (const Json* t = r.get("thresholds")) {
      FieldReader tr(*t, "thresholds", problems);
      // A misspelt check name must not quietly stop a check from gating: every selector names a
      // check or a group from the catalog.
      const auto selectors = [&](const char* field, std::vector<std::string>& into) {
        const Json* list = tr.get(field);
        if (!list) return;
        const std::string path = tr.at(field);
        if (!list->is_array()) return tr.fail(path, "must be an array of check names or groups");
        for (size_t i = 0; i < list->size(); ++i) {
          const std::string at = fmt::format("{}[{}]", path, i);
          if (!(*list)[i].is_string()) {
            tr.fail(at, "must be a string");
            continue;
          }
          const std::string name = (*list)[i].get<std::string>();
          if (!is_check_selector(name)) {
            std::string known;
            for (const auto& g : check_groups()) known += (known.empty() ? "" : ", ") + g;
            tr.fail(at, fmt::format("unknown check or group '{}' (groups: {}; checks: tenantsim checks list)", name, known));
            continue;
          }
          into.push_back(name);
        }
      };
      selectors("fail_on", s.thresholds.fail_on);
      selectors("may_skip", s.thresholds.may_skip);
      int64_t p99 = -1;
      tr.integer("p99_latency_ms", p99, 1, 3'600'000);
      if (p99 > 0) s.thresholds.p99_latency_ms = p99;
    }
  }
  for (const auto& [tier, w] : s.tier_mix)
    if (w > 0 && !s.behaviour.count(tier)) s.behaviour[tier] = TierBehaviour{};
  if (problems.empty()) out.scenario = std::move(s);
  return out;
}

}  // namespace tenantsim
