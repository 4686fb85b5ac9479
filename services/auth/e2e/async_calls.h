// AsyncCalls: the floods of the timing tests: unary calls sent through the callback API
// without waiting for their answers, at most `max_outstanding` in flight, every answer recorded
// in a Tally (code and latency).
//
//   AsyncCalls calls(/*max_outstanding=*/2000);
//   while (...) {
//     calls.WaitForRoom();  // or: if (!calls.TryReserve()) skip this one
//     calls.Send<auth::v1::ValidateTokenRequest, auth::v1::ValidateTokenResponse>(
//         request, deadline, [&](auto* context, auto* request, auto* response, auto done) {
//           stub.async()->ValidateToken(context, request, response, std::move(done));
//         });
//   }
//   calls.WaitForAll(absl::Seconds(3));
#ifndef SERVICES_AUTH_E2E_ASYNC_CALLS_H_
#define SERVICES_AUTH_E2E_ASYNC_CALLS_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "services/auth/e2e/reliability_fixture.h"

namespace auth::service_testing {

class AsyncCalls {
 public:
  explicit AsyncCalls(int64_t max_outstanding) : max_outstanding_(max_outstanding) {}

  // Blocks until a call may go out, and reserves its place.
  void WaitForRoom() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return outstanding_ < max_outstanding_; });
    ++outstanding_;
  }

  // Reserves a place if there is one, without waiting.
  bool TryReserve() {
    std::lock_guard<std::mutex> lock(mu_);
    if (outstanding_ >= max_outstanding_) return false;
    ++outstanding_;
    return true;
  }

  // Sends one call in the place reserved before. `start(context, request, response, done)`
  // starts it (e.g. stub.async()->RefreshToken(...)); its answer is recorded, and the place
  // freed, when gRPC calls `done`.
  template <typename Request, typename Response, typename Start>
  void Send(Request request, absl::Duration deadline, Start start) {
    struct Call {
      grpc::ClientContext context;
      Request request;
      Response response;
      absl::Time begin;
    };
    auto* call = new Call;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    call->request = std::move(request);
    call->begin = absl::Now();
    start(&call->context, &call->request, &call->response,
          std::function<void(grpc::Status)>([this, call](grpc::Status status) {
            tally_.Record(status.error_code(), absl::Now() - call->begin);
            delete call;
            {
              std::lock_guard<std::mutex> lock(mu_);
              --outstanding_;
            }
            cv_.notify_all();
          }));
  }

  // Waits (at most `timeout`) until every call sent has been answered; false if some have not.
  bool WaitForAll(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                        [this] { return outstanding_ == 0; });
  }

  int64_t outstanding() const {
    std::lock_guard<std::mutex> lock(mu_);
    return outstanding_;
  }
  const Tally& tally() const { return tally_; }

 private:
  const int64_t max_outstanding_;
  Tally tally_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t outstanding_ = 0;  // guarded by mu_
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_E2E_ASYNC_CALLS_H_
