// MysqlRefreshTokenRepository over mocked Connector/C++ objects: the statements of each
// transaction, their bound parameters, commit and rollback, and every outcome of Rotate().
#include "libs/repository/mysql_refresh_token_repository.h"

#include <cppconn/exception.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/repository/connection_pool.h"
#include "libs/repository/testing/mock_connector.h"
#include "libs/testing/status_matchers.h"

namespace auth::repository {
namespace {

using ::auth::repository::testing::MockConnection;
using ::auth::repository::testing::MockPreparedStatement;
using ::auth::repository::testing::MockResultSet;
using ::auth::testing::IsOk;
using ::auth::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Matcher;
using ::testing::NiceMock;
using ::testing::Not;
using ::testing::Return;
using ::testing::StrictMock;
using ::testing::Throw;

// Matches an absl::StatusOr<T> that holds `expected`.
MATCHER_P(HoldsValue, expected, "holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return *arg == expected;
}
MATCHER_P(SqlEq, expected, "is the string \"" + std::string(expected) + "\"") {
  return static_cast<const std::string&>(arg) == expected;
}
MATCHER_P(SqlHas, text, "contains \"" + std::string(text) + "\"") {
  return static_cast<const std::string&>(arg).find(text) != std::string::npos;
}

constexpr int64_t kNow = 1700000000;  // 2023-11-14 22:13:20 UTC
constexpr char kNowSql[] = "2023-11-14 22:13:20.000000";
const std::string kOldHash(64, 'a');
const std::string kNewHash(64, 'b');

class OneConnectionFactory : public ConnectionFactory {
 public:
  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect() override {
    auto connection = std::make_unique<NiceMock<MockConnection>>();
    last_ = connection.get();
    ++connects_;
    return std::unique_ptr<sql::Connection>(std::move(connection));
  }
  MockConnection* last_ = nullptr;
  int connects_ = 0;
};

// The columns Rotate() selects, as the mocked row returns them.
struct TokenRow {
  std::string family_id = "family-1";
  std::string session_jti = "jti-old";
  uint64_t user_id = 42;
  std::string expires_at = "1700003600.000000";
  std::optional<std::string> rotated_at;
  std::optional<std::string> revoked_at;
};

class MysqlRefreshTokenRepositoryTest : public ::testing::Test {
 protected:
  MysqlRefreshTokenRepositoryTest() {
    ConnectionPoolOptions options;
    options.size = 1;
    // One run per call: these tests check the mapping of each outcome; retries have their own
    // tests (mysql_support_test.cc).
    options.max_attempts = 1;
    options.validate_after_idle = absl::Hours(1);
    auto factory = std::make_unique<OneConnectionFactory>();
    factory_ = factory.get();
    pool_ = std::make_unique<ConnectionPool>(options, std::move(factory));
    { auto lease = pool_->Acquire(); }
    repository_ = std::make_unique<MysqlRefreshTokenRepository>(
        *pool_, [] { return absl::FromUnixSeconds(kNow); });
  }

  MockConnection& connection() { return *factory_->last_; }

  MockPreparedStatement* ExpectPrepare(Matcher<const sql::SQLString&> sql) {
    auto* statement = new StrictMock<MockPreparedStatement>;
    EXPECT_CALL(connection(), prepareStatement(sql)).WillOnce(Return(statement));
    return statement;
  }

