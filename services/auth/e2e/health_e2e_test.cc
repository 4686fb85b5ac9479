// End-to-end tests of the standard gRPC services auth_server registers beside AuthService, with
// the real binary against a private MariaDB (see e2e_fixture.h):
// - health (grpc.health.v1.Health/Check) follows the database: NOT_SERVING while it is down,
//   SERVING once it is back;
// - on SIGTERM health turns NOT_SERVING first, and the server keeps accepting calls for
//   --shutdown_drain_delay before it shuts down;
// - reflection lists the services and describes AuthService.
// The timings go to the test log as "RELIABILITY health_e2e_test: ..." lines (RELIABILITY.md).

#include <signal.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "services/auth/e2e/e2e_fixture.h"
#include "third_party/grpc_protos/health.grpc.pb.h"
#include "third_party/grpc_protos/reflection.grpc.pb.h"

namespace auth::service_testing {
namespace {

using ::auth::test_util::IsOk;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::Contains;
using ::testing::IsSupersetOf;

constexpr HealthCheckResponse::ServingStatus kServing = HealthCheckResponse::SERVING;
constexpr HealthCheckResponse::ServingStatus kNotServing = HealthCheckResponse::NOT_SERVING;
// How often the tests' servers probe the database.
constexpr char kHealthCheckPeriod[] = "--health_check_period=200ms";

class HealthE2eTest : public AuthServerE2eTest {
 protected:
  void SetUp() override { StartServer({kHealthCheckPeriod}); }

  // The server's health for `service` ("" = the server as a whole), on a new channel each time
  // (as a load balancer's prober would connect); UNKNOWN if the call failed.
  HealthCheckResponse::ServingStatus Health(const std::string& service = "") {
    auto stub = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
    return response.status();
  }

  // Polls Health() every 20 ms until it is `wanted`; how long that took, or nullopt after
  // `timeout`.
  std::optional<absl::Duration> TimeUntilHealth(HealthCheckResponse::ServingStatus wanted,
                                                absl::Time since, absl::Duration timeout) {
    while (absl::Now() - since < timeout) {
      if (Health() == wanted) return absl::Now() - since;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return std::nullopt;
  }

  // Whether a new connection to the server gets an answer (GetJwks needs no database).
  bool AcceptsCalls() {
    auto stub = server_->NewStub();
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    auth::v1::GetJwksResponse response;
    return stub->GetJwks(&context, auth::v1::GetJwksRequest(), &response).ok();
  }
};

TEST_F(HealthE2eTest, HealthFollowsTheDatabase) {
  EXPECT_EQ(Health(), kServing);
  EXPECT_EQ(Health("auth.v1.AuthService"), kServing);

  ASSERT_THAT(backend_->database().Kill(), IsOk());
  const absl::Time killed = absl::Now();
  // The suite's later tests need the database, whatever happens here.
  absl::Cleanup restart_database = [] {
    if (!backend_->database().running()) {
      EXPECT_THAT(backend_->database().Restart(), IsOk());
    }
  };
  const std::optional<absl::Duration> to_not_serving =
      TimeUntilHealth(kNotServing, killed, absl::Seconds(15));
  ASSERT_TRUE(to_not_serving.has_value()) << "health stayed SERVING with the database down";
  EXPECT_EQ(Health("auth.v1.AuthService"), kNotServing);
  // Still answering: only the verdict changed.
  EXPECT_TRUE(AcceptsCalls());

  ASSERT_THAT(backend_->database().Restart(), IsOk());
  const absl::Time restarted = absl::Now();
  const std::optional<absl::Duration> to_serving =
      TimeUntilHealth(kServing, restarted, absl::Seconds(30));
  ASSERT_TRUE(to_serving.has_value()) << "health stayed NOT_SERVING with the database back";
  EXPECT_EQ(Health("auth.v1.AuthService"), kServing);
  // And the service works again.
  const grpc::Status registered = Register("after_outage", "after_outage@example.com", "");
  EXPECT_TRUE(registered.ok()) << registered.error_code() << ": " << registered.error_message();

  std::cout << "RELIABILITY health_e2e_test: " << kHealthCheckPeriod << ": NOT_SERVING "
            << absl::ToInt64Milliseconds(*to_not_serving)
            << " ms after the database was killed; SERVING "
            << absl::ToInt64Milliseconds(*to_serving) << " ms after it was back (restart returned)"
            << std::endl;
}

TEST_F(HealthE2eTest, SigtermTurnsHealthNotServingWhileTheServerStillAcceptsCalls) {
  constexpr absl::Duration kDrain = absl::Seconds(3);
  RestartServer({kHealthCheckPeriod, "--shutdown_drain_delay=3s"});
  ASSERT_EQ(Health(), kServing);

  ASSERT_THAT(server_->process().Signal(SIGTERM), IsOk());
  const absl::Time signalled = absl::Now();
  const std::optional<absl::Duration> to_not_serving =
      TimeUntilHealth(kNotServing, signalled, kDrain);
  ASSERT_TRUE(to_not_serving.has_value()) << "health did not turn NOT_SERVING on SIGTERM";
  // During the drain: NOT_SERVING, yet new connections and calls are still served.
  EXPECT_TRUE(AcceptsCalls());
  EXPECT_TRUE(server_->Running());
  const absl::Duration accepting_at = absl::Now() - signalled;

  absl::StatusOr<ExitStatus> exited = server_->process().Wait(absl::Seconds(30));
  ASSERT_THAT(exited, IsOk());
  EXPECT_TRUE(exited->ok()) << exited->ToString();
  const absl::Duration to_exit = absl::Now() - signalled;
  EXPECT_GE(to_exit, kDrain);
  EXPECT_FALSE(AcceptsCalls());

  std::cout << "RELIABILITY health_e2e_test: --shutdown_drain_delay=3s: NOT_SERVING "
            << absl::ToInt64Milliseconds(*to_not_serving)
            << " ms after SIGTERM; still accepting calls at "
            << absl::ToInt64Milliseconds(accepting_at) << " ms; exited after "
            << absl::ToInt64Milliseconds(to_exit) << " ms" << std::endl;
}

TEST_F(HealthE2eTest, ReflectionListsTheServicesAndDescribesAuthService) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(
      grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = stub->ServerReflectionInfo(&context);

  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("*");
  ASSERT_TRUE(stream->Write(list));
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::vector<std::string> services;
  for (const auto& service : listed.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(services, IsSupersetOf({"auth.v1.AuthService", "grpc.health.v1.Health",
                                      "grpc.reflection.v1alpha.ServerReflection"}));

  grpc::reflection::v1alpha::ServerReflectionRequest describe;
  describe.set_file_containing_symbol("auth.v1.AuthService");
  ASSERT_TRUE(stream->Write(describe));
  grpc::reflection::v1alpha::ServerReflectionResponse described;
  ASSERT_TRUE(stream->Read(&described));
  ASSERT_GE(described.file_descriptor_response().file_descriptor_proto_size(), 1)
      << described.error_response().error_message();
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(described.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.package(), "auth.v1");
  std::vector<std::string> declared;
  for (const auto& service : file.service()) declared.push_back(service.name());
  EXPECT_THAT(declared, Contains("AuthService"));

  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace auth::service_testing
