#include "services/auth/rpc/status_mapping.h"

#include <string>

#include "glog/logging.h"

namespace auth::service {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return grpc::Status::OK;
    case absl::StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
    case absl::StatusCode::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, message);
    case absl::StatusCode::kAlreadyExists:
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, message);
    case absl::StatusCode::kUnauthenticated:
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, message);
    case absl::StatusCode::kPermissionDenied:
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, message);
    case absl::StatusCode::kDeadlineExceeded:
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, message);
    case absl::StatusCode::kResourceExhausted:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message);
    case absl::StatusCode::kCancelled:
      return grpc::Status(grpc::StatusCode::CANCELLED, message);
    case absl::StatusCode::kFailedPrecondition:  // the server is not set up for the call
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, message);
    case absl::StatusCode::kUnavailable:
      LOG(WARNING) << method << ": unavailable: " << status;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "service temporarily unavailable, retry later");
    default:
      LOG(ERROR) << method << ": internal error: " << status;
      return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
}

absl::Status ExecutorRejection(const absl::Status& executor_status) {
  switch (executor_status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return absl::ResourceExhaustedError("server busy, retry later");
    case absl::StatusCode::kDeadlineExceeded:
      return absl::DeadlineExceededError("deadline passed before the work could start");
    default:  // kCancelled or kUnavailable: the executor is shutting down.
      return absl::UnavailableError("server shutting down");
  }
}

std::string GrpcCodeName(grpc::StatusCode code) {
  // gRPC's codes are abseil's, number for number (both follow google.rpc.Code), so abseil's
  // names serve; it answers "" for a number outside the range.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? "UNKNOWN" : name;
}

}  // namespace auth::service
