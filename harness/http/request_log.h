// RequestLog: the write-ahead log behind `tenantsim fakes serve --state DIR`. Every request that
// changed a fake's state is appended (one JSON line) and fsync'd before its answer leaves, and the
// fakes are rebuilt at start by replaying the log through the same code that served it. So a state
// is never half-written: a kill can only cut the last line short, and open() drops such a line
// (its request was never answered).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace tenantsim::http {

class RequestLog {
 public:
  // Opens (creating) DIR/requests.jsonl and returns every complete entry in `entries`, in order;
  // a torn last line is cut off the file. Errors (kUnavailable) name the path and the reason; a
  // line that is not JSON in the middle of the file is kBadRequest (the file was edited).
  static Result<std::unique_ptr<RequestLog>> open(const std::string& dir, std::vector<nlohmann::json>* entries);
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Appends one entry and makes it durable (write + fdatasync) before returning. Thread-safe.
  Status append(const nlohmann::json& entry);

  const std::string& path() const { return path_; }

 private:
  RequestLog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  std::mutex mu_;
  int fd_;
  std::string path_;
};

}  // namespace tenantsim::http
