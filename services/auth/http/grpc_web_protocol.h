// The gRPC-Web protocol (gRPC's doc/PROTOCOL-WEB.md), the parts that need no network: its
// content types, the length-prefixed frames of a unary call, the trailers sent in the final
// frame, the base64 of application/grpc-web-text, and the grpc-timeout header.
//
//   absl::StatusOr<std::string> message = ReadUnaryRequest(body, GrpcWebEncoding::kText);
//   ...
//   response.body() = WriteUnaryResponse(&reply_bytes, grpc::Status::OK, {}, encoding);
#ifndef SERVICES_AUTH_HTTP_GRPC_WEB_PROTOCOL_H_
#define SERVICES_AUTH_HTTP_GRPC_WEB_PROTOCOL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace auth::http {

// Binary frames (application/grpc-web, application/grpc-web+proto) or the same frames in
// base64 (application/grpc-web-text, application/grpc-web-text+proto).
enum class GrpcWebEncoding { kBinary, kText };

// nullopt for a content type that is not gRPC-Web (or names a codec other than proto).
std::optional<GrpcWebEncoding> GrpcWebEncodingOf(absl::string_view content_type);

// The one request message of a unary call: exactly one uncompressed data frame whose length
// matches the body. kInvalidArgument (saying what is wrong, never echoing the body) for bad
// base64, a truncated or extra frame, a trailer frame or a compressed one.
absl::StatusOr<std::string> ReadUnaryRequest(absl::string_view body, GrpcWebEncoding encoding);

// A unary call's response body: the message's data frame (when `message` is not null and the
// status is OK), then the trailer frame with grpc-status, grpc-message and `trailers`
// (lowercase names), base64-encoded for kText.
std::string WriteUnaryResponse(const std::string* message, const grpc::Status& status,
                               const std::vector<std::pair<std::string, std::string>>& trailers,
                               GrpcWebEncoding encoding);

// grpc-message's value: the message percent-encoded as gRPC does (bytes outside printable
// ASCII, and '%').
std::string PercentEncodeGrpcMessage(absl::string_view message);

// The grpc-timeout header ("100m", "5S": at most 8 digits and a unit H, M, S, m, u or n).
// nullopt if absent or malformed (the service's own bound then applies).
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view header);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_GRPC_WEB_PROTOCOL_H_
