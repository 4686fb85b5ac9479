// gRPC interceptors that show ThreadSanitizer the ordering gRPC itself guarantees, for in-process
// tests whose client and server share memory (mocks, captured variables, fakes).
//
//   grpc::ServerBuilder builder;
//   builder.experimental().SetInterceptorCreators(
//       auth::test_util::ServerHappensBeforeInterceptors());
//   ...
//   auto channel = auth::test_util::CreateInsecureChannelWithHappensBefore(address);
//
// Why: Debian's libgrpc is not built with TSan, so TSan cannot see that a call's request is sent
// before the handler runs, or that the handler finished before the client's call returns. A test
// that sets a gMock expectation (or reads what a mock action captured) across a real gRPC call
// is then reported as racing with the handler's threads. These interceptors run in instrumented
// code at the call's edges: the sending side of each message releases, the receiving side
// acquires, which is exactly the happens-before gRPC provides. They synchronise only client to
// server and server to client, so races between two server threads stay visible.
// Without --config=tsan they do nothing; installing them unconditionally is fine.
#ifndef LIBS_TESTING_GRPC_HAPPENS_BEFORE_H_
#define LIBS_TESTING_GRPC_HAPPENS_BEFORE_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/server_interceptor.h"

namespace auth::test_util {

// For grpc::ServerBuilder::experimental().SetInterceptorCreators().
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerHappensBeforeInterceptors();

// For grpc::experimental::CreateCustomChannelWithInterceptors().
std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
ClientHappensBeforeInterceptors();

// An insecure channel to `target` with ClientHappensBeforeInterceptors() installed.
std::shared_ptr<grpc::Channel> CreateInsecureChannelWithHappensBefore(const std::string& target);

}  // namespace auth::test_util

#endif  // LIBS_TESTING_GRPC_HAPPENS_BEFORE_H_
