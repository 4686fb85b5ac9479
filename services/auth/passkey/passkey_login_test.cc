// Unit tests of BeginPasskeyLogin and FinishPasskeyLogin through AuthServiceImpl over mocks
// (testing/service_fixture.h), with assertions signed by a software authenticator: bad input
// spends nothing; a dead ceremony, another account's credential or user handle, a forged
// signature and a counter that did not increase open no session (the clone signal audited);
// a good one opens a session whose amr is hwk+user, storing the counter's compare-and-swap.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/audit/audit_log.h"
#include "libs/repository/passkey_repository.h"
#include "libs/repository/passkey_repository_mock.h"
#include "libs/repository/refresh_token_repository.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/token.h"
#include "libs/webauthn/cbor.h"
#include "libs/webauthn/cose_key.h"
#include "libs/webauthn/test_authenticator.h"
#include "nlohmann/json.hpp"
#include "services/auth/testing/service_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::audit::AuditEvent;
using ::auth::audit::AuditEventType;
using ::auth::repository::CeremonyKind;
using ::auth::repository::SessionGrant;
using ::auth::repository::StoredPasskey;
using ::auth::repository::WebauthnCeremony;
using ::auth::token::internal::Base64UrlEncode;
using ::auth::webauthn::testing::AuthenticatorDataBytes;
using ::auth::webauthn::testing::ClientDataJson;
using ::auth::webauthn::testing::KeyType;
using ::auth::webauthn::testing::Sha256Bytes;
using ::auth::webauthn::testing::TestAuthenticator;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::NiceMock;
using ::testing::Return;

constexpr char kOrigin[] = "https://example.com";
constexpr char kCeremonyId[] = "ccccccccccccccccccccccccccccccccccccccccccc";
const std::string kChallenge(32, '\x5a');
const std::string kHandle(32, '\x11');

class PasskeyLoginTest : public ServiceTest {
 protected:
  PasskeyLoginTest() : ServiceTest({Collaborator::kUsers, Collaborator::kRefreshTokens}) {
    passkeys_ = &repository_;
  }

  void SetUp() override {
    service::AuthServiceOptions options;
    options.passkeys.rp_id = "example.com";
    options.passkeys.origins = {kOrigin};
    StartServer(/*hashing_queue=*/16, options);
    EXPECT_CALL(audit_log_, Record(_)).Times(AnyNumber());
  }

  // The stored passkey of user 42 for `authenticator_`, with counter `count`.
  StoredPasskey Stored(uint32_t count, int64_t user_id = 42) {
    absl::StatusOr<webauthn::CborItem> cose = webauthn::DecodeCbor(authenticator_.CoseKey(), 1024);
    absl::StatusOr<webauthn::CosePublicKey> key = webauthn::CosePublicKey::FromCoseKey(cose->get());
    StoredPasskey passkey;
    passkey.passkey_id = "pppppppppppppppppppppp";
    passkey.user_id = user_id;
    passkey.credential_id = "cred-1";
    passkey.public_key = key->spki_der();
    passkey.algorithm = -7;
    passkey.sign_count = count;
    passkey.name = "laptop";
    return passkey;
  }

  std::string Assertion(uint32_t count, bool flip_signature = false,
                        const std::string& handle = kHandle) {
    const std::string auth_data = AuthenticatorDataBytes("example.com", 0x05, count);
    const std::string client_data = ClientDataJson("webauthn.get", kChallenge, kOrigin);
    std::string signature = authenticator_.Sign(absl::StrCat(auth_data, Sha256Bytes(client_data)));
    if (flip_signature) signature[signature.size() / 2] ^= 0x01;
    return nlohmann::json{{"id", Base64UrlEncode("cred-1")},
                          {"rawId", Base64UrlEncode("cred-1")},
                          {"type", "public-key"},
                          {"response",
                           {{"clientDataJSON", Base64UrlEncode(client_data)},
                            {"authenticatorData", Base64UrlEncode(auth_data)},
                            {"signature", Base64UrlEncode(signature)},
                            {"userHandle", Base64UrlEncode(handle)}}}}
        .dump();
  }

  grpc::Status Finish(const std::string& credential_json,
                      auth::v1::FinishPasskeyLoginResponse* response = nullptr) {
    grpc::ClientContext context;
    auth::v1::FinishPasskeyLoginRequest request;
    request.set_ceremony_id(kCeremonyId);
    request.set_credential_json(credential_json);
    auth::v1::FinishPasskeyLoginResponse ignored;
    return stub_->FinishPasskeyLogin(&context, request, response ? response : &ignored);
  }

  // The ceremony is live and names `user_id` (0: discoverable).
  void ExpectCeremony(int64_t user_id) {
    EXPECT_CALL(repository_, SpendCeremony(absl::string_view(kCeremonyId), CeremonyKind::kSignIn))
        .WillOnce(Return(WebauthnCeremony{kCeremonyId, CeremonyKind::kSignIn, user_id, kChallenge,
                                          absl::Now() + absl::Minutes(5)}));
  }

  void ExpectAuditOnce(AuditEventType type, const std::string& reason) {
    EXPECT_CALL(audit_log_,
                Record(AllOf(Field(&AuditEvent::type, type), Field(&AuditEvent::reason, reason))))
        .Times(1);
  }

  ::testing::StrictMock<repository::MockPasskeyRepository> repository_;
  TestAuthenticator authenticator_{KeyType::kP256};
};

