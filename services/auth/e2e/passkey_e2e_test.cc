// Passkeys end to end: the real auth_server on a real MariaDB, with a software authenticator
// made in the test (libs/webauthn:test_authenticator: an OpenSSL key, authenticator data and
// attestation built byte by byte). Register two passkeys (the second Begin excludes the first),
// list them, sign in discoverable and by email (amr hwk+user, the same user); then forged
// assertions, each refused with UNAUTHENTICATED and nothing stored (the counter unchanged, no
// session); delete (the last one needs the password). Also BeginPasskeyLogin over the HTTP front.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/mysql/connection_pool.h"
#include "libs/mysql/testing/query.h"
#include "libs/token/internal/base64url.h"
#include "libs/webauthn/test_authenticator.h"
#include "nlohmann/json.hpp"
#include "services/auth/e2e/http_fixture.h"

namespace auth::service_testing {
namespace {

using ::auth::token::internal::Base64UrlDecode;
using ::auth::token::internal::Base64UrlEncode;
using ::auth::webauthn::testing::AttestationObject;
using ::auth::webauthn::testing::AuthenticatorDataBytes;
using ::auth::webauthn::testing::ClientDataJson;
using ::auth::webauthn::testing::KeyType;
using ::auth::webauthn::testing::Sha256Bytes;
using ::auth::webauthn::testing::TestAuthenticator;
using ::testing::ElementsAre;

constexpr char kOrigin[] = "http://localhost:8080";
constexpr uint8_t kUp = 0x01;
constexpr uint8_t kUv = 0x04;
constexpr uint8_t kAt = 0x40;

// A passkey the test holds: its key and the ids the server knows it by.
struct HeldPasskey {
  TestAuthenticator key{KeyType::kP256};
  std::string credential_id;
  std::string user_handle;
  std::string passkey_id;
};

class PasskeyE2eTest : public HttpE2eTest {
 protected:
  void SetUp() override { StartServer(PasskeyFlags()); }

  static std::vector<std::string> PasskeyFlags(const std::string& lifetime = "5m") {
    return HttpFlags({"--webauthn_rp_id=localhost", std::string("--webauthn_origins=") + kOrigin,
                      "--webauthn_ceremony_lifetime=" + lifetime});
  }

