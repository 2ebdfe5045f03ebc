// Bedrock runtime's REST JSON bodies and core's ModelRuntime types, both ways: the Converse API
// (`POST /model/{modelId}/converse` and `/converse-stream`) and InvokeModel with Anthropic's messages body
// (`POST /model/{modelId}/invoke`). Transport-free, like DynamoApi: `fakes serve` puts the fake
// model behind it, and a real client would use the same mapping the other way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/ports/model_runtime.h"

namespace tenantsim::bedrock_wire {

// A Converse request body; ValidationException (the service's wording) for a malformed one.
Result<ConverseRequest> parse_converse(const nlohmann::json& body, const std::string& model_id);
nlohmann::json converse_json(const ConverseResponse& response, int64_t latency_ms);
// The same answer as ConverseStream's events, in order (event type, JSON payload): messageStart,
// the text in deltas of a few words, a tool-use block (start, its input as one JSON-text delta,
// stop), messageStop, metadata (usage and metrics). Framed by wire::encode_event.
std::vector<std::pair<std::string, nlohmann::json>> converse_stream_events(const ConverseResponse& response, int64_t latency_ms);

// The other way, for a client: a Converse request body (without the model id, which is in the path)
// and the port's response from a Converse answer (ValidationException-free: a malformed answer is
// SerializationException, kUnavailable).
nlohmann::json converse_request_json(const ConverseRequest& request);
Result<ConverseResponse> parse_converse_response(const nlohmann::json& body);

// An InvokeModel body in Anthropic's messages format (anthropic_version, max_tokens, messages with
// string or text-block content, system).
Result<ConverseRequest> parse_anthropic_invoke(const nlohmann::json& body, const std::string& model_id);
nlohmann::json anthropic_json(const ConverseResponse& response, const std::string& model_id, const std::string& id);

// The HTTP status of a Bedrock runtime exception name.
int http_status(const std::string& exception);

}  // namespace tenantsim::bedrock_wire
