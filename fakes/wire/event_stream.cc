#include "fakes/wire/event_stream.h"

#include <boost/crc.hpp>

#include <cstdint>

namespace tenantsim::wire {

namespace {

constexpr uint8_t kStringHeader = 7;
constexpr size_t kPrelude = 12;  // two lengths and the prelude's CRC
constexpr size_t kTrailer = 4;

uint32_t crc32(const char* data, size_t n) {
  boost::crc_32_type crc;
  crc.process_bytes(data, n);
  return crc.checksum();
}

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

}  // namespace

const std::string* EventMessage::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

std::string encode_event(const EventMessage& message) {
  std::string headers;
  for (const auto& [name, value] : message.headers) {
    headers += static_cast<char>(name.size());
    headers += name;
    headers += static_cast<char>(kStringHeader);
    headers += static_cast<char>((value.size() >> 8) & 0xff);
    headers += static_cast<char>(value.size() & 0xff);
    headers += value;
  }
  std::string out;
  put_u32(out, static_cast<uint32_t>(kPrelude + headers.size() + message.payload.size() + kTrailer));
  put_u32(out, static_cast<uint32_t>(headers.size()));
  put_u32(out, crc32(out.data(), 8));
  out += headers;
  out += message.payload;
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

std::optional<std::vector<EventMessage>> decode_events(const std::string& stream) {
  std::vector<EventMessage> out;
  size_t at = 0;
  while (at < stream.size()) {
    if (stream.size() - at < kPrelude + kTrailer) return std::nullopt;
    const uint32_t total = get_u32(stream, at), headers_length = get_u32(stream, at + 4);
    if (get_u32(stream, at + 8) != crc32(stream.data() + at, 8)) return std::nullopt;
    if (total < kPrelude + kTrailer + headers_length || total > stream.size() - at) return std::nullopt;
    if (get_u32(stream, at + total - 4) != crc32(stream.data() + at, total - 4)) return std::nullopt;
    EventMessage m;
    size_t h = at + kPrelude;
    const size_t headers_end = h + headers_length;
    while (h < headers_end) {
      const size_t name_length = static_cast<uint8_t>(stream[h]);
      if (h + 1 + name_length + 3 > headers_end) return std::nullopt;
      std::string name = stream.substr(h + 1, name_length);
      h += 1 + name_length;
      if (static_cast<uint8_t>(stream[h]) != kStringHeader) return std::nullopt;
      const size_t value_length = (static_cast<size_t>(static_cast<uint8_t>(stream[h + 1])) << 8) | static_cast<uint8_t>(stream[h + 2]);
      h += 3;
      if (h + value_length > headers_end) return std::nullopt;
      m.headers.emplace_back(std::move(name), stream.substr(h, value_length));
      h += value_length;
    }
    m.payload = stream.substr(headers_end, at + total - kTrailer - headers_end);
    out.push_back(std::move(m));
    at += total;
  }
  return out;
}

EventMessage json_event(const std::string& event_type, std::string json_payload) {
  return EventMessage{{{":event-type", event_type}, {":content-type", "application/json"}, {":message-type", "event"}},
                      std::move(json_payload)};
}

}  // namespace tenantsim::wire
