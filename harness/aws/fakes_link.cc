#include "harness/aws/fakes_link.h"

#include <fmt/format.h>

#include <chrono>

namespace tenantsim::aws {

namespace {

using nlohmann::json;

int64_t unix_ms(Time t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(); }

// Account ids this link hands out: 12 digits, starting at 100000000001 (no real account's range
// is implied; `fakes serve` takes any 12 digits).
constexpr int64_t kFirstAccount = 100000000001;

}  // namespace

FakesLink::FakesLink(std::string url, uint64_t seed) : url_(std::move(url)) {
  EndpointConfig c;
  c.url = url_;
  c.service = "bedrock";  // the hooks are not signed by fakes serve's rules; any signing name does
  c.content_type = "application/json";
  c.credentials = {"TSIMFAKESLINK000000", "tenantsim-fakes-link", ""};
  c.caller_clock_ms = clock_ms();
  client_ = std::make_shared<AwsJsonClient>(c, Rng(seed).split("fakes-link"));
}

Result<std::unique_ptr<FakesLink>> FakesLink::connect(const std::string& url, uint64_t seed) {
  std::unique_ptr<FakesLink> link(new FakesLink(url, seed));
  auto health = link->client_->get("/health");
  if (!health.ok())
    return Error::make(ErrorKind::kUnavailable, "FakesServeUnreachable",
                       fmt::format("fakes_serve {}: {} (start `tenantsim fakes serve --clock caller` there)", url, health.error().message));
  const json doc = json::parse(*health, nullptr, false);
  if (doc.is_discarded() || doc.value("status", "") != "ok" || !doc.contains("services"))
    return Error::make(ErrorKind::kUnavailable, "NotFakesServe", fmt::format("fakes_serve {}: /health is not `tenantsim fakes serve`'s", url));
  return link;
}

std::function<int64_t()> FakesLink::clock_ms() {
  return [this]() -> int64_t {
    const Clock* c = clock_.load();
    return c ? unix_ms(c->now()) : -1;
  };
}

Status FakesLink::configure(const json& settings) {
  auto r = client_->post("/_fake/configure", settings);
  if (!r.ok()) return r.take_error();
  return {};
}

Result<std::string> FakesLink::sign(const std::string& pool_id, const json& claims) {
  auto r = client_->post("/_fake/cognito/sign", json{{"pool_id", pool_id}, {"claims", claims}});
  if (!r.ok()) return r.take_error();
  if (!r->contains("token") || !(*r)["token"].is_string())
    return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "/_fake/cognito/sign answered without a token");
  return (*r)["token"].get<std::string>();
}

Result<json> FakesLink::ledger() {
  auto text = client_->get("/_fake/ledger");
  if (!text.ok()) return text.take_error();
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "/_fake/ledger is not a JSON object");
  std::lock_guard lock(mu_);
  if (doc.contains("bedrock") && doc["bedrock"].contains("by_account_model"))
    for (auto& row : doc["bedrock"]["by_account_model"])
      if (auto it = name_of_.find(row.value("account", "")); it != name_of_.end()) row["account"] = it->second;
  return doc;
}

Result<wire::SigV4Credentials> FakesLink::credentials_of(const std::string& account) {
  std::lock_guard lock(mu_);
  auto it = id_of_.find(account);
  const std::string id = it != id_of_.end() ? it->second : std::to_string(kFirstAccount + static_cast<int64_t>(id_of_.size()));
  wire::SigV4Credentials c{"TSIMACCT" + id, "tenantsim-secret-" + id, ""};
  if (it == id_of_.end()) {
    auto r = client_->post("/_fake/keys", json{{c.access_key, {{"secret", c.secret_key}, {"account", id}}}});
    if (!r.ok()) return r.take_error();
    id_of_[account] = id;
    name_of_[id] = account;
  }
  return c;
}

AccountClients::Make FakesLink::clients_like(const EndpointConfig& base, uint64_t seed) {
  return [this, base, seed](const std::string& account) -> Result<std::shared_ptr<AwsJsonClient>> {
    auto credentials = credentials_of(account);
    if (!credentials.ok()) return credentials.take_error();
    EndpointConfig c = base;
    c.credentials = *credentials;
    return std::make_shared<AwsJsonClient>(c, Rng(seed).split("account-" + account), [](int64_t) {});  // see retry_wait
  };
}

}  // namespace tenantsim::aws
