// empty_server: the framework floor's server. Serves BenchmarkService.Empty, which answers OK at
// once, with the gRPC set-up of auth_server (callback API, same ServerBuilder options, health
// service and reflection), so loadgen's `empty` scenario measures what gRPC itself costs per
// call on this machine. Benchmark-only.
//
//   empty_server --listen=127.0.0.1:0    # prints "empty_server listening on port N"
//
// SIGTERM/SIGINT stop it.

#include <csignal>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "libs/version/version.h"
#include "tools/loadgen/benchmark.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Address to serve on (:0 picks a port).");

namespace {

// auth_server's limit on requests, kept so the builders match.
constexpr int kMaxReceiveMessageBytes = 8 * 1024;

class EmptyService final : public auth::loadgen::v1::BenchmarkService::CallbackService {
  grpc::ServerUnaryReactor* Empty(grpc::CallbackServerContext* context,
                                  const auth::loadgen::v1::EmptyRequest*,
                                  auth::loadgen::v1::EmptyResponse*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves an empty RPC for loadgen's framework floor.");
  auth::version::InstallVersionFlag(argv[0]);
  absl::ParseCommandLine(argc, argv);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  EmptyService service;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "empty_server: cannot listen on " << absl::GetFlag(FLAGS_listen) << "\n";
    return 1;
  }
  std::cout << "empty_server listening on port " << port << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}
