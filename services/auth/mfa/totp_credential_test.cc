// Unit tests of CredentialService's TOTP RPCs through AuthServiceImpl over mocks: bad input
// and bad tokens look nothing up, a wrong password or code stores nothing, what a success
// stores (a sealed secret that opens to the one answered, the confirming step, the digests of
// the codes answered, the step or recovery code spent), and TOTP not configured.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/otp/base32.h"
#include "libs/otp/recovery_codes.h"
#include "libs/repository/second_factor_repository.h"
#include "services/auth/mfa/totp_test_support.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::SecondFactorProof;
using ::auth::repository::TotpConfirmation;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::DoAll;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::StartsWith;

class TotpCredentialTest : public TotpServiceTest {
 protected:
  TotpCredentialTest()
      : TotpServiceTest({Collaborator::kUsers, Collaborator::kSessions, Collaborator::kHasher,
                         Collaborator::kVerifier, Collaborator::kSecondFactors}) {}

  // The token verifies, its session is open, and its user is alice (42), TOTP on or not.
  void ExpectCaller(bool totp_enabled) {
    EXPECT_CALL(verifier_, VerifyPrehashed(_, _)).WillOnce(Return(ClaimsFor("42")));
    EXPECT_CALL(sessions_, FindActive(absl::string_view("jti-1")))
        .WillOnce(Return(SessionOf(kToken)));
    repository::User user = StoredUser();
    user.totp_enabled = totp_enabled;
    EXPECT_CALL(users_, FindById(42)).WillOnce(Return(user));
  }
  void ExpectPassword(bool right) {
    EXPECT_CALL(hasher_, Verify(_, absl::string_view(kStoredHash))).WillOnce(Return(right));
  }

  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    return ((*credential_stub_).*method)(&context, request, response);
  }
  grpc::Status Begin(const std::string& password, auth::v1::BeginTotpEnrollmentResponse* out) {
    auth::v1::BeginTotpEnrollmentRequest request;
    request.set_password_hash(password);
    return Call(&auth::v1::CredentialService::Stub::BeginTotpEnrollment, request, out);
  }
  grpc::Status Confirm(const std::string& code, auth::v1::ConfirmTotpEnrollmentResponse* out) {
    auth::v1::ConfirmTotpEnrollmentRequest request;
    request.set_code(code);
    return Call(&auth::v1::CredentialService::Stub::ConfirmTotpEnrollment, request, out);
  }
  grpc::Status Disable(const std::string& password, const std::string& code) {
    auth::v1::DisableTotpRequest request;
    request.set_password_hash(password);
    request.set_code(code);
    auth::v1::DisableTotpResponse response;
    return Call(&auth::v1::CredentialService::Stub::DisableTotp, request, &response);
  }
  grpc::Status Regenerate(const std::string& code, auth::v1::RegenerateRecoveryCodesResponse* out) {
    auth::v1::RegenerateRecoveryCodesRequest request;
    request.set_code(code);
    return Call(&auth::v1::CredentialService::Stub::RegenerateRecoveryCodes, request, out);
  }
};

