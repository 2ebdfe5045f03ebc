// libFuzzer target: one HTTP request, as `tenantsim serve` reads it. Beast's parser (the one the
// server uses) takes the bytes; what it accepts goes, as ApiService hands it on, through the
// router, the typed commands and the services on the fakes; the answer is rendered as the server
// renders it. No input may crash, hang or leak, and every answer is a status the API gives.
#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstdlib>

#include "core/base/json_text.h"
#include "tests/fuzz/fuzz_system.h"

namespace {

tenantsim::fuzz::FuzzSystem& sys() {
  static auto* s = new tenantsim::fuzz::FuzzSystem();  // never destroyed: libFuzzer exits at will
  return *s;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  replace_all(bytes, "TOKEN", sys().token);
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  const std::string target(req.target());
  // The server's own refusals before the router (http_server.cc, api_service.cc).
  for (char c : target)
    if (c <= 0x20 || c >= 0x7f) return 0;
  std::string authorization;
  int authorizations = 0;
  for (const auto& f : req)
    if (f.name() == http::field::authorization) authorization = std::string(f.value()), ++authorizations;
  if (authorizations > 1) return 0;
  const tenantsim::ApiResponse r = sys().call(std::string(req.method_string()), target, req.body(), authorization);
  if (r.status < 200 || r.status > 599) std::abort();
  (void)tenantsim::to_json_text(r.body);
  return 0;
}
