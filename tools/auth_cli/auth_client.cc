// AuthClient: request building, credentials, cookies and status mapping for auth_cli.
#include "tools/auth_cli/auth_client.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth.pb.h"
#include "grpcpp/grpcpp.h"

namespace auth::cli {
namespace {

// proto3 `string` fields must hold UTF-8: protobuf refuses to parse anything else, so a bad
// password would come back from the server as an opaque INTERNAL. Checking here gives the user
// a message that says what is wrong.
bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t smallest;  // Anything below this is an overlong encoding.
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

// The field's name goes in the message, never its value: some fields are secrets.
absl::Status CheckTextField(absl::string_view field, absl::string_view value, bool required) {
  if (required && value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is not valid UTF-8"));
  }
  return absl::OkStatus();
}

// A JWT is base64url segments joined by dots. Anything outside visible ASCII (notably spaces,
// CR and LF) cannot travel in a metadata value and usually means the token was pasted with
// extra text, e.g. a "Bearer " prefix of its own.
bool IsHeaderSafeToken(absl::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) return false;
  }
  return true;
}

}  // namespace

AuthClient::AuthClient(auth::v1::AuthService::StubInterface& stub, absl::Duration timeout)
    : stub_(stub), timeout_(timeout) {}

void AuthClient::SetDeadline(grpc::ClientContext& context) const {
  if (timeout_ == absl::InfiniteDuration()) return;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
}

absl::StatusOr<RegisterResult> AuthClient::Register(const RegisterParams& params) {
  if (absl::Status valid = ValidateRegisterParams(params); !valid.ok()) return valid;

  auth::v1::RegisterRequest request;
  request.set_username(params.username);
  request.set_email(params.email);
  request.set_phone_number(params.phone_number);
  request.set_password_hash(params.password_hash);

  grpc::ClientContext context;
  SetDeadline(context);
  auth::v1::RegisterResponse response;
  if (absl::Status s = StatusFromGrpc(stub_.Register(&context, request, &response)); !s.ok()) {
    return s;
  }
  return RegisterResult{response.message(), response.status()};
}

absl::StatusOr<LoginResult> AuthClient::Login(const LoginParams& params) {
  if (absl::Status valid = ValidateLoginParams(params); !valid.ok()) return valid;

  auth::v1::LoginRequest request;
  request.set_email(params.email);
  request.set_phone_number(params.phone_number);
  request.set_password_hash(params.password_hash);

  grpc::ClientContext context;
  SetDeadline(context);
  auth::v1::LoginResponse response;
  if (absl::Status s = StatusFromGrpc(stub_.Login(&context, request, &response)); !s.ok()) {
    return s;
  }
  LoginResult result;
  result.user_id = response.user_id();
  result.jwt_token = response.jwt_token();
  result.refresh_token = response.refresh_token();
  result.expires_at_unix_seconds = response.expires_at_unix_seconds();
  // Only read after an OK status: then the initial metadata has certainly been received.
  auto [begin, end] = context.GetServerInitialMetadata().equal_range("set-cookie");
  for (auto it = begin; it != end; ++it) {
    result.set_cookies.emplace_back(it->second.data(), it->second.size());
  }
  return result;
}

absl::StatusOr<LogoutResult> AuthClient::Logout(int32_t user_id, absl::string_view token,
                                                bool current_session_only) {
  if (absl::Status valid = ValidateLogoutParams(user_id, token); !valid.ok()) return valid;

  auth::v1::LogoutRequest request;
  request.set_user_id(user_id);
  request.set_current_session_only(current_session_only);

  grpc::ClientContext context;
  SetDeadline(context);
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  auth::v1::LogoutResponse response;
  if (absl::Status s = StatusFromGrpc(stub_.Logout(&context, request, &response)); !s.ok()) {
    return s;
  }
  return LogoutResult{response.message(), response.status()};
}

