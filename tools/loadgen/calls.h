// One asynchronous call of each AuthService RPC the scenarios use, on gRPC's callback API, with
// the checks that tell a correct answer from a wrong one. Internal to the load generator.
#ifndef TOOLS_LOADGEN_CALLS_H_
#define TOOLS_LOADGEN_CALLS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/loadgen/benchmark.grpc.pb.h"

namespace auth::loadgen {

// The password digest of every user the load generator creates (not a secret: test users on a
// private database).
inline constexpr char kLoadgenPassword[] = "loadgen-client-digest-0123456789";

// Outcome of a Login: on success, the user id and access token.
struct LoginOutcome {
  grpc::Status status;
  bool well_formed = false;
  int64_t user_id = 0;
  std::string token;
};

void StartRegister(auth::v1::AuthService::Stub& stub, const std::string& username,
                   const std::string& email, absl::Time deadline,
                   std::function<void(const grpc::Status&, bool well_formed)> done);

void StartLogin(auth::v1::AuthService::Stub& stub, const std::string& email, absl::Time deadline,
                std::function<void(LoginOutcome)> done);

void StartLogout(auth::v1::AuthService::Stub& stub, int64_t user_id, const std::string& token,
                 absl::Time deadline,
                 std::function<void(const grpc::Status&, bool well_formed)> done);

// well_formed: the response names `user_id` and a session that has not expired.
void StartValidate(auth::v1::AuthService::Stub& stub, int64_t user_id, const std::string& token,
                   absl::Time deadline,
                   std::function<void(const grpc::Status&, bool well_formed)> done);

void StartEmpty(auth::loadgen::v1::BenchmarkService::Stub& stub, absl::Time deadline,
                std::function<void(const grpc::Status&, bool well_formed)> done);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_CALLS_H_
