// The Connect protocol's unary form (connectrpc.com/docs/protocol), the parts that need no
// network: which content types it takes, how a gRPC status becomes an HTTP status and a JSON
// error body, and how its timeout header reads.
//
//   const ConnectError error = ToConnectError(grpc::Status(grpc::StatusCode::NOT_FOUND, "..."));
//   response.result(error.http_status);        // 404
//   response.body() = error.json;              // {"code":"not_found","message":"..."}
#ifndef SERVICES_AUTH_HTTP_CONNECT_PROTOCOL_H_
#define SERVICES_AUTH_HTTP_CONNECT_PROTOCOL_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace auth::http {

// How a Connect request's body is encoded, from its Content-Type.
enum class ConnectCodec { kJson, kProto };

// kJson for application/json, kProto for application/proto (parameters such as
// "; charset=utf-8" allowed); nullopt for anything else, which the front refuses with 415 (so
// no "simple" cross-site form post, whose types are none of these, reaches a handler).
std::optional<ConnectCodec> ConnectCodecOf(absl::string_view content_type);

// The Connect name of a gRPC code: "invalid_argument", "unauthenticated", ...
absl::string_view ConnectCodeName(grpc::StatusCode code);

// The HTTP status Connect gives a gRPC code: invalid_argument 400, unauthenticated 401,
// permission_denied 403, not_found 404, already_exists 409, resource_exhausted 429, internal
// 500, unavailable 503, deadline_exceeded 504, and the rest of the protocol's table.
int ConnectHttpStatus(grpc::StatusCode code);

struct ConnectError {
  int http_status = 500;
  std::string json;  // {"code":"...","message":"..."}, "message" left out when empty
};

ConnectError ToConnectError(const grpc::Status& status);

// The Connect-Timeout-Ms header: a positive integer of at most 10 digits. nullopt if absent
// or malformed (the service's own bound then applies).
std::optional<absl::Duration> ParseConnectTimeout(absl::string_view header);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_CONNECT_PROTOCOL_H_
