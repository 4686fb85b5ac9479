// Replica: one auth_server of several behind an imagined load balancer, and a stub on it;
// thread-safe, so that a fault test can kill and replace the server while clients call it.
//
//   Replica replica(*AuthServerProcess::Start(backend->Flags()));
//   std::shared_ptr<auth::v1::AuthService::Stub> stub = replica.stub();  // kept by a client
//   ASSERT_OK_AND_ASSIGN(ExitStatus crashed, replica.Kill());  // calls fail from now on
//   replica.Reset(*AuthServerProcess::Start(backend->Flags()));  // a new port, a new stub
//
// A client takes stub() for each call (or batch of calls): after Reset() it gets the new
// server's, while calls in flight finish on the old channel.
#ifndef SERVICES_AUTH_TESTING_REPLICA_H_
#define SERVICES_AUTH_TESTING_REPLICA_H_

#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "services/auth/testing/auth_server_process.h"

namespace auth::service_testing {

class Replica {
 public:
  // A replica with no server yet: stub() is null until Reset().
  Replica() = default;
  explicit Replica(std::unique_ptr<AuthServerProcess> server) { Reset(std::move(server)); }

  // Takes over `server`, with a new channel to it; the previous server, if any, is killed.
  void Reset(std::unique_ptr<AuthServerProcess> server);

  // SIGKILLs the server and reaps it; calls fail until Reset(). FAILED_PRECONDITION if there
  // is no server.
  absl::StatusOr<ExitStatus> Kill();

  // The stub on the current server (null if there is none); shared, so that it outlives a
  // Reset() while a client still uses it.
  std::shared_ptr<auth::v1::AuthService::Stub> stub();

  // Whether there is a server and it has not exited.
  bool Running();

 private:
  std::mutex mu_;
  std::unique_ptr<AuthServerProcess> server_;          // guarded by mu_
  std::shared_ptr<auth::v1::AuthService::Stub> stub_;  // guarded by mu_
};

}  // namespace auth::service_testing

#endif  // SERVICES_AUTH_TESTING_REPLICA_H_
