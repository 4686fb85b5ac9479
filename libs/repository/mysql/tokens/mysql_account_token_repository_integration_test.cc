// MysqlAccountTokenRepository against a real, private MariaDB: a token and its mail commit
// together; a newer token voids the older; a token is spent once, even by racing calls; an
// expired, voided or other-purpose token is refused; a reset stores the hash and ends every
// session and refresh token of the user only.
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
#include "libs/mail/mail.h"
#include "libs/mysql/testing/query.h"
#include "libs/repository/account_token_repository.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_integration_test_base.h"
#include "libs/repository/mysql/tokens/mysql_account_token_repository.h"
#include "libs/repository/mysql/users/mysql_user_repository.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql_testing::QueryInt;
using ::auth::repository::AccountTokenPurpose;
using ::auth::repository::NewAccountToken;
using ::auth::repository::PasswordReset;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOk;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;

constexpr char kNewHash[] = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3aGFzaA";

class MysqlAccountTokenRepositoryTest : public MysqlRefreshTokenTest {
 protected:
  // A digest unique to this test run: tests share one database.
  static std::string UniqueDigest() {
    static std::atomic<int> n{0};
    const std::string tail = absl::StrCat(absl::ToUnixMicros(absl::Now()), "0", n++);
    return std::string(64 - tail.size(), 'a') + tail;
  }

  NewAccountToken TokenOf(int64_t user_id, absl::Duration lifetime = absl::Minutes(30),
                          AccountTokenPurpose purpose = AccountTokenPurpose::kPasswordReset) {
    return {UniqueDigest(), purpose, user_id, "owner@example.org", absl::Now() + lifetime};
  }

  static mail::Mail MailFor(const NewAccountToken& token) {
    return {"owner@example.org", "Reset your password",
            absl::StrCat("https://auth.example/reset-password#token=", token.token_hash, "\n")};
  }

  static int64_t OutboxMailsWith(const std::string& digest) {
    return QueryInt(
        *pool_, absl::StrCat("SELECT COUNT(*) FROM mail_outbox WHERE body LIKE '%", digest, "%'"));
  }

  PasswordReset ResetOf(const NewAccountToken& token) {
    return {token.token_hash, token.user_id, kNewHash, {}};
  }

  std::string StoredHash(int64_t user_id) {
    absl::StatusOr<repository::User> user = MysqlUserRepository(*pool_).FindById(user_id);
    return user.ok() ? user->password_hash : "";
  }
};

TEST_F(MysqlAccountTokenRepositoryTest, IssuedTokenIsLiveAndItsMailQueued) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken token = TokenOf(user_id_);
  ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
  EXPECT_THAT(tokens.FindLive(token.token_hash, AccountTokenPurpose::kPasswordReset),
              IsOkAndHolds(user_id_));
  EXPECT_EQ(OutboxMailsWith(token.token_hash), 1);
}

TEST_F(MysqlAccountTokenRepositoryTest, InvalidMailStoresNeitherTokenNorMail) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken token = TokenOf(user_id_);
  mail::Mail injected = MailFor(token);
  injected.subject = "Reset\r\nBcc: victim@example.org";
  EXPECT_THAT(tokens.Issue(token, injected), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.FindLive(token.token_hash, AccountTokenPurpose::kPasswordReset),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(OutboxMailsWith(token.token_hash), 0);
}

TEST_F(MysqlAccountTokenRepositoryTest, NewerTokenVoidsTheOlderOfTheSamePurposeOnly) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken older = TokenOf(user_id_);
  const NewAccountToken verification =
      TokenOf(user_id_, absl::Hours(24), AccountTokenPurpose::kEmailVerification);
  const NewAccountToken newer = TokenOf(user_id_);
  for (const NewAccountToken* token : {&older, &verification, &newer}) {
    ASSERT_THAT(tokens.Issue(*token, MailFor(*token)), IsOk());
  }
  EXPECT_THAT(tokens.FindLive(older.token_hash, AccountTokenPurpose::kPasswordReset),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.ResetPassword(ResetOf(older)), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.FindLive(verification.token_hash, AccountTokenPurpose::kEmailVerification),
              IsOkAndHolds(user_id_));
  EXPECT_THAT(tokens.ResetPassword(ResetOf(newer)), IsOk());
}

TEST_F(MysqlAccountTokenRepositoryTest, ExpiredOrOtherPurposeTokenIsRefused) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken expired = TokenOf(user_id_, -absl::Seconds(1));
  ASSERT_THAT(tokens.Issue(expired, MailFor(expired)), IsOk());
  EXPECT_THAT(tokens.FindLive(expired.token_hash, AccountTokenPurpose::kPasswordReset),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.ResetPassword(ResetOf(expired)), StatusIs(absl::StatusCode::kNotFound));

  const NewAccountToken verification =
      TokenOf(user_id_, absl::Hours(24), AccountTokenPurpose::kEmailVerification);
  ASSERT_THAT(tokens.Issue(verification, MailFor(verification)), IsOk());
  EXPECT_THAT(tokens.FindLive(verification.token_hash, AccountTokenPurpose::kPasswordReset),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.ResetPassword(ResetOf(verification)), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_NE(StoredHash(user_id_), kNewHash);
}

