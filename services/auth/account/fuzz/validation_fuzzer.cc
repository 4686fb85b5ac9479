// Fuzzes the request validation that runs on every Register and Login before any other work.
//
// Input: one mode byte, then the body. Bit 0 picks Register or Login. Bit 1 picks how the body
// becomes a request: parsed as the binary protobuf (what arrives on the wire), or split at NUL
// bytes into the fields in declaration order (which reaches field contents much faster).
// Checks, beyond the sanitizers: every rejection is kInvalidArgument and never echoes the
// password; every acceptance is a fixed point (validating the normalised values again accepts
// them unchanged) and satisfies the documented rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "api/auth/v1/auth.pb.h"
#include "services/auth/account/validation.h"

namespace auth::service {
namespace {

// True if `s` has a byte no validation message contains (they are printable ASCII), so finding
// `s` in a message means it was echoed rather than matched by accident.
bool HasUnprintable(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isprint(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

void CheckRejection(const absl::Status& status, absl::string_view password) {
  if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (!password.empty() && HasUnprintable(password) &&
      absl::StrContains(status.message(), password)) {
    std::abort();
  }
}

void CheckRegister(const auth::v1::RegisterRequest& request) {
  absl::StatusOr<Registration> registration = ValidateRegisterRequest(request);
  if (!registration.ok()) {
    CheckRejection(registration.status(), request.password_hash());
    return;
  }
  if (registration->username != request.username()) std::abort();
  if (!ValidateUsername(registration->username).ok()) std::abort();
  if (!ValidatePassword(request.password_hash()).ok()) std::abort();
  if (registration->email != absl::AsciiStrToLower(request.email())) std::abort();
  absl::StatusOr<std::string> again = NormalizeEmail(registration->email);
  if (!again.ok() || *again != registration->email) std::abort();
  if (registration->phone_number.has_value()) {
    if (*registration->phone_number != request.phone_number()) std::abort();
    if (!ValidatePhoneNumber(*registration->phone_number).ok()) std::abort();
  } else if (!request.phone_number().empty()) {
    std::abort();
  }
}

void CheckLogin(const auth::v1::LoginRequest& request) {
  absl::StatusOr<LoginIdentity> identity = ValidateLoginRequest(request);
  if (!identity.ok()) {
    CheckRejection(identity.status(), request.password_hash());
    return;
  }
  if (!ValidatePassword(request.password_hash()).ok()) std::abort();
  switch (identity->kind) {
    case LoginIdentity::Kind::kEmail: {
      absl::StatusOr<std::string> again = NormalizeEmail(identity->value);
      if (!again.ok() || *again != identity->value) std::abort();
      if (identity->value != absl::AsciiStrToLower(request.email())) std::abort();
      break;
    }
    case LoginIdentity::Kind::kPhoneNumber:
      if (identity->value != request.phone_number()) std::abort();
      if (!ValidatePhoneNumber(identity->value).ok()) std::abort();
      break;
  }
}

// The i-th NUL-separated field of `body`, or "".
std::string Field(const std::vector<absl::string_view>& fields, size_t i) {
  return i < fields.size() ? std::string(fields[i]) : std::string();
}

}  // namespace
}  // namespace auth::service

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ::auth::service::Field;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool login = (mode & 1) != 0;
  const bool as_protobuf = (mode & 2) != 0;
  const std::vector<absl::string_view> fields = absl::StrSplit(body, '\0');
  if (!login) {
    auth::v1::RegisterRequest request;
    if (as_protobuf) {
      if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) return 0;
    } else {
      request.set_username(Field(fields, 0));
      request.set_email(Field(fields, 1));
      request.set_password_hash(Field(fields, 2));
      request.set_phone_number(Field(fields, 3));
    }
    auth::service::CheckRegister(request);
  } else {
    auth::v1::LoginRequest request;
    if (as_protobuf) {
      if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) return 0;
    } else {
      request.set_phone_number(Field(fields, 0));
      request.set_email(Field(fields, 1));
      request.set_password_hash(Field(fields, 2));
    }
    auth::service::CheckLogin(request);
  }
  return 0;
}
