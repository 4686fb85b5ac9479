// Replica; see replica.h.
#include "services/auth/testing/replica.h"

#include <memory>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace auth::service_testing {

void Replica::Reset(std::unique_ptr<AuthServerProcess> server) {
  std::shared_ptr<auth::v1::AuthService::Stub> stub =
      server != nullptr ? server->NewStub() : nullptr;
  std::unique_ptr<AuthServerProcess> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = std::exchange(server_, std::move(server));
    stub_ = std::move(stub);
  }
  // ~AuthServerProcess kills and reaps it, outside the lock.
}

absl::StatusOr<ExitStatus> Replica::Kill() {
  std::unique_ptr<AuthServerProcess> server;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server = std::move(server_);
  }
  if (server == nullptr) return absl::FailedPreconditionError("the replica has no server");
  return server->Kill();
}

std::shared_ptr<auth::v1::AuthService::Stub> Replica::stub() {
  std::lock_guard<std::mutex> lock(mu_);
  return stub_;
}

bool Replica::Running() {
  std::lock_guard<std::mutex> lock(mu_);
  return server_ != nullptr && server_->Running();
}

}  // namespace auth::service_testing
