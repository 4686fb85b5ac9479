#include "libs/authn/jwks_key_source.h"

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "libs/token/key.h"
#include "nlohmann/json.hpp"

namespace auth::authn {
namespace {

using ::auth::token::Key;
using ::auth::token::KeySet;

// A JWKS is {"keys":[{...}]}; anything nested deeper is not one.
constexpr int kMaxJsonDepth = 4;
constexpr std::size_t kEd25519PublicKeyBytes = 32;

absl::Status Invalid(size_t index, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("JWKS key ", index, ": ", problem));
}

// Parses `text`, refusing what nlohmann would silently accept: duplicate member names (it
// keeps the last one, so two readers could disagree about a key) and deep nesting.
absl::StatusOr<nlohmann::json> ParseStrictJson(absl::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  bool too_deep = false;
  nlohmann::json::parser_callback_t callback = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    if (depth > kMaxJsonDepth) too_deep = true;
    switch (event) {
      case nlohmann::json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case nlohmann::json::parse_event_t::key:
        if (!open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      case nlohmann::json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json document = nlohmann::json::parse(text.begin(), text.end(), callback,
                                                  /*allow_exceptions=*/false);
  if (document.is_discarded()) return absl::InvalidArgumentError("JWKS is not valid JSON");
  if (duplicate) return absl::InvalidArgumentError("JWKS has duplicate member names");
  if (too_deep) return absl::InvalidArgumentError("JWKS is nested too deeply");
  return document;
}

// The string member `name` of `object`, or nullptr if it is absent; kInvalidArgument if it is
// present but not a string.
absl::StatusOr<const std::string*> StringMember(const nlohmann::json& object, const char* name,
                                                size_t index) {
  auto it = object.find(name);
  if (it == object.end()) return nullptr;
  if (!it->is_string()) return Invalid(index, absl::StrCat("\"", name, "\" must be a string"));
  return it->get_ptr<const std::string*>();
}

absl::StatusOr<Key> ParseKey(const nlohmann::json& jwk, size_t index) {
  if (!jwk.is_object()) return Invalid(index, "not an object");
  static const std::set<std::string>* const kKnownMembers =
      new std::set<std::string>{"kty", "crv", "x", "kid", "alg", "use"};
  for (const auto& member : jwk.items()) {
    if (member.key() == "d") return Invalid(index, "carries a private key (\"d\")");
    if (kKnownMembers->count(member.key()) == 0) return Invalid(index, "unexpected member");
  }
  absl::StatusOr<const std::string*> kty = StringMember(jwk, "kty", index);
  absl::StatusOr<const std::string*> crv = StringMember(jwk, "crv", index);
  absl::StatusOr<const std::string*> x = StringMember(jwk, "x", index);
  absl::StatusOr<const std::string*> kid = StringMember(jwk, "kid", index);
  absl::StatusOr<const std::string*> alg = StringMember(jwk, "alg", index);
  absl::StatusOr<const std::string*> use = StringMember(jwk, "use", index);
  for (const auto* member : {&kty, &crv, &x, &kid, &alg, &use}) {
    if (!member->ok()) return member->status();
  }
  if (*kty == nullptr || **kty != "OKP") return Invalid(index, "kty must be \"OKP\"");
  if (*crv == nullptr || **crv != "Ed25519") return Invalid(index, "crv must be \"Ed25519\"");
  if (*alg != nullptr && **alg != "EdDSA") return Invalid(index, "alg must be \"EdDSA\"");
  if (*use != nullptr && **use != "sig") return Invalid(index, "use must be \"sig\"");
  if (*kid == nullptr || (*kid)->empty()) return Invalid(index, "kid is required");
  if (*x == nullptr) return Invalid(index, "x is required");
  // abseil's decoder is lenient (padding, whitespace, stray trailing bits); a key has exactly
  // one spelling, which re-encoding the decoded bytes must reproduce.
  std::string public_key;
  if (!absl::WebSafeBase64Unescape(**x, &public_key) ||
      absl::WebSafeBase64Escape(public_key) != **x || public_key.size() != kEd25519PublicKeyBytes) {
    return Invalid(index, "x is not 32 bytes of canonical base64url");
  }
  absl::StatusOr<Key> key = Key::Ed25519FromPublicBytes(**kid, public_key);
  if (!key.ok()) return Invalid(index, key.status().message());
  return key;
}

}  // namespace

absl::StatusOr<KeySet> ParseJwks(absl::string_view jwks_json) {
  if (jwks_json.size() > kMaxJwksBytes) return absl::InvalidArgumentError("JWKS too large");
  absl::StatusOr<nlohmann::json> document = ParseStrictJson(jwks_json);
  if (!document.ok()) return document.status();
  if (!document->is_object() || document->size() != 1 || !document->contains("keys") ||
      !(*document)["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS must be an object with one member, \"keys\": [...]");
  }
  const nlohmann::json& jwks = (*document)["keys"];
  if (jwks.empty()) return absl::InvalidArgumentError("JWKS has no keys");
  std::vector<Key> keys;
  std::set<std::string> kids;
  for (size_t i = 0; i < jwks.size(); ++i) {
    absl::StatusOr<Key> key = ParseKey(jwks[i], i);
    if (!key.ok()) return key.status();
    if (!kids.insert(key->kid()).second) return Invalid(i, "duplicate kid");
    keys.push_back(*std::move(key));
  }
  return KeySet::Create(std::nullopt, std::move(keys));
}

JwksKeySource::JwksKeySource(auth::v1::AuthService::StubInterface* stub,
                             JwksKeySourceOptions options)
    : stub_(stub), options_(std::move(options)) {}

absl::Time JwksKeySource::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

bool JwksKeySource::Fresh(const std::shared_ptr<const KeySet>& keys, absl::string_view kid,
                          absl::Time now) const {
  return keys != nullptr && now - fetched_at_ < options_.max_age && keys->Find(kid) != nullptr;
}

absl::StatusOr<std::shared_ptr<const KeySet>> JwksKeySource::KeysFor(absl::string_view kid) {
  bool kid_known = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Fresh(keys_, kid, Now())) return keys_;
    kid_known = keys_ != nullptr && keys_->Find(kid) != nullptr;
  }
  std::unique_lock<std::mutex> fetch_lock(fetch_mu_, std::defer_lock);
  if (kid_known) {
    // Merely stale: if another thread is already refreshing, the keys we have will do.
    if (!fetch_lock.try_lock()) {
      std::lock_guard<std::mutex> lock(mu_);
      return keys_;
    }
  } else {
    // Wait for a fetch in flight: it may well bring the kid we are missing.
    fetch_lock.lock();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = Now();
    if (Fresh(keys_, kid, now)) return keys_;
    const bool rate_limited =
        last_attempt_.has_value() && now < *last_attempt_ + options_.min_refetch_interval;
    if (rate_limited) {
      if (keys_ != nullptr) return keys_;
      return absl::UnavailableError("token keys not available yet (GetJwks failed recently)");
    }
    last_attempt_ = now;
  }
  absl::Status fetched = FetchAndInstall();
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("token keys not available: ", fetched.message()));
  }
  return keys_;
}

