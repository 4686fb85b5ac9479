#include "tools/loadgen/calls.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace auth::loadgen {
namespace {

using auth::v1::LoginRequest;
using auth::v1::LoginResponse;
using auth::v1::LogoutRequest;
using auth::v1::LogoutResponse;
using auth::v1::RegisterRequest;
using auth::v1::RegisterResponse;
using auth::v1::ValidateTokenRequest;
using auth::v1::ValidateTokenResponse;

// What one call owns until its callback has run; freed by the callback.
template <typename Request, typename Response>
struct CallState {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Allocates the call's state, lets `start` issue it, and hands the result to `finish` (which
// may read the context and response) before freeing the state.
template <typename Request, typename Response, typename Start, typename Finish>
void Unary(absl::Time deadline, Request request, Start start, Finish finish) {
  auto* call = new CallState<Request, Response>;
  call->request = std::move(request);
  call->context.set_deadline(absl::ToChronoTime(deadline));
  start(call, [call, finish = std::move(finish)](grpc::Status status) {
    finish(status, call->context, call->response);
    delete call;
  });
}

// Login sets two cookies, user_id and jwt-token, as initial metadata.
bool HasLoginCookies(const grpc::ClientContext& context) {
  bool user_id = false;
  bool jwt = false;
  for (const auto& [key, value] : context.GetServerInitialMetadata()) {
    if (absl::string_view(key.data(), key.size()) != "set-cookie") continue;
    const absl::string_view cookie(value.data(), value.size());
    user_id |= absl::StartsWith(cookie, "user_id=");
    jwt |= absl::StartsWith(cookie, "jwt-token=");
  }
  return user_id && jwt;
}

}  // namespace

void StartRegister(auth::v1::AuthService::Stub& stub, const std::string& username,
                   const std::string& email, absl::Time deadline,
                   std::function<void(const grpc::Status&, bool well_formed)> done) {
  RegisterRequest request;
  request.set_username(username);
  request.set_email(email);
  request.set_password_hash(kLoadgenPassword);
  Unary<RegisterRequest, RegisterResponse>(
      deadline, std::move(request),
      [&stub](auto* call, auto callback) {
        stub.async()->Register(&call->context, &call->request, &call->response,
                               std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const grpc::ClientContext&,
                               const RegisterResponse& response) {
        done(status,
             response.status() == 201 && response.message() == "User registered successfully");
      });
}

void StartLogin(auth::v1::AuthService::Stub& stub, const std::string& email, absl::Time deadline,
                std::function<void(LoginOutcome)> done) {
  LoginRequest request;
  request.set_email(email);
  request.set_password_hash(kLoadgenPassword);
  Unary<LoginRequest, LoginResponse>(
      deadline, std::move(request),
      [&stub](auto* call, auto callback) {
        stub.async()->Login(&call->context, &call->request, &call->response, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const grpc::ClientContext& context,
                               const LoginResponse& response) {
        LoginOutcome outcome;
        outcome.status = status;
        outcome.well_formed =
            response.user_id() > 0 && !response.jwt_token().empty() && HasLoginCookies(context);
        outcome.user_id = response.user_id();
        outcome.token = response.jwt_token();
        done(std::move(outcome));
      });
}

void StartLogout(auth::v1::AuthService::Stub& stub, int64_t user_id, const std::string& token,
                 absl::Time deadline,
                 std::function<void(const grpc::Status&, bool well_formed)> done) {
  LogoutRequest request;
  request.set_user_id(static_cast<int32_t>(user_id));
  Unary<LogoutRequest, LogoutResponse>(
      deadline, std::move(request),
      [&stub, &token](auto* call, auto callback) {
        call->context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
        stub.async()->Logout(&call->context, &call->request, &call->response, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const grpc::ClientContext&,
                               const LogoutResponse& response) {
        done(status, response.status() == 200 && response.message() == "User logout successfully");
      });
}

void StartValidate(auth::v1::AuthService::Stub& stub, int64_t user_id, const std::string& token,
                   absl::Time deadline,
                   std::function<void(const grpc::Status&, bool well_formed)> done) {
  ValidateTokenRequest request;
  request.set_token(token);
  Unary<ValidateTokenRequest, ValidateTokenResponse>(
      deadline, std::move(request),
      [&stub](auto* call, auto callback) {
        stub.async()->ValidateToken(&call->context, &call->request, &call->response,
                                    std::move(callback));
      },
      [user_id, done = std::move(done)](const grpc::Status& status, const grpc::ClientContext&,
                                        const ValidateTokenResponse& response) {
        done(status, response.user_id() == user_id && !response.session_id().empty() &&
                         response.expires_at_unix_seconds() > absl::ToUnixSeconds(absl::Now()));
      });
}

void StartEmpty(auth::loadgen::v1::BenchmarkService::Stub& stub, absl::Time deadline,
                std::function<void(const grpc::Status&, bool well_formed)> done) {
  Unary<auth::loadgen::v1::EmptyRequest, auth::loadgen::v1::EmptyResponse>(
      deadline, auth::loadgen::v1::EmptyRequest(),
      [&stub](auto* call, auto callback) {
        stub.async()->Empty(&call->context, &call->request, &call->response, std::move(callback));
      },
      [done = std::move(done)](const grpc::Status& status, const grpc::ClientContext&,
                               const auth::loadgen::v1::EmptyResponse&) { done(status, true); });
}

}  // namespace auth::loadgen
