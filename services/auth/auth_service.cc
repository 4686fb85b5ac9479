#include "services/auth/auth_service.h"

#include <openssl/sha.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/auth/credentials.h"
#include "services/auth/status_mapping.h"
#include "services/auth/validation.h"

namespace auth::service {

using auth::v1::LoginRequest;
using auth::v1::LoginResponse;
using auth::v1::LogoutRequest;
using auth::v1::LogoutResponse;
using auth::v1::RegisterRequest;
using auth::v1::RegisterResponse;

// One RPC in flight: its reactor, deadline and timing. Shared by the steps of a handler, which
// run on different threads; Finish() answers the client and writes the call's one log line.
class AuthServiceImpl::Call {
 public:
  Call(grpc::CallbackServerContext* context, const char* method, absl::Duration max_duration)
      : context_(context),
        reactor_(context->DefaultReactor()),
        method_(method),
        start_(absl::Now()) {
    deadline_ = start_ + max_duration;
    const auto client_deadline = context->deadline();
    if (client_deadline != std::chrono::system_clock::time_point::max()) {
      deadline_ = std::min(deadline_, absl::FromChrono(client_deadline));
    }
  }

  grpc::CallbackServerContext* context() const { return context_; }
  // The handler returns this. (DefaultReactor() must be called only once per call: a second
  // call re-creates the reactor, which may already have been finished on another thread.)
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  absl::Time deadline() const { return deadline_; }

  void Finish(const absl::Status& status) {
    const grpc::Status grpc_status = ToGrpcStatus(status, method_);
    // Method, code and latency only: requests and statuses may carry secrets or user input.
    LOG(INFO) << "rpc=" << method_ << " code=" << GrpcCodeName(grpc_status.error_code())
              << " latency_us=" << absl::ToInt64Microseconds(absl::Now() - start_);
    reactor_->Finish(grpc_status);
  }

