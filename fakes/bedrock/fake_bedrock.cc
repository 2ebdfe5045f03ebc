#include "fakes/bedrock/fake_bedrock.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace tenantsim {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "What's the weather in New York?" -> "New York"
std::string city_in(const std::string& text) {
  // "the weather in Paris", "the forecast for Paris": the place follows the last of the two.
  const std::string l = lower(text);
  const auto in = l.rfind(" in "), for_ = l.rfind(" for ");
  size_t from = std::string::npos;
  if (in != std::string::npos) from = in + 4;
  if (for_ != std::string::npos && (from == std::string::npos || for_ + 5 > from)) from = for_ + 5;
  if (from == std::string::npos) return {};
  // The first word, and the capitalised words after it ("New York"), as a model reads a place
  // name: "the weather in Paris today" asks about Paris.
  std::string city;
  for (size_t i = from; i < text.size(); ++i) {
    const char c = text[i];
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != ' ' && c != '-') break;
    if (c == ' ' && (i + 1 >= text.size() || !std::isupper(static_cast<unsigned char>(text[i + 1])))) break;
    city += c;
  }
  return city;
}

// The word of [a-z0-9_-] that follows `marker` in `text` (case-insensitive), or "".
std::string word_after(const std::string& text, std::string_view marker) {
  const std::string l = lower(text);
  const auto at = l.find(marker);
  if (at == std::string::npos) return {};
  std::string out;
  for (size_t i = at + marker.size(); i < l.size(); ++i) {
    const char c = l[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') break;
    out += c;
  }
  return out;
}

// The knowledge-base question's subject: what follows "about", else the whole text.
std::string kb_query(const std::string& text) {
  const auto at = lower(text).rfind(" about ");
  std::string q = at == std::string::npos ? text : text.substr(at + 7);
  while (!q.empty() && (q.back() == '?' || q.back() == '.' || q.back() == ' ')) q.pop_back();
  return q.empty() ? text : q;
}

bool about_documents(const std::string& text) {
  const std::string l = lower(text);
  return l.find("our documents") != std::string::npos || l.find("knowledge base") != std::string::npos;
}

// A prompt injection the untrusted model obeys: the tool it was told to call, with arguments.
std::optional<ToolUse> injected_tool(const std::string& text) {
  if (lower(text).find("ignore all previous instructions") == std::string::npos) return std::nullopt;
  ToolUse use;
  use.name = word_after(text, "call ");
  if (use.name.empty()) return std::nullopt;
  const std::string tenant = word_after(text, "for tenant ");
  if (!tenant.empty()) use.input["tenant_id"] = tenant;
  const std::string city = city_in(text);
  use.input["city"] = city.empty() ? "London" : city;
  use.input["query"] = kb_query(text);
  return use;
}

std::string wanted_tool(const std::string& text) {
  const std::string l = lower(text);
  if (l.find("weather") == std::string::npos && l.find("forecast") == std::string::npos &&
      l.find("alert") == std::string::npos)
    return about_documents(text) ? "search_knowledge_base" : std::string();
  if (l.find("alert") != std::string::npos) return "get_weather_alerts";
  if (l.find("forecast") != std::string::npos) return "get_weather_forecast";
  return "get_current_weather";
}

}  // namespace

int64_t FakeBedrock::count_tokens(std::string_view text) { return static_cast<int64_t>((text.size() + 3) / 4); }

