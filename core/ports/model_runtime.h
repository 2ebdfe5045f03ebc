// ModelRuntime: the Bedrock runtime Converse API subset the agent uses (messages and tool
// specifications in; text or a tool-use request, and exact token usage, out).
// Failures carry Bedrock's exception names: ThrottlingException (kTooManyRequests),
// ValidationException (kBadRequest), ModelNotReadyException / ServiceUnavailableException (kUnavailable),
// AccessDeniedException (kForbidden), ResourceNotFoundException (kNotFound, unknown model id).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/task.h"

namespace tenantsim {

struct ToolUse {
  std::string tool_use_id;
  std::string name;
  std::map<std::string, std::string> input;
};

struct ToolResult {
  std::string tool_use_id;
  std::string content;  // JSON text
  bool error = false;
};

struct ChatMessage {
  enum class Role { kUser, kAssistant };
  Role role = Role::kUser;
  std::string text;
  std::optional<ToolUse> tool_use;        // assistant asked for a tool
  std::optional<ToolResult> tool_result;  // user turn carrying a tool's answer
};

struct ToolSpec {
  std::string name;
  std::string description;
};

struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct ConverseRequest {
  std::string model_id;
  std::string system;
  std::vector<ChatMessage> messages;
  std::vector<ToolSpec> tools;
  int max_tokens = 1024;
  // The AWS account (credentials) the call is made with: quotas are per account and model, so
  // pooled tenants share one and silo tenants have their own.
  std::string account;
  // Bedrock's requestMetadata: echoed into invocation logs, used here to reconcile ledgers.
  std::map<std::string, std::string> request_metadata;
};

struct ConverseResponse {
  ChatMessage output;
  std::string stop_reason;  // "end_turn", "tool_use" or "max_tokens"
  TokenUsage usage;
};

class ModelRuntime {
 public:
  ModelRuntime() = default;
  ModelRuntime(const ModelRuntime&) = delete;
  ModelRuntime& operator=(const ModelRuntime&) = delete;
  virtual ~ModelRuntime() = default;

  // One model invocation. On success the usage is what the account is billed for this call.
  virtual Task<Result<ConverseResponse>> converse(ConverseRequest request) = 0;
};

}  // namespace tenantsim
