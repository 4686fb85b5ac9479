// fake_auth_server: serves FakeAuthService on 127.0.0.1 at a free port, for auth_cli_test.sh.
//
//   fake_auth_server --port_file=/tmp/port &   # writes the port once it is listening
//
// Runs until killed.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "tools/auth_cli/fake_auth_service.h"

ABSL_FLAG(std::string, port_file, "", "Where to write the port once the server listens.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (port_file.empty()) {
    std::fprintf(stderr, "--port_file is required\n");
    return 2;
  }
  auth::cli::FakeAuthService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port <= 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1\n");
    return 1;
  }
  // Written whole and renamed, so the test never reads a partial port number.
  const std::string temporary = port_file + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr || std::fprintf(file, "%d\n", port) < 0 || std::fclose(file) != 0 ||
      std::rename(temporary.c_str(), port_file.c_str()) != 0) {
    std::perror("writing --port_file");
    return 1;
  }
  server->Wait();
  return 0;
}
