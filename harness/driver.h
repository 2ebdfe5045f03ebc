// Driver: how a simulated client reaches the system. In process it is a call into the router;
// the HTTP driver (wall-clock load runs) sends the same ApiRequest over a socket instead, and the
// actors cannot tell the difference.
#pragma once

#include "core/api/router.h"

namespace tenantsim {

class Driver {
 public:
  virtual ~Driver() = default;
  virtual Task<ApiResponse> send(ApiRequest request) = 0;
};

class InProcessDriver final : public Driver {
 public:
  explicit InProcessDriver(System& system) : system_(system) {}
  Task<ApiResponse> send(ApiRequest request) override { return route(system_, std::move(request)); }

 private:
  System& system_;
};

}  // namespace tenantsim