TEST_F(PasskeyLoginTest, BadInputSpendsNothing) {
  EXPECT_EQ(Finish(std::string(16 * 1024 + 1, '{')).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Finish("not json").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext context;
  auth::v1::BeginPasskeyLoginRequest both;
  both.set_email("alice@example.com");
  both.set_phone_number("+15551234567");
  auth::v1::BeginPasskeyLoginResponse response;
  EXPECT_EQ(stub_->BeginPasskeyLogin(&context, both, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PasskeyLoginTest, ADeadCeremonyIsUnauthenticatedAndLooksNoCredentialUp) {
  EXPECT_CALL(repository_, SpendCeremony(_, _)).WillOnce(Return(absl::NotFoundError("spent")));
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "no_live_ceremony");
  EXPECT_EQ(Finish(Assertion(1)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, AnotherAccountsCredentialOpensNoSession) {
  ExpectCeremony(/*user_id=*/7);
  EXPECT_CALL(repository_, FindByCredentialId(absl::string_view("cred-1")))
      .WillOnce(Return(Stored(0)));
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "another_accounts_credential");
  EXPECT_EQ(Finish(Assertion(1)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, ADiscoverableAssertionWithAnotherUsersHandleOpensNoSession) {
  ExpectCeremony(0);
  EXPECT_CALL(repository_, FindByCredentialId(_)).WillOnce(Return(Stored(0)));
  EXPECT_CALL(repository_, FindUserByHandle(absl::string_view(kHandle))).WillOnce(Return(7));
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "user_handle");
  EXPECT_EQ(Finish(Assertion(1)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, AForgedSignatureOpensNoSession) {
  ExpectCeremony(0);
  EXPECT_CALL(repository_, FindByCredentialId(_)).WillOnce(Return(Stored(0)));
  EXPECT_CALL(repository_, FindUserByHandle(_)).WillOnce(Return(42));
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "verification_failed");
  EXPECT_EQ(Finish(Assertion(1, /*flip_signature=*/true)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, ACounterThatDidNotIncreaseIsAuditedAsAPossibleClone) {
  ExpectCeremony(42);
  EXPECT_CALL(repository_, FindByCredentialId(_)).WillOnce(Return(Stored(5)));
  EXPECT_CALL(repository_, FindUserByHandle(_)).WillOnce(Return(42));
  ExpectAuditOnce(AuditEventType::kPasskeyCloneSuspected, "pppppppppppppppppppppp");
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "sign_count");
  EXPECT_EQ(Finish(Assertion(5)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, AGoodAssertionStoresTheSessionWithTheCountersCompareAndSwap) {
  ExpectCeremony(0);
  EXPECT_CALL(repository_, FindByCredentialId(_)).WillOnce(Return(Stored(5)));
  EXPECT_CALL(repository_, FindUserByHandle(_)).WillOnce(Return(42));
  EXPECT_CALL(issuer_, Issue(absl::string_view("42"), ElementsAre("hwk", "user")))
      .WillOnce(Return(token::IssuedToken{kToken, ClaimsFor("42", "jti-9")}));
  SessionGrant stored;
  EXPECT_CALL(refresh_tokens_, Create(_, _))
      .WillOnce([&stored](const SessionGrant& grant, const repository::AttemptSettlement&) {
        stored = grant;
        return absl::OkStatus();
      });
  ExpectAuditOnce(AuditEventType::kPasskeyUsed, "pppppppppppppppppppppp");
  auth::v1::FinishPasskeyLoginResponse response;
  const grpc::Status status = Finish(Assertion(6), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.user_id(), 42);
  EXPECT_EQ(response.jwt_token(), kToken);
  EXPECT_EQ(stored.spend.passkey_id, "pppppppppppppppppppppp");
  EXPECT_EQ(stored.spend.passkey_sign_count_read, 5u);
  EXPECT_EQ(stored.spend.passkey_sign_count_new, 6u);
}

TEST_F(PasskeyLoginTest, ACounterMovedMeanwhileIsUnauthenticated) {
  ExpectCeremony(0);
  EXPECT_CALL(repository_, FindByCredentialId(_)).WillOnce(Return(Stored(5)));
  EXPECT_CALL(repository_, FindUserByHandle(_)).WillOnce(Return(42));
  EXPECT_CALL(issuer_, Issue(_, _))
      .WillOnce(Return(token::IssuedToken{kToken, ClaimsFor("42", "jti-9")}));
  EXPECT_CALL(refresh_tokens_, Create(_, _))
      .WillOnce(Return(absl::AbortedError("credential already used")));
  ExpectAuditOnce(AuditEventType::kPasskeyLoginFailure, "sign_count_raced");
  EXPECT_EQ(Finish(Assertion(6)).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasskeyLoginTest, WithoutAnRpIdEveryPasskeyRpcIsAFailedPrecondition) {
  StopServer();
  StartServer(/*hashing_queue=*/16);
  EXPECT_EQ(Finish(Assertion(1)).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext context;
  auth::v1::BeginPasskeyLoginResponse response;
  EXPECT_EQ(stub_->BeginPasskeyLogin(&context, {}, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  grpc::ClientContext list_context;
  auth::v1::ListPasskeysResponse listed;
  EXPECT_EQ(credential_stub_->ListPasskeys(&list_context, {}, &listed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace auth::service_testing
