// MysqlSecondFactorRepository against a real, private MariaDB: a pending secret is replaced by
// a newer one and confirmed only while live, with its step spent (a sign-in with the same code
// is refused); the recovery codes are stored with it and replaced as a set; Disable and
// Regenerate spend their code once; a ticket is found while live and burnt by its fifth failure;
// FindByEmail tells whether TOTP is on.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/testing/query.h"
#include "libs/repository/mysql/mfa/mysql_second_factor_repository.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/repository/second_factor_repository.h"
#include "libs/repository/user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::repository::SecondFactorProof;
using ::auth::repository::TotpConfirmation;
using ::auth::repository::TotpState;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

constexpr int64_t kStep = 59000000;

class MysqlSecondFactorRepositoryTest : public MysqlRefreshTokenTest {
 protected:
  // A digest unique to this test run: tests share one database.
  static std::string UniqueDigest() {
    static std::atomic<int> n{0};
    const std::string tail = absl::StrCat(absl::ToUnixMicros(absl::Now()), "0", n++);
    return std::string(64 - tail.size(), 'c') + tail;
  }

  static std::vector<std::string> CodeDigests() {
    std::vector<std::string> digests;
    for (int i = 0; i < 10; ++i) digests.push_back(UniqueDigest());
    return digests;
  }

