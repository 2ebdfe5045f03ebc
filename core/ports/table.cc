#include "core/ports/table.h"

namespace tenantsim {

const std::string* get_string(const Item& item, std::string_view name) {
  auto it = item.find(name);
  if (it == item.end()) return nullptr;
  return std::get_if<std::string>(&it->second);
}

std::optional<int64_t> get_number(const Item& item, std::string_view name) {
  auto it = item.find(name);
  if (it == item.end()) return std::nullopt;
  if (const auto* n = std::get_if<int64_t>(&it->second)) return *n;
  return std::nullopt;
}

size_t item_size_bytes(const Item& item) {
  size_t total = 0;
  for (const auto& [name, value] : item) {
    total += name.size();
    if (const auto* s = std::get_if<std::string>(&value)) {
      total += s->size();
    } else if (std::holds_alternative<int64_t>(value)) {
      total += 21;
    } else {
      total += 1;
    }
  }
  return total;
}

}  // namespace tenantsim
