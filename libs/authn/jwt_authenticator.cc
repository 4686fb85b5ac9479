#include "libs/authn/jwt_authenticator.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "libs/authn/credentials.h"
#include "libs/authn/user_id.h"
#include "libs/token/key_set.h"
#include "nlohmann/json.hpp"

namespace auth::authn {
namespace {

// The longest kid a Key accepts; a longer one cannot name any of our keys.
constexpr std::size_t kMaxKidBytes = 128;

// The kid the token's header names, so we know which keys to verify it with. This only
// chooses keys: JwtVerifier then checks the whole token strictly (including this header).
absl::StatusOr<std::string> PeekKeyId(absl::string_view token) {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string header_json;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[0], &header_json)) {
    return absl::UnauthenticatedError("malformed access token");
  }
  const nlohmann::json header = nlohmann::json::parse(header_json, nullptr,
                                                      /*allow_exceptions=*/false);
  if (!header.is_object()) return absl::UnauthenticatedError("malformed access token");
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty() ||
      kid->get_ref<const std::string&>().size() > kMaxKidBytes) {
    return absl::UnauthenticatedError("access token names no key");
  }
  return kid->get<std::string>();
}

// Whether ValidateToken's `code` is the auth service's verdict on the token (as opposed to
// its failing to give one).
bool IsVerdict(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::NOT_FOUND;
}

}  // namespace

JwtAuthenticator::JwtAuthenticator(JwksKeySource* keys, auth::v1::AuthService::StubInterface* stub,
                                   JwtAuthenticatorOptions options)
    : keys_(keys), stub_(stub), options_(std::move(options)) {
  verifier_options_.issuer = options_.issuer;
  verifier_options_.audience = options_.audience;
  verifier_options_.leeway = options_.leeway;
  verifier_options_.max_token_bytes = kMaxTokenBytes;
  verifier_options_.clock = options_.clock;
}

absl::StatusOr<AuthenticatedUser> JwtAuthenticator::Authenticate(
    const ClientMetadata& metadata) const {
  absl::StatusOr<std::string> token =
      ExtractAccessToken(ToHeaders(metadata), options_.token_sources);
  if (!token.ok()) return absl::UnauthenticatedError(token.status().message());
  return AuthenticateToken(*token);
}

absl::StatusOr<AuthenticatedUser> JwtAuthenticator::AuthenticateToken(
    absl::string_view token) const {
  if (token.size() > kMaxTokenBytes) {
    return absl::UnauthenticatedError("access token too long");
  }
  absl::StatusOr<std::string> kid = PeekKeyId(token);
  if (!kid.ok()) return kid.status();
  absl::StatusOr<std::shared_ptr<const auth::token::KeySet>> keys = keys_->KeysFor(*kid);
  if (!keys.ok()) return absl::UnavailableError("cannot verify access tokens right now");
  // A verifier per call: it is a copy of a few shared key handles, far cheaper than the
  // signature check, and it always sees the newest keys.
  const auth::token::JwtVerifier verifier(**keys, verifier_options_);
  absl::StatusOr<auth::token::TokenClaims> claims = verifier.Verify(token);
  if (!claims.ok()) return absl::UnauthenticatedError(claims.status().message());
  const std::optional<int32_t> user_id = UserIdFromSubject(claims->subject);
  if (!user_id.has_value()) {
    return absl::UnauthenticatedError("access token subject is not a user id");
  }
  if (claims->jwt_id.empty()) return absl::UnauthenticatedError("access token has no session");

  AuthenticatedUser user;
  user.user_id = *user_id;
  user.session_id = claims->jwt_id;
  user.expires_at = claims->expires_at;
  if (options_.confirm_not_revoked) {
    if (absl::Status confirmed = ConfirmNotRevoked(token, user); !confirmed.ok()) {
      return confirmed;
    }
  }
  return user;
}

absl::Status JwtAuthenticator::ConfirmNotRevoked(absl::string_view token,
                                                 const AuthenticatedUser& user) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.validate_timeout));
  auth::v1::ValidateTokenRequest request;
  request.set_token(std::string(token));
  auth::v1::ValidateTokenResponse response;
  const grpc::Status status = stub_->ValidateToken(&context, request, &response);
  if (!status.ok()) {
    if (IsVerdict(status.error_code())) {
      return absl::UnauthenticatedError("access token refused by the auth service");
    }
    LOG(WARNING) << "ValidateToken failed: code " << status.error_code() << ": "
                 << status.error_message();
    return absl::UnavailableError("cannot confirm the session with the auth service");
  }
  // Both sides read the same signed claims; a disagreement is a bug somewhere, and the
  // caller must not get the benefit of the doubt.
  if (response.user_id() != user.user_id || response.session_id() != user.session_id) {
    LOG(ERROR) << "ValidateToken disagrees with the token's claims (user " << user.user_id << " vs "
               << response.user_id() << ")";
    return absl::UnauthenticatedError("access token refused by the auth service");
  }
  return absl::OkStatus();
}

}  // namespace auth::authn
