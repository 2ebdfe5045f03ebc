// DynamoDB's reserved words (the developer guide's list): an expression must name such an
// attribute through an #alias. The service compares case-insensitively.
#pragma once

#include <string_view>

namespace tenantsim::dynamo {

bool is_reserved_word(std::string_view word);

}  // namespace tenantsim::dynamo
