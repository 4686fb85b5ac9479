// The credentials a login spends in its session's transaction (CredentialSpend), and the amr a
// family carries, against a private MariaDB: each credential works once, a spent, expired or
// another user's one stores nothing, and a passkey's counter moves by compare-and-swap.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection.h"
#include "libs/mysql/sql_time.h"
#include "libs/mysql/transaction_runner.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::repository::RefreshToken;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::ElementsAre;

class CredentialSpendTest : public MysqlRefreshTokenTest {
 protected:
  void SetUp() override {
    MysqlRefreshTokenTest::SetUp();
    repository_ = std::make_unique<MysqlRefreshTokenRepository>(*pool_);
  }

  // Runs `sql` with `args` bound as strings (in order); the rows it changed.
  int Execute(absl::string_view sql, const std::vector<std::string>& args) {
    absl::StatusOr<int> changed =
        mysql::RunOnConnection(*pool_, "test statement", "key", [&](mysql::Connection& connection) {
          sql::PreparedStatement& statement = connection.Prepare(std::string(sql));
          for (size_t i = 0; i < args.size(); ++i) statement.setString(i + 1, args[i]);
          return absl::StatusOr<int>(statement.executeUpdate());
        });
    EXPECT_THAT(changed.status(), IsOk());
    return changed.value_or(-1);
  }

  int64_t QueryInt(absl::string_view sql, const std::string& arg) {
    absl::StatusOr<int64_t> value =
        mysql::RunQuery(*pool_, "test query", [&](mysql::Connection& connection) {
          sql::PreparedStatement& statement = connection.Prepare(std::string(sql));
          statement.setString(1, arg);
          std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
          return rows->next() ? absl::StatusOr<int64_t>(rows->getInt64(1))
                              : absl::StatusOr<int64_t>(absl::NotFoundError("no row"));
        });
    EXPECT_THAT(value.status(), IsOk());
    return value.value_or(-1);
  }

  static repository::CredentialSpend Ticket(const std::string& hash) {
    repository::CredentialSpend spend;
    spend.mfa_ticket_hash = hash;
    return spend;
  }
  static repository::CredentialSpend Step(int64_t step) {
    repository::CredentialSpend spend;
    spend.totp_step = step;
    return spend;
  }
  static repository::CredentialSpend Code(const std::string& hash) {
    repository::CredentialSpend spend;
    spend.recovery_code_hash = hash;
    return spend;
  }

  static std::string Sql(absl::Time t) { return mysql::ToSqlTime(t); }
  std::string Id() const { return std::to_string(user_id_); }

  void AddTicket(const std::string& hash, int64_t user_id, absl::Time expires_at) {
    Execute(
        "INSERT INTO mfa_tickets (ticket_hash, user_id, created_at, expires_at) "
        "VALUES (?, ?, ?, ?)",
        {hash, std::to_string(user_id), Sql(absl::Now()), Sql(expires_at)});
  }
  void AddTotp(bool confirmed, int64_t last_used_step) {
    Execute(
        "INSERT INTO user_totp (user_id, sealed_secret, created_at, confirmed_at, "
        "last_used_step) VALUES (?, 'v1:sealed', ?, IF(? = '1', ?, NULL), ?)",
        {Id(), Sql(absl::Now()), confirmed ? "1" : "0", Sql(absl::Now()),
         std::to_string(last_used_step)});
  }

  // A login of the test's user spending `spend`.
  absl::Status Login(const repository::CredentialSpend& spend, SessionGrant* stored = nullptr) {
    SessionGrant grant = Grant(user_id_);
    grant.spend = spend;
    if (stored != nullptr) *stored = grant;
    return repository_->Create(grant, {});
  }

  std::unique_ptr<MysqlRefreshTokenRepository> repository_;
};

TEST_F(CredentialSpendTest, AmrIsStoredWithTheFamilyAndCarriedToTheSuccessor) {
  SessionGrant login = Grant(user_id_);
  login.refresh_token.amr = {"pwd", "otp"};
  ASSERT_THAT(repository_->Create(login, {}), IsOk());
  std::vector<std::string> presented_amr;
  SessionGrant next;
  ASSERT_THAT(repository_
                  ->Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                           [&](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
                             presented_amr = presented.amr;
                             next = Grant(presented.user_id, presented.family_id,
                                          presented.family_started_at);
                             next.refresh_token.amr = presented.amr;
                             return next;
                           })
                  .status(),
              IsOk());
  EXPECT_THAT(presented_amr, ElementsAre("pwd", "otp"));
  EXPECT_EQ(QueryInt("SELECT amr = 'pwd otp' FROM refresh_tokens WHERE token_hash = ?",
                     next.refresh_token.token_hash),
            1);
}

