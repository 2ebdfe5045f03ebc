// libFuzzer target: the AWS formats `fakes serve` reads before any service does: a SigV4
// Authorization header (parsed, then verified against a request built from the rest of the input)
// and an event stream (decoded frame by frame: lengths, CRCs, headers). No input may crash.
#include <cstdint>

#include "fakes/wire/event_stream.h"
#include "fakes/wire/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string header = input.substr(0, nl);
  const std::string rest = nl == std::string::npos ? "" : input.substr(nl + 1);
  const auto parsed = tenantsim::wire::parse_authorization(header);
  if (const auto* auth = std::get_if<tenantsim::wire::ParsedAuthorization>(&parsed)) {
    tenantsim::wire::SignableRequest req{"POST", "/", "", {{"host", "127.0.0.1"}, {"x-amz-date", "20240101T000000Z"}}, rest};
    (void)tenantsim::wire::verify(req, *auth, "secret");
  }
  (void)tenantsim::wire::decode_events(input);
  return 0;
}
