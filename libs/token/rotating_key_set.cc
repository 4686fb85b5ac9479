// RotatingKeySet: the publish delay and the retirement of replaced signing keys.
#include "libs/token/rotating_key_set.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"

namespace auth::token {
namespace {

// Whether two keys with one kid are the same key. Ed25519 compares public halves; an HS256
// secret is never exposed, but HMAC is deterministic, so equal secrets sign alike.
bool SameKey(const Key& a, const Key& b) {
  if (a.algorithm() != b.algorithm()) return false;
  if (a.algorithm() == Algorithm::kEdDSA) {
    absl::StatusOr<std::string> a_public = a.PublicKeyBytes();
    absl::StatusOr<std::string> b_public = b.PublicKeyBytes();
    return a_public.ok() && b_public.ok() && *a_public == *b_public;
  }
  constexpr absl::string_view kProbe = "same key?";
  absl::StatusOr<std::string> a_mac = a.Sign(kProbe);
  absl::StatusOr<std::string> b_mac = b.Sign(kProbe);
  return a_mac.ok() && b_mac.ok() && *a_mac == *b_mac;
}

}  // namespace

RotatingKeySet::RotatingKeySet(KeySet initial, RotatingKeySetOptions options)
    : options_(std::move(options)), loaded_(std::move(initial)) {
  CHECK(loaded_.signing_key() != nullptr) << "RotatingKeySet needs a set with a signing key";
  signer_ = *loaded_.signing_key();
  RebuildLocked();
}

absl::Time RotatingKeySet::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

absl::Status RotatingKeySet::Reload(KeySet loaded, absl::flat_hash_set<std::string> revoked_kids) {
  if (loaded.signing_key() == nullptr) {
    return absl::InvalidArgumentError("the reloaded key set has no signing key");
  }
  if (revoked_kids.contains(loaded.signing_key()->kid())) {
    return absl::InvalidArgumentError(
        absl::StrCat("the signing key ", loaded.signing_key()->kid(),
                     " is revoked; install a new key before revoking the one in force"));
  }
  const absl::Time now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  // A kid in force must keep naming the same key, wherever it appears in the new set.
  for (const Key& key : loaded.keys()) {
    const Key* in_force = snapshot_->Find(key.kid());
    if (in_force != nullptr && !SameKey(*in_force, key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key id ", key.kid(),
                       " now names a different key; a new key needs a new kid (an empty "
                       "--token_key_id takes the key's thumbprint)"));
    }
  }
  const Key& new_signer = *loaded.signing_key();
  if (revoked_kids.contains(signer_->kid())) {
    // A compromised key must not sign one more token: no publish delay for its successor.
    LOG(WARNING) << "JWT key " << signer_->kid() << " revoked: dropped at once; key "
                 << new_signer.kid() << " signs from now on";
    signer_ = new_signer;
    pending_.reset();
  } else if (new_signer.kid() == signer_->kid()) {
    pending_.reset();  // a reload back to the key signing now cancels a pending one
  } else if (!pending_.has_value() || pending_->kid() != new_signer.kid()) {
    pending_ = new_signer;
    pending_since_ = now;
    LOG(INFO) << "JWT key " << new_signer.kid() << " published; it signs after "
              << options_.publish_delay << " (key " << signer_->kid() << " signs until then)";
  }
  const auto revoked = [&revoked_kids](const Retired& retired) {
    return revoked_kids.contains(retired.key.kid());
  };
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(), revoked), retired_.end());
  revoked_ = std::move(revoked_kids);
  loaded_ = std::move(loaded);
  RebuildLocked();
  AdvanceLocked(now);  // a zero delay promotes at once
  return absl::OkStatus();
}

std::shared_ptr<const KeySet> RotatingKeySet::Current() const {
  const absl::Time now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  return snapshot_;
}

std::optional<std::string> RotatingKeySet::PendingKid() const {
  const absl::Time now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  if (!pending_.has_value()) return std::nullopt;
  return pending_->kid();
}

void RotatingKeySet::AdvanceLocked(absl::Time now) const {
  bool changed = false;
  if (pending_.has_value() && now >= pending_since_ + options_.publish_delay) {
    LOG(INFO) << "JWT key " << pending_->kid() << " signs from now on; key " << signer_->kid()
              << " is still accepted for " << options_.retired_key_lifetime;
    retired_.push_back(Retired{*std::move(signer_), now + options_.retired_key_lifetime});
    signer_ = *std::move(pending_);
    pending_.reset();
    changed = true;
  }
  const auto past = [now](const Retired& retired) { return now >= retired.accepted_until; };
  const std::size_t before = retired_.size();
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(), past), retired_.end());
  changed = changed || retired_.size() != before;
  if (changed) RebuildLocked();
}

void RotatingKeySet::RebuildLocked() const {
  // The signer first, then every other key of the loaded set (the pending signer among them),
  // then the retired ones; a kid appears once.
  absl::flat_hash_set<std::string> kids = {signer_->kid()};
  std::vector<Key> verify_only;
  for (const Key& key : loaded_.keys()) {
    if (revoked_.contains(key.kid())) continue;
    if (kids.insert(key.kid()).second) verify_only.push_back(key);
  }
  for (const Retired& retired : retired_) {
    if (kids.insert(retired.key.kid()).second) verify_only.push_back(retired.key);
  }
  absl::StatusOr<KeySet> snapshot = KeySet::Create(*signer_, std::move(verify_only));
  CHECK(snapshot.ok()) << snapshot.status();  // kids are distinct and the signer signs
  snapshot_ = std::make_shared<const KeySet>(*std::move(snapshot));
}

}  // namespace auth::token
