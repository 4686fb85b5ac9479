// SessionIssuer; see session_issuer.h.
#include "services/auth/session/session_issuer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/authn/user_id.h"
#include "libs/crypto/random_token.h"
#include "libs/crypto/sha256.h"

namespace auth::service {

absl::StatusOr<IssuedSession> SessionIssuer::Issue(int64_t user_id,
                                                   absl::string_view client_address,
                                                   const std::vector<std::string>& amr) const {
  const absl::Time now = absl::Now();
  return IssueInFamily(user_id, /*family_id=*/"", /*family_started_at=*/now, now, client_address,
                       amr);
}

absl::StatusOr<IssuedSession> SessionIssuer::IssueSuccessor(
    const repository::RefreshToken& presented, absl::string_view client_address) const {
  const absl::Time now = absl::Now();
  if (now >= presented.family_started_at + family_lifetime_) {
    return absl::UnauthenticatedError("refresh token family ended: log in again");
  }
  return IssueInFamily(presented.user_id, presented.family_id, presented.family_started_at, now,
                       client_address, presented.amr);
}

absl::StatusOr<IssuedSession> SessionIssuer::IssueInFamily(
    int64_t user_id, absl::string_view family_id, absl::Time family_started_at, absl::Time now,
    absl::string_view client_address, const std::vector<std::string>& amr) const {
  if (!authn::IsApiUserId(user_id)) {
    LOG(ERROR) << "user id " << user_id << " does not fit the API's int32 user_id";
    return absl::InternalError("user id out of range");
  }
  absl::StatusOr<token::IssuedToken> access = issuer_.Issue(absl::StrCat(user_id), amr);
  if (!access.ok()) return access.status();
  absl::StatusOr<std::string> refresh = crypto::NewRandomToken();
  if (!refresh.ok()) return refresh.status();

  IssuedSession issued;
  repository::Session& session = issued.grant.session;
  session.jti = access->claims.jwt_id;
  session.user_id = user_id;
  session.expires_at = access->claims.expires_at;
  session.token_hash = crypto::Sha256Hex(access->token);
  session.client_address = std::string(client_address);
  repository::RefreshToken& refresh_row = issued.grant.refresh_token;
  refresh_row.token_hash = crypto::Sha256Hex(*refresh);
  refresh_row.family_id = family_id.empty() ? session.jti : std::string(family_id);
  refresh_row.family_started_at = family_started_at;
  refresh_row.session_jti = session.jti;
  refresh_row.user_id = user_id;
  refresh_row.amr = amr;
  refresh_row.expires_at =
      std::min(now + refresh_token_lifetime_, family_started_at + family_lifetime_);
  issued.access_token = std::move(access->token);
  issued.refresh_token = *std::move(refresh);
  return issued;
}

}  // namespace auth::service