absl::Status JwksKeySource::Refresh() {
  std::lock_guard<std::mutex> fetch_lock(fetch_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_attempt_ = Now();
  }
  return FetchAndInstall();
}

absl::Status JwksKeySource::FetchAndInstall() {
  grpc::ClientContext context;
  // Deadlines are real time whatever clock the cache runs on.
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.fetch_timeout));
  auth::v1::GetJwksRequest request;
  auth::v1::GetJwksResponse response;
  const grpc::Status status = stub_->GetJwks(&context, request, &response);
  if (!status.ok()) {
    LOG(WARNING) << "GetJwks failed: code " << status.error_code() << ": "
                 << status.error_message();
    return absl::UnavailableError("cannot fetch the auth service's token keys");
  }
  absl::StatusOr<KeySet> parsed = ParseJwks(response.jwks_json());
  if (!parsed.ok()) {
    LOG(ERROR) << "the auth service sent an unusable JWKS, keeping the old keys: "
               << parsed.status();
    return absl::UnavailableError("the auth service's token keys are unusable");
  }
  auto keys = std::make_shared<const KeySet>(*std::move(parsed));
  std::lock_guard<std::mutex> lock(mu_);
  LOG(INFO) << "token keys refreshed: " << keys->keys().size() << " key(s)";
  keys_ = std::move(keys);
  fetched_at_ = Now();
  return absl::OkStatus();
}

}  // namespace auth::authn