  // Expects the locking SELECT of kOldHash, answering `row` (or no row). Prepared the first
  // time only: later calls on the same connection reuse the cached statement.
  void ExpectSelect(const std::optional<TokenRow>& row) {
    if (select_ == nullptr) {
      select_ = ExpectPrepare(
          AllOf(SqlHas("FROM refresh_tokens WHERE token_hash = ?"), SqlHas("FOR UPDATE")));
    } else {
      EXPECT_CALL(*select_, clearParameters());
    }
    MockPreparedStatement* select = select_;
    auto* rows = new StrictMock<MockResultSet>;
    EXPECT_CALL(*select, setString(1, SqlEq(kOldHash)));
    EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
    EXPECT_CALL(*rows, next()).WillOnce(Return(row.has_value()));
    if (!row.has_value()) return;
    auto text = [](const std::string& s) { return Return(sql::SQLString(s)); };
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(1))).WillOnce(text(kOldHash));
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(2))).WillOnce(text(row->family_id));
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(3))).WillOnce(text(row->session_jti));
    EXPECT_CALL(*rows, getUInt64(Matcher<uint32_t>(4))).WillOnce(Return(row->user_id));
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(5))).WillOnce(text(row->expires_at));
    EXPECT_CALL(*rows, getString(Matcher<uint32_t>(6))).WillOnce(text("1699990000"));
    EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(7))).WillOnce(Return(!row->rotated_at));
    if (row->rotated_at) {
      EXPECT_CALL(*rows, getString(Matcher<uint32_t>(7))).WillOnce(text(*row->rotated_at));
    }
    EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(8))).WillOnce(Return(!row->rotated_at));
    if (row->rotated_at) {
      EXPECT_CALL(*rows, getString(Matcher<uint32_t>(8))).WillOnce(text(kNewHash));
    }
    EXPECT_CALL(*rows, isNull(Matcher<uint32_t>(9))).WillOnce(Return(!row->revoked_at));
    if (row->revoked_at) {
      EXPECT_CALL(*rows, getString(Matcher<uint32_t>(9))).WillOnce(text(*row->revoked_at));
    }
  }

  // Expects the inserts of Successor().
  void ExpectInsertGrant() {
    MockPreparedStatement* token = ExpectPrepare(SqlHas("INSERT INTO refresh_tokens"));
    EXPECT_CALL(*token, setString(1, SqlEq(kNewHash)));
    EXPECT_CALL(*token, setString(2, SqlEq("family-1")));
    EXPECT_CALL(*token, setString(3, SqlEq("jti-new")));
    EXPECT_CALL(*token, setInt64(4, 42));
    EXPECT_CALL(*token, setDateTime(5, SqlEq("2023-12-14 22:13:20.000000")));
    EXPECT_CALL(*token, executeUpdate()).WillOnce(Return(1));
    MockPreparedStatement* session = ExpectPrepare(SqlHas("INSERT INTO sessions"));
    EXPECT_CALL(*session, setString(1, SqlEq("jti-new")));
    EXPECT_CALL(*session, setInt64(2, 42));
    EXPECT_CALL(*session, setDateTime(3, SqlEq("2023-11-14 22:28:20.000000")));
    EXPECT_CALL(*session, setString(4, SqlEq(std::string(64, 'c'))));
    EXPECT_CALL(*session, setString(5, SqlEq("ipv4:127.0.0.1:1")));
    EXPECT_CALL(*session, executeUpdate()).WillOnce(Return(1));
  }

  // Expects the family revocation: refresh tokens first, then their sessions.
  void ExpectRevokeFamily() {
    MockPreparedStatement* tokens = ExpectPrepare(
        AllOf(SqlHas("UPDATE refresh_tokens SET revoked_at"), SqlHas("family_id = ?")));
    EXPECT_CALL(*tokens, setDateTime(1, SqlEq(kNowSql)));
    EXPECT_CALL(*tokens, setString(2, SqlEq("family-1")));
    EXPECT_CALL(*tokens, executeUpdate()).WillOnce(Return(2));
    MockPreparedStatement* sessions =
        ExpectPrepare(AllOf(SqlHas("UPDATE sessions s JOIN refresh_tokens r"),
                            SqlHas("r.family_id = ?")));
    EXPECT_CALL(*sessions, setDateTime(1, SqlEq(kNowSql)));
    EXPECT_CALL(*sessions, setString(2, SqlEq("family-1")));
    EXPECT_CALL(*sessions, executeUpdate()).WillOnce(Return(1));
  }

  // COMMIT runs as a statement (see internal::Commit in mysql_support.h).
  void ExpectCommit() {
    auto* commit = new StrictMock<MockPreparedStatement>;
    EXPECT_CALL(*commit, execute()).WillOnce(Return(false));
    EXPECT_CALL(connection(), setAutoCommit(false));
    EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
        .WillOnce(Return(commit));
    EXPECT_CALL(connection(), rollback()).Times(0);
    EXPECT_CALL(connection(), setAutoCommit(true));
  }

  void ExpectRollback() {
    EXPECT_CALL(connection(), setAutoCommit(false));
    EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
        .Times(0);
    EXPECT_CALL(connection(), rollback());
    EXPECT_CALL(connection(), setAutoCommit(true));
  }

  static SessionGrant Successor() {
    SessionGrant grant;
    grant.session.jti = "jti-new";
    grant.session.user_id = 42;
    grant.session.expires_at = absl::FromUnixSeconds(kNow) + absl::Minutes(15);
    grant.session.token_hash = std::string(64, 'c');
    grant.session.client_address = "ipv4:127.0.0.1:1";
    grant.refresh_token.token_hash = kNewHash;
    grant.refresh_token.family_id = "family-1";
    grant.refresh_token.session_jti = "jti-new";
    grant.refresh_token.user_id = 42;
    grant.refresh_token.expires_at = absl::FromUnixSeconds(kNow) + absl::Hours(24 * 30);
    return grant;
  }

  // A GrantFn that must not be called.
  static absl::StatusOr<SessionGrant> NoGrant(const RefreshToken&) {
    ADD_FAILURE() << "the grant function was called";
    return absl::InternalError("unexpected");
  }

  OneConnectionFactory* factory_ = nullptr;
  MockPreparedStatement* select_ = nullptr;  // the cached SELECT of ExpectSelect()
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<MysqlRefreshTokenRepository> repository_;
};

