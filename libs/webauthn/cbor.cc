#include "libs/webauthn/cbor.h"

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace auth::webauthn {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("CBOR: ", what));
}

// A first pass over the input with libcbor's streaming decoder, one header at a time, before
// cbor_load builds a tree: cbor_load would allocate a declared array or map length up front (a
// five-byte header could ask for gigabytes) and accepts indefinite lengths, tags and floats.
// Here every declared length is checked against the bytes left, and the shape is tracked so the
// pass ends where the first complete item does.
class StructureCheck {
 public:
  explicit StructureCheck(size_t input_size) : input_size_(input_size) {}

  absl::StatusOr<size_t> Run(const unsigned char* data) {
    cbor_callbacks callbacks = cbor_empty_callbacks;
    callbacks.uint8 = [](void* self, uint8_t) { Leaf(self); };
    callbacks.uint16 = [](void* self, uint16_t) { Leaf(self); };
    callbacks.uint32 = [](void* self, uint32_t) { Leaf(self); };
    callbacks.uint64 = [](void* self, uint64_t) { Leaf(self); };
    callbacks.negint8 = [](void* self, uint8_t) { Leaf(self); };
    callbacks.negint16 = [](void* self, uint16_t) { Leaf(self); };
    callbacks.negint32 = [](void* self, uint32_t) { Leaf(self); };
    callbacks.negint64 = [](void* self, uint64_t) { Leaf(self); };
    callbacks.byte_string = [](void* self, cbor_data, size_t) { Leaf(self); };
    callbacks.string = [](void* self, cbor_data, size_t) { Leaf(self); };
    callbacks.boolean = [](void* self, bool) { Leaf(self); };
    callbacks.null = [](void* self) { Leaf(self); };
    callbacks.array_start = [](void* self, size_t n) { Get(self)->Container(n, 1); };
    callbacks.map_start = [](void* self, size_t n) { Get(self)->Container(n, 2); };
    callbacks.byte_string_start = [](void* self) {
      Get(self)->Fail("indefinite-length byte string");
    };
    callbacks.string_start = [](void* self) { Get(self)->Fail("indefinite-length text string"); };
    callbacks.indef_array_start = [](void* self) { Get(self)->Fail("indefinite-length array"); };
    callbacks.indef_map_start = [](void* self) { Get(self)->Fail("indefinite-length map"); };
    callbacks.indef_break = [](void* self) { Get(self)->Fail("unexpected break"); };
    callbacks.tag = [](void* self, uint64_t) { Get(self)->Fail("tags are not accepted"); };
    callbacks.float2 = [](void* self, float) { Get(self)->Fail("floats are not accepted"); };
    callbacks.float4 = [](void* self, float) { Get(self)->Fail("floats are not accepted"); };
    callbacks.float8 = [](void* self, double) { Get(self)->Fail("floats are not accepted"); };
    callbacks.undefined = [](void* self) { Get(self)->Fail("undefined is not accepted"); };

    size_t offset = 0;
    while (!complete_) {
      if (offset >= input_size_) return Invalid("truncated item");
      headers_seen_ = false;
      const cbor_decoder_result result =
          cbor_stream_decode(data + offset, input_size_ - offset, &callbacks, this);
      if (result.status == CBOR_DECODER_NEDATA) return Invalid("truncated item");
      if (result.status != CBOR_DECODER_FINISHED || result.read == 0) return Invalid("malformed");
      if (!error_.empty()) return Invalid(error_);
      // A simple value libcbor decodes without a callback would otherwise slip through.
      if (!headers_seen_) return Invalid("unsupported simple value");
      offset += result.read;
    }
    return offset;
  }

 private:
  static StructureCheck* Get(void* self) { return static_cast<StructureCheck*>(self); }
  static void Leaf(void* self) { Get(self)->Enter(0); }

  void Fail(absl::string_view what) {
    headers_seen_ = true;
    if (error_.empty()) error_ = std::string(what);
  }

  void Container(size_t declared, uint64_t items_per_entry) {
    // Each child takes at least one byte, so more children than input bytes cannot be real.
    if (declared > input_size_ / items_per_entry) return Fail("length exceeds the input");
    Enter(static_cast<uint64_t>(declared) * items_per_entry);
  }

  // One item begins; `children` items nested in it follow.
  void Enter(uint64_t children) {
    headers_seen_ = true;
    if (!open_.empty()) --open_.back();
    if (children > 0) {
      if (open_.size() >= static_cast<size_t>(kMaxCborDepth)) return Fail("nesting too deep");
      open_.push_back(children);
      return;
    }
    while (!open_.empty() && open_.back() == 0) open_.pop_back();
    if (open_.empty()) complete_ = true;
  }

  const size_t input_size_;
  std::vector<uint64_t> open_;  // per open container, the items still to come
  bool complete_ = false;
  bool headers_seen_ = false;
  std::string error_;
};