  std::unique_ptr<auth::v1::CredentialService::Stub> Credentials() {
    return auth::v1::CredentialService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  // Registers and signs in `name`; returns its access token.
  std::string SignedUp(const std::string& name) {
    EXPECT_TRUE(Register(name, name + "@example.com", "").ok());
    const LoginResult login = Login(name + "@example.com", "");
    EXPECT_TRUE(login.status.ok()) << login.status.error_message();
    return login.response.jwt_token();
  }

  // Begin and Finish a registration of `passkey` for the owner of `token`.
  grpc::Status RegisterPasskey(const std::string& token, HeldPasskey& passkey,
                               std::vector<std::string>* excluded = nullptr) {
    auto stub = Credentials();
    auth::v1::BeginPasskeyRegistrationResponse begun;
    {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      auth::v1::BeginPasskeyRegistrationRequest request;
      request.set_password_hash(kPassword);
      grpc::Status status = stub->BeginPasskeyRegistration(&context, request, &begun);
      if (!status.ok()) return status;
    }
    const nlohmann::json options = nlohmann::json::parse(begun.options_json());
    const std::string challenge = *Base64UrlDecode(options["challenge"].get<std::string>());
    passkey.user_handle = *Base64UrlDecode(options["user"]["id"].get<std::string>());
    if (excluded != nullptr) {
      for (const auto& credential : options["excludeCredentials"]) {
        excluded->push_back(*Base64UrlDecode(credential["id"].get<std::string>()));
      }
    }
    if (passkey.credential_id.empty()) {
      passkey.credential_id = "cred-" + std::to_string(absl::ToUnixNanos(absl::Now()));
    }
    const std::string auth_data = AuthenticatorDataBytes(
        "localhost", kUp | kUv | kAt, 0, passkey.credential_id, passkey.key.CoseKey());
    const nlohmann::json credential = {
        {"id", Base64UrlEncode(passkey.credential_id)},
        {"rawId", Base64UrlEncode(passkey.credential_id)},
        {"type", "public-key"},
        {"response",
         {{"clientDataJSON",
           Base64UrlEncode(ClientDataJson("webauthn.create", challenge, kOrigin))},
          {"attestationObject", Base64UrlEncode(AttestationObject(auth_data))}}}};
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::FinishPasskeyRegistrationRequest request;
    request.set_ceremony_id(begun.ceremony_id());
    request.set_credential_json(credential.dump());
    request.set_name("test key");
    auth::v1::FinishPasskeyRegistrationResponse finished;
    grpc::Status status = stub->FinishPasskeyRegistration(&context, request, &finished);
    passkey.passkey_id = finished.passkey_id();
    return status;
  }

  // BeginPasskeyLogin: the ceremony id and its challenge (raw).
  struct Ceremony {
    std::string id;
    std::string challenge;
    std::vector<std::string> allowed;  // allowCredentials' ids
  };
  Ceremony BeginLogin(const std::string& email = "") {
    grpc::ClientContext context;
    auth::v1::BeginPasskeyLoginRequest request;
    request.set_email(email);
    auth::v1::BeginPasskeyLoginResponse response;
    const grpc::Status status = stub_->BeginPasskeyLogin(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    const nlohmann::json options = nlohmann::json::parse(response.options_json());
    Ceremony ceremony{
        response.ceremony_id(), *Base64UrlDecode(options["challenge"].get<std::string>()), {}};
    for (const auto& credential : options["allowCredentials"]) {
      ceremony.allowed.push_back(*Base64UrlDecode(credential["id"].get<std::string>()));
    }
    return ceremony;
  }

  // An assertion of `passkey` over `challenge`, with what a forgery changes.
  struct Forgery {
    uint32_t count = 0;
    uint8_t flags = kUp | kUv;
    std::string rp_id = "localhost";
    std::string origin = kOrigin;
    bool flip_signature = false;
  };
  static std::string Assertion(const HeldPasskey& passkey, const std::string& challenge,
                               const Forgery& forgery) {
    const std::string auth_data =
        AuthenticatorDataBytes(forgery.rp_id, forgery.flags, forgery.count);
    const std::string client_data = ClientDataJson("webauthn.get", challenge, forgery.origin);
    std::string signature = passkey.key.Sign(absl::StrCat(auth_data, Sha256Bytes(client_data)));
    if (forgery.flip_signature) signature[signature.size() / 2] ^= 0x01;
    const nlohmann::json credential = {{"id", Base64UrlEncode(passkey.credential_id)},
                                       {"rawId", Base64UrlEncode(passkey.credential_id)},
                                       {"type", "public-key"},
                                       {"response",
                                        {{"clientDataJSON", Base64UrlEncode(client_data)},
                                         {"authenticatorData", Base64UrlEncode(auth_data)},
                                         {"signature", Base64UrlEncode(signature)},
                                         {"userHandle", Base64UrlEncode(passkey.user_handle)}}}};
    return credential.dump();
  }

  grpc::Status FinishLogin(const std::string& ceremony_id, const std::string& credential_json,
                           auth::v1::FinishPasskeyLoginResponse* response = nullptr) {
    grpc::ClientContext context;
    auth::v1::FinishPasskeyLoginRequest request;
    request.set_ceremony_id(ceremony_id);
    request.set_credential_json(credential_json);
    auth::v1::FinishPasskeyLoginResponse ignored;
    return stub_->FinishPasskeyLogin(&context, request, response ? response : &ignored);
  }

  std::vector<std::string> Amr(const std::string& token, int32_t* user_id) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::GetSessionResponse response;
    const grpc::Status status =
        stub_->GetSession(&context, auth::v1::GetSessionRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    *user_id = response.user_id();
    return {response.amr().begin(), response.amr().end()};
  }

  grpc::Status Delete(const std::string& token, const std::string& passkey_id,
                      const std::string& password) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::DeletePasskeyRequest request;
    request.set_passkey_id(passkey_id);
    request.set_password_hash(password);
    auth::v1::DeletePasskeyResponse response;
    return Credentials()->DeletePasskey(&context, request, &response);
  }

  int64_t Query(const std::string& sql) {
    mysql::ConnectionPool pool(backend_->database().pool_options());
    return mysql_testing::QueryInt(pool, sql);
  }
  int64_t SignCount(const HeldPasskey& passkey) {
    return Query("SELECT sign_count FROM passkeys WHERE passkey_id = '" + passkey.passkey_id + "'");
  }
  int64_t Sessions(int32_t user_id) {
    return Query(absl::StrCat("SELECT COUNT(*) FROM sessions WHERE user_id = ", user_id));
  }
};

TEST_F(PasskeyE2eTest, RegisterSignInRefuseForgeriesAndDelete) {
  const std::string token = SignedUp("pk_owner");
  int32_t user_id = 0;
  ASSERT_THAT(Amr(token, &user_id), ElementsAre("pwd"));

  HeldPasskey first;
  ASSERT_TRUE(RegisterPasskey(token, first).ok());
  HeldPasskey second;
  std::vector<std::string> excluded;
  ASSERT_TRUE(RegisterPasskey(token, second, &excluded).ok());
  EXPECT_THAT(excluded, ElementsAre(first.credential_id));
  EXPECT_EQ(second.user_handle, first.user_handle);
  EXPECT_EQ(first.user_handle.size(), 32u);
  // A credential id is one account's only.
  HeldPasskey copy;
  copy.credential_id = first.credential_id;
  EXPECT_EQ(RegisterPasskey(SignedUp("pk_other"), copy).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auth::v1::ListPasskeysResponse listed;
    ASSERT_TRUE(Credentials()->ListPasskeys(&context, {}, &listed).ok());
    ASSERT_EQ(listed.passkeys_size(), 2);
    EXPECT_EQ(listed.passkeys(0).passkey_id(), first.passkey_id);
    EXPECT_EQ(listed.passkeys(1).passkey_id(), second.passkey_id);
    EXPECT_EQ(listed.passkeys(0).last_used_at_unix_seconds(), 0);
  }

  // Discoverable: no account named, the userHandle says whose.
  const Ceremony discoverable = BeginLogin();
  EXPECT_TRUE(discoverable.allowed.empty());
  const std::string good = Assertion(first, discoverable.challenge, {.count = 1});
  auth::v1::FinishPasskeyLoginResponse signed_in;
  const grpc::Status ok = FinishLogin(discoverable.id, good, &signed_in);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  int32_t session_user = 0;
  EXPECT_THAT(Amr(signed_in.jwt_token(), &session_user), ElementsAre("hwk", "user"));
  EXPECT_EQ(session_user, user_id);
  EXPECT_EQ(SignCount(first), 1);

  // By email: allowCredentials lists the account's passkeys.
  const Ceremony by_email = BeginLogin("pk_owner@example.com");
  EXPECT_THAT(by_email.allowed, ElementsAre(first.credential_id, second.credential_id));
  ASSERT_TRUE(FinishLogin(by_email.id, Assertion(first, by_email.challenge, {.count = 2})).ok());
  EXPECT_EQ(SignCount(first), 2);
  // An unknown account's answer has the same shape.
  EXPECT_TRUE(BeginLogin("nobody@example.com").allowed.empty());
  // A synced passkey's counter stays 0: accepted, and only the spent ceremony stops a replay.
  const Ceremony synced = BeginLogin();
  const std::string zero = Assertion(second, synced.challenge, {.count = 0});
  ASSERT_TRUE(FinishLogin(synced.id, zero).ok());

  const int64_t sessions = Sessions(user_id);
  const auto refused = [&](const std::string& what, const std::string& ceremony_id,
                           const std::string& credential_json) {
    const grpc::Status status = FinishLogin(ceremony_id, credential_json);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << what;
    EXPECT_EQ(SignCount(first), 2) << what;
    EXPECT_EQ(Sessions(user_id), sessions) << what;
  };
  const auto forged = [&](const std::string& what, const Forgery& forgery) {
    const Ceremony ceremony = BeginLogin();
    refused(what, ceremony.id, Assertion(first, ceremony.challenge, forgery));
  };
  forged("wrong origin", {.count = 10, .origin = "http://evil.localhost:8080"});
  forged("flipped signature byte", {.count = 10, .flip_signature = true});
  forged("wrong rpIdHash", {.count = 10, .rp_id = "example.com"});
  forged("UP=0", {.count = 10, .flags = kUv});
  forged("UV=0", {.count = 10, .flags = kUp});
  forged("lower signCount", {.count = 1});
  forged("same signCount", {.count = 2});
  refused("replayed assertion", discoverable.id, good);
  refused("replayed assertion of a synced passkey", synced.id, zero);
  const Ceremony one = BeginLogin();
  const Ceremony other = BeginLogin();
  refused("another ceremony's challenge", other.id, Assertion(first, one.challenge, {.count = 10}));

  // The second passkey goes without the password; the last one only with it.
  EXPECT_TRUE(Delete(token, second.passkey_id, "").ok());
  EXPECT_EQ(Delete(token, first.passkey_id, "").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Delete(token, first.passkey_id, "e2e-wrong-client-digest-000000").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Delete(token, first.passkey_id, kPassword).ok());
  EXPECT_EQ(Query(absl::StrCat("SELECT COUNT(*) FROM passkeys WHERE user_id = ", user_id)), 0);
}

TEST_F(PasskeyE2eTest, AnExpiredCeremonyIsRefused) {
  RestartServer(PasskeyFlags("1s"));
  const std::string token = SignedUp("pk_expiry");
  HeldPasskey passkey;
  ASSERT_TRUE(RegisterPasskey(token, passkey).ok());
  const Ceremony ceremony = BeginLogin();
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_EQ(
      FinishLogin(ceremony.id, Assertion(passkey, ceremony.challenge, {.count = 1})).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(SignCount(passkey), 0);
}

TEST_F(PasskeyE2eTest, WithoutAnRpIdPasskeysAreNotConfigured) {
  RestartServer(HttpFlags());
  grpc::ClientContext context;
  auth::v1::BeginPasskeyLoginResponse response;
  EXPECT_EQ(stub_->BeginPasskeyLogin(&context, {}, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PasskeyE2eTest, CeremoniesPerAddressAreLimited) {
  std::vector<std::string> flags = PasskeyFlags();
  flags.push_back("--webauthn_ceremonies_per_address=2");
  RestartServer(flags);
  // The suite's other tests began ceremonies from this address too: count on from there.
  const int64_t begun = Query(
      "SELECT COALESCE(SUM(attempts), 0) FROM attempt_counters "
      "WHERE counter_key = 'passkey-begin:127.0.0.1' AND expires_at > UTC_TIMESTAMP(6)");
  if (begun < 2) {
    for (int64_t i = begun; i < 2; ++i) BeginLogin();
  }
  grpc::ClientContext context;
  auth::v1::BeginPasskeyLoginResponse response;
  EXPECT_EQ(stub_->BeginPasskeyLogin(&context, {}, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(context.GetServerTrailingMetadata().find("retry-after") ==
               context.GetServerTrailingMetadata().end());
}

TEST_F(PasskeyE2eTest, AFailedSignInCountsAgainstTheAddress) {
  const std::string attempts =
      "SELECT COALESCE(SUM(attempts), 0) FROM attempt_counters "
      "WHERE counter_key = 'login-address:127.0.0.1'";
  const int64_t before = Query(attempts);
  const Ceremony ceremony = BeginLogin();
  HeldPasskey unknown;
  unknown.credential_id = "never-registered";
  EXPECT_EQ(FinishLogin(ceremony.id, Assertion(unknown, ceremony.challenge, {})).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Query(attempts), before + 1);
}

TEST_F(PasskeyE2eTest, BeginPasskeyLoginOverTheHttpFront) {
  const HttpReply reply = PostJson("BeginPasskeyLogin", nlohmann::json::object());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const nlohmann::json body = nlohmann::json::parse(reply.body);
  EXPECT_EQ(body["ceremonyId"].get<std::string>().size(), 43u);
  const nlohmann::json options = nlohmann::json::parse(body["optionsJson"].get<std::string>());
  EXPECT_EQ(options["rpId"], "localhost");
  EXPECT_EQ(options["userVerification"], "required");
}

}  // namespace
}  // namespace auth::service_testing
