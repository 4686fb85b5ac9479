// Unit tests of AccountService's ChangePassword through AuthServiceImpl's AccountServiceImpl
// over mocks (see testing/service_fixture.h): what each refusal leaves untouched, what a
// success stores in one call, and the abuse limits' count before any hash.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/auth/v1/account.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/attempt_limiter.h"
#include "libs/repository/refresh_token_repository.h"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::Admission;
using ::auth::repository::AttemptSettlement;
using ::auth::repository::PasswordChange;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AnyNumber;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Return;
using ::testing::SizeIs;

constexpr char kNewPassword[] = "the-new-client-side-digest";
constexpr char kNewStoredHash[] = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA";

MATCHER_P2(ChangeIs, new_hash, kept_jti, "") {
  return arg.user_id == 42 && arg.verified_password_hash == kStoredHash &&
         arg.new_password_hash == new_hash && arg.kept_session_jti == kept_jti;
}

// Everything ChangePassword reaches is under test: a refusal must leave each of them alone.
class ChangePasswordTest : public ServiceTest {
 protected:
  ChangePasswordTest()
      : ServiceTest({Collaborator::kUsers, Collaborator::kSessions, Collaborator::kRefreshTokens,
                     Collaborator::kHasher, Collaborator::kVerifier}) {}

  struct Answer {
    grpc::Status status;
    std::vector<std::string> cookies;  // set-cookie
    std::string retry_after;
  };

  Answer Change(const std::string& current, const std::string& next, bool keep_this_session,
                bool with_token = true) {
    grpc::ClientContext context;
    if (with_token) context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    auth::v1::ChangePasswordRequest request;
    request.set_current_password_hash(current);
    request.set_new_password_hash(next);
    request.set_keep_this_session(keep_this_session);
    auth::v1::ChangePasswordResponse response;
    Answer answer;
    answer.status = account_stub_->ChangePassword(&context, request, &response);
    auto range = context.GetServerInitialMetadata().equal_range("set-cookie");
    for (auto it = range.first; it != range.second; ++it) {
      answer.cookies.emplace_back(it->second.data(), it->second.size());
    }
    auto retry = context.GetServerTrailingMetadata().find("retry-after");
    if (retry != context.GetServerTrailingMetadata().end()) {
      answer.retry_after = std::string(retry->second.data(), retry->second.size());
    }
    return answer;
  }

  // The token verifies, its session is open, and its user is alice (42).
  void ExpectAuthenticatedCaller() {
    EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), IsDigestOf(kToken)))
        .WillOnce(Return(ClaimsFor("42")));
    EXPECT_CALL(sessions_, FindActive(absl::string_view("jti-1")))
        .WillOnce(Return(SessionOf(kToken)));
    EXPECT_CALL(users_, FindById(42)).WillOnce(Return(StoredUser()));
  }

  void ExpectAudit(AuditEventType type, const std::string& reason) {
    EXPECT_CALL(audit_log_, Record(_)).Times(AnyNumber());
    EXPECT_CALL(
        audit_log_,
        Record(AllOf(Field(&AuditEvent::type, type), Field(&AuditEvent::user_id, 42),
                     Field(&AuditEvent::session_id, "jti-1"), Field(&AuditEvent::reason, reason))))
        .Times(1);
  }
};

TEST_F(ChangePasswordTest, PasswordsOutsideRegistersRulesAreRefusedBeforeAnyLookup) {
  Answer answer = Change(kPasswordDigest, "short", false);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(answer.status.error_message(), HasSubstr("new_password_hash"));
  answer = Change(kPasswordDigest, std::string(1025, 'x'), false);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  answer = Change("", kNewPassword, false);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(answer.status.error_message(), HasSubstr("current_password_hash"));
}

TEST_F(ChangePasswordTest, NoValidTokenIsUnauthenticatedAndLooksNothingUp) {
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false, /*with_token=*/false).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("expired")));
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ChangePasswordTest, AnEndedSessionOrAnotherTokensIsUnauthenticatedWithoutAHash) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).Times(2).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActive(absl::string_view("jti-1")))
      .WillOnce(Return(absl::NotFoundError("no session")))
      .WillOnce(Return(SessionOf("another-token")));
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ChangePasswordTest, AWrongCurrentPasswordStoresNothingAndIsAudited) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_,
              Verify(absl::string_view("not-the-password"), absl::string_view(kStoredHash)))
      .WillOnce(Return(false));
  ExpectAudit(AuditEventType::kPasswordChangeRefused, "wrong_password");
  const Answer answer = Change("not-the-password", kNewPassword, false);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(answer.status.error_message(), "wrong password");
}