TEST_F(MysqlRefreshTokenRepositoryTest, CreateInsertsTokenAndSessionInOneTransaction) {
  ExpectCommit();
  ExpectInsertGrant();
  EXPECT_THAT(repository_->Create(Successor()), IsOk());
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateRollsBackWhenTheSessionCannotBeStored) {
  ExpectRollback();
  MockPreparedStatement* token = ExpectPrepare(SqlHas("INSERT INTO refresh_tokens"));
  EXPECT_CALL(*token, setString(_, _)).Times(3);
  EXPECT_CALL(*token, setInt64(_, _));
  EXPECT_CALL(*token, setDateTime(_, _));
  EXPECT_CALL(*token, executeUpdate()).WillOnce(Return(1));
  MockPreparedStatement* session = ExpectPrepare(SqlHas("INSERT INTO sessions"));
  EXPECT_CALL(*session, setString(_, _)).Times(3);
  EXPECT_CALL(*session, setInt64(_, _));
  EXPECT_CALL(*session, setDateTime(_, _));
  EXPECT_CALL(*session, executeUpdate())
      .WillOnce(Throw(sql::SQLException("Duplicate entry 'jti-new' for key 'PRIMARY'", "23000",
                                        1062)));
  EXPECT_THAT(repository_->Create(Successor()),
              StatusIs(absl::StatusCode::kAlreadyExists, Eq("jti already taken")));
  EXPECT_EQ(pool_->OpenCountForTest(), 1);  // rolled back cleanly: the connection is kept
}

TEST_F(MysqlRefreshTokenRepositoryTest, CreateRefusesATokenOfAnotherSession) {
  SessionGrant grant = Successor();
  grant.refresh_token.session_jti = "jti-other";
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(_))).Times(0);
  EXPECT_THAT(repository_->Create(grant), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(MysqlRefreshTokenRepositoryTest, RotateStoresTheSuccessorAndRetiresThePresentedToken) {
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
  EXPECT_EQ(seen->user_id, 42);
  EXPECT_EQ(seen->session_jti, "jti-old");
  EXPECT_EQ(seen->expires_at, absl::FromUnixSeconds(kNow + 3600));
  EXPECT_EQ(seen->rotated_at, std::nullopt);
}

TEST_F(MysqlRefreshTokenRepositoryTest, UnknownRevokedOrExpiredTokensAreNotFound) {
  ExpectRollback();
  ExpectSelect(std::nullopt);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound, Not(HasSubstr(kOldHash))));

  TokenRow revoked;
  revoked.revoked_at = "1699999000";
  ExpectRollback();
  ExpectSelect(revoked);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound));

  TokenRow expired;
  expired.expires_at = std::to_string(kNow);
  ExpectRollback();
  ExpectSelect(expired);
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MysqlRefreshTokenRepositoryTest, ReuseOfARotatedTokenRevokesItsFamily) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectRevokeFamily();
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::Seconds(5), NoGrant),
              HoldsValue(RotationOutcome::kReuseDetected));
}

TEST_F(MysqlRefreshTokenRepositoryTest, ReuseOfATokenWhoseFamilyIsRevokedIsStillReuse) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  rotated.revoked_at = std::to_string(kNow - 5);
  ExpectCommit();
  InSequence order;
  ExpectSelect(rotated);
  ExpectRevokeFamily();
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              HoldsValue(RotationOutcome::kReuseDetected));
}

TEST_F(MysqlRefreshTokenRepositoryTest, ReuseWithinTheGraceChangesNothing) {
  TokenRow rotated;
  rotated.rotated_at = std::to_string(kNow - 10);
  ExpectCommit();
  ExpectSelect(rotated);  // and no other statement: the StrictMock connection has no more
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::Seconds(11), NoGrant),
              HoldsValue(RotationOutcome::kReusedInGrace));
}

