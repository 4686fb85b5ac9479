// K gRPC channels to one loopback target, each its own TCP connection, with stubs for the
// auth service and the benchmark service.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connections> connections,
//                        Connections::Open("127.0.0.1:50051", 4, absl::Seconds(5)));
//   connections->auth(slot).async()->Login(...);  // slot % 4 picks the channel
//
// gRPC shares subchannels (and so TCP connections) between channels with equal arguments, so
// each channel gets a local subchannel pool and an argument of its own: K channels are K
// connections, as with K client processes.
#ifndef TOOLS_LOADGEN_CONNECTIONS_H_
#define TOOLS_LOADGEN_CONNECTIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/loadgen/benchmark.grpc.pb.h"

namespace auth::loadgen {

class Connections {
 public:
  // Refuses non-loopback targets; waits up to `connect_timeout` for every channel to connect.
  static absl::StatusOr<std::unique_ptr<Connections>> Open(const std::string& target, int count,
                                                           absl::Duration connect_timeout);

  int size() const { return static_cast<int>(channels_.size()); }
  auth::v1::AuthService::Stub& auth(int slot) { return *auth_[slot % size()]; }
  auth::v1::CredentialService::Stub& credential(int slot) { return *credential_[slot % size()]; }
  auth::loadgen::v1::BenchmarkService::Stub& benchmark(int slot) {
    return *benchmark_[slot % size()];
  }

 private:
  Connections() = default;

  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<auth::v1::AuthService::Stub>> auth_;
  std::vector<std::unique_ptr<auth::v1::CredentialService::Stub>> credential_;
  std::vector<std::unique_ptr<auth::loadgen::v1::BenchmarkService::Stub>> benchmark_;
};

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_CONNECTIONS_H_