TEST_F(TotpCredentialTest, BadInputIsRefusedBeforeAnyLookup) {
  auth::v1::BeginTotpEnrollmentResponse begun;
  EXPECT_EQ(Begin("short", &begun).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auth::v1::ConfirmTotpEnrollmentResponse confirmed;
  EXPECT_EQ(Confirm("12345", &confirmed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Confirm("12345a", &confirmed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Disable(kPasswordDigest, "not a code").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  auth::v1::RegenerateRecoveryCodesResponse regenerated;
  EXPECT_EQ(Regenerate("", &regenerated).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(TotpCredentialTest, NoValidTokenIsUnauthenticated) {
  EXPECT_CALL(verifier_, VerifyPrehashed(_, _))
      .WillOnce(Return(absl::UnauthenticatedError("expired")));
  auth::v1::BeginTotpEnrollmentResponse begun;
  EXPECT_EQ(Begin(kPasswordDigest, &begun).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TotpCredentialTest, BeginStoresASealedSecretThatOpensToTheOneAnswered) {
  ExpectCaller(/*totp_enabled=*/false);
  ExpectPassword(true);
  std::string sealed;
  EXPECT_CALL(second_factors_, BeginTotp(42, _, _))
      .WillOnce([&sealed](int64_t, absl::string_view secret, absl::Time) {
        sealed = std::string(secret);
        return absl::OkStatus();
      });
  auth::v1::BeginTotpEnrollmentResponse response;
  ASSERT_TRUE(Begin(kPasswordDigest, &response).ok());
  EXPECT_THAT(response.otpauth_uri(), StartsWith("otpauth://totp/Example:alice%40example.com?"));
  EXPECT_THAT(response.qr_svg(), StartsWith("<svg"));
  EXPECT_GT(response.expires_at_unix_seconds(), absl::ToUnixSeconds(absl::Now()));
  EXPECT_THAT(sealed, StartsWith("v1:"));
  EXPECT_EQ(sealer_.Open(sealed, 42).value(), otp::Base32Decode(response.secret_base32()).value());
  EXPECT_THAT(response.otpauth_uri(), HasSubstr(response.secret_base32()));
}

TEST_F(TotpCredentialTest, BeginWithAWrongPasswordStoresNothing) {
  ExpectCaller(false);
  ExpectPassword(false);
  auth::v1::BeginTotpEnrollmentResponse response;
  const grpc::Status status = Begin("not-the-password", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(response.secret_base32(), "");
}

TEST_F(TotpCredentialTest, BeginWhenTotpIsOnIsAlreadyExistsWithoutAHash) {
  ExpectCaller(true);
  auth::v1::BeginTotpEnrollmentResponse response;
  EXPECT_EQ(Begin(kPasswordDigest, &response).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(TotpCredentialTest, ConfirmStoresTheStepAndTheDigestsOfTheCodesAnswered) {
  ExpectCaller(false);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(/*confirmed=*/false)));
  TotpConfirmation stored;
  EXPECT_CALL(second_factors_, ConfirmTotp(_))
      .WillOnce(DoAll(SaveArg<0>(&stored), Return(absl::OkStatus())));
  auth::v1::ConfirmTotpEnrollmentResponse response;
  const int64_t step = StepNow();
  ASSERT_TRUE(Confirm(CodeOf(step), &response).ok());
  EXPECT_EQ(stored.user_id, 42);
  EXPECT_EQ(stored.step, step);
  EXPECT_EQ(sealer_.Open(stored.sealed_secret, 42).value(), kTotpSecret);
  ASSERT_EQ(response.recovery_codes_size(), 10);
  ASSERT_EQ(stored.recovery_code_hashes.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(stored.recovery_code_hashes[i],
              otp::RecoveryCodeDigest(
                  42, otp::NormalizeRecoveryCode(response.recovery_codes(i)).value()));
  }
}

TEST_F(TotpCredentialTest, ConfirmWithAWrongCodeStoresNothingAndIsAudited) {
  ExpectCaller(false);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(false)));
  EXPECT_CALL(audit_log_, Record(_)).Times(AnyNumber());
  EXPECT_CALL(audit_log_, Record(Field(&AuditEvent::reason, "confirm_wrong_code")));
  auth::v1::ConfirmTotpEnrollmentResponse response;
  const grpc::Status status = Confirm(WrongCode(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "wrong code");
}

TEST_F(TotpCredentialTest, ConfirmWithoutALivePendingSecretIsFailedPrecondition) {
  ExpectCaller(false);
  repository::TotpState expired = Totp(false);
  expired.pending_expires_at = absl::Now() - absl::Seconds(1);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(expired));
  auth::v1::ConfirmTotpEnrollmentResponse response;
  EXPECT_EQ(Confirm(CodeAt(0), &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TotpCredentialTest, DisableSpendsTheCodesStepAfterThePassword) {
  ExpectCaller(true);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true)));
  ExpectPassword(true);
  const int64_t step = StepNow();
  EXPECT_CALL(second_factors_, DisableTotp(42, Field(&SecondFactorProof::totp_step, step)))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_TRUE(Disable(kPasswordDigest, CodeOf(step)).ok());
}

TEST_F(TotpCredentialTest, DisableByRecoveryCodeSpendsItsDigestAndARefusedOneIsWrongCode) {
  ExpectCaller(true);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true)));
  ExpectPassword(true);
  const std::string digest = otp::RecoveryCodeDigest(42, "abcd0123efgh");
  EXPECT_CALL(second_factors_,
              DisableTotp(42, Field(&SecondFactorProof::recovery_code_hash, digest)))
      .WillOnce(Return(absl::AbortedError("credential already used")));
  const grpc::Status status = Disable(kPasswordDigest, "ABCD-O123-EFGH");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "wrong code");
}

TEST_F(TotpCredentialTest, DisableWithAWrongPasswordChecksNoCode) {
  ExpectCaller(true);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true)));
  ExpectPassword(false);
  EXPECT_EQ(Disable("not-the-password", CodeAt(0)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TotpCredentialTest, DisableOrRegenerateWithoutTotpIsFailedPrecondition) {
  ExpectCaller(false);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(/*confirmed=*/false)));
  EXPECT_EQ(Disable(kPasswordDigest, CodeAt(0)).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(TotpCredentialTest, RegenerateRefusesAReplayedStepAndStoresNewDigests) {
  const int64_t step = StepNow();
  ExpectCaller(true);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true, step)));
  auth::v1::RegenerateRecoveryCodesResponse response;
  EXPECT_EQ(Regenerate(CodeOf(step), &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  ExpectCaller(true);
  EXPECT_CALL(second_factors_, FindTotp(42)).WillOnce(Return(Totp(true, step)));
  std::vector<std::string> digests;
  EXPECT_CALL(second_factors_, ReplaceRecoveryCodes(42, step + 1, _))
      .WillOnce(DoAll(SaveArg<2>(&digests), Return(absl::OkStatus())));
  ASSERT_TRUE(Regenerate(CodeOf(step + 1), &response).ok());
  ASSERT_EQ(response.recovery_codes_size(), 10);
  EXPECT_EQ(digests[3], otp::RecoveryCodeDigest(
                            42, otp::NormalizeRecoveryCode(response.recovery_codes(3)).value()));
}

// Without --totp_secret_key_file every TOTP RPC says so, before any lookup.
TEST_F(TotpCredentialTest, WithoutASealerEveryRpcIsFailedPrecondition) {
  StopServer();
  StartServer(16);
  auth::v1::BeginTotpEnrollmentResponse begun;
  EXPECT_EQ(Begin(kPasswordDigest, &begun).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auth::v1::ConfirmTotpEnrollmentResponse confirmed;
  EXPECT_EQ(Confirm(CodeAt(0), &confirmed).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Disable(kPasswordDigest, CodeAt(0)).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  auth::v1::RegenerateRecoveryCodesResponse regenerated;
  EXPECT_EQ(Regenerate(CodeAt(0), &regenerated).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace auth::service_testing
