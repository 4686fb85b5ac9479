// Unit tests of CredentialService's passkey RPCs through AuthServiceImpl over mocks
// (testing/service_fixture.h): a wrong password makes no ceremony; Begin's options carry the
// account's handle and its passkeys in excludeCredentials; Finish refuses another account's
// ceremony and stores what it verified; DeletePasskey without a password leaves the last one
// to the repository's refusal and hashes nothing; bad names are refused before any lookup.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/passkey_repository_mock.h"
#include "libs/token/internal/base64url.h"
#include "libs/webauthn/test_authenticator.h"
#include "nlohmann/json.hpp"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::CeremonyKind;
using ::auth::repository::StoredPasskey;
using ::auth::repository::WebauthnCeremony;
using ::auth::token::internal::Base64UrlEncode;
using ::auth::webauthn::testing::AttestationObject;
using ::auth::webauthn::testing::AuthenticatorDataBytes;
using ::auth::webauthn::testing::ClientDataJson;
using ::auth::webauthn::testing::KeyType;
using ::auth::webauthn::testing::TestAuthenticator;
using ::testing::_;
using ::testing::AllOf;
using ::testing::AnyNumber;
using ::testing::Field;
using ::testing::Return;

constexpr char kOrigin[] = "https://example.com";
constexpr char kCeremonyId[] = "ccccccccccccccccccccccccccccccccccccccccccc";
const std::string kChallenge(32, '\x5a');

class PasskeyRegistrationTest : public ServiceTest {
 protected:
  PasskeyRegistrationTest()
      : ServiceTest({Collaborator::kUsers, Collaborator::kSessions, Collaborator::kHasher,
                     Collaborator::kVerifier}) {
    passkeys_ = &repository_;
  }

  void SetUp() override {
    service::AuthServiceOptions options;
    options.passkeys.rp_id = "example.com";
    options.passkeys.origins = {kOrigin};
    StartServer(/*hashing_queue=*/16, options);
    EXPECT_CALL(audit_log_, Record(_)).Times(AnyNumber());
  }

  // The token verifies, its session is open, and its user is alice (42).
  void ExpectAuthenticatedCaller() {
    EXPECT_CALL(verifier_, VerifyPrehashed(absl::string_view(kToken), _))
        .WillOnce(Return(ClaimsFor("42")));
    EXPECT_CALL(sessions_, FindActive(absl::string_view("jti-1")))
        .WillOnce(Return(SessionOf(kToken)));
    EXPECT_CALL(users_, FindById(42)).WillOnce(Return(StoredUser()));
  }

  grpc::Status Begin(const std::string& password,
                     auth::v1::BeginPasskeyRegistrationResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    auth::v1::BeginPasskeyRegistrationRequest request;
    request.set_password_hash(password);
    return credential_stub_->BeginPasskeyRegistration(&context, request, response);
  }

  grpc::Status Finish(const std::string& name, auth::v1::FinishPasskeyRegistrationResponse* out) {
    const std::string auth_data =
        AuthenticatorDataBytes("example.com", 0x45, 0, "cred-1", authenticator_.CoseKey());
    const nlohmann::json credential = {
        {"id", Base64UrlEncode("cred-1")},
        {"rawId", Base64UrlEncode("cred-1")},
        {"type", "public-key"},
        {"response",
         {{"clientDataJSON",
           Base64UrlEncode(ClientDataJson("webauthn.create", kChallenge, kOrigin))},
          {"attestationObject", Base64UrlEncode(AttestationObject(auth_data))}}}};
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    auth::v1::FinishPasskeyRegistrationRequest request;
    request.set_ceremony_id(kCeremonyId);
    request.set_credential_json(credential.dump());
    request.set_name(name);
    return credential_stub_->FinishPasskeyRegistration(&context, request, out);
  }

  grpc::Status Delete(const std::string& password) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kToken);
    auth::v1::DeletePasskeyRequest request;
    request.set_passkey_id("pppppppppppppppppppppp");
    request.set_password_hash(password);
    auth::v1::DeletePasskeyResponse response;
    return credential_stub_->DeletePasskey(&context, request, &response);
  }

  ::testing::StrictMock<repository::MockPasskeyRepository> repository_;
  TestAuthenticator authenticator_{KeyType::kP256};
};