TEST_F(CredentialSpendTest, ARowFromBeforeAmrReadsAsAPassword) {
  SessionGrant login = Grant(user_id_);
  ASSERT_THAT(repository_->Create(login, {}), IsOk());
  Execute("UPDATE refresh_tokens SET amr = NULL WHERE token_hash = ?",
          {login.refresh_token.token_hash});
  std::vector<std::string> presented_amr;
  ASSERT_THAT(repository_
                  ->Rotate(login.refresh_token.token_hash, absl::ZeroDuration(),
                           [&](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
                             presented_amr = presented.amr;
                             return Grant(presented.user_id, presented.family_id,
                                          presented.family_started_at);
                           })
                  .status(),
              IsOk());
  EXPECT_THAT(presented_amr, ElementsAre("pwd"));
}

TEST_F(CredentialSpendTest, ATicketOpensOneSessionAndOnlyForItsUserWhileLive) {
  const std::string ticket(64, 't');
  AddTicket(ticket, user_id_, absl::Now() + absl::Minutes(5));
  SessionGrant first;
  ASSERT_THAT(Login(Ticket(ticket), &first), IsOk());
  EXPECT_TRUE(Active(first));
  SessionGrant second;
  EXPECT_THAT(Login(Ticket(ticket), &second), StatusIs(absl::StatusCode::kAborted));
  EXPECT_FALSE(Active(second));  // nothing of the refused login was stored

  const std::string expired(64, 'e');
  AddTicket(expired, user_id_, absl::Now() - absl::Seconds(1));
  EXPECT_THAT(Login(Ticket(expired)), StatusIs(absl::StatusCode::kAborted));

  const std::string others(64, 'o');
  AddTicket(others, CreateUniqueUser("other"), absl::Now() + absl::Minutes(5));
  EXPECT_THAT(Login(Ticket(others)), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(CredentialSpendTest, ATotpStepWorksOnceAndOnlyAboveTheLastOne) {
  AddTotp(/*confirmed=*/true, /*last_used_step=*/100);
  EXPECT_THAT(Login(Step(100)), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(Login(Step(99)), StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(Login(Step(101)), IsOk());
  SessionGrant replay;
  EXPECT_THAT(Login(Step(101), &replay), StatusIs(absl::StatusCode::kAborted));
  EXPECT_FALSE(Active(replay));
  EXPECT_EQ(QueryInt("SELECT last_used_step FROM user_totp WHERE user_id = ?", Id()), 101);
}

TEST_F(CredentialSpendTest, APendingTotpSignsNobodyIn) {
  AddTotp(/*confirmed=*/false, /*last_used_step=*/0);
  EXPECT_THAT(Login(Step(5)), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(CredentialSpendTest, ARecoveryCodeWorksOnce) {
  const std::string code(64, 'c');
  Execute("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
          {Id(), code, Sql(absl::Now())});
  ASSERT_THAT(Login(Code(code)), IsOk());
  EXPECT_THAT(Login(Code(code)), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(Login(Code(std::string(64, 'x'))), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(CredentialSpendTest, APasskeyCounterMovesByCompareAndSwap) {
  Execute(
      "INSERT INTO passkeys (passkey_id, user_id, credential_id, public_key, algorithm, "
      "sign_count, name, created_at) VALUES ('pk-1', ?, 'cred-1', 'spki', -7, 5, 'key', ?)",
      {Id(), Sql(absl::Now())});
  repository::CredentialSpend from_five;
  from_five.passkey_id = "pk-1";
  from_five.passkey_sign_count_read = 5;
  from_five.passkey_sign_count_new = 6;
  ASSERT_THAT(Login(from_five), IsOk());
  // A second login that read the same count loses the race.
  EXPECT_THAT(Login(from_five), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(QueryInt("SELECT sign_count FROM passkeys WHERE passkey_id = ?", "pk-1"), 6);
  EXPECT_EQ(QueryInt("SELECT last_used_at IS NOT NULL FROM passkeys WHERE passkey_id = ?", "pk-1"),
            1);
}

TEST_F(CredentialSpendTest, EverythingOfALoginIsSpentOrNothing) {
  const std::string ticket(64, 'a');
  AddTicket(ticket, user_id_, absl::Now() + absl::Minutes(5));
  AddTotp(/*confirmed=*/true, /*last_used_step=*/100);
  // The step was used: the ticket must stay unspent, for the right code.
  repository::CredentialSpend both = Ticket(ticket);
  both.totp_step = 100;
  EXPECT_THAT(Login(both), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(QueryInt("SELECT spent_at IS NULL FROM mfa_tickets WHERE ticket_hash = ?", ticket), 1);
  both.totp_step = 101;
  EXPECT_THAT(Login(both), IsOk());
}

}  // namespace
}  // namespace auth::mysql_repository
