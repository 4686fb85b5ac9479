// JwtAuthenticator: the Authenticator that verifies the auth service's JWTs locally, with the
// public keys it publishes (JwksKeySource), and optionally asks it whether the session is
// still open.
//
//   auto stub = auth::v1::AuthService::NewStub(channel);
//   JwksKeySource keys(stub.get(), {});
//   JwtAuthenticatorOptions options;  // issuer/audience: auth_server's defaults
//   JwtAuthenticator authenticator(&keys, stub.get(), options);
//   absl::StatusOr<AuthenticatedUser> user = authenticator.Authenticate(*server_context);
//
// Local verification (signature, issuer, audience, validity period) costs no network call. It
// cannot see a logout, though: a revoked token stays valid to it until it expires (15 minutes
// by default). With `confirm_not_revoked` every call that passed local verification is also
// confirmed with the auth service's ValidateToken, which knows about revocation; a forged
// token never reaches the auth service.
#ifndef LIBS_AUTHN_JWT_AUTHENTICATOR_H_
#define LIBS_AUTHN_JWT_AUTHENTICATOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "libs/authn/authenticator.h"
#include "libs/authn/credentials.h"
#include "libs/authn/jwks_key_source.h"
#include "libs/token/jwt.h"

namespace auth::authn {

struct JwtAuthenticatorOptions {
  // Must match the auth service's --token_issuer / --token_audience.
  std::string issuer = "auth-service";
  std::string audience = "auth-service-clients";
  // Tolerated clock skew between the auth service and us.
  absl::Duration leeway = absl::Seconds(30);
  // Also ask the auth service (ValidateToken) whether the session was revoked.
  bool confirm_not_revoked = true;
  // Deadline of one ValidateToken call.
  absl::Duration validate_timeout = absl::Seconds(2);
  // The current time for token expiry; tests inject a fake one. Empty means absl::Now.
  auth::token::Clock clock;
  // Bearer only by default. A service that also takes the browser's access-token cookie sets
  // token_sources.cookie (and the cookie's name under a --cookie_prefix) and registers the
  // origin check (origin_check.h), which drops the cookie of calls from other origins.
  AccessTokenSources token_sources;
};

class JwtAuthenticator : public Authenticator {
 public:
  // `keys` and `stub` must outlive this object; `stub` is only used when confirming.
  JwtAuthenticator(JwksKeySource* keys, auth::v1::AuthService::StubInterface* stub,
                   JwtAuthenticatorOptions options);

  using Authenticator::Authenticate;
  absl::StatusOr<AuthenticatedUser> Authenticate(const ClientMetadata& metadata) const override;

  // The same for a token already taken out of its header.
  absl::StatusOr<AuthenticatedUser> AuthenticateToken(absl::string_view token) const;

 private:
  // Asks the auth service whether `user`'s session is still open.
  absl::Status ConfirmNotRevoked(absl::string_view token, const AuthenticatedUser& user) const;

  JwksKeySource* const keys_;
  auth::v1::AuthService::StubInterface* const stub_;
  const JwtAuthenticatorOptions options_;
  auth::token::JwtVerifierOptions verifier_options_;
};

}  // namespace auth::authn

#endif  // LIBS_AUTHN_JWT_AUTHENTICATOR_H_