TEST_F(MysqlAccountTokenRepositoryTest, ResetStoresTheHashAndEndsEverySessionOfTheUserOnly) {
  MysqlRefreshTokenRepository refresh_tokens(*pool_);
  const int64_t bystander = CreateUniqueUser("bystander");
  const SessionGrant first = Grant(user_id_);
  const SessionGrant second = Grant(user_id_);
  const SessionGrant other = Grant(bystander);
  for (const SessionGrant* grant : {&first, &second, &other}) {
    ASSERT_THAT(refresh_tokens.Create(*grant, {}), IsOk());
  }
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken token = TokenOf(user_id_);
  ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
  ASSERT_OK_AND_ASSIGN(repository::PasswordResetResult result,
                       tokens.ResetPassword(ResetOf(token)));
  EXPECT_EQ(result.sessions_revoked, 2);
  EXPECT_EQ(StoredHash(user_id_), kNewHash);
  EXPECT_FALSE(Active(first));
  EXPECT_FALSE(Active(second));
  EXPECT_TRUE(Active(other));
  EXPECT_EQ(QueryInt(*pool_, absl::StrCat("SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ",
                                          user_id_, " AND revoked_at IS NULL")),
            0);
  // Spent: a second use changes nothing.
  EXPECT_THAT(tokens.ResetPassword(ResetOf(token)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlAccountTokenRepositoryTest, TokenOfAnotherUserIsRefused) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken token = TokenOf(user_id_);
  ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
  PasswordReset foreign = ResetOf(token);
  foreign.user_id = CreateUniqueUser("foreign");
  EXPECT_THAT(tokens.ResetPassword(foreign), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tokens.FindLive(token.token_hash, AccountTokenPurpose::kPasswordReset),
              IsOkAndHolds(user_id_));
}

TEST_F(MysqlAccountTokenRepositoryTest, RacingResetsWithOneTokenSpendItExactlyOnce) {
  MysqlAccountTokenRepository tokens(*pool_);
  for (int round = 0; round < 5; ++round) {
    const NewAccountToken token = TokenOf(user_id_);
    ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
    std::atomic<int> succeeded{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 4; ++i) {
      racers.emplace_back([&] {
        const absl::StatusOr<repository::PasswordResetResult> result =
            tokens.ResetPassword(ResetOf(token));
        if (result.ok()) ++succeeded;
        if (result.status().code() == absl::StatusCode::kNotFound) ++refused;
      });
    }
    for (std::thread& racer : racers) racer.join();
    EXPECT_EQ(succeeded.load(), 1) << "round " << round;
    EXPECT_EQ(refused.load(), 3) << "round " << round;
  }
}

TEST_F(MysqlAccountTokenRepositoryTest, VerificationTokenVerifiesTheAddressOnceAndOnlyItsOwn) {
  MysqlAccountTokenRepository tokens(*pool_);
  const NewAccountToken reset = TokenOf(user_id_);
  ASSERT_THAT(tokens.Issue(reset, MailFor(reset)), IsOk());
  EXPECT_THAT(tokens.VerifyEmail(reset.token_hash), StatusIs(absl::StatusCode::kNotFound));

  NewAccountToken token =
      TokenOf(user_id_, absl::Hours(24), AccountTokenPurpose::kEmailVerification);
  ASSERT_OK_AND_ASSIGN(const repository::User before,
                       MysqlUserRepository(*pool_).FindById(user_id_));
  EXPECT_FALSE(before.email_verified);
  token.email = before.email;
  ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
  EXPECT_THAT(tokens.VerifyEmail(token.token_hash), IsOkAndHolds(user_id_));
  ASSERT_OK_AND_ASSIGN(const repository::User after,
                       MysqlUserRepository(*pool_).FindById(user_id_));
  EXPECT_TRUE(after.email_verified);
  EXPECT_THAT(tokens.VerifyEmail(token.token_hash), StatusIs(absl::StatusCode::kNotFound));
  // A verification token is no reset token.
  EXPECT_THAT(tokens.ResetPassword(ResetOf(token)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlAccountTokenRepositoryTest, LinkSentToAnotherAddressVerifiesNothing) {
  MysqlAccountTokenRepository tokens(*pool_);
  const int64_t user = CreateUniqueUser("moved");
  NewAccountToken token = TokenOf(user, absl::Hours(24), AccountTokenPurpose::kEmailVerification);
  token.email = "old-address@example.org";  // not the account's address any more
  ASSERT_THAT(tokens.Issue(token, MailFor(token)), IsOk());
  EXPECT_THAT(tokens.VerifyEmail(token.token_hash), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(const repository::User after, MysqlUserRepository(*pool_).FindById(user));
  EXPECT_FALSE(after.email_verified);
}

TEST_F(MysqlAccountTokenRepositoryTest, MalformedArgumentsAreRefusedBeforeTheDatabase) {
  MysqlAccountTokenRepository tokens(*pool_);
  NewAccountToken token = TokenOf(user_id_);
  token.token_hash = "not-a-digest";
  EXPECT_THAT(tokens.Issue(token, MailFor(token)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(tokens.FindLive("'; DROP TABLE users; --", AccountTokenPurpose::kPasswordReset),
              StatusIs(absl::StatusCode::kInvalidArgument));
  token = TokenOf(user_id_);
  token.email = "a@b\r\nRCPT TO:<x@y>";
  EXPECT_THAT(tokens.Issue(token, MailFor(token)), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace auth::mysql_repository
