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

// The defaults, but with the account's untrusted limit above the (account, address) one, so that
// the pair is counted (at the defaults, 5 and 5, it could never refuse first, and is not).
AbuseLimitsConfig PairCountingConfig() {
  AbuseLimitsConfig config;
  config.login_failures_per_account = 20;
  return config;
}

TEST(AttemptGateTest, UntrustedLoginCountsAgainstAccountAccountAddressAndAddressAndSettlesAll) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, PairCountingConfig());
  EXPECT_CALL(
      limiter,
      Admit(ElementsAre(AllOf(Field(&AttemptLimit::key, "login-account:42"),
                              Field(&AttemptLimit::max_attempts, 20),
                              Field(&AttemptLimit::window, absl::Minutes(15))),
                        AllOf(Field(&AttemptLimit::key, "login-account-address:42:203.0.113.7"),
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
              Settles(ElementsAre("login-account:42", "login-account-address:42:203.0.113.7"),
                      ElementsAre("login-address:203.0.113.7")));
}

// The pair limit at or above the account's never refuses first (every untrusted attempt counts
// against both, a success resets both): it is not counted, which saves a row write per login.
TEST(AttemptGateTest, PairLimitNotBelowTheAccountsIsNotCounted) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-account:42"),
                                         Field(&AttemptLimit::key, "login-address:a")),
                             _))
      .WillOnce(Return(Admitted()));
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(42, "a", &retry_after), IsOk());
  EXPECT_THAT(gate.LoginSettlement(42, "a"),
              Settles(ElementsAre("login-account:42"), ElementsAre("login-address:a")));
}

// A trusted device counts against itself and the address only: the account's untrusted
// failures (an attacker's) never refuse it. Its success resets the device, not the account.
TEST(AttemptGateTest, TrustedDeviceCountsAgainstItselfAndTheAddressOnly) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_TRUE(gate.TrustsDevices());
  EXPECT_CALL(limiter, Admit(ElementsAre(AllOf(Field(&AttemptLimit::key, "login-device:n0nce"),
                                               Field(&AttemptLimit::max_attempts, 5),
                                               Field(&AttemptLimit::window, absl::Minutes(15))),
                                         Field(&AttemptLimit::key, "login-address:a")),
                             _))
      .WillOnce(Return(Admitted()));
  LoginAttempt attempt{42, "a", "n0nce", ""};
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(&attempt, &retry_after), IsOk());
  EXPECT_EQ(attempt.device, "n0nce");
  EXPECT_THAT(gate.LoginSettlement(attempt),
              Settles(ElementsAre("login-device:n0nce"), ElementsAre("login-address:a")));
}

// A device that used up its own failures is trusted no more: the attempt is counted as an
// untrusted one (and refused if the account's untrusted failures are used up), and its
// success would settle as an untrusted one's.
TEST(AttemptGateTest, UsedUpDeviceFallsBackToTheUntrustedLimits) {
  for (const bool untrusted_admits : {false, true}) {
    StrictMock<MockAttemptLimiter> limiter;
    AttemptGate gate(&limiter, PairCountingConfig());
    ::testing::InSequence in_order;
    EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-device:n0nce"),
                                           Field(&AttemptLimit::key, "login-address:a")),
                               _))
        .WillOnce(Return(Admission{false, absl::Seconds(60)}));
    EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-account:42"),
                                           Field(&AttemptLimit::key, "login-account-address:42:a"),
                                           Field(&AttemptLimit::key, "login-address:a")),
                               _))
        .WillOnce(Return(untrusted_admits ? Admitted() : Admission{false, absl::Seconds(600)}));
    LoginAttempt attempt{42, "a", "n0nce", ""};
    std::string retry_after;
    const absl::Status admitted = gate.AdmitLogin(&attempt, &retry_after);
    EXPECT_EQ(attempt.device, "");
    if (!untrusted_admits) {
      EXPECT_THAT(admitted, StatusIs(absl::StatusCode::kResourceExhausted));
      EXPECT_EQ(retry_after, "600");
      continue;
    }
    EXPECT_THAT(admitted, IsOk());
    EXPECT_THAT(gate.LoginSettlement(attempt),
                Settles(ElementsAre("login-account:42", "login-account-address:42:a"),
                        ElementsAre("login-address:a")));
  }
}

