#include "scenarios/iana_zones.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <stdexcept>

namespace tenantsim {

namespace {

using std::chrono::floor;
using std::chrono::seconds;

const date::time_zone* locate(const std::string& name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {  // date throws std::runtime_error for a name it does not know
    return nullptr;
  }
}

class IanaRules : public ZoneRules {
 public:
  explicit IanaRules(const date::time_zone* zone) : zone_(zone) {}

  seconds offset_at(Time t) const override { return zone_->get_info(floor<seconds>(t)).offset; }

  Time first_instant_at_or_after(Time local) const override {
    const date::local_time<Duration> wall{local.time_since_epoch()};
    const date::local_info info = zone_->get_info(floor<seconds>(wall));
    switch (info.result) {
      case date::local_info::unique:
      case date::local_info::ambiguous:  // `first` is the offset before the change: the earlier instant
        return Time{wall.time_since_epoch() - info.first.offset};
      case date::local_info::nonexistent:  // skipped by a spring-forward: the day starts when it ends
        return Time{info.second.begin};
    }
    return Time{wall.time_since_epoch() - info.first.offset};
  }

 private:
  const date::time_zone* zone_;
};

date::local_days local_date(const std::string& zone, Time t, bool& ok) {
  const date::time_zone* z = locate(zone);
  ok = z != nullptr;
  if (!ok) return {};
  return floor<date::days>(date::make_zoned(z, floor<seconds>(t)).get_local_time());
}

}  // namespace

std::shared_ptr<const ZoneRules> IanaZones::find(const std::string& name) const {
  const date::time_zone* zone = locate(name);
  return zone ? std::make_shared<IanaRules>(zone) : nullptr;
}

const IanaZones& iana_zones() {
  static const IanaZones zones;
  return zones;
}

std::string iana_local_day(const std::string& zone, Time t) {
  bool ok = false;
  const date::year_month_day ymd{local_date(zone, t, ok)};
  if (!ok) return "";
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
}

std::string iana_local_month(const std::string& zone, Time t) {
  const std::string day = iana_local_day(zone, t);
  return day.empty() ? day : day.substr(0, 7);
}

Time iana_window_end(const std::string& zone, Time t, bool daily) {
  bool ok = false;
  const date::local_days day = local_date(zone, t, ok);
  if (!ok) return t;
  date::local_days next = day + date::days{1};
  if (!daily) {
    const date::year_month_day ymd{day};
    next = date::local_days{date::year_month_day{ymd.year() / ymd.month() / 1} + date::months{1}};
  }
  return Time{date::zoned_seconds{locate(zone), date::local_seconds{next}, date::choose::earliest}.get_sys_time()};
}

}  // namespace tenantsim