TEST_F(PasskeyRegistrationTest, AWrongPasswordMakesNoCeremony) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_, Verify(absl::string_view("wrong-password-digest"), _))
      .WillOnce(Return(false));
  EXPECT_CALL(audit_log_,
              Record(AllOf(Field(&AuditEvent::type, AuditEventType::kPasskeyRegistrationRefused),
                           Field(&AuditEvent::reason, "wrong_password"))))
      .Times(1);
  auth::v1::BeginPasskeyRegistrationResponse response;
  EXPECT_EQ(Begin("wrong-password-digest", &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyRegistrationTest, BeginExcludesTheAccountsPasskeysUnderItsHandle) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_, Verify(absl::string_view(kPasswordDigest), _)).WillOnce(Return(true));
  const std::string handle(32, '\x11');
  EXPECT_CALL(repository_, UserHandleOf(42, _)).WillOnce(Return(handle));
  StoredPasskey registered;
  registered.credential_id = "old-cred";
  EXPECT_CALL(repository_, ListOf(42)).WillOnce(Return(std::vector<StoredPasskey>{registered}));
  WebauthnCeremony created;
  EXPECT_CALL(repository_, CreateCeremony(_)).WillOnce([&](const WebauthnCeremony& ceremony) {
    created = ceremony;
    return absl::OkStatus();
  });
  auth::v1::BeginPasskeyRegistrationResponse response;
  ASSERT_TRUE(Begin(kPasswordDigest, &response).ok());
  EXPECT_EQ(created.kind, CeremonyKind::kRegistration);
  EXPECT_EQ(created.user_id, 42);
  EXPECT_EQ(created.challenge.size(), 32u);
  EXPECT_EQ(response.ceremony_id(), created.ceremony_id);
  const nlohmann::json options = nlohmann::json::parse(response.options_json());
  EXPECT_EQ(options["user"]["id"], Base64UrlEncode(handle));
  EXPECT_EQ(options["challenge"], Base64UrlEncode(created.challenge));
  ASSERT_EQ(options["excludeCredentials"].size(), 1u);
  EXPECT_EQ(options["excludeCredentials"][0]["id"], Base64UrlEncode("old-cred"));
}

TEST_F(PasskeyRegistrationTest, AnotherAccountsCeremonyStoresNothing) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(repository_,
              SpendCeremony(absl::string_view(kCeremonyId), CeremonyKind::kRegistration))
      .WillOnce(Return(WebauthnCeremony{kCeremonyId, CeremonyKind::kRegistration, 7, kChallenge,
                                        absl::Now() + absl::Minutes(5)}));
  auth::v1::FinishPasskeyRegistrationResponse response;
  EXPECT_EQ(Finish("laptop", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyRegistrationTest, FinishStoresTheVerifiedCredential) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(repository_, SpendCeremony(_, CeremonyKind::kRegistration))
      .WillOnce(Return(WebauthnCeremony{kCeremonyId, CeremonyKind::kRegistration, 42, kChallenge,
                                        absl::Now() + absl::Minutes(5)}));
  StoredPasskey added;
  EXPECT_CALL(repository_, Add(_)).WillOnce([&](const StoredPasskey& passkey) {
    added = passkey;
    return absl::OkStatus();
  });
  auth::v1::FinishPasskeyRegistrationResponse response;
  const grpc::Status status = Finish("laptop", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(added.user_id, 42);
  EXPECT_EQ(added.credential_id, "cred-1");
  EXPECT_EQ(added.algorithm, -7);
  EXPECT_EQ(added.name, "laptop");
  EXPECT_EQ(added.passkey_id.size(), 22u);
  EXPECT_EQ(response.passkey_id(), added.passkey_id);
}

TEST_F(PasskeyRegistrationTest, BadNamesAreRefusedBeforeAnyLookup) {
  auth::v1::FinishPasskeyRegistrationResponse response;
  EXPECT_EQ(Finish("", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Finish(std::string(65, 'x'), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Finish("two\nlines", &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PasskeyRegistrationTest, DeletingWithoutAPasswordHashesNothing) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(repository_, Delete(42, absl::string_view("pppppppppppppppppppppp"), false))
      .WillOnce(Return(absl::FailedPreconditionError("last")));
  EXPECT_EQ(Delete("").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PasskeyRegistrationTest, DeletingWithTheRightPasswordMayRemoveTheLast) {
  ExpectAuthenticatedCaller();
  EXPECT_CALL(hasher_, Verify(absl::string_view(kPasswordDigest), _)).WillOnce(Return(true));
  EXPECT_CALL(repository_, Delete(42, absl::string_view("pppppppppppppppppppppp"), true))
      .WillOnce(Return(absl::OkStatus()));
  EXPECT_TRUE(Delete(kPasswordDigest).ok());
}

}  // namespace
}  // namespace auth::service_testing
