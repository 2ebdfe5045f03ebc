// QuotaManager on its own, over the DynamoDB fake: concurrent-session slots must come back when a
// session ends, even when the table fails transiently on the way (seed 3141592653 of
// ci-isolation.json found a close that answered 200 while its slot stayed leased for hours).
#include <gtest/gtest.h>

#include "core/domain/quota.h"
#include "core/ports/table_wrapper.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"

namespace tenantsim {
namespace {

// Fails the next `failures` delete_item calls with the service's transient error.
class FlakyDeletes final : public TableWrapper {
 public:
  using TableWrapper::TableWrapper;
  int failures = 0;
  int deletes = 0;
  Task<Status> delete_item(Key key, std::optional<Condition> condition) override {
    ++deletes;
    if (failures > 0) {
      --failures;
      return fail();
    }
    return TableWrapper::delete_item(std::move(key), std::move(condition));
  }

 private:
  static Task<Status> fail() { co_return Error::make(ErrorKind::kUnavailable, "InternalServerError", "injected"); }
};

struct QuotaFixture : ::testing::Test {
  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeDynamoDb db{clock};
  DefectSet defects;
  QuotaManager quotas{clock, defects};
  Tenant tenant;
  TierPolicy tier;
  std::shared_ptr<FlakyDeletes> usage;

  void SetUp() override {
    ASSERT_TRUE(db.create_table(TableSchema{"usage", "tenant_id", "sk"}).ok());
    auto t = db.open("usage", LeadingKeyScope{"acme"});
    ASSERT_TRUE(t.ok());
    usage = std::make_shared<FlakyDeletes>(std::move(t).value());
    tenant.id = "acme";
    tier.name = "advanced";
    tier.concurrent_sessions = 2;
    tier.session_duration = std::chrono::minutes(60);
  }
  Result<int> acquire(const std::string& session) {
    return run_to_completion(clock, quotas.acquire_session_slot(*usage, tenant, tier, "u1", session,
                                                                clock.now() + tier.session_duration));
  }
  Status release(const std::string& session, int slot) {
    return run_to_completion(clock, quotas.release_session_slot(*usage, tenant, "u1", session, slot));
  }
};

TEST_F(QuotaFixture, AllSlotsTakenRefusesUntilOneIsReleased) {
  auto a = acquire("s-a"), b = acquire("s-b");
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = acquire("s-c");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().name, "ConcurrentSessionLimitExceeded");
  ASSERT_TRUE(release("s-a", *a).ok());
  EXPECT_TRUE(acquire("s-c").ok());
}

TEST_F(QuotaFixture, ATransientFailureOnReleaseIsRetriedAndTheSlotComesBack) {
  auto a = acquire("s-a"), b = acquire("s-b");
  ASSERT_TRUE(a.ok() && b.ok());
  usage->failures = 2;
  EXPECT_TRUE(release("s-a", *a).ok());
  EXPECT_EQ(usage->deletes, 3);
  EXPECT_TRUE(acquire("s-c").ok()) << "the released slot must be free again";
}

TEST_F(QuotaFixture, AReleaseThatKeepsFailingSaysSoInsteadOfSucceeding) {
  auto a = acquire("s-a"), b = acquire("s-b");
  ASSERT_TRUE(a.ok() && b.ok());
  usage->failures = 100;
  auto st = release("s-a", *a);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().name, "InternalServerError");
  usage->failures = 0;
  EXPECT_TRUE(release("s-a", *a).ok()) << "releasing again finishes the job";
  EXPECT_TRUE(acquire("s-c").ok());
}

TEST_F(QuotaFixture, ReleasingASlotNowHeldByAnotherSessionLeavesItAlone) {
  auto a = acquire("s-a");
  ASSERT_TRUE(a.ok());
  clock.advance(tier.session_duration);  // s-a's lease ran out; s-b takes the slot
  auto b = acquire("s-b");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(*a, *b);
  EXPECT_TRUE(release("s-a", *a).ok());
  ASSERT_TRUE(acquire("s-c").ok());
  EXPECT_FALSE(acquire("s-d").ok()) << "s-b and s-c hold both slots; s-a's late close must not free s-b's";
}

}  // namespace
}  // namespace tenantsim