  int64_t Count(const std::string& table, const std::string& where = "") {
    return QueryInt(
        *pool_, absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE user_id = ", user_id_, where));
  }

  // Begins and confirms TOTP for the test's user at kStep; returns the recovery code digests.
  std::vector<std::string> Enrol() {
    EXPECT_THAT(repository_.BeginTotp(user_id_, "v1:sealed", absl::Now() + absl::Minutes(10)),
                IsOk());
    std::vector<std::string> codes = CodeDigests();
    EXPECT_THAT(repository_.ConfirmTotp({user_id_, "v1:sealed", kStep, codes}), IsOk());
    return codes;
  }

  // A sign-in of the test's user spending `spend`, through the session repository.
  absl::Status SignIn(const repository::CredentialSpend& spend) {
    repository::SessionGrant grant = Grant(user_id_);
    grant.spend = spend;
    return MysqlRefreshTokenRepository(*pool_).Create(grant, {});
  }

  MysqlSecondFactorRepository repository_{*pool_};
};

TEST_F(MysqlSecondFactorRepositoryTest, NewerPendingSecretReplacesTheOlder) {
  EXPECT_THAT(repository_.FindTotp(user_id_), StatusIs(absl::StatusCode::kNotFound));
  const absl::Time expires_at = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 600);
  ASSERT_THAT(repository_.BeginTotp(user_id_, "v1:first", expires_at), IsOk());
  ASSERT_THAT(repository_.BeginTotp(user_id_, "v1:second", expires_at), IsOk());
  ASSERT_OK_AND_ASSIGN(const TotpState state, repository_.FindTotp(user_id_));
  EXPECT_EQ(state.sealed_secret, "v1:second");
  EXPECT_FALSE(state.confirmed);
  EXPECT_EQ(state.pending_expires_at, expires_at);
  // A code checked against the first secret (another tab) confirms nothing.
  EXPECT_THAT(repository_.ConfirmTotp({user_id_, "v1:first", kStep, CodeDigests()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Count("recovery_codes"), 0);
}

TEST_F(MysqlSecondFactorRepositoryTest, ConfirmationStoresStepAndCodesAndEndsEnrolment) {
  Enrol();
  ASSERT_OK_AND_ASSIGN(const TotpState state, repository_.FindTotp(user_id_));
  EXPECT_TRUE(state.confirmed);
  EXPECT_EQ(state.last_used_step, kStep);
  EXPECT_EQ(Count("recovery_codes", " AND used_at IS NULL"), 10);
  EXPECT_THAT(repository_.ConfirmTotp({user_id_, "v1:sealed", kStep + 1, CodeDigests()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(repository_.BeginTotp(user_id_, "v1:other", absl::Now() + absl::Minutes(10)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(const TotpState after, repository_.FindTotp(user_id_));
  EXPECT_EQ(after.sealed_secret, "v1:sealed");
}

TEST_F(MysqlSecondFactorRepositoryTest, ConfirmationCodeCannotSignIn) {
  Enrol();
  repository::CredentialSpend replay;
  replay.totp_step = kStep;
  EXPECT_THAT(SignIn(replay), StatusIs(absl::StatusCode::kAborted));
  repository::CredentialSpend next;
  next.totp_step = kStep + 1;
  EXPECT_THAT(SignIn(next), IsOk());
}

TEST_F(MysqlSecondFactorRepositoryTest, ExpiredPendingSecretIsNotConfirmed) {
  ASSERT_THAT(repository_.BeginTotp(user_id_, "v1:sealed", absl::Now() - absl::Seconds(1)), IsOk());
  EXPECT_THAT(repository_.ConfirmTotp({user_id_, "v1:sealed", kStep, CodeDigests()}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Count("user_totp", " AND confirmed_at IS NOT NULL"), 0);
  EXPECT_EQ(Count("recovery_codes"), 0);
}

TEST_F(MysqlSecondFactorRepositoryTest, DisableSpendsItsStepOnce) {
  Enrol();
  EXPECT_THAT(repository_.DisableTotp(user_id_, {kStep, ""}), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Count("user_totp"), 1);
  EXPECT_EQ(Count("recovery_codes"), 10);
  ASSERT_THAT(repository_.DisableTotp(user_id_, {kStep + 1, ""}), IsOk());
  EXPECT_EQ(Count("user_totp"), 0);
  EXPECT_EQ(Count("recovery_codes"), 0);
  EXPECT_THAT(repository_.DisableTotp(user_id_, {kStep + 2, ""}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlSecondFactorRepositoryTest, DisableByRecoveryCodeOnlyWithAnUnusedOne) {
  const std::vector<std::string> codes = Enrol();
  repository::CredentialSpend used;
  used.recovery_code_hash = codes[0];
  ASSERT_THAT(SignIn(used), IsOk());
  EXPECT_THAT(repository_.DisableTotp(user_id_, {std::nullopt, codes[0]}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(repository_.DisableTotp(user_id_, {std::nullopt, UniqueDigest()}),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Count("user_totp"), 1);
  ASSERT_THAT(repository_.DisableTotp(user_id_, {std::nullopt, codes[1]}), IsOk());
  EXPECT_EQ(Count("user_totp"), 0);
}

TEST_F(MysqlSecondFactorRepositoryTest, DisableWantsExactlyOneProof) {
  Enrol();
  EXPECT_THAT(repository_.DisableTotp(user_id_, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(repository_.DisableTotp(user_id_, {kStep + 1, UniqueDigest()}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(MysqlSecondFactorRepositoryTest, RegeneratedCodesVoidTheOldSetAndSpendTheStep) {
  const std::vector<std::string> old_codes = Enrol();
  const std::vector<std::string> new_codes = CodeDigests();
  EXPECT_THAT(repository_.ReplaceRecoveryCodes(user_id_, kStep, new_codes),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Count("recovery_codes", absl::StrCat(" AND code_hash = '", old_codes[0], "'")), 1);
  ASSERT_THAT(repository_.ReplaceRecoveryCodes(user_id_, kStep + 1, new_codes), IsOk());
  EXPECT_EQ(Count("recovery_codes"), 10);
  repository::CredentialSpend old_code;
  old_code.recovery_code_hash = old_codes[0];
  EXPECT_THAT(SignIn(old_code), StatusIs(absl::StatusCode::kAborted));
  repository::CredentialSpend new_code;
  new_code.recovery_code_hash = new_codes[0];
  EXPECT_THAT(SignIn(new_code), IsOk());
  EXPECT_THAT(repository_.ReplaceRecoveryCodes(user_id_, kStep + 1, CodeDigests()),
              StatusIs(absl::StatusCode::kAborted));
}

TEST_F(MysqlSecondFactorRepositoryTest, TicketIsBurntByItsFifthFailure) {
  const std::string ticket = UniqueDigest();
  ASSERT_THAT(repository_.CreateMfaTicket({ticket, user_id_, absl::Now() + absl::Minutes(5)}),
              IsOk());
  EXPECT_THAT(repository_.FindLiveMfaTicket(ticket), IsOkAndHolds(user_id_));
  for (int i = 1; i < repository::kMfaTicketMaxFailures; ++i) {
    EXPECT_THAT(repository_.CountMfaTicketFailure(ticket), IsOkAndHolds(false)) << i;
  }
  EXPECT_THAT(repository_.FindLiveMfaTicket(ticket), IsOkAndHolds(user_id_));
  EXPECT_THAT(repository_.CountMfaTicketFailure(ticket), IsOkAndHolds(true));
  EXPECT_THAT(repository_.FindLiveMfaTicket(ticket), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(repository_.CountMfaTicketFailure(ticket), StatusIs(absl::StatusCode::kNotFound));
  repository::CredentialSpend spend;
  spend.mfa_ticket_hash = ticket;
  EXPECT_THAT(SignIn(spend), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(MysqlSecondFactorRepositoryTest, ExpiredOrSpentTicketIsNotLive) {
  const std::string expired = UniqueDigest();
  ASSERT_THAT(repository_.CreateMfaTicket({expired, user_id_, absl::Now() - absl::Seconds(1)}),
              IsOk());
  EXPECT_THAT(repository_.FindLiveMfaTicket(expired), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(repository_.CountMfaTicketFailure(expired), StatusIs(absl::StatusCode::kNotFound));
  const std::string spent = UniqueDigest();
  ASSERT_THAT(repository_.CreateMfaTicket({spent, user_id_, absl::Now() + absl::Minutes(5)}),
              IsOk());
  repository::CredentialSpend spend;
  spend.mfa_ticket_hash = spent;
  ASSERT_THAT(SignIn(spend), IsOk());
  EXPECT_THAT(repository_.FindLiveMfaTicket(spent), StatusIs(absl::StatusCode::kNotFound));
}

// Many users enrolling at once must not deadlock on each other's rows (gap locks of reads and
// deletes of rows that do not exist yet did, under load: UNAVAILABLE "database busy").
TEST_F(MysqlSecondFactorRepositoryTest, ConcurrentEnrolmentsOfDifferentUsersAllSucceed) {
  constexpr int kUsers = 16;
  // Retries hide a deadlock from the callers until there are too many: count them instead.
  const std::string deadlocks =
      "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      "WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'";
  const int64_t deadlocks_before = QueryInt(*pool_, deadlocks);
  ASSERT_GE(deadlocks_before, 0);
  std::vector<int64_t> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(CreateUniqueUser("concurrent"));
  std::vector<absl::Status> begun(kUsers), confirmed(kUsers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUsers; ++i) {
    threads.emplace_back([&, i] {
      begun[i] = repository_.BeginTotp(users[i], "v1:sealed", absl::Now() + absl::Minutes(10));
      confirmed[i] = repository_.ConfirmTotp({users[i], "v1:sealed", kStep, CodeDigests()});
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kUsers; ++i) {
    EXPECT_THAT(begun[i], IsOk()) << i;
    EXPECT_THAT(confirmed[i], IsOk()) << i;
  }
  EXPECT_EQ(QueryInt(*pool_, deadlocks), deadlocks_before);
}

TEST_F(MysqlSecondFactorRepositoryTest, UserRowTellsWhetherTotpIsOn) {
  MysqlUserRepository users(*pool_);
  ASSERT_OK_AND_ASSIGN(const repository::User before, users.FindById(user_id_));
  EXPECT_FALSE(before.totp_enabled);
  ASSERT_THAT(repository_.BeginTotp(user_id_, "v1:sealed", absl::Now() + absl::Minutes(10)),
              IsOk());
  ASSERT_OK_AND_ASSIGN(const repository::User pending, users.FindByEmail(before.email));
  EXPECT_FALSE(pending.totp_enabled);
  ASSERT_THAT(repository_.ConfirmTotp({user_id_, "v1:sealed", kStep, CodeDigests()}), IsOk());
  ASSERT_OK_AND_ASSIGN(const repository::User on, users.FindByEmail(before.email));
  EXPECT_TRUE(on.totp_enabled);
  ASSERT_OK_AND_ASSIGN(const repository::User by_phone, users.FindByPhone(*before.phone_number));
  EXPECT_TRUE(by_phone.totp_enabled);
}

}  // namespace
}  // namespace auth::mysql_repository
