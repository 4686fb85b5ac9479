// The Connect protocol's status mapping and error bodies; see connect_protocol.h.
#include "services/auth/http/connect_protocol.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace auth::http {

std::optional<ConnectCodec> ConnectCodecOf(absl::string_view content_type) {
  const absl::string_view media_type =
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
  if (absl::EqualsIgnoreCase(media_type, "application/json")) return ConnectCodec::kJson;
  if (absl::EqualsIgnoreCase(media_type, "application/proto")) return ConnectCodec::kProto;
  return std::nullopt;
}

absl::string_view ConnectCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "canceled";
    case grpc::StatusCode::UNKNOWN:
      return "unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int ConnectHttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:  // unknown, internal, data_loss
      return 500;
  }
}

ConnectError ToConnectError(const grpc::Status& status) {
  nlohmann::json body = {{"code", ConnectCodeName(status.error_code())}};
  if (!status.error_message().empty()) body["message"] = status.error_message();
  // Messages are ours (never user input verbatim), but may not be valid UTF-8 if a library's
  // were: replaced rather than thrown on.
  return ConnectError{ConnectHttpStatus(status.error_code()),
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

std::optional<absl::Duration> ParseConnectTimeout(absl::string_view header) {
  int64_t milliseconds = 0;
  if (header.empty() || header.size() > 10 || !absl::SimpleAtoi(header, &milliseconds) ||
      milliseconds <= 0 || !absl::ascii_isdigit(header.front())) {
    return std::nullopt;
  }
  return absl::Milliseconds(milliseconds);
}

}  // namespace auth::http