FakeBedrock::FakeBedrock(Clock& clock, Rng rng) : clock_(clock), rng_(rng) {
  models_["anthropic.claude-3-haiku-20240307-v1:0"] = ModelProfile{};
  models_["anthropic.claude-3-5-sonnet-20241022-v2:0"] = ModelProfile{60, 600, 250, 400'000};
}

FakeBedrock::~FakeBedrock() = default;

void FakeBedrock::add_model(const std::string& model_id, ModelProfile profile) {
  std::lock_guard lock(mu_);
  models_[model_id] = profile;
}

void FakeBedrock::set_quotas(int64_t requests_per_minute, int64_t tokens_per_minute) {
  std::lock_guard lock(mu_);
  for (auto& [id, profile] : models_) {
    profile.requests_per_minute = requests_per_minute;
    profile.tokens_per_minute = tokens_per_minute;
  }
}

void FakeBedrock::set_follows_injections(bool on) {
  std::lock_guard lock(mu_);
  follows_injections_ = on;
}

BedrockLedger FakeBedrock::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

Task<Result<ConverseResponse>> FakeBedrock::converse(ConverseRequest req) {
  ConverseResponse resp;
  {
    std::lock_guard lock(mu_);
    auto model = models_.find(req.model_id);
    if (model == models_.end())
      co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "The provided model identifier is invalid.");
    if (req.messages.empty() || req.messages.back().role != ChatMessage::Role::kUser)
      co_return Error::make(ErrorKind::kBadRequest, "ValidationException",
                            "A conversation must start with a user message and end with one.");
    if (req.max_tokens < 1)
      co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "maxTokens must be at least 1");

    int64_t input = count_tokens(req.system);
    for (const auto& m : req.messages) {
      input += 3 + count_tokens(m.text);
      if (m.tool_result) input += count_tokens(m.tool_result->content);
      if (m.tool_use) input += 10;
    }
    for (const auto& t : req.tools) input += 20 + count_tokens(t.description);

    auto& window = windows_[{req.account, req.model_id}];
    const int64_t minute = to_unix_seconds(clock_.now()) / 60;
    if (window.minute != minute) window = Window{minute, 0, 0};
    const ModelProfile& profile = model->second;
    if (window.requests + 1 > profile.requests_per_minute ||
        window.tokens + input + req.max_tokens > profile.tokens_per_minute) {
      ++ledger_.throttled;
      Error e = Error::make(ErrorKind::kTooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again.");
      e.retry_after = std::chrono::seconds(60 - to_unix_seconds(clock_.now()) % 60);
      co_return e;
    }

    const ChatMessage& last = req.messages.back();
    const std::string tool = wanted_tool(last.text);
    const bool offered = std::any_of(req.tools.begin(), req.tools.end(), [&](const ToolSpec& t) { return t.name == tool; });
    resp.output.role = ChatMessage::Role::kAssistant;
    std::optional<ToolUse> use;
    if (!last.tool_result && follows_injections_) use = injected_tool(last.text);
    // An orchestrator is offered agents, not tools: it delegates the question to the one that has it.
    const std::string delegate = tool == "search_knowledge_base" ? "ask_knowledge_agent" : "ask_weather_agent";
    const bool delegable = !tool.empty() && !offered &&
        std::any_of(req.tools.begin(), req.tools.end(), [&](const ToolSpec& t) { return t.name == delegate; });
    if (!use && !last.tool_result && delegable) use = ToolUse{"", delegate, {{"question", last.text}}};
    if (!use && !last.tool_result && offered && tool == "search_knowledge_base")
      use = ToolUse{"", tool, {{"query", kb_query(last.text)}}};
    else if (!use && !last.tool_result && !tool.empty() && offered && !city_in(last.text).empty())
      use = ToolUse{"", tool, {{"city", city_in(last.text)}}};
    if (use) {
      resp.stop_reason = "tool_use";
      use->tool_use_id = fmt::format("tooluse_{:016x}", rng_.next());
      resp.usage.output_tokens = std::min<int64_t>(req.max_tokens, 20 + count_tokens(use->name));
      resp.output.tool_use = std::move(use);
    } else {
      std::string text;
      if (last.tool_result) {
        text = "Here is what I found: " + last.tool_result->content;
      } else if (tool == "search_knowledge_base" && !offered) {
        text = "I can't search your organisation's documents on your plan. You asked: " + last.text;
      } else if (!tool.empty() && !offered) {
        text = "I can't look up live weather on your plan. You asked: " + last.text;
      } else {
        text = "You said: " + last.text;
      }
      // Quote what it was told to remember and earlier user turns, as a model with memory would:
      // a leak of foreign memory shows in the answer.
      constexpr std::string_view kRemembered = "Remembered about this user: ";  // as the agent writes it
      if (auto at = req.system.find(kRemembered); at != std::string::npos)
        text += " | remembered: " + req.system.substr(at + kRemembered.size(), 200);
      for (size_t i = 0; i + 1 < req.messages.size(); ++i) {
        const auto& m = req.messages[i];
        if (m.role == ChatMessage::Role::kUser && !m.tool_result && !m.text.empty())
          text += " | earlier: " + m.text.substr(0, 80);
      }
      const int64_t drawn = rng_.between(profile.output_tokens_min, profile.output_tokens_max);
      resp.usage.output_tokens = std::min<int64_t>(req.max_tokens, drawn);
      resp.stop_reason = drawn > req.max_tokens ? "max_tokens" : "end_turn";
      resp.output.text = std::move(text);
    }
    resp.usage.input_tokens = input;
    window.requests += 1;
    window.tokens += input + resp.usage.output_tokens;

    auto add = [&](BedrockUsage& u) {
      u.invocations += 1;
      u.input_tokens += resp.usage.input_tokens;
      u.output_tokens += resp.usage.output_tokens;
    };
    add(ledger_.by_account_model[{req.account, req.model_id}]);
    const auto tag = [&](const char* key) {
      auto it = req.request_metadata.find(key);
      return it == req.request_metadata.end() ? std::string() : it->second;
    };
    add(ledger_.by_tenant_tag[tag("tenant_id")][req.model_id]);
    add(ledger_.by_user_tag[{tag("tenant_id"), tag("user_id")}][req.model_id]);
  }
  co_return resp;
}

}  // namespace tenantsim