TEST_F(ChangePasswordTest, SuccessStoresTheNewHashEndsEverySessionAndExpiresTheCookies) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_, Verify(absl::string_view(kPasswordDigest), absl::string_view(kStoredHash)))
      .WillOnce(Return(true));
  EXPECT_CALL(hasher_, Hash(absl::string_view(kNewPassword))).WillOnce(Return(kNewStoredHash));
  EXPECT_CALL(refresh_tokens_, ChangePassword(ChangeIs(kNewStoredHash, ""), _)).WillOnce(Return(3));
  ExpectAudit(AuditEventType::kPasswordChanged, "all_sessions");
  const Answer answer = Change(kPasswordDigest, kNewPassword, false);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_THAT(answer.cookies, SizeIs(3));
  EXPECT_THAT(answer.cookies, Contains(HasSubstr("jwt-token=; Path=/; Max-Age=0;")));
}

TEST_F(ChangePasswordTest, KeepThisSessionKeepsThePresentedSessionAndItsCookies) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kNewStoredHash));
  EXPECT_CALL(refresh_tokens_, ChangePassword(ChangeIs(kNewStoredHash, "jti-1"), _))
      .WillOnce(Return(1));
  ExpectAudit(AuditEventType::kPasswordChanged, "kept_this_session");
  const Answer answer = Change(kPasswordDigest, kNewPassword, true);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_THAT(answer.cookies, IsEmpty());
}

// The password and the revocations are one repository call: if it fails, nothing says OK.
TEST_F(ChangePasswordTest, AFailedStoreIsNotOkAndAConcurrentChangeIsAWrongPassword) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).Times(2).WillRepeatedly(Return(ClaimsFor("42")));
  EXPECT_CALL(sessions_, FindActive(_)).Times(2).WillRepeatedly(Return(SessionOf(kToken)));
  EXPECT_CALL(users_, FindById(42)).Times(2).WillRepeatedly(Return(StoredUser()));
  EXPECT_CALL(hasher_, Verify(_, _)).Times(2).WillRepeatedly(Return(true));
  EXPECT_CALL(hasher_, Hash(_)).Times(2).WillRepeatedly(Return(kNewStoredHash));
  EXPECT_CALL(refresh_tokens_, ChangePassword(_, _))
      .WillOnce(Return(absl::UnavailableError("database down")))
      .WillOnce(Return(absl::FailedPreconditionError("changed")));
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Change(kPasswordDigest, kNewPassword, false).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// With the abuse limits on: the attempt is counted as a login of the account, before the hash.
class ChangePasswordLimitsTest : public ChangePasswordTest {
 protected:
  void SetUp() override {
    limit_attempts_ = true;
    ChangePasswordTest::SetUp();
  }
};

TEST_F(ChangePasswordLimitsTest, ARefusedAttemptComputesNoHashAndSaysWhenToRetry) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(attempts_,
              Admit(Contains(Field(&repository::AttemptLimit::key, "login-account:42")), _))
      .WillOnce(Return(Admission{false, absl::Seconds(90)}));
  ExpectAudit(AuditEventType::kPasswordChangeRefused, "abuse_limit");
  const Answer answer = Change(kPasswordDigest, kNewPassword, false);
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(answer.retry_after, "90");
}

TEST_F(ChangePasswordLimitsTest, ASuccessSettlesItsAttemptWithTheChange) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(attempts_, Admit(_, _)).WillOnce(Return(Admission{true, absl::ZeroDuration()}));
  EXPECT_CALL(hasher_, Verify(_, _)).WillOnce(Return(true));
  EXPECT_CALL(hasher_, Hash(_)).WillOnce(Return(kNewStoredHash));
  EXPECT_CALL(refresh_tokens_, ChangePassword(_, Field(&AttemptSettlement::reset_keys,
                                                       Contains("login-account:42"))))
      .WillOnce(Return(1));
  EXPECT_TRUE(Change(kPasswordDigest, kNewPassword, false).status.ok());
}

}  // namespace
}  // namespace auth::service_testing
