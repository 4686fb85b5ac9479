// Unit tests of AttemptGate against a mocked AttemptLimiter: address normalisation, which keys
// an attempt counts against per config, refusals with retry-after, failing closed, settling.
#include "services/auth/abuse/attempt_gate.h"

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
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
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
