#include "tools/loadgen/second_factor_scenarios.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "libs/otp/base32.h"
#include "libs/otp/totp.h"
#include "libs/token/internal/base64url.h"
#include "libs/webauthn/test_authenticator.h"
#include "nlohmann/json.hpp"
#include "tools/loadgen/calls.h"

namespace auth::loadgen {
namespace {

using Json = nlohmann::json;
using token::internal::Base64UrlDecode;
using token::internal::Base64UrlEncode;

// Threads that prepare users with blocking calls (the preparation is not measured).
constexpr int kPrepareThreads = 16;

// Runs `prepare(i)` for every i in [0, count) on kPrepareThreads threads; the first error.
absl::Status ForEachUser(absl::string_view what, int64_t count,
                         const std::function<absl::Status(int64_t)>& prepare) {
  const absl::Time start = absl::Now();
  std::atomic<int64_t> next{0};
  std::mutex mutex;
  absl::Status first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kPrepareThreads; ++t) {
    threads.emplace_back([&] {
      for (int64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
        absl::Status prepared = prepare(i);
        if (prepared.ok()) continue;
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error.ok()) first_error = prepared;
        next = count;  // stop every thread
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::cerr << "loadgen: prepared " << count << " " << what << " in "
            << absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1)))
            << "\n";
  return first_error;
}

absl::Status Failed(absl::string_view step, const grpc::Status& status) {
  return absl::UnavailableError(
      absl::StrCat(step, ": ", status.error_code(), " ", status.error_message()));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  return context;
}

// Registers user `i` and logs it in; its access token.
absl::StatusOr<auth::v1::LoginResponse> RegisterAndLogin(auth::v1::AuthService::Stub& stub,
                                                         const ScenarioOptions& options,
                                                         int64_t i) {
  auth::v1::RegisterRequest registration;
  registration.set_username(UsernameFor(options.run_id, i));
  registration.set_email(EmailFor(options.run_id, i));
  registration.set_password_hash(kLoadgenPassword);
  auth::v1::RegisterResponse registered;
  if (grpc::Status s = stub.Register(Context().get(), registration, &registered); !s.ok()) {
    return Failed("Register", s);
  }
  auth::v1::LoginRequest login;
  login.set_email(EmailFor(options.run_id, i));
  login.set_password_hash(kLoadgenPassword);
  auth::v1::LoginResponse response;
  if (grpc::Status s = stub.Login(Context().get(), login, &response); !s.ok()) {
    return Failed("Login", s);
  }
  return response;
}

// What each measured call sends, and the user it must sign in.
struct PreparedCall {
  int64_t user_id = 0;
  std::string id;          // mfa ticket, or ceremony id
  std::string payload;     // TOTP secret, or credential JSON
  int64_t spent_step = 0;  // complete_login: the step the enrolment's confirmation spent
};

// The part both scenarios share: the prepared calls, handed out once each.
class PreparedCallsScenario : public Scenario {
 public:
  PreparedCallsScenario(const ScenarioOptions& options, Connections& connections)
      : options_(options), connections_(connections), calls_(options.users) {}

 protected:
  const PreparedCall* NextCall() {
    const int64_t i = next_.fetch_add(1);
    return i < static_cast<int64_t>(calls_.size()) ? &calls_[i] : nullptr;
  }

  const ScenarioOptions options_;
  Connections& connections_;
  std::vector<PreparedCall> calls_;  // by user index; each written by one preparing thread

 private:
  std::atomic<int64_t> next_{0};
};

// Answers shaped like Login's: the prepared user, an access token, the session's cookies.
template <typename Response>
bool SignedIn(const grpc::ClientContext& context, const Response& response, int64_t user_id) {
  int cookies = 0;
  for (const auto& [key, value] : context.GetServerInitialMetadata()) {
    if (absl::string_view(key.data(), key.size()) == "set-cookie") ++cookies;
  }
  return response.user_id() == user_id && !response.jwt_token().empty() && cookies >= 3;
}

class CompleteLoginScenario : public PreparedCallsScenario {
 public:
  using PreparedCallsScenario::PreparedCallsScenario;

  absl::Status Prepare() override {
    return ForEachUser("TOTP users with a ticket", options_.users,
                       [this](int64_t i) { return PrepareUser(i); });
  }

  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const PreparedCall* prepared = NextCall();
    if (prepared == nullptr) return false;
    struct State {
      grpc::ClientContext context;
      auth::v1::CompleteLoginRequest request;
      auth::v1::CompleteLoginResponse response;
    };
    auto* state = new State;
    state->context.set_deadline(absl::ToChronoTime(deadline));
    state->request.set_mfa_ticket(prepared->id);
    // Computed now, not when prepared: the confirmation spent step `spent_step`, so the first
    // step above it that the server accepts (its current one, once time has moved on).
    absl::StatusOr<int64_t> now_step = otp::TotpStep(absl::Now());
    absl::StatusOr<std::string> code =
        otp::HotpCode(prepared->payload, std::max(prepared->spent_step + 1, now_step.value_or(0)));
    state->request.set_totp_code(code.value_or(""));
    connections_.auth(slot).async()->CompleteLogin(
        &state->context, &state->request, &state->response,
        [state, user_id = prepared->user_id, done = std::move(done)](grpc::Status status) {
          done(status, SignedIn(state->context, state->response, user_id));
          delete state;
        });
    return true;
  }

