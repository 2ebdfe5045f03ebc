#include "harness/cloud_ledgers.h"

#include "harness/world.h"

namespace tenantsim {

namespace {

using nlohmann::json;

BedrockUsage usage_of(const json& row) {
  return BedrockUsage{row.at("invocations").get<int64_t>(), row.at("input_tokens").get<int64_t>(),
                      row.at("output_tokens").get<int64_t>()};
}

// A name when the service kept one, else the id.
std::string named(const json& row, const char* name, const char* id) {
  const std::string n = row.value(name, "");
  return n.empty() ? row.at(id).get<std::string>() : n;
}

}  // namespace

CloudLedgers ledgers_of(const World& w) {
  return CloudLedgers{w.bedrock.ledger(), w.agents.ledger(), w.weather.ledger(), w.knowledge.ledger()};
}

Result<CloudLedgers> ledgers_from_json(const json& doc) {
  CloudLedgers c;
  try {
    const json& model = doc.at("bedrock");
    for (const auto& row : model.at("by_account_model"))
      c.model.by_account_model[{row.at("account").get<std::string>(), row.at("model").get<std::string>()}] = usage_of(row);
    for (const auto& row : model.at("by_tenant_tag"))
      c.model.by_tenant_tag[row.at("tenant_id").get<std::string>()][row.at("model").get<std::string>()] = usage_of(row);
    for (const auto& row : model.at("by_user_tag"))
      c.model.by_user_tag[{row.at("tenant_id").get<std::string>(), row.at("user_id").get<std::string>()}]
                         [row.at("model").get<std::string>()] = usage_of(row);
    c.model.throttled = model.at("throttled").get<uint64_t>();
    for (const auto& row : doc.at("agents").at("invocations"))
      c.agents.invocations[{named(row, "agent_name", "agent_id"), row.at("tenant_id").get<std::string>()}] +=
          row.at("invocations").get<int64_t>();
    c.weather.calls = doc.at("weather").at("calls").get<std::map<std::string, std::map<std::string, int64_t>>>();
    c.weather.rejected = doc.at("weather").at("rejected").get<uint64_t>();
    for (const auto& row : doc.at("knowledge_bases").at("retrievals")) {
      auto& u = c.knowledge.by_filter[{named(row, "knowledge_base_name", "knowledge_base_id"),
                                       row.at("filter_tenant_id").get<std::string>()}];
      u.retrievals += row.at("retrievals").get<int64_t>();
      u.query_tokens += row.at("query_tokens").get<int64_t>();
    }
  } catch (const json::exception& e) {
    return Error::make(ErrorKind::kUnavailable, "UnexpectedLedger", std::string("/_fake/ledger: ") + e.what());
  }
  return c;
}

}  // namespace tenantsim