// --conceal_accounts: an unknown account is counted like an account, under its concealed name.
TEST(AttemptGateTest, ConcealedUnknownAccountCountsLikeAnAccount) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, PairCountingConfig());
  EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-account:?d1g"),
                                         Field(&AttemptLimit::key, "login-account-address:?d1g:a"),
                                         Field(&AttemptLimit::key, "login-address:a")),
                             _))
      .WillOnce(Return(Admitted()));
  LoginAttempt attempt{0, "a", "", "d1g"};
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(&attempt, &retry_after), IsOk());
}

// A failing limiter refuses a trusted attempt too (fail closed), without a second call.
TEST(AttemptGateTest, TrustedDeviceFailsClosed) {
  StrictMock<MockAttemptLimiter> limiter;
  AttemptGate gate(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter, Admit(_, _)).WillOnce(Return(absl::UnavailableError("database down")));
  LoginAttempt attempt{42, "a", "n0nce", ""};
  std::string retry_after;
  EXPECT_THAT(gate.AdmitLogin(&attempt, &retry_after), StatusIs(absl::StatusCode::kUnavailable));
}

// Zero failures per device: device cookies give no trust; an unknown account has no device.
TEST(AttemptGateTest, DevicesUntrustedWhenOffOrWithoutAccount) {
  StrictMock<MockAttemptLimiter> limiter;
  AbuseLimitsConfig config = PairCountingConfig();
  config.login_failures_per_device = 0;
  AttemptGate off(&limiter, config);
  EXPECT_FALSE(off.TrustsDevices());
  EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-account:42"),
                                         Field(&AttemptLimit::key, "login-account-address:42:a"),
                                         Field(&AttemptLimit::key, "login-address:a")),
                             _))
      .WillOnce(Return(Admitted()));
  LoginAttempt attempt{42, "a", "n0nce", ""};
  std::string retry_after;
  EXPECT_THAT(off.AdmitLogin(&attempt, &retry_after), IsOk());
  EXPECT_EQ(attempt.device, "");

  AttemptGate on(&limiter, AbuseLimitsConfig());
  EXPECT_CALL(limiter, Admit(ElementsAre(Field(&AttemptLimit::key, "login-address:a")), _))
      .WillOnce(Return(Admitted()));
  LoginAttempt unknown{0, "a", "n0nce", ""};
  EXPECT_THAT(on.AdmitLogin(&unknown, &retry_after), IsOk());
  EXPECT_EQ(unknown.device, "");
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
  config.login_failures_per_account_address = 0;
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
  config.login_failures_per_account_address = -1;
  EXPECT_THAT(ValidateAbuseLimits(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config = AbuseLimitsConfig();
  config.login_failures_per_device = -1;
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

namespace auth::service {
namespace {

// The right password of an account with a second factor takes its attempt back from every
// counter and resets none: the account's failures (wrong codes among them) stay counted.
TEST(AttemptGatePasswordStepTest, RefundsEverythingAndResetsNothing) {
  ::testing::StrictMock<repository::MockAttemptLimiter> limiter;
  AbuseLimitsConfig config;
  config.login_failures_per_account = 20;
  AttemptGate gate(&limiter, config);
  const repository::AttemptSettlement untrusted =
      gate.PasswordStepSettlement(LoginAttempt{42, "a", "", ""});
  EXPECT_THAT(untrusted.reset_keys, ::testing::IsEmpty());
  EXPECT_THAT(
      untrusted.refund_keys,
      ::testing::ElementsAre("login-account:42", "login-account-address:42:a", "login-address:a"));
  const repository::AttemptSettlement trusted =
      gate.PasswordStepSettlement(LoginAttempt{42, "a", "n0nce", ""});
  EXPECT_THAT(trusted.reset_keys, ::testing::IsEmpty());
  EXPECT_THAT(trusted.refund_keys, ::testing::ElementsAre("login-device:n0nce", "login-address:a"));
  EXPECT_TRUE(AttemptGate(nullptr, config).PasswordStepSettlement({42, "a", "", ""}).empty());
}

}  // namespace
}  // namespace auth::service
