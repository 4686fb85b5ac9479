// Interceptors that annotate gRPC's happens-before for ThreadSanitizer; see the header.
#include "libs/testing/grpc_happens_before.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_interceptor.h"
#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/server_interceptor.h"

#if defined(__SANITIZE_THREAD__)
#define AUTH_TSAN_ANNOTATIONS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AUTH_TSAN_ANNOTATIONS 1
#endif
#endif

#ifdef AUTH_TSAN_ANNOTATIONS
// ThreadSanitizer's runtime interface: happens-before through the address `addr`.
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace auth::test_util {
namespace {

using ::grpc::experimental::InterceptionHookPoints;

// One synchronisation address per direction, so client->server and server->client edges never
// order two server threads (or two client threads) with each other.
char client_to_server;
char server_to_client;

void Release(char* edge) {
#ifdef AUTH_TSAN_ANNOTATIONS
  __tsan_release(edge);
#else
  (void)edge;
#endif
}

void Acquire(char* edge) {
#ifdef AUTH_TSAN_ANNOTATIONS
  __tsan_acquire(edge);
#else
  (void)edge;
#endif
}

bool IsSend(grpc::experimental::InterceptorBatchMethods* methods) {
  return methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CLOSE);
}

bool IsReceive(grpc::experimental::InterceptorBatchMethods* methods) {
  return methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS) ||
         methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE);
}

// Releases `send_edge` before anything is sent; acquires `receive_edge` after anything arrives.
class HappensBeforeInterceptor : public grpc::experimental::Interceptor {
 public:
  HappensBeforeInterceptor(char* send_edge, char* receive_edge)
      : send_edge_(send_edge), receive_edge_(receive_edge) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (IsReceive(methods)) Acquire(receive_edge_);
    if (IsSend(methods)) Release(send_edge_);
    methods->Proceed();
  }

 private:
  char* const send_edge_;
  char* const receive_edge_;
};

class ServerFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    return new HappensBeforeInterceptor(&server_to_client, &client_to_server);
  }
};

class ClientFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new HappensBeforeInterceptor(&client_to_server, &server_to_client);
  }
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerHappensBeforeInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ServerFactory>());
  return creators;
}

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
ClientHappensBeforeInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<ClientFactory>());
  return creators;
}

std::shared_ptr<grpc::Channel> CreateInsecureChannelWithHappensBefore(const std::string& target) {
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(),
      ClientHappensBeforeInterceptors());
}

}  // namespace auth::test_util
