// Strict CBOR (RFC 8949) decoding through libcbor for the WebAuthn structures: attestation
// objects, COSE keys and authenticator extensions. Everything an authenticator sends is
// untrusted, so the decoder accepts only the plain subset WebAuthn uses and refuses the rest:
//
//   absl::StatusOr<CborItem> item = DecodeCbor(bytes, kMaxAttestationObjectBytes);
//   absl::StatusOr<const cbor_item_t*> fmt = MapFindText(item->get(), "fmt");
//
// Refused, each with kInvalidArgument: input over the caller's cap (checked before any
// decoding), malformed or truncated items, indefinite lengths, tags, floats and `undefined`,
// nesting deeper than kMaxCborDepth, map keys other than integers and text, duplicate map keys,
// and (DecodeCbor) trailing bytes. Messages never echo the input.
#ifndef LIBS_WEBAUTHN_CBOR_H_
#define LIBS_WEBAUTHN_CBOR_H_

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::webauthn {

// Deep enough for any WebAuthn structure (attestation object > attStmt > x5c array), shallow
// enough that a hostile input cannot make decoding expensive.
inline constexpr int kMaxCborDepth = 8;

struct CborItemDeleter {
  void operator()(cbor_item_t* item) const;
};
// An owned, decoded CBOR tree.
using CborItem = std::unique_ptr<cbor_item_t, CborItemDeleter>;

// One item and how many bytes of the input it took.
struct CborPrefix {
  CborItem item;
  size_t bytes_read = 0;
};

// Decodes exactly one item that spans all of `bytes` (at most `max_bytes`).
absl::StatusOr<CborItem> DecodeCbor(absl::string_view bytes, size_t max_bytes);

// Decodes the one item at the start of `bytes` (at most `max_bytes`) and says where it ends:
// authenticator data holds a COSE key followed by more CBOR, with no length in front of it.
absl::StatusOr<CborPrefix> DecodeCborPrefix(absl::string_view bytes, size_t max_bytes);

// The value under integer key `key` of `map`, or nullptr if absent; kInvalidArgument if `map`
// is not a map.
absl::StatusOr<const cbor_item_t*> MapFindInt(const cbor_item_t* map, int64_t key);
// The value under text key `key` of `map`, or nullptr if absent.
absl::StatusOr<const cbor_item_t*> MapFindText(const cbor_item_t* map, absl::string_view key);

// `item` as a signed integer (major types 0 and 1); kInvalidArgument otherwise or if it does
// not fit in int64_t.
absl::StatusOr<int64_t> CborInt(const cbor_item_t* item);
// `item`'s bytes if it is a byte string (major type 2).
absl::StatusOr<std::string> CborBytes(const cbor_item_t* item);
// `item`'s bytes if it is a text string (major type 3).
absl::StatusOr<std::string> CborText(const cbor_item_t* item);

}  // namespace auth::webauthn

#endif  // LIBS_WEBAUTHN_CBOR_H_