 private:
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  const char* method_;
  absl::Time start_;
  absl::Time deadline_;
};

namespace {

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

Headers ClientHeaders(const grpc::CallbackServerContext& context) {
  Headers headers;
  for (const auto& [key, value] : context.client_metadata()) {
    headers.emplace_back(absl::string_view(key.data(), key.size()),
                         absl::string_view(value.data(), value.size()));
  }
  return headers;
}

}  // namespace

AuthServiceImpl::AuthServiceImpl(AuthServiceDeps deps, AuthServiceOptions options)
    : deps_(deps), options_(options) {
  CHECK(deps_.users && deps_.sessions && deps_.hasher && deps_.issuer && deps_.verifier &&
        deps_.hashing_executor && deps_.database_executor)
      << "AuthServiceImpl needs every dependency";
}

void AuthServiceImpl::RunOn(executor::BoundedExecutor& executor,
                            const std::shared_ptr<Call>& call, std::function<void()> work) {
  absl::Status submitted =
      executor.Submit(call->deadline(), [call, work = std::move(work)](absl::Status status) {
        if (status.ok() && call->context()->IsCancelled()) {
          call->Finish(absl::CancelledError("call cancelled by the client"));
          return;
        }
        if (!status.ok()) {
          call->Finish(ExecutorRejection(status));
          return;
        }
        work();
      });
  if (!submitted.ok()) call->Finish(ExecutorRejection(submitted));
}

grpc::ServerUnaryReactor* AuthServiceImpl::Register(grpc::CallbackServerContext* context,
                                                    const RegisterRequest* request,
                                                    RegisterResponse* response) {
  auto call = std::make_shared<Call>(context, "Register", options_.max_call_duration);
  absl::StatusOr<Registration> registration = ValidateRegisterRequest(*request);
  if (!registration.ok()) {
    call->Finish(registration.status());
    return call->reactor();
  }
  RunOn(*deps_.hashing_executor, call,
        [this, call, request, response, registration = *std::move(registration)]() mutable {
          absl::StatusOr<std::string> password_hash = deps_.hasher->Hash(request->password_hash());
          if (!password_hash.ok()) {
            call->Finish(password_hash.status());
            return;
          }
          repository::NewUser user{std::move(registration.username),
                                   std::move(registration.email),
                                   std::move(registration.phone_number), *std::move(password_hash)};
          RunOn(*deps_.database_executor, call,
                [this, call, response, user = std::move(user)]() {
                  absl::StatusOr<int64_t> id = deps_.users->Create(user);
                  if (!id.ok()) {
                    call->Finish(id.status());
                    return;
                  }
                  response->set_message(kRegisteredMessage);
                  response->set_status(kRegisteredStatus);
                  call->Finish(absl::OkStatus());
                });
        });
  return call->reactor();
}

grpc::ServerUnaryReactor* AuthServiceImpl::Login(grpc::CallbackServerContext* context,
                                                 const LoginRequest* request,
                                                 LoginResponse* response) {
  auto call = std::make_shared<Call>(context, "Login", options_.max_call_duration);
  absl::StatusOr<LoginIdentity> identity = ValidateLoginRequest(*request);
  if (!identity.ok()) {
    call->Finish(identity.status());
    return call->reactor();
  }
  RunOn(*deps_.database_executor, call,
        [this, call, request, response, identity = *std::move(identity)]() {
          absl::StatusOr<repository::User> user =
              identity.kind == LoginIdentity::Kind::kEmail
                  ? deps_.users->FindByEmail(identity.value)
                  : deps_.users->FindByPhone(identity.value);
          if (!user.ok()) {
            call->Finish(user.status().code() == absl::StatusCode::kNotFound
                             ? absl::NotFoundError("user not found")
                             : user.status());
            return;
          }
          LoginVerifyPassword(call, request, response, *std::move(user));
        });
  return call->reactor();
}

void AuthServiceImpl::LoginVerifyPassword(std::shared_ptr<Call> call,
                                          const LoginRequest* request, LoginResponse* response,
                                          repository::User user) {
  RunOn(*deps_.hashing_executor, call,
        [this, call, request, response, user = std::move(user)]() {
          absl::StatusOr<bool> match = deps_.hasher->Verify(request->password_hash(),
                                                            user.password_hash);
          if (!match.ok()) {
            // The stored hash is unreadable: our data is broken, not the caller's input.
            LOG(ERROR) << "stored password hash of user " << user.id
                       << " cannot be verified: " << match.status().code();
            call->Finish(absl::InternalError("stored credentials unreadable"));
            return;
          }
          if (!*match) {
            call->Finish(absl::UnauthenticatedError("wrong password"));
            return;
          }
          std::optional<std::string> upgraded_hash;
          if (deps_.hasher->NeedsRehash(user.password_hash)) {
            absl::StatusOr<std::string> rehashed = deps_.hasher->Hash(request->password_hash());
            if (rehashed.ok()) {
              upgraded_hash = *std::move(rehashed);
            } else {
              LOG(WARNING) << "password rehash for user " << user.id
                           << " failed: " << rehashed.status().code();
            }
          }
          LoginOpenSession(call, response, user.id, std::move(upgraded_hash));
        });
}

void AuthServiceImpl::LoginOpenSession(std::shared_ptr<Call> call, LoginResponse* response,
                                       int64_t user_id,
                                       std::optional<std::string> upgraded_hash) {
  if (user_id <= 0 || user_id > std::numeric_limits<int32_t>::max()) {
    // The API's user_id is int32; a larger id would be silently truncated on the wire.
    LOG(ERROR) << "user id " << user_id << " does not fit the API's int32 user_id";
    call->Finish(absl::InternalError("user id out of range"));
    return;
  }
  absl::StatusOr<token::IssuedToken> issued = deps_.issuer->Issue(absl::StrCat(user_id));
  if (!issued.ok()) {
    call->Finish(issued.status());
    return;
  }
  RunOn(*deps_.database_executor, call,
        [this, call, response, user_id, upgraded_hash = std::move(upgraded_hash),
         issued = *std::move(issued)]() {
          if (upgraded_hash.has_value()) {
            // Best effort: the login itself succeeded, the upgrade is retried at the next one.
            absl::Status updated = deps_.users->UpdatePasswordHash(user_id, *upgraded_hash);
            LOG_IF(WARNING, !updated.ok())
                << "password hash upgrade for user " << user_id << " failed: " << updated.code();
          }
          repository::Session session;
          session.jti = issued.claims.jwt_id;
          session.user_id = user_id;
          session.expires_at = issued.claims.expires_at;
          session.token_hash = Sha256Hex(issued.token);
          session.client_address = call->context()->peer();
          if (absl::Status created = deps_.sessions->Create(session); !created.ok()) {
            call->Finish(created);
            return;
          }
          const absl::Duration max_age = issued.claims.expires_at - absl::Now();
          call->context()->AddInitialMetadata(
              kSetCookieHeader, MakeSetCookie(kUserIdCookie, absl::StrCat(user_id), max_age));
          call->context()->AddInitialMetadata(
              kSetCookieHeader, MakeSetCookie(kTokenCookie, issued.token, max_age));
          response->set_user_id(static_cast<int32_t>(user_id));
          response->set_jwt_token(issued.token);
          call->Finish(absl::OkStatus());
        });
}

grpc::ServerUnaryReactor* AuthServiceImpl::Logout(grpc::CallbackServerContext* context,
                                                  const LogoutRequest* request,
                                                  LogoutResponse* response) {
  auto call = std::make_shared<Call>(context, "Logout", options_.max_call_duration);
  if (request->user_id() <= 0) {
    call->Finish(absl::InvalidArgumentError("user_id: must be a positive user id"));
    return call->reactor();
  }
  absl::StatusOr<std::string> token = ExtractAccessToken(ClientHeaders(*context));
  if (!token.ok()) {
    call->Finish(token.status());
    return call->reactor();
  }
  // Signature checks are microseconds: cheap enough for the gRPC thread.
  absl::StatusOr<token::TokenClaims> claims = deps_.verifier->Verify(*token);
  if (!claims.ok()) {
    call->Finish(absl::UnauthenticatedError(claims.status().message()));
    return call->reactor();
  }
  int64_t subject = 0;
  if (!absl::SimpleAtoi(claims->subject, &subject)) {
    call->Finish(absl::UnauthenticatedError("token subject is not a user id"));
    return call->reactor();
  }
  if (subject != request->user_id()) {
    call->Finish(absl::PermissionDeniedError("the token belongs to another user"));
    return call->reactor();
  }
  RunOn(*deps_.database_executor, call,
        [this, call, response, user_id = subject, jti = claims->jwt_id,
         token_hash = Sha256Hex(*token)]() {
          absl::StatusOr<repository::Session> session = deps_.sessions->FindActive(jti);
          if (!session.ok()) {
            call->Finish(session.status().code() == absl::StatusCode::kNotFound
                             ? absl::UnauthenticatedError("session ended or unknown")
                             : session.status());
            return;
          }
          if (session->user_id != user_id || session->token_hash != token_hash) {
            call->Finish(absl::UnauthenticatedError("token does not match its session"));
            return;
          }
          absl::StatusOr<int64_t> revoked = deps_.sessions->RevokeAllForUser(user_id);
          if (!revoked.ok()) {
            call->Finish(revoked.status());
            return;
          }
          response->set_message(kLoggedOutMessage);
          response->set_status(kLoggedOutStatus);
          call->Finish(absl::OkStatus());
        });
  return call->reactor();
}

}  // namespace auth::service
