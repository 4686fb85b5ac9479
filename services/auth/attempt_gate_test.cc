// Unit tests of AttemptGate against a mocked AttemptLimiter: address normalisation, which keys
// an attempt counts against per config, refusals with retry-after, failing closed, settling.
#include "services/auth/attempt_gate.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/attempt_limiter_mock.h"
#include "libs/testing/status_matchers.h"

namespace auth::service {
namespace {

using ::auth::repository::Admission;
using ::auth::repository::AttemptLimit;
using ::auth::repository::AttemptSettlement;
using ::auth::repository::MockAttemptLimiter;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Return;
using ::testing::StrictMock;

Admission Admitted() { return Admission{true, absl::ZeroDuration()}; }

// An AttemptSettlement whose reset and refund keys match.
template <typename Reset, typename Refund>
auto Settles(Reset reset, Refund refund) {
  return AllOf(Field(&AttemptSettlement::reset_keys, reset),
               Field(&AttemptSettlement::refund_keys, refund));
}

TEST(ClientAddressTest, StripsThePortFromIpv4) {
  EXPECT_EQ(ClientAddress("ipv4:203.0.113.7:51234"), "203.0.113.7");
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:1"), "127.0.0.1");
}

// The peers as Debian's gRPC 1.51 reports them (grpc::ServerContext::peer()): an IPv6 host is
// percent-encoded, "[" and "]" as %5B and %5D, a zone's "%" as %25.
TEST(ClientAddressTest, GroupsIpv6AsGrpcReportsItByItsSlash64) {
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8::1%5D:443"), "2001:db8::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8:1:2:3:4:5:6%5D:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5B::1%5D:50051"), "::/64");
  // Hex digits of the escapes in either case.
  EXPECT_EQ(ClientAddress("ipv6:%5b2001:DB8:1:2::7%5d:9"), "2001:db8:1:2::/64");
  // Two hosts of one /64 share a key; another /64 does not.
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8:1:2::99%5D:1"),
            ClientAddress("ipv6:%5B2001:db8:1:2::1%5D:2"));
  EXPECT_NE(ClientAddress("ipv6:%5B2001:db8:1:3::1%5D:1"),
            ClientAddress("ipv6:%5B2001:db8:1:2::1%5D:1"));
}

TEST(ClientAddressTest, DropsTheZoneId) {
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%25eth0%5D:443"), "fe80::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%252%5D:443"), "fe80::/64");
  EXPECT_EQ(ClientAddress("ipv6:%5Bfe80::1%5D:443"), "fe80::/64");
}

TEST(ClientAddressTest, ReadsUnencodedIpv6Too) {
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8:1:2:3:4:5:6]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddress("ipv6:[fe80::1%eth0]:7"), "fe80::/64");
}

TEST(ClientAddressTest, Ipv4MappedIpv6IsTheIpv4Address) {
  EXPECT_EQ(ClientAddress("ipv6:%5B::ffff:198.51.100.4%5D:9"), "198.51.100.4");
  EXPECT_EQ(ClientAddress("ipv6:[::ffff:198.51.100.4]:9"), "198.51.100.4");
  EXPECT_EQ(ClientAddress("ipv6:%5B::ffff:198.51.100.4%5D:9"), ClientAddress("ipv4:198.51.100.4:1"));
}

TEST(ClientAddressTest, OddPeersStillGetABoundedKey) {
  EXPECT_EQ(ClientAddress("unix:/tmp/auth.sock"), "unix");
  EXPECT_EQ(ClientAddress("unix:%2Ftmp%2Fauth.sock"), "unix");
  EXPECT_EQ(ClientAddress("unix-abstract:x"), "unix");
  EXPECT_EQ(ClientAddress(""), "unknown");
  EXPECT_EQ(ClientAddress("ipv6:"), "unknown");
  EXPECT_EQ(ClientAddress("ipv6:%5B%5D:1"), "unknown");
  EXPECT_EQ(ClientAddress("ipv4:"), "unknown");
  EXPECT_EQ(ClientAddress("ipv4:not-an-address:1"), "not-an-address");
  EXPECT_EQ(ClientAddress("ipv6:%5Bgarbage%5D:1"), "garbage");
  EXPECT_EQ(ClientAddress("ipv6:%zz"), "unknown");
  EXPECT_EQ(ClientAddress("something-else").size(), 14u);
  EXPECT_EQ(ClientAddress(std::string(1000, 'x')).size(), 128u);
  EXPECT_EQ(ClientAddress("ipv6:%5B" + std::string(1000, 'x') + "%5D:1").size(), 128u);
}

TEST(AttemptGateTest, LoginCountsAgainstAccountAndAddressAndSettlesBoth) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter,
              Admit(ElementsAre(AllOf(Field(&AttemptLimit::key, "login-account:42"),
                                      Field(&AttemptLimit::max_attempts, 5),
                                      Field(&AttemptLimit::window, absl::Minutes(15))),
                                AllOf(Field(&AttemptLimit::key, "login-address:203.0.113.7"),
                                      Field(&AttemptLimit::max_attempts, 50))),
                    _))
      .WillOnce(Return(Admitted()));
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(42, "203.0.113.7", &retry_after), IsOk());
  EXPECT_EQ(retry_after, "");
  // The settlement is data for the session's transaction; the limiter is not asked to settle.
  EXPECT_THAT(gate.LoginSettlement(42, "203.0.113.7"),
              Settles(ElementsAre("login-account:42"), ElementsAre("login-address:203.0.113.7")));
}

