#include "harness/http/control_secret.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/base/json_text.h"

namespace tenantsim::http {

std::string make_control_secret() {
  if (const char* env = std::getenv(kControlSecretEnv); env && *env) return env;
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for the control secret");
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

std::string control_secret_file(uint16_t port) {
  const char* tmp = std::getenv("TMPDIR");
  return fmt::format("{}/tenantsim-control-{}.secret", tmp && *tmp ? tmp : "/tmp", port);
}

Status write_control_secret(const std::string& path, const std::string& secret) {
  ::unlink(path.c_str());  // a file left by another user or process is not reused
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error::make(ErrorKind::kUnavailable, "ControlSecretFile", fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return Error::make(ErrorKind::kUnavailable, "ControlSecretFile", fmt::format("cannot write {}", path));
  return {};
}

ControlSecretFile::ControlSecretFile(uint16_t port, const std::string& secret)
    : path_(control_secret_file(port)), status_(write_control_secret(path_, secret)) {}

ControlSecretFile::~ControlSecretFile() {
  if (status_.ok()) ::unlink(path_.c_str());
}

std::string control_secret_for(const std::string& url) {
  if (const char* env = std::getenv(kControlSecretEnv); env && *env) return env;
  // http://host:port[/...]
  const size_t scheme = url.find("://");
  const size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t colon = url.find(':', host);
  if (colon == std::string::npos) return {};
  const int port = std::atoi(url.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return {};
  std::ifstream in(control_secret_file(static_cast<uint16_t>(port)));
  std::string secret;
  std::getline(in, secret);
  return secret;
}

std::optional<Response> guard_control(const Request& req, const std::string& secret) {
  auto refuse = [](int status, const char* code, const std::string& detail) {
    return Response{status, {{"Content-Type", "application/json"}},
                    to_json_text(nlohmann::json{{"detail", detail}, {"code", code}, {"message", detail}})};
  };
  if (!req.header("origin").empty())
    return refuse(403, "ControlEndpointCrossOrigin", "control endpoints answer no cross-origin request");
  const std::string& shown = req.header(kControlSecretHeader);
  if (secret.empty() || shown.size() != secret.size() || CRYPTO_memcmp(shown.data(), secret.data(), secret.size()) != 0)
    return refuse(401, "ControlSecretRequired",
                  fmt::format("control endpoints need the server's secret in X-Tenantsim-Control-Secret (the file it named "
                              "at start, or {})",
                              kControlSecretEnv));
  return std::nullopt;
}

}  // namespace tenantsim::http
