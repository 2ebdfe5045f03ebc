#include "harness/http/served_system.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <future>

namespace tenantsim {


Result<std::unique_ptr<ServedSystem>> ServedSystem::start(ServeOptions options) {
  std::unique_ptr<ServedSystem> s(new ServedSystem());
  s->clock_ = std::make_unique<WallClock>(s->loop_);
  options.world.wall_clock = s->clock_.get();
  auto made = World::create(options.world);
  if (!made.ok()) return made.take_error();
  s->world_ = std::move(made).value();
  World& w = *s->world_;
  if (auto st = detail::run_on(s->loop_, w.system->start()); !st.ok()) return st.take_error();
  if (options.scenario) configure_services(w, *options.scenario);

  if (options.fake_control) {
    options.api.confirmation_code = [&w](const std::string& tenant_id, const std::string& username) {
      auto t = w.system->tenants().find(tenant_id);
      return t ? w.mailbox(t->client_id, username) : std::string();
    };
    if (options.api.control_secret.empty()) options.api.control_secret = http::make_control_secret();
  }
  s->control_secret_ = options.api.control_secret;
  ServedSystem* self = s.get();
  s->server_ = std::make_unique<http::Server>(
      options.limits, [self](http::Request r, http::Responder done) { self->api_->handle(std::move(r), std::move(done)); });
  s->api_ = std::make_unique<http::ApiService>(*w.system, s->loop_, *s->server_, std::move(options.api));
  try {
    s->port_ = s->server_->listen(options.bind, options.port);
  } catch (const std::invalid_argument& e) {
    return Error::make(ErrorKind::kBadRequest, "BadAddress", e.what());
  } catch (const std::exception& e) {
    return Error::make(ErrorKind::kUnavailable, "CannotListen", e.what());
  }
  if (options.fake_control) {
    s->secret_file_ = std::make_unique<http::ControlSecretFile>(s->port_, s->control_secret_);
    if (!s->secret_file_->status().ok()) return s->secret_file_->status().error();
  }
  s->work_.emplace(boost::asio::make_work_guard(s->loop_));
  s->loop_.restart();
  s->system_thread_ = std::thread([self] { self->loop_.run(); });
  s->server_thread_ = std::thread([self, n = options.threads] { self->server_->run(n); });
  return s;
}

void ServedSystem::stop() { server_->stop(); }

size_t ServedSystem::flush_metering() {
  std::promise<size_t> flushed;
  boost::asio::post(loop_, [&] {
    spawn([](Metering& m, std::promise<size_t>* p) -> Task<void> { p->set_value(co_await m.flush()); }(
        world_->system->metering(), &flushed));
  });
  return flushed.get_future().get();
}

std::string ServedSystem::sign_claims(const std::string& pool_id, const std::string& claims_json) {
  std::promise<std::string> signed_token;
  boost::asio::post(loop_, [&] { signed_token.set_value(world_->sign_claims(pool_id, claims_json)); });
  return signed_token.get_future().get();
}

size_t ServedSystem::wait() {
  if (waited_) return 0;
  waited_ = true;
  server_thread_.join();
  // Every request has been answered; write what metering still holds before the loop stops.
  const size_t pending = flush_metering();
  work_.reset();
  system_thread_.join();
  return pending;
}

ServedSystem::~ServedSystem() {
  if (server_thread_.joinable() || system_thread_.joinable()) {
    stop();
    wait();
  }
}

}  // namespace tenantsim
