// CallRunner: how a handler of the auth service serves one unary call with gRPC's callback API.
// It starts the call (deadline, metrics, the call's one log line) and runs the call's blocking
// steps on the two bounded executors: the database executor (MySQL) and the hashing executor
// (Argon2). gRPC's own threads never block; a step whose call was cancelled or whose deadline
// passed while it queued is not run (ARCHITECTURE.md, "Threads").
//
//   CallRunner runner(&hashing, &database, &metrics, /*max_call_duration=*/absl::Seconds(10));
//   auto call = runner.Start(context, metrics::Rpc::kLogin);
//   runner.OnDatabase(call, [call] { ... call->Finish(absl::OkStatus()); });
//   return call->reactor();
#ifndef SERVICES_AUTH_RPC_CALL_RUNNER_H_
#define SERVICES_AUTH_RPC_CALL_RUNNER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/executor/bounded_executor.h"
#include "libs/metrics/auth_metrics.h"
#include "services/auth/rpc/status_mapping.h"
#include "services/auth/rpc/unary_call.h"

namespace auth::service {

class CallRunner {
 public:
  // Nothing is owned; all must outlive the runner and every call it started. `metrics` may be
  // null (nothing recorded).
  CallRunner(executor::BoundedExecutor* hashing_executor,
             executor::BoundedExecutor* database_executor, metrics::AuthMetrics* metrics,
             absl::Duration max_call_duration);

  // A new call of `rpc`, timed from now, whose deadline is the client's or max_call_duration
  // from now, whichever is first.
  std::shared_ptr<UnaryCall> Start(grpc::CallbackServerContext* context, metrics::Rpc rpc) const;

  // Runs `work` on the database (or hashing) executor before the call's deadline, or finishes
  // the call with the reason it could not run (queue full, deadline passed, shutting down,
  // cancelled by the client).
  void OnDatabase(const std::shared_ptr<UnaryCall>& call, std::function<void()> work) const;
  void OnHashing(const std::shared_ptr<UnaryCall>& call, std::function<void()> work) const;

  executor::BoundedExecutor& database_executor() const { return *database_executor_; }
  executor::BoundedExecutor& hashing_executor() const { return *hashing_executor_; }
  metrics::AuthMetrics& metrics() const { return *metrics_; }

 private:
  void RunOn(executor::BoundedExecutor& executor, const std::shared_ptr<UnaryCall>& call,
             std::function<void()> work) const;

  executor::BoundedExecutor* hashing_executor_;
  executor::BoundedExecutor* database_executor_;
  metrics::AuthMetrics* metrics_;
  absl::Duration max_call_duration_;
};

// An abuse limit's verdict on a call: true to go on. Otherwise the call is finished with
// `admission` (RESOURCE_EXHAUSTED, or the limiter's failure), with `retry_after` in the
// kRetryAfterKey trailer when it is not empty.
bool PassedAdmission(UnaryCall& call, const absl::Status& admission,
                     const std::string& retry_after);

}  // namespace auth::service

#endif  // SERVICES_AUTH_RPC_CALL_RUNNER_H_
