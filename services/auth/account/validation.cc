#include "services/auth/account/validation.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace auth::service {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsUsernameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// The printable characters RFC 5322 allows in a dot-atom besides letters, digits and dots.
bool IsAtextSymbol(char c) {
  return absl::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != absl::string_view::npos;
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || IsAtextSymbol(c);
}

absl::Status ValidateLocalPart(absl::string_view local) {
  if (local.empty()) return Invalid("email", "missing the part before '@'");
  if (local.size() > kMaxEmailLocalPartBytes) {
    return Invalid("email", "the part before '@' is longer than 64 characters");
  }
  // dot-atom: atext runs separated by single dots.
  for (absl::string_view atom : absl::StrSplit(local, '.')) {
    if (atom.empty()) return Invalid("email", "dots must separate non-empty parts");
    for (char c : atom) {
      if (!IsAtext(c)) return Invalid("email", "contains a character not allowed in an address");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDomain(absl::string_view domain) {
  if (domain.empty()) return Invalid("email", "missing the domain after '@'");
  if (!absl::StrContains(domain, '.')) return Invalid("email", "the domain needs a dot");
  for (absl::string_view label : absl::StrSplit(domain, '.')) {
    if (label.empty() || label.size() > 63) {
      return Invalid("email", "the domain has an empty or over-long label");
    }
    if (label.front() == '-' || label.back() == '-') {
      return Invalid("email", "a domain label may not start or end with '-'");
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return Invalid("email", "the domain may only have letters, digits, '-' and '.'");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateUsername(absl::string_view username) {
  if (username.size() < kMinUsernameBytes || username.size() > kMaxUsernameBytes) {
    return Invalid("username", "must be 3 to 32 characters");
  }
  for (char c : username) {
    if (!IsUsernameChar(c)) return Invalid("username", "may only contain A-Z a-z 0-9 _ . -");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeEmail(absl::string_view email) {
  if (email.empty()) return Invalid("email", "is required");
  if (email.size() > kMaxEmailBytes) return Invalid("email", "is longer than 254 characters");
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || email.find('@', at + 1) != absl::string_view::npos) {
    return Invalid("email", "must contain exactly one '@'");
  }
  if (absl::Status status = ValidateLocalPart(email.substr(0, at)); !status.ok()) return status;
  if (absl::Status status = ValidateDomain(email.substr(at + 1)); !status.ok()) return status;
  return absl::AsciiStrToLower(email);
}

absl::Status ValidatePhoneNumber(absl::string_view phone_number) {
  if (phone_number.size() < 8 || phone_number.size() > 16 || phone_number.front() != '+') {
    return Invalid("phone_number", "must be E.164: '+' and 7 to 15 digits");
  }
  absl::string_view digits = phone_number.substr(1);
  if (digits.front() == '0')
    return Invalid("phone_number", "the country code may not start with 0");
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Invalid("phone_number", "must be E.164: '+' and 7 to 15 digits");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePassword(absl::string_view password) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return Invalid("password_hash", "must be 8 to 1024 bytes");
  }
  return absl::OkStatus();
}

absl::StatusOr<Registration> ValidateRegisterRequest(const auth::v1::RegisterRequest& request) {
  Registration registration;
  if (absl::Status status = ValidateUsername(request.username()); !status.ok()) return status;
  registration.username = request.username();
  absl::StatusOr<std::string> email = NormalizeEmail(request.email());
  if (!email.ok()) return email.status();
  registration.email = *std::move(email);
  if (!request.phone_number().empty()) {
    if (absl::Status status = ValidatePhoneNumber(request.phone_number()); !status.ok()) {
      return status;
    }
    registration.phone_number = request.phone_number();
  }
  if (absl::Status status = ValidatePassword(request.password_hash()); !status.ok()) return status;
  return registration;
}

absl::StatusOr<LoginIdentity> ValidateLoginRequest(const auth::v1::LoginRequest& request) {
  const bool has_email = !request.email().empty();
  const bool has_phone = !request.phone_number().empty();
  if (has_email == has_phone) {
    return absl::InvalidArgumentError("email, phone_number: give exactly one of them");
  }
  LoginIdentity identity;
  if (has_email) {
    absl::StatusOr<std::string> email = NormalizeEmail(request.email());
    if (!email.ok()) return email.status();
    identity = {LoginIdentity::Kind::kEmail, *std::move(email)};
  } else {
    if (absl::Status status = ValidatePhoneNumber(request.phone_number()); !status.ok()) {
      return status;
    }
    identity = {LoginIdentity::Kind::kPhoneNumber, request.phone_number()};
  }
  if (absl::Status status = ValidatePassword(request.password_hash()); !status.ok()) return status;
  return identity;
}

}  // namespace auth::service