// What cbor_load built, checked again: map keys are integers or text, each at most once; the
// only simple values are true, false and null.
absl::Status CheckTree(const cbor_item_t* item) {
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_ARRAY: {
      cbor_item_t** children = cbor_array_handle(item);
      for (size_t i = 0; i < cbor_array_size(item); ++i) {
        if (absl::Status s = CheckTree(children[i]); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case CBOR_TYPE_MAP: {
      std::set<int64_t> int_keys;
      std::set<std::string> text_keys;
      cbor_pair* pairs = cbor_map_handle(item);
      for (size_t i = 0; i < cbor_map_size(item); ++i) {
        const cbor_item_t* key = pairs[i].key;
        bool fresh = false;
        if (cbor_isa_uint(key) || cbor_isa_negint(key)) {
          absl::StatusOr<int64_t> value = CborInt(key);
          if (!value.ok()) return Invalid("map key out of range");
          fresh = int_keys.insert(*value).second;
        } else if (cbor_isa_string(key)) {
          absl::StatusOr<std::string> value = CborText(key);
          if (!value.ok()) return value.status();
          fresh = text_keys.insert(*std::move(value)).second;
        } else {
          return Invalid("map keys must be integers or text");
        }
        if (!fresh) return Invalid("duplicate map key");
        if (absl::Status s = CheckTree(pairs[i].value); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    case CBOR_TYPE_FLOAT_CTRL:
      if (cbor_is_bool(item) || cbor_is_null(item)) return absl::OkStatus();
      return Invalid("unsupported simple value");
    case CBOR_TYPE_UINT:
    case CBOR_TYPE_NEGINT:
    case CBOR_TYPE_BYTESTRING:
    case CBOR_TYPE_STRING:
      return absl::OkStatus();
    default:
      return Invalid("unsupported item");
  }
}

}  // namespace

void CborItemDeleter::operator()(cbor_item_t* item) const {
  cbor_item_t* owned = item;
  cbor_decref(&owned);
}

absl::StatusOr<CborPrefix> DecodeCborPrefix(absl::string_view bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return Invalid(absl::StrCat("input of ", bytes.size(), " bytes exceeds ", max_bytes));
  }
  if (bytes.empty()) return Invalid("empty input");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  absl::StatusOr<size_t> item_size = StructureCheck(bytes.size()).Run(data);
  if (!item_size.ok()) return item_size.status();

  cbor_load_result result{};
  CborItem item(cbor_load(data, *item_size, &result));
  if (item == nullptr || result.error.code != CBOR_ERR_NONE || result.read != *item_size) {
    return Invalid("malformed");
  }
  if (absl::Status s = CheckTree(item.get()); !s.ok()) return s;
  return CborPrefix{std::move(item), *item_size};
}

absl::StatusOr<CborItem> DecodeCbor(absl::string_view bytes, size_t max_bytes) {
  absl::StatusOr<CborPrefix> prefix = DecodeCborPrefix(bytes, max_bytes);
  if (!prefix.ok()) return prefix.status();
  if (prefix->bytes_read != bytes.size()) return Invalid("trailing bytes after the item");
  return std::move(prefix->item);
}

absl::StatusOr<const cbor_item_t*> MapFindInt(const cbor_item_t* map, int64_t key) {
  if (!cbor_isa_map(map)) return Invalid("expected a map");
  cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    if (!cbor_isa_uint(pairs[i].key) && !cbor_isa_negint(pairs[i].key)) continue;
    absl::StatusOr<int64_t> value = CborInt(pairs[i].key);
    if (value.ok() && *value == key) return pairs[i].value;
  }
  return nullptr;
}

absl::StatusOr<const cbor_item_t*> MapFindText(const cbor_item_t* map, absl::string_view key) {
  if (!cbor_isa_map(map)) return Invalid("expected a map");
  cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    if (!cbor_isa_string(pairs[i].key)) continue;
    absl::StatusOr<std::string> value = CborText(pairs[i].key);
    if (value.ok() && *value == key) return pairs[i].value;
  }
  return nullptr;
}

absl::StatusOr<int64_t> CborInt(const cbor_item_t* item) {
  if (!cbor_isa_uint(item) && !cbor_isa_negint(item)) return Invalid("expected an integer");
  const uint64_t magnitude = cbor_get_int(item);
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Invalid("integer out of range");
  }
  const auto value = static_cast<int64_t>(magnitude);
  // Major type 1 encodes -1 - n.
  return cbor_isa_uint(item) ? value : -1 - value;
}

absl::StatusOr<std::string> CborBytes(const cbor_item_t* item) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return Invalid("expected a byte string");
  }
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                     cbor_bytestring_length(item));
}

absl::StatusOr<std::string> CborText(const cbor_item_t* item) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return Invalid("expected a text string");
  }
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

}  // namespace auth::webauthn
