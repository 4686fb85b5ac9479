// MysqlRefreshTokenRepository::Rotate() over mocked Connector/C++ objects: the statements of
// its transaction, their bound parameters, and every outcome (rotated, not found, reuse
// detected, reuse within the grace, a failing or stray grant, a lost connection).
#include <cppconn/exception.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mysql/connector_mock.h"
#include "libs/repository/mysql/sessions/mysql_refresh_token_repository.h"
#include "libs/repository/mysql/sessions/refresh_token_unit_test_base.h"
#include "libs/testing/status_matchers.h"

namespace auth::mysql_repository {
namespace {

using ::auth::mysql::MockPreparedStatement;
using ::auth::mysql::SqlEq;
using ::auth::mysql::SqlHas;
using ::auth::repository::RefreshToken;
using ::auth::repository::RotationOutcome;
using ::auth::repository::SessionGrant;
using ::auth::test_util::IsOkAndHolds;
using ::auth::test_util::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

// Rotate()'s tests, on the shared fixture.
class MysqlRefreshTokenRotateTest : public MysqlRefreshTokenRepositoryTest {};

TEST_F(MysqlRefreshTokenRotateTest, RotateStoresTheSuccessorAndRetiresThePresentedToken) {
  ExpectLookup(true);
  ExpectCommit();
  {
    InSequence order;  // the presented row is locked before anything is written
    ExpectSelect(TokenRow{});
    ExpectInsertGrant();
  }
  MockPreparedStatement* retire =
      ExpectPrepare(SqlHas("UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ?"));
  EXPECT_CALL(*retire, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*retire, setString(2, SqlEq(kNewHash)));
  EXPECT_CALL(*retire, setString(3, SqlEq(kOldHash)));
  EXPECT_CALL(*retire, executeUpdate()).WillOnce(Return(1));
  MockPreparedStatement* revoke =
      ExpectPrepare(AllOf(SqlHas("UPDATE sessions SET revoked_at"), SqlHas("jti = ?")));
  EXPECT_CALL(*revoke, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*revoke, setString(2, SqlEq("jti-old")));
  EXPECT_CALL(*revoke, executeUpdate()).WillOnce(Return(1));

  std::optional<RefreshToken> seen;
  auto grant = [&](const RefreshToken& presented) -> absl::StatusOr<SessionGrant> {
    seen = presented;
    return Successor();
  };
  ASSERT_OK_AND_ASSIGN(const RotationOutcome outcome,
                       repository_->Rotate(kOldHash, absl::ZeroDuration(), grant));
  EXPECT_EQ(outcome, RotationOutcome::kRotated);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->family_id, "family-1");
  EXPECT_EQ(seen->family_started_at, absl::FromUnixSeconds(1699990000));
  EXPECT_THAT(seen->amr, ElementsAre("pwd", "otp"));
  EXPECT_EQ(seen->user_id, 42);
  EXPECT_EQ(seen->session_jti, "jti-old");
  EXPECT_EQ(seen->expires_at, absl::FromUnixSeconds(kNow + 3600));
  EXPECT_EQ(seen->rotated_at, std::nullopt);
}

// Garbage costs one plain read: no transaction, no lock.
TEST_F(MysqlRefreshTokenRotateTest, TokensThePlainReadDoesNotFindEndThere) {
  EXPECT_CALL(connection(), setAutoCommit(_)).Times(0);
  ExpectLookup(false);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound, Not(HasSubstr(kOldHash))));
}