 private:
  absl::Status PrepareUser(int64_t i) {
    auth::v1::AuthService::Stub& auth = connections_.auth(static_cast<int>(i));
    absl::StatusOr<auth::v1::LoginResponse> login = RegisterAndLogin(auth, options_, i);
    if (!login.ok()) return login.status();
    auth::v1::CredentialService::Stub& credentials = connections_.credential(static_cast<int>(i));
    auth::v1::BeginTotpEnrollmentRequest begin;
    begin.set_password_hash(kLoadgenPassword);
    auth::v1::BeginTotpEnrollmentResponse enrollment;
    grpc::Status s =
        credentials.BeginTotpEnrollment(Context(login->jwt_token()).get(), begin, &enrollment);
    if (!s.ok()) return Failed("BeginTotpEnrollment", s);
    absl::StatusOr<std::string> secret = otp::Base32Decode(enrollment.secret_base32());
    if (!secret.ok()) return secret.status();
    absl::StatusOr<int64_t> step = otp::TotpStep(absl::Now());
    if (!step.ok()) return step.status();
    absl::StatusOr<std::string> code = otp::HotpCode(*secret, *step);
    if (!code.ok()) return code.status();
    auth::v1::ConfirmTotpEnrollmentRequest confirm;
    confirm.set_code(*code);
    auth::v1::ConfirmTotpEnrollmentResponse confirmed;
    s = credentials.ConfirmTotpEnrollment(Context(login->jwt_token()).get(), confirm, &confirmed);
    if (!s.ok()) return Failed("ConfirmTotpEnrollment", s);

    auth::v1::LoginRequest again;
    again.set_email(EmailFor(options_.run_id, i));
    again.set_password_hash(kLoadgenPassword);
    auth::v1::LoginResponse ticket;
    if (s = auth.Login(Context().get(), again, &ticket); !s.ok()) return Failed("Login", s);
    if (!ticket.second_factor_required() || ticket.mfa_ticket().empty()) {
      return absl::InternalError("Login of a TOTP user did not ask for a second factor");
    }
    calls_[i] = {login->user_id(), ticket.mfa_ticket(), *secret, *step};
    return absl::OkStatus();
  }
};

class PasskeyLoginScenario : public PreparedCallsScenario {
 public:
  PasskeyLoginScenario(const ScenarioOptions& options, const SecondFactorOptions& second_factor,
                       Connections& connections)
      : PreparedCallsScenario(options, connections), second_factor_(second_factor) {}

  absl::Status Prepare() override {
    return ForEachUser("passkey users with a ceremony", options_.users,
                       [this](int64_t i) { return PrepareUser(i); });
  }

  bool Start(int slot, absl::Time deadline, CallDone done) override {
    const PreparedCall* prepared = NextCall();
    if (prepared == nullptr) return false;
    struct State {
      grpc::ClientContext context;
      auth::v1::FinishPasskeyLoginRequest request;
      auth::v1::FinishPasskeyLoginResponse response;
    };
    auto* state = new State;
    state->context.set_deadline(absl::ToChronoTime(deadline));
    state->request.set_ceremony_id(prepared->id);
    state->request.set_credential_json(prepared->payload);
    connections_.auth(slot).async()->FinishPasskeyLogin(
        &state->context, &state->request, &state->response,
        [state, user_id = prepared->user_id, done = std::move(done)](grpc::Status status) {
          done(status, SignedIn(state->context, state->response, user_id));
          delete state;
        });
    return true;
  }

 private:
  static constexpr uint8_t kUserPresent = 0x01;
  static constexpr uint8_t kUserVerified = 0x04;
  static constexpr uint8_t kAttestedCredential = 0x40;

