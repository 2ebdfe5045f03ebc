#include "harness/http/request_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "core/base/json_text.h"
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tenantsim::http {

namespace {

Error unavailable(const std::string& what, const std::string& path) {
  return Error::make(ErrorKind::kUnavailable, "StateUnavailable", fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

}  // namespace

Result<std::unique_ptr<RequestLog>> RequestLog::open(const std::string& dir, std::vector<nlohmann::json>* entries) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error::make(ErrorKind::kUnavailable, "StateUnavailable", fmt::format("cannot create {}: {}", dir, ec.message()));
  const std::string path = (std::filesystem::path(dir) / "requests.jsonl").string();
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    content = ss.str();
  }
  // Complete lines end in '\n'; whatever follows the last one was being written when the
  // process died, and its request was not answered.
  size_t good = 0;
  size_t line = 0;
  while (good < content.size()) {
    const size_t end = content.find('\n', good);
    if (end == std::string::npos) break;
    ++line;
    auto entry = nlohmann::json::parse(content.begin() + static_cast<std::ptrdiff_t>(good),
                                       content.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (entry.is_discarded() || !entry.is_object())
      return Error::make(ErrorKind::kBadRequest, "StateCorrupt",
                         fmt::format("{} line {} is not a JSON object: the state was changed by hand", path, line));
    if (entries) entries->push_back(std::move(entry));
    good = end + 1;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return unavailable("cannot open", path);
  if (good < content.size() && ::ftruncate(fd, static_cast<off_t>(good)) != 0) {
    ::close(fd);
    return unavailable("cannot cut the torn last line of", path);
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    ::close(fd);
    return unavailable("cannot seek", path);
  }
  return std::unique_ptr<RequestLog>(new RequestLog(fd, path));
}

RequestLog::~RequestLog() { ::close(fd_); }

Status RequestLog::append(const nlohmann::json& entry) {
  const std::string line = to_json_text(entry) + "\n";
  std::lock_guard lock(mu_);
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = unavailable("cannot write", path_);
      // A partial line must not stay in the middle of the log, where open() would call it corrupt.
      if (before >= 0 && ::ftruncate(fd_, before) == 0) ::lseek(fd_, before, SEEK_SET);
      return e;
    }
    written += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return unavailable("cannot sync", path_);
  return Status{};
}

}  // namespace tenantsim::http
