// The one place where library statuses become gRPC statuses.
//
// Library messages are safe to pass on (the libraries promise no secrets and no SQL text in
// them), except for server-side failures: those are logged in full and answered with a generic
// message, so nothing about our internals reaches a client.
#ifndef SERVICES_AUTH_RPC_STATUS_MAPPING_H_
#define SERVICES_AUTH_RPC_STATUS_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace auth::service {

// The trailing metadata key of a call refused by an abuse limit: whole seconds until it may be
// retried (the HTTP front sends it as Retry-After).
inline constexpr char kRetryAfterKey[] = "retry-after";

// Maps `status` to the gRPC status a client sees. `method` names the RPC in log lines.
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method);

// Why an executor did not run a step, as the status the call should end with.
absl::Status ExecutorRejection(const absl::Status& executor_status);

// "OK", "INVALID_ARGUMENT", ... for log lines.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RPC_STATUS_MAPPING_H_
