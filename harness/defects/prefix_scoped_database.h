// PrefixScopedDatabase: the `leading-key-prefix-match` defect as a decorator at the Database port.
// It stands for an IAM policy written `"dynamodb:LeadingKeys": ["acme*"]`: a handle bound to `acme`
// reaches every partition whose key starts with `acme` (`acme-corp` too). The decorator opens the
// table unscoped below it and does the (wrong) prefix check itself, so the defect behaves the same
// over the in-process fake, our client against `fakes serve`, or DynamoDB, and no implementation
// of the port, nor core, carries the switch. Unscoped handles pass through untouched.
#pragma once

#include "core/ports/table_wrapper.h"

namespace tenantsim {

class PrefixScopedDatabase final : public DatabaseWrapper {
 public:
  // `inner` must outlive this object and the tables it opens.
  explicit PrefixScopedDatabase(Database& inner) : DatabaseWrapper(inner) {}

  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override;
};

}  // namespace tenantsim
