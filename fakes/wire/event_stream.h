// AWS's event-stream framing (application/vnd.amazon.eventstream), the binary envelope of
// Bedrock's ConverseStream and InvokeAgent answers: each message is
//   total length (u32 BE) | headers length (u32 BE) | CRC32 of those 8 bytes |
//   headers | payload | CRC32 of everything before it
// and each header is name length (u8) | name | type (u8; 7 = string) | length (u16 BE) | value.
// Clients (boto3, the JS SDK) check both CRCs, so a wrong frame fails them loudly.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tenantsim::wire {

struct EventMessage {
  std::vector<std::pair<std::string, std::string>> headers;  // string headers, in order
  std::string payload;

  const std::string* header(const std::string& name) const;
};

std::string encode_event(const EventMessage& message);

// The messages of a whole stream; nullopt at a truncated frame, a bad CRC or a header type other
// than string (the only one these services send).
std::optional<std::vector<EventMessage>> decode_events(const std::string& stream);

// An `:message-type` event of `event_type` carrying a JSON payload, as the services send.
EventMessage json_event(const std::string& event_type, std::string json_payload);

}  // namespace tenantsim::wire
