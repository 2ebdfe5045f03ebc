// FaultyWeatherApi: a scenario's `faults.weather` plan at the system's WeatherApi port, around the
// in-process fake, our client against `fakes serve`, or OpenWeatherMap alike (see
// faulty_database.h for the shape). Every call spends the plan's latency, then fails at its rate as
// a 503 (ServiceUnavailable) that never reaches the API: the API's ledger counts only the calls it
// answered, which are the calls the system may bill.
#pragma once

#include "core/ports/weather_api.h"
#include "harness/faults/fault_gate.h"

namespace tenantsim {

class FaultyWeatherApi final : public WeatherApi, public FaultGate {
 public:
  // `inner` must outlive this object.
  FaultyWeatherApi(WeatherApi& inner, Clock& clock, Rng rng)
      : FaultGate(clock, std::make_shared<FaultInjector>(rng)), inner_(inner) {}

  Task<Result<nlohmann::json>> fetch(WeatherQuery query) override;

 private:
  WeatherApi& inner_;
};

}  // namespace tenantsim