absl::StatusOr<RefreshResult> AuthClient::Refresh(absl::string_view refresh_token) {
  if (absl::Status valid = ValidateRefreshParams(refresh_token); !valid.ok()) return valid;

  auth::v1::RefreshTokenRequest request;
  request.set_refresh_token(std::string(refresh_token));

  grpc::ClientContext context;
  SetDeadline(context);
  auth::v1::RefreshTokenResponse response;
  if (absl::Status s = StatusFromGrpc(stub_.RefreshToken(&context, request, &response)); !s.ok()) {
    return s;
  }
  return RefreshResult{response.user_id(), response.jwt_token(), response.refresh_token(),
                       response.expires_at_unix_seconds()};
}

absl::StatusOr<ValidateResult> AuthClient::Validate(absl::string_view token) {
  if (absl::Status valid = ValidateTokenParams(token); !valid.ok()) return valid;

  auth::v1::ValidateTokenRequest request;
  request.set_token(std::string(token));

  grpc::ClientContext context;
  SetDeadline(context);
  auth::v1::ValidateTokenResponse response;
  if (absl::Status s = StatusFromGrpc(stub_.ValidateToken(&context, request, &response)); !s.ok()) {
    return s;
  }
  return ValidateResult{response.user_id(), response.session_id(),
                        response.expires_at_unix_seconds()};
}

absl::StatusOr<std::string> AuthClient::GetJwks() {
  grpc::ClientContext context;
  SetDeadline(context);
  auth::v1::GetJwksResponse response;
  if (absl::Status s =
          StatusFromGrpc(stub_.GetJwks(&context, auth::v1::GetJwksRequest(), &response));
      !s.ok()) {
    return s;
  }
  return response.jwks_json();
}

absl::Status ValidateRegisterParams(const RegisterParams& params) {
  if (absl::Status s = CheckTextField("username", params.username, true); !s.ok()) return s;
  if (absl::Status s = CheckTextField("email", params.email, true); !s.ok()) return s;
  if (absl::Status s = CheckTextField("phone_number", params.phone_number, false); !s.ok()) {
    return s;
  }
  return CheckTextField("password", params.password_hash, true);
}

absl::Status ValidateLoginParams(const LoginParams& params) {
  if (params.email.empty() == params.phone_number.empty()) {
    return absl::InvalidArgumentError("exactly one of email and phone_number is required");
  }
  if (absl::Status s = CheckTextField("email", params.email, false); !s.ok()) return s;
  if (absl::Status s = CheckTextField("phone_number", params.phone_number, false); !s.ok()) {
    return s;
  }
  return CheckTextField("password", params.password_hash, true);
}

absl::Status ValidateLogoutParams(int32_t user_id, absl::string_view token) {
  if (user_id <= 0) return absl::InvalidArgumentError("user_id must be positive");
  if (!IsHeaderSafeToken(token)) {
    return absl::InvalidArgumentError(
        "token must be non-empty printable ASCII without spaces (the bare JWT, no 'Bearer ')");
  }
  return absl::OkStatus();
}

absl::Status ValidateRefreshParams(absl::string_view refresh_token) {
  // Opaque, but issued as base64url: the same printable-ASCII rule catches pasting mistakes.
  if (!IsHeaderSafeToken(refresh_token)) {
    return absl::InvalidArgumentError(
        "refresh_token must be non-empty printable ASCII without spaces");
  }
  return absl::OkStatus();
}

absl::Status ValidateTokenParams(absl::string_view token) {
  if (!IsHeaderSafeToken(token)) {
    return absl::InvalidArgumentError(
        "token must be non-empty printable ASCII without spaces (the bare JWT, no 'Bearer ')");
  }
  return absl::OkStatus();
}

absl::Status StatusFromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::optional<std::string> FindCookie(absl::Span<const std::string> set_cookies,
                                      absl::string_view name) {
  for (absl::string_view header : set_cookies) {
    // Only the leading "name=value" pair names the cookie; the rest are attributes.
    absl::string_view pair = header.substr(0, header.find(';'));
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) continue;
    if (absl::StripAsciiWhitespace(pair.substr(0, equals)) != name) continue;
    return std::string(absl::StripAsciiWhitespace(pair.substr(equals + 1)));
  }
  return std::nullopt;
}

}  // namespace auth::cli