// Revoked or expired between the plain read and the lock: still not found.
TEST_F(MysqlRefreshTokenRotateTest, UnknownRevokedOrExpiredTokensAreNotFound) {
  ExpectLookup(true);
  ExpectRollback();
  ExpectSelect(std::nullopt);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound, Not(HasSubstr(kOldHash))));

  TokenRow revoked;
  revoked.revoked_at = "1699999000";
  ExpectLookup(true);
  ExpectRollback();
  ExpectSelect(revoked);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound));

  TokenRow expired;
  expired.expires_at = std::to_string(kNow);
  ExpectLookup(true);
  ExpectRollback();
  ExpectSelect(expired);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlRefreshTokenRotateTest, ReuseOfARotatedTokenRevokesItsFamily) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  ExpectLookup(true);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectRevokeFamily();
  repository::TokenOwner owner;
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::Seconds(5), NoGrant, &owner),
              IsOkAndHolds(RotationOutcome::kReuseDetected));
  // Whose token was reused, from the row already read: the reuse is reported by name.
  EXPECT_EQ(owner.user_id, 42);
  EXPECT_EQ(owner.family_id, "family-1");
}

TEST_F(MysqlRefreshTokenRotateTest, ReuseOfATokenWhoseFamilyIsRevokedIsStillReuse) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  rotated.revoked_at = std::to_string(kNow - 5);
  ExpectLookup(true);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectRevokeFamily();
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              IsOkAndHolds(RotationOutcome::kReuseDetected));
}

TEST_F(MysqlRefreshTokenRotateTest, ReuseWithinTheGraceChangesNothing) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  ExpectLookup(true);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectSuccessorSelect(/*used=*/false);  // and nothing else: no write
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::Seconds(11), NoGrant),
              IsOkAndHolds(RotationOutcome::kReusedInGrace));
}

// Within the grace, but the successor has been rotated already: not a retry of a lost
// response, since its holder got and used the answer. The family is revoked.
TEST_F(MysqlRefreshTokenRotateTest, ReuseWithinTheGraceOfAUsedSuccessorRevokesItsFamily) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  ExpectLookup(true);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectSuccessorSelect(/*used=*/true);
  ExpectRevokeFamily();
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::Seconds(11), NoGrant),
              IsOkAndHolds(RotationOutcome::kReuseDetected));
}

TEST_F(MysqlRefreshTokenRotateTest, AFailingGrantRollsBackAndIsReturned) {
  ExpectLookup(true);
  ExpectRollback();
  ExpectSelect(TokenRow{});
  auto failing = [](const RefreshToken&) -> absl::StatusOr<SessionGrant> {
    return absl::InternalError("signing failed");
  };
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), failing),
              StatusIs(absl::StatusCode::kInternal, Eq("signing failed")));
}

TEST_F(MysqlRefreshTokenRotateTest, AGrantOutsideTheFamilyIsRefused) {
  ExpectLookup(true);
  ExpectRollback();
  ExpectSelect(TokenRow{});
  auto stray = [](const RefreshToken&) -> absl::StatusOr<SessionGrant> {
    SessionGrant grant = Successor();
    grant.refresh_token.family_id = "family-2";
    return grant;
  };
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), stray),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_F(MysqlRefreshTokenRotateTest, ALostConnectionIsUnavailableAndDiscarded) {
  ExpectLookup(true);
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
      .Times(0);
  MockPreparedStatement* select = ExpectPrepare(SqlHas("FOR UPDATE"));
  EXPECT_CALL(*select, setString(1, _));
  EXPECT_CALL(*select, executeQuery())
      .WillOnce(Throw(sql::SQLException("Lost connection to MySQL server", "HY000", 2013)));
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(mock_.pool().OpenCountForTest(), 0);
}

TEST_F(MysqlRefreshTokenRotateTest, AConnectionThatCannotRollBackIsDiscarded) {
  ExpectLookup(true);
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), rollback())
      .WillOnce(Throw(sql::SQLException("Commands out of sync", "HY000", 2014)));
  MockPreparedStatement* select = ExpectPrepare(SqlHas("FOR UPDATE"));
  EXPECT_CALL(*select, setString(1, _));
  EXPECT_CALL(*select, executeQuery())
      .WillOnce(Throw(sql::SQLException("Lock wait timeout exceeded", "HY000", 1205)));
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("Lock wait"))));
  EXPECT_EQ(mock_.pool().OpenCountForTest(), 0);
}

}  // namespace
}  // namespace auth::mysql_repository
