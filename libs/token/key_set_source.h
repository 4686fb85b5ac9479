// KeySetSource: where JwtIssuer and JwtVerifier get their keys, asked on every call, so that a
// running process can rotate keys (RotatingKeySet) while a fixed set stays as cheap as before.
//
//   auto keys = std::make_shared<FixedKeySetSource>(*std::move(key_set));
//   JwtVerifier verifier(keys, verifier_options);
//   std::shared_ptr<const KeySet> now = keys->Current();  // signing key first, then the rest
#ifndef LIBS_TOKEN_KEY_SET_SOURCE_H_
#define LIBS_TOKEN_KEY_SET_SOURCE_H_

#include <memory>
#include <utility>

#include "libs/token/key_set.h"

namespace auth::token {

class KeySetSource {
 public:
  virtual ~KeySetSource() = default;

  // The keys in force now: the one that signs new tokens (if any) and every key a token may
  // name. Never null. A caller keeps the snapshot for one operation, not longer.
  virtual std::shared_ptr<const KeySet> Current() const = 0;
};

// A KeySetSource whose keys never change.
class FixedKeySetSource final : public KeySetSource {
 public:
  explicit FixedKeySetSource(KeySet keys)
      : keys_(std::make_shared<const KeySet>(std::move(keys))) {}

  std::shared_ptr<const KeySet> Current() const override { return keys_; }

 private:
  const std::shared_ptr<const KeySet> keys_;
};

}  // namespace auth::token

#endif  // LIBS_TOKEN_KEY_SET_SOURCE_H_
