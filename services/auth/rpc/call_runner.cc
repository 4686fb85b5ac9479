// CallRunner; see call_runner.h.
#include "services/auth/rpc/call_runner.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "glog/logging.h"
#include "libs/metrics/noop_auth_metrics.h"
#include "services/auth/rpc/status_mapping.h"

namespace auth::service {

CallRunner::CallRunner(executor::BoundedExecutor* hashing_executor,
                       executor::BoundedExecutor* database_executor, metrics::AuthMetrics* metrics,
                       absl::Duration max_call_duration)
    : hashing_executor_(hashing_executor),
      database_executor_(database_executor),
      metrics_(metrics != nullptr ? metrics : &metrics::NoopAuthMetrics::Get()),
      max_call_duration_(max_call_duration) {
  CHECK(hashing_executor_ != nullptr && database_executor_ != nullptr)
      << "CallRunner needs both executors";
}

std::shared_ptr<UnaryCall> CallRunner::Start(grpc::CallbackServerContext* context,
                                             metrics::Rpc rpc) const {
  return std::make_shared<UnaryCall>(context, rpc, max_call_duration_, *metrics_);
}

void CallRunner::OnDatabase(const std::shared_ptr<UnaryCall>& call,
                            std::function<void()> work) const {
  RunOn(*database_executor_, call, std::move(work));
}

void CallRunner::OnHashing(const std::shared_ptr<UnaryCall>& call,
                           std::function<void()> work) const {
  RunOn(*hashing_executor_, call, std::move(work));
}

void CallRunner::RunOn(executor::BoundedExecutor& executor, const std::shared_ptr<UnaryCall>& call,
                       std::function<void()> work) const {
  // How long hashing tasks queue is a capacity signal (auth_hashing_wait_seconds); it is
  // measured here so the executor stays free of metrics.
  const bool hashing = &executor == hashing_executor_;
  const absl::Time submitted_at = absl::Now();
  absl::Status submitted = executor.Submit(
      call->deadline(),
      [this, call, work = std::move(work), hashing, submitted_at](absl::Status status) {
        if (hashing) metrics_->RecordHashingWait(absl::Now() - submitted_at);
        if (!status.ok()) {
          call->Finish(ExecutorRejection(status));
          return;
        }
        if (call->FinishIfCancelled()) return;
        work();
      });
  if (!submitted.ok()) call->Finish(ExecutorRejection(submitted));
}

bool PassedAdmission(UnaryCall& call, const absl::Status& admission,
                     const std::string& retry_after) {
  if (admission.ok()) return true;
  if (!retry_after.empty()) call.context()->AddTrailingMetadata(kRetryAfterKey, retry_after);
  call.Finish(admission);
  return false;
}

}  // namespace auth::service
