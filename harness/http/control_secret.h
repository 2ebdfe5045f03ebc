// The secret that guards a server's control endpoints (/_fake/*: confirmation codes, token
// minting, keys, configuration, ledgers). AWS has none of them, and each would hand a stranger
// the keys to every tenant (`/_fake/cognito/sign` mints any claims), so a server answers them only
// to a caller that shows its per-process secret in X-Tenantsim-Control-Secret, and never to a
// cross-origin browser request (any request with an Origin header): a web page the operator
// happens to open must not reach them.
//
// Where the secret comes from: TENANTSIM_CONTROL_SECRET when set (tests and scripts that start a
// server and its clients together), else fresh random bytes per process. The server writes it to
// control_secret_file(port) (mode 0600) and names that file at start; a client on the same machine
// finds it there by the server's port, so linked runs need no configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "harness/http/http_server.h"

namespace tenantsim::http {

inline constexpr const char* kControlSecretHeader = "x-tenantsim-control-secret";
inline constexpr const char* kControlSecretEnv = "TENANTSIM_CONTROL_SECRET";

// TENANTSIM_CONTROL_SECRET, or 32 random hex digits.
std::string make_control_secret();

// ${TMPDIR:-/tmp}/tenantsim-control-<port>.secret
std::string control_secret_file(uint16_t port);

// Writes the secret to `path`, readable by its owner only.
Status write_control_secret(const std::string& path, const std::string& secret);

// The secret's file for the life of a server: written when made, removed when destroyed.
class ControlSecretFile {
 public:
  ControlSecretFile(uint16_t port, const std::string& secret);
  ~ControlSecretFile();
  ControlSecretFile(const ControlSecretFile&) = delete;
  ControlSecretFile& operator=(const ControlSecretFile&) = delete;
  const std::string& path() const { return path_; }
  const Status& status() const { return status_; }  // why it could not be written

 private:
  std::string path_;
  Status status_;
};

// For a client of `url` (http://host:port/...): TENANTSIM_CONTROL_SECRET, else the file of the
// URL's port, else "" (the server will refuse).
std::string control_secret_for(const std::string& url);

// The refusal for a control request, or nullopt when it may proceed: 403 for a cross-origin
// request, 401 for a missing or wrong secret (compared in constant time). An empty `secret`
// refuses every control request.
std::optional<Response> guard_control(const Request& req, const std::string& secret);

}  // namespace tenantsim::http
