// JwtIssuer and JwtVerifier. The order of checks in Verify() matters: nothing in the payload is
// parsed before the signature over it has been checked with a key we chose by kid.
#include "libs/token/jwt.h"

#include <openssl/rand.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/token/internal/base64url.h"
#include "libs/token/internal/compact_jws.h"
#include "libs/token/internal/strict_json.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "libs/token/token.h"
#include "nlohmann/json.hpp"

namespace auth::token {
namespace {

using Json = nlohmann::json;

constexpr int kJwtIdBytes = 16;  // 128 random bits

absl::Time Now(const Clock& clock) { return clock ? clock() : absl::Now(); }

absl::Status Reject(absl::string_view check) {
  return absl::UnauthenticatedError(absl::StrCat("token rejected: ", check));
}

absl::StatusOr<std::string> RandomJwtId() {
  uint8_t bytes[kJwtIdBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("random number generator failed");
  }
  return internal::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

// A required claim that must be a non-empty JSON string.
absl::StatusOr<std::string> StringClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return Reject(absl::StrCat("missing claim ", name));
  if (!it->is_string()) return Reject(absl::StrCat("claim ", name, " is not a string"));
  std::string value = it->get<std::string>();
  if (value.empty()) return Reject(absl::StrCat("claim ", name, " is empty"));
  return value;
}

// Whether `amr` keeps TokenClaims' bounds: few values, each a short lowercase word.
bool AmrWithinBounds(const std::vector<std::string>& amr) {
  if (amr.size() > kMaxAmrValues) return false;
  for (const std::string& value : amr) {
    if (value.empty() || value.size() > kMaxAmrValueLength) return false;
    for (char c : value) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
  }
  return true;
}

// The optional amr claim: absent, or an array of values within AmrWithinBounds().
absl::StatusOr<std::vector<std::string>> AmrClaim(const Json& claims) {
  auto it = claims.find("amr");
  if (it == claims.end()) return std::vector<std::string>();
  if (!it->is_array() || it->size() > kMaxAmrValues) return Reject("claim amr is malformed");
  std::vector<std::string> amr;
  for (const Json& value : *it) {
    if (!value.is_string()) return Reject("claim amr is malformed");
    amr.push_back(value.get<std::string>());
  }
  if (!AmrWithinBounds(amr)) return Reject("claim amr is malformed");
  return amr;
}

// A required NumericDate claim. We only issue whole seconds, so fractions are rejected too.
absl::StatusOr<absl::Time> TimeClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return Reject(absl::StrCat("missing claim ", name));
  if (it->is_number_unsigned()) {
    if (it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Reject(absl::StrCat("claim ", name, " is out of range"));
    }
  } else if (!it->is_number_integer()) {
    return Reject(absl::StrCat("claim ", name, " is not an integer NumericDate"));
  }
  return absl::FromUnixSeconds(it->get<int64_t>());
}

}  // namespace

JwtIssuer::JwtIssuer(KeySet keys, JwtOptions options)
    : JwtIssuer(std::make_shared<FixedKeySetSource>(std::move(keys)), std::move(options)) {
  CHECK(keys_->Current()->signing_key() != nullptr)
      << "JwtIssuer needs a key set with a signing key";
}