TEST_F(MysqlRefreshTokenRepositoryTest, AFailingGrantRollsBackAndIsReturned) {
  ExpectRollback();
  ExpectSelect(TokenRow{});
  auto failing = [](const RefreshToken&) -> absl::StatusOr<SessionGrant> {
    return absl::InternalError("signing failed");
  };
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), failing),
              StatusIs(absl::StatusCode::kInternal, Eq("signing failed")));
}

TEST_F(MysqlRefreshTokenRepositoryTest, AGrantOutsideTheFamilyIsRefused) {
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

TEST_F(MysqlRefreshTokenRepositoryTest, ALostConnectionIsUnavailableAndDiscarded) {
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), prepareStatement(Matcher<const sql::SQLString&>(SqlEq("COMMIT"))))
      .Times(0);
  MockPreparedStatement* select = ExpectPrepare(SqlHas("FOR UPDATE"));
  EXPECT_CALL(*select, setString(1, _));
  EXPECT_CALL(*select, executeQuery())
      .WillOnce(Throw(sql::SQLException("Lost connection to MySQL server", "HY000", 2013)));
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool_->OpenCountForTest(), 0);
}

TEST_F(MysqlRefreshTokenRepositoryTest, AConnectionThatCannotRollBackIsDiscarded) {
  EXPECT_CALL(connection(), setAutoCommit(false));
  EXPECT_CALL(connection(), rollback())
      .WillOnce(Throw(sql::SQLException("Commands out of sync", "HY000", 2014)));
  MockPreparedStatement* select = ExpectPrepare(SqlHas("FOR UPDATE"));
  EXPECT_CALL(*select, setString(1, _));
  EXPECT_CALL(*select, executeQuery())
      .WillOnce(Throw(sql::SQLException("Lock wait timeout exceeded", "HY000", 1205)));
  EXPECT_THAT(repository_->Rotate(kOldHash, absl::ZeroDuration(), NoGrant),
              StatusIs(absl::StatusCode::kInternal, Not(HasSubstr("Lock wait"))));
  EXPECT_EQ(pool_->OpenCountForTest(), 0);
}

TEST_F(MysqlRefreshTokenRepositoryTest, RevokeSessionFamilyRevokesTheFamilyThenTheSession) {
  ExpectCommit();
  InSequence order;
  MockPreparedStatement* select = ExpectPrepare(
      AllOf(SqlHas("SELECT family_id FROM refresh_tokens WHERE session_jti = ?"),
            SqlHas("FOR UPDATE")));
  auto* rows = new StrictMock<MockResultSet>;
  EXPECT_CALL(*select, setString(1, SqlEq("jti-old")));
  EXPECT_CALL(*select, executeQuery()).WillOnce(Return(rows));
  EXPECT_CALL(*rows, next()).WillOnce(Return(true));
  EXPECT_CALL(*rows, getString(Matcher<uint32_t>(1)))
      .WillOnce(Return(sql::SQLString("family-1")));
  ExpectRevokeFamily();
  MockPreparedStatement* revoke = ExpectPrepare(SqlHas("UPDATE sessions SET revoked_at"));
  EXPECT_CALL(*revoke, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*revoke, setString(2, SqlEq("jti-old")));
  EXPECT_CALL(*revoke, executeUpdate()).WillOnce(Return(0));
  EXPECT_THAT(repository_->RevokeSessionFamily("jti-old"), IsOk());
}

TEST_F(MysqlRefreshTokenRepositoryTest, RevokeAllForUserRevokesTokensThenSessions) {
  ExpectCommit();
  InSequence order;
  MockPreparedStatement* tokens = ExpectPrepare(
      AllOf(SqlHas("UPDATE refresh_tokens SET revoked_at"), SqlHas("user_id IN (?)")));
  EXPECT_CALL(*tokens, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*tokens, setInt64(2, 42));
  EXPECT_CALL(*tokens, executeUpdate()).WillOnce(Return(4));
  MockPreparedStatement* sessions =
      ExpectPrepare(AllOf(SqlHas("UPDATE sessions SET revoked_at"), SqlHas("user_id IN (?)")));
  EXPECT_CALL(*sessions, setDateTime(1, SqlEq(kNowSql)));
  EXPECT_CALL(*sessions, setInt64(2, 42));
  EXPECT_CALL(*sessions, setDateTime(3, SqlEq(kNowSql)));
  EXPECT_CALL(*sessions, executeUpdate()).WillOnce(Return(3));
  EXPECT_THAT(repository_->RevokeAllForUser(42), HoldsValue(int64_t{3}));
}

}  // namespace
}  // namespace auth::repository
