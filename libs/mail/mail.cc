// Mail validation; see mail.h.
#include "libs/mail/mail.h"

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::mail {
namespace {

bool IsControl(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

}  // namespace

absl::Status ValidateAddress(absl::string_view address) {
  if (address.size() < 3 || address.size() > kMaxAddressBytes) {
    return absl::InvalidArgumentError("mail address must be 3-254 bytes");
  }
  for (char c : address) {
    if (IsControl(c) || c == ' ' || c == '<' || c == '>' || c == ',' || c == '"' || c == '(' ||
        c == ')' || c == ';' || c == '\\') {
      return absl::InvalidArgumentError("mail address has a character it may not have");
    }
  }
  const size_t at = address.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError("mail address must be local@domain");
  }
  return absl::OkStatus();
}

absl::Status ValidateMail(const Mail& mail) {
  if (absl::Status to = ValidateAddress(mail.to); !to.ok()) return to;
  if (mail.subject.empty() || mail.subject.size() > kMaxSubjectBytes) {
    return absl::InvalidArgumentError("mail subject must be 1-255 bytes");
  }
  for (char c : mail.subject) {
    if (IsControl(c)) return absl::InvalidArgumentError("mail subject has a control character");
  }
  if (mail.body.size() > kMaxBodyBytes) {
    return absl::InvalidArgumentError("mail body is over 64 KiB");
  }
  if (mail.body.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("mail body has a NUL byte");
  }
  return absl::OkStatus();
}

}  // namespace auth::mail