JwtIssuer::JwtIssuer(std::shared_ptr<const KeySetSource> keys, JwtOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {
  CHECK_GE(options_.lifetime, absl::Seconds(1)) << "JWT lifetime must be at least one second";
  options_.lifetime = absl::Trunc(options_.lifetime, absl::Seconds(1));
}

absl::StatusOr<IssuedToken> JwtIssuer::Issue(absl::string_view subject,
                                             const std::vector<std::string>& amr) const {
  if (subject.empty()) return absl::InvalidArgumentError("subject is empty");
  if (!AmrWithinBounds(amr)) return absl::InvalidArgumentError("amr values out of bounds");
  const std::shared_ptr<const KeySet> keys = keys_->Current();
  if (keys->signing_key() == nullptr) {
    return absl::FailedPreconditionError("no signing key: the key set can only verify");
  }
  const Key& key = *keys->signing_key();
  absl::StatusOr<std::string> jwt_id = RandomJwtId();
  if (!jwt_id.ok()) return jwt_id.status();

  IssuedToken issued;
  TokenClaims& claims = issued.claims;
  claims.issuer = options_.issuer;
  claims.audience = options_.audience;
  claims.subject = std::string(subject);
  claims.jwt_id = *std::move(jwt_id);
  // Whole seconds, so the claims returned here equal what Verify() will read back.
  claims.issued_at = absl::FromUnixSeconds(absl::ToUnixSeconds(Now(options_.clock)));
  claims.not_before = claims.issued_at;
  claims.expires_at = claims.issued_at + options_.lifetime;
  claims.key_id = key.kid();
  claims.amr = amr;

  std::string header_json;
  std::string payload_json;
  try {
    Json header;
    header["alg"] = std::string(AlgorithmName(key.algorithm()));
    header["kid"] = key.kid();
    header["typ"] = "JWT";
    header_json = header.dump();
    Json payload{{"iss", claims.issuer},
                 {"aud", claims.audience},
                 {"sub", claims.subject},
                 {"iat", absl::ToUnixSeconds(claims.issued_at)},
                 {"nbf", absl::ToUnixSeconds(claims.not_before)},
                 {"exp", absl::ToUnixSeconds(claims.expires_at)},
                 {"jti", claims.jwt_id}};
    if (!amr.empty()) payload["amr"] = amr;
    payload_json = payload.dump();
  } catch (const Json::type_error&) {
    // dump() throws on strings that are not valid UTF-8.
    return absl::InvalidArgumentError("subject, issuer or audience is not valid UTF-8");
  }
  std::string signing_input = internal::MakeSigningInput(header_json, payload_json);
  absl::StatusOr<std::string> signature = key.Sign(signing_input);
  if (!signature.ok()) return signature.status();
  issued.token = internal::AppendSignature(signing_input, *signature);
  return issued;
}

JwtVerifier::JwtVerifier(KeySet keys, JwtVerifierOptions options)
    : JwtVerifier(std::make_shared<FixedKeySetSource>(std::move(keys)), std::move(options)) {}

JwtVerifier::JwtVerifier(std::shared_ptr<const KeySetSource> keys, JwtVerifierOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {}

absl::StatusOr<TokenClaims> JwtVerifier::Verify(absl::string_view token) const {
  if (token.size() > options_.max_token_bytes) return Reject("token is too large");
  absl::StatusOr<internal::CompactJws> jws = internal::ParseCompactJws(token);
  if (!jws.ok()) return Reject(jws.status().message());

  // The header only selects a key; the key alone decides the algorithm.
  const Json& header = jws->header;
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Reject("header alg is missing");
  if (*alg == "none") return Reject("unsigned tokens (alg none) are not accepted");
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) return Reject("header kid is missing");
  const std::shared_ptr<const KeySet> keys = keys_->Current();
  const Key* key = keys->Find(kid->get<std::string>());
  if (key == nullptr) return Reject("unknown kid");
  if (alg->get<std::string>() != AlgorithmName(key->algorithm())) {
    return Reject("header alg does not match the key's algorithm");
  }
  if (auto typ = header.find("typ"); typ != header.end() && *typ != "JWT") {
    return Reject("header typ is not JWT");
  }
  // RFC 7515 section 4.1.11: we understand no extensions, so any "crit" must be refused.
  if (header.contains("crit")) return Reject("header crit is not supported");
  if (!key->Verify(jws->signing_input, jws->signature)) return Reject("bad signature");

  absl::StatusOr<Json> claims = internal::ParseStrictJsonObject(jws->payload);
  if (!claims.ok())
    return Reject(absl::StrCat("claims rejected (", claims.status().message(), ")"));

  TokenClaims result;
  result.key_id = key->kid();
  absl::StatusOr<std::string> issuer = StringClaim(*claims, "iss");
  if (!issuer.ok()) return issuer.status();
  absl::StatusOr<std::string> audience = StringClaim(*claims, "aud");
  if (!audience.ok()) return audience.status();
  absl::StatusOr<std::string> subject = StringClaim(*claims, "sub");
  if (!subject.ok()) return subject.status();
  absl::StatusOr<std::string> jwt_id = StringClaim(*claims, "jti");
  if (!jwt_id.ok()) return jwt_id.status();
  absl::StatusOr<absl::Time> issued_at = TimeClaim(*claims, "iat");
  if (!issued_at.ok()) return issued_at.status();
  absl::StatusOr<std::vector<std::string>> amr = AmrClaim(*claims);
  if (!amr.ok()) return amr.status();
  absl::StatusOr<absl::Time> not_before = TimeClaim(*claims, "nbf");
  if (!not_before.ok()) return not_before.status();
  absl::StatusOr<absl::Time> expires_at = TimeClaim(*claims, "exp");
  if (!expires_at.ok()) return expires_at.status();

  if (*issuer != options_.issuer) return Reject("wrong issuer");
  if (*audience != options_.audience) return Reject("wrong audience");
  absl::Time now = Now(options_.clock);
  if (now >= *expires_at + options_.leeway) return Reject("token expired (exp)");
  if (*not_before > now + options_.leeway) return Reject("token not yet valid (nbf)");
  if (*issued_at > now + options_.leeway) return Reject("token issued in the future (iat)");

  result.issuer = *std::move(issuer);
  result.audience = *std::move(audience);
  result.subject = *std::move(subject);
  result.jwt_id = *std::move(jwt_id);
  result.issued_at = *issued_at;
  result.not_before = *not_before;
  result.expires_at = *expires_at;
  result.amr = *std::move(amr);
  return result;
}

}  // namespace auth::token