  absl::Status PrepareUser(int64_t i) {
    namespace wt = webauthn::testing;
    auth::v1::AuthService::Stub& auth = connections_.auth(static_cast<int>(i));
    absl::StatusOr<auth::v1::LoginResponse> login = RegisterAndLogin(auth, options_, i);
    if (!login.ok()) return login.status();
    auth::v1::CredentialService::Stub& credentials = connections_.credential(static_cast<int>(i));

    auth::v1::BeginPasskeyRegistrationRequest begin;
    begin.set_password_hash(kLoadgenPassword);
    auth::v1::BeginPasskeyRegistrationResponse creation;
    grpc::Status s =
        credentials.BeginPasskeyRegistration(Context(login->jwt_token()).get(), begin, &creation);
    if (!s.ok()) return Failed("BeginPasskeyRegistration", s);
    const Json options = Json::parse(creation.options_json(), nullptr, /*allow_exceptions=*/false);
    if (!options.is_object() || !options.contains("challenge") || !options.contains("user")) {
      return absl::InternalError("creation options without a challenge or a user");
    }
    // ClientDataJson() encodes the challenge itself: the raw bytes.
    absl::StatusOr<std::string> challenge =
        Base64UrlDecode(options["challenge"].get<std::string>());
    if (!challenge.ok()) return challenge.status();
    const std::string user_handle = options["user"]["id"].get<std::string>();

    const wt::TestAuthenticator authenticator(wt::KeyType::kP256);
    const std::string credential_id = absl::StrCat("loadgen-credential-", options_.run_id, "-", i);
    const std::string client_data =
        wt::ClientDataJson("webauthn.create", *challenge, second_factor_.origin);
    const std::string auth_data = wt::AuthenticatorDataBytes(
        second_factor_.rp_id, kUserPresent | kUserVerified | kAttestedCredential, 0, credential_id,
        authenticator.CoseKey());
    const Json registration = {
        {"id", Base64UrlEncode(credential_id)},
        {"rawId", Base64UrlEncode(credential_id)},
        {"type", "public-key"},
        {"clientExtensionResults", Json::object()},
        {"response",
         {{"clientDataJSON", Base64UrlEncode(client_data)},
          {"attestationObject", Base64UrlEncode(wt::AttestationObject(auth_data))},
          {"transports", Json::array({"internal"})}}}};
    auth::v1::FinishPasskeyRegistrationRequest finish;
    finish.set_ceremony_id(creation.ceremony_id());
    finish.set_credential_json(registration.dump());
    finish.set_name("loadgen");
    auth::v1::FinishPasskeyRegistrationResponse registered;
    s = credentials.FinishPasskeyRegistration(Context(login->jwt_token()).get(), finish,
                                              &registered);
    if (!s.ok()) return Failed("FinishPasskeyRegistration", s);

    auth::v1::BeginPasskeyLoginRequest sign_in;
    sign_in.set_email(EmailFor(options_.run_id, i));
    auth::v1::BeginPasskeyLoginResponse request_options;
    if (s = auth.BeginPasskeyLogin(Context().get(), sign_in, &request_options); !s.ok()) {
      return Failed("BeginPasskeyLogin", s);
    }
    const Json get_options =
        Json::parse(request_options.options_json(), nullptr, /*allow_exceptions=*/false);
    if (!get_options.is_object() || !get_options.contains("challenge")) {
      return absl::InternalError("request options without a challenge");
    }
    const std::string assertion_data =
        wt::AuthenticatorDataBytes(second_factor_.rp_id, kUserPresent | kUserVerified, 0);
    absl::StatusOr<std::string> get_challenge =
        Base64UrlDecode(get_options["challenge"].get<std::string>());
    if (!get_challenge.ok()) return get_challenge.status();
    const std::string get_client_data =
        wt::ClientDataJson("webauthn.get", *get_challenge, second_factor_.origin);
    const std::string signature =
        authenticator.Sign(absl::StrCat(assertion_data, wt::Sha256Bytes(get_client_data)));
    const Json assertion = {{"id", Base64UrlEncode(credential_id)},
                            {"rawId", Base64UrlEncode(credential_id)},
                            {"type", "public-key"},
                            {"clientExtensionResults", Json::object()},
                            {"response",
                             {{"clientDataJSON", Base64UrlEncode(get_client_data)},
                              {"authenticatorData", Base64UrlEncode(assertion_data)},
                              {"signature", Base64UrlEncode(signature)},
                              {"userHandle", user_handle}}}};
    calls_[i] = {login->user_id(), request_options.ceremony_id(), assertion.dump(), 0};
    return absl::OkStatus();
  }

  const SecondFactorOptions second_factor_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Scenario>> MakeSecondFactorScenario(
    const ScenarioOptions& options, const SecondFactorOptions& second_factor,
    Connections& connections) {
  if (options.users <= 0) return absl::InvalidArgumentError("users must be positive");
  if (options.name == "complete_login") {
    return std::make_unique<CompleteLoginScenario>(options, connections);
  }
  if (options.name == "passkey_login") {
    return std::make_unique<PasskeyLoginScenario>(options, second_factor, connections);
  }
  return absl::InvalidArgumentError(absl::StrCat("not a second-factor scenario: ", options.name));
}

}  // namespace auth::loadgen