TEST(AttemptGateTest, UnknownAccountsCountAgainstTheAddressOnly) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-address:a")), _))
      .WillOnce(Return(Admitted()));
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(0, "a", &retry_after), IsOk());
  EXPECT_THAT(gate.LoginSettlement(0, "a"), Settles(IsEmpty(), ElementsAre("login-address:a")));
}

TEST(AttemptGateTest, ZeroTurnsALimitOff) {
  StrictMock<MockAttemptLimiter> limiter;
  AbuseLimitsConfig config;
  config.login_failures_per_account = 0;
  {
    AttemptGate gate(&limiter, config);
    EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-address:a")), _))
        .WillOnce(Return(Admitted()));
    std::string retry_after;
    EXPECT_THAT(gate.AdmitLogin(42, "a", &retry_after), IsOk());
    EXPECT_THAT(gate.LoginSettlement(42, "a"), Settles(IsEmpty(), ElementsAre("login-address:a")));
  }
  config.login_failures_per_address = 0;
  config.registrations_per_address = 0;
  // Every limit off: the limiter (strict, no expectations left) is never asked.
  AttemptGate gate(&limiter, config);
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(42, "a", &retry_after), IsOk());
  EXPECT_TRUE(gate.LoginSettlement(42, "a").empty());
  EXPECT_FALSE(gate.CountsRegistrations());
  EXPECT_THAT(gate.AdmitRegistration("a", &retry_after), IsOk());
}

TEST(AttemptGateTest, WithoutALimiterEverythingPasses) {
  AttemptGate gate(nullptr, AbuseLimitsConfig());
  std::string retry_after;
  EXPECT_FALSE(gate.CountsRegistrations());
  EXPECT_THAT(gate.AdmitRegistration("a", &retry_after), IsOk());
  EXPECT_THAT(gate.AdmitLogin(42, "a", &retry_after), IsOk());
  EXPECT_TRUE(gate.LoginSettlement(42, "a").empty());
}

TEST(AttemptGateTest, RegistrationCountsAgainstTheAddress) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_TRUE(gate.CountsRegistrations());
  EXPECT_CALL(limiter, Admit(ElementsAre(AllOf(Field(&AttemptLimit::key, "register-address:a"),
                                               Field(&AttemptLimit::max_attempts, 20),
                                               Field(&AttemptLimit::window, absl::Hours(1)))),
                             _))
      .WillOnce(Return(Admitted()));
  std::string retry_after;
  EXPECT_THAT(gate.AdmitRegistration("a", &retry_after), IsOk());
}

TEST(AttemptGateTest, RefusalCarriesRetryAfterAndFailureFailsClosed) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter, Admit(_, _))
      .WillOnce(Return(Admission{false, absl::Milliseconds(89100)}))
      .WillOnce(Return(absl::UnavailableError("database down")));
  std::string retry_after;
  EXPECT_THAT(gate.AdmitRegistration("a", &retry_after),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(retry_after, "90");
  EXPECT_THAT(gate.AdmitLogin(42, "a", &retry_after), StatusIs(absl::StatusCode::kUnavailable));
}

// Failed refreshes count against the address in the shared counters; once they refuse it, the
// gate refuses the address from memory, without asking the limiter again.
TEST(AttemptGateTest, RefreshFailuresCountUntilRefusedThenTheRefusalIsRemembered) {
  StrictMock<MockAttemptLimiter> limiter;
  AbuseLimitsConfig config;
  config.refresh_failures_per_address = 2;
  AttemptGate gate(&limiter, config);
  std::string retry_after;
  EXPECT_CALL(limiter, Admit(ElementsAre(AllOf(Field(&AttemptLimit::key, "refresh-address:a"),
                                               Field(&AttemptLimit::max_attempts, 2))),
                             _))
      .WillOnce(Return(Admitted()))
      .WillOnce(Return(Admission{false, absl::Seconds(600)}));
  EXPECT_THAT(gate.CheckRefresh("a", &retry_after), IsOk());
  gate.CountRefreshFailure("a");
  EXPECT_THAT(gate.CheckRefresh("a", &retry_after), IsOk());
  gate.CountRefreshFailure("a");  // refused by the counters: remembered
  for (int i = 0; i < 1000; ++i) {
    ASSERT_THAT(gate.CheckRefresh("a", &retry_after),
                StatusIs(absl::StatusCode::kResourceExhausted));
  }
  EXPECT_THAT(retry_after, AnyOf("600", "599"));
  // Another address is not refused.
  EXPECT_THAT(gate.CheckRefresh("b", &retry_after), IsOk());
}

TEST(AttemptGateTest, ZeroTurnsTheRefreshLimitOff) {
  StrictMock<MockAttemptLimiter> limiter;  // never asked
  AbuseLimitsConfig config;
  config.refresh_failures_per_address = 0;
  AttemptGate gate(&limiter, config);
  std::string retry_after;
  gate.CountRefreshFailure("a");
  EXPECT_THAT(gate.CheckRefresh("a", &retry_after), IsOk());
}

TEST(ValidateAbuseLimitsTest, RejectsNegativeMaximaAndEmptyWindows) {
  AbuseLimitsConfig config;
  EXPECT_THAT(ValidateAbuseLimits(config), IsOk());
  config.login_failures_per_account = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.login_failures_per_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.refresh_failures_per_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.registrations_per_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.login_window = absl::ZeroDuration();
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.register_window = absl::Seconds(-1);
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RetryAfterSecondsTest, RoundsUpToAtLeastOneSecond) {
  EXPECT_EQ(RetryAfterSeconds(absl::Seconds(90)), "90");
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(89100)), "90");
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(1)), "1");
  EXPECT_EQ(RetryAfterSeconds(absl::ZeroDuration()), "1");
}

}  // namespace
}  // namespace auth::service
