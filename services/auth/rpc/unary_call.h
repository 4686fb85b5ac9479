// UnaryCall: one unary RPC of the auth service in flight, shared by the steps of its handler
// (the gRPC thread, then executor threads). Handlers start one through CallRunner
// (call_runner.h), which also runs their blocking steps on the executors.
//
//   auto call = std::make_shared<UnaryCall>(context, metrics::Rpc::kLogin, max_duration, metrics);
//   ... on whichever thread the last step runs:
//   call->Finish(absl::OkStatus());   // answers, logs one line, records code and latency
//   return call->reactor();           // what the handler returns
#ifndef SERVICES_AUTH_RPC_UNARY_CALL_H_
#define SERVICES_AUTH_RPC_UNARY_CALL_H_

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "libs/metrics/auth_metrics.h"
#include "services/auth/rpc/status_mapping.h"

namespace auth::service {

// One RPC in flight: its reactor, deadline and timing. Shared by the steps of a handler, which
// run on different threads; Finish() answers the client, writes the call's one log line and
// records the call's code and latency in the metrics.
class UnaryCall {
 public:
  // `metrics` must outlive the call.
  UnaryCall(grpc::CallbackServerContext* context, metrics::Rpc rpc, absl::Duration max_duration,
            metrics::AuthMetrics& metrics)
      : context_(context),
        reactor_(context->DefaultReactor()),
        rpc_(rpc),
        method_(metrics::RpcName(rpc)),
        metrics_(metrics),
        start_(absl::Now()) {
    deadline_ = start_ + max_duration;
    const auto client_deadline = context->deadline();
    if (client_deadline != std::chrono::system_clock::time_point::max()) {
      deadline_ = std::min(deadline_, absl::FromChrono(client_deadline));
    }
  }

  grpc::CallbackServerContext* context() const { return context_; }
  // The handler returns this. (DefaultReactor() must be called only once per call: a second
  // call re-creates the reactor, which may already have been finished on another thread.)
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  absl::Time deadline() const { return deadline_; }

  void Finish(const absl::Status& status) {
    const grpc::Status grpc_status = ToGrpcStatus(status, method_);
    const absl::Duration latency = absl::Now() - start_;
    // Method, code and latency only: requests and statuses may carry secrets or user input.
    LOG(INFO) << "rpc=" << method_ << " code=" << GrpcCodeName(grpc_status.error_code())
              << " latency_us=" << absl::ToInt64Microseconds(latency);
    // gRPC's codes and absl's canonical codes are the same numbers.
    metrics_.RecordCall(rpc_, static_cast<absl::StatusCode>(grpc_status.error_code()), latency);
    reactor_->Finish(grpc_status);
  }

  // Finishes the call CANCELLED if its client gave up (or its deadline passed) while it
  // waited; true if so. Checked before work is started on its behalf.
  bool FinishIfCancelled() {
    if (!context_->IsCancelled()) return false;
    Finish(absl::CancelledError("call cancelled by the client"));
    return true;
  }

 private:
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  metrics::Rpc rpc_;
  absl::string_view method_;
  metrics::AuthMetrics& metrics_;
  absl::Time start_;
  absl::Time deadline_;
};

// The calls of a batch whose client is still waiting; the cancelled ones are finished here.
// `Pending` has a `std::shared_ptr<UnaryCall> call`.
template <typename Pending>
std::vector<Pending*> StillWaiting(std::vector<Pending>& batch) {
  std::vector<Pending*> waiting;
  waiting.reserve(batch.size());
  for (Pending& pending : batch) {
    if (!pending.call->FinishIfCancelled()) waiting.push_back(&pending);
  }
  return waiting;
}

}  // namespace auth::service

#endif  // SERVICES_AUTH_RPC_UNARY_CALL_H_
