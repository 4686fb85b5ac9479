// HttpFront: the server's HTTP port for browsers and non-gRPC consumers (--http_listen): the
// gRPC services it is given in Connect and gRPC-Web, the sign-in page, /healthz and the JWKS
// document (see http_router.h for the routes). HTTP/1.1 with keep-alive, plain or TLS, on
// Boost.Beast/Asio with a few threads of its own; every call goes to its service over the gRPC
// server's in-process channel (rpc_bridge.h).
//
//   absl::StatusOr<std::unique_ptr<HttpFront>> front =
//       HttpFront::Start(options, grpc_server->InProcessChannel(grpc::ChannelArguments()));
//   std::cout << "http on port " << (*front)->port();
//   ... (*front)->StopAccepting();  grpc_server->Shutdown();  front->reset();
//
// Shutdown is in two steps because answers come back through the gRPC server: StopAccepting()
// closes the listener, the gRPC server then finishes the calls in flight (their answers are
// still written), and the destructor closes the connections and joins the threads.
#ifndef SERVICES_AUTH_HTTP_HTTP_FRONT_H_
#define SERVICES_AUTH_HTTP_HTTP_FRONT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "services/auth/http/http_connection.h"

namespace auth::http {

struct HttpFrontOptions {
  // host:port ("127.0.0.1:8080", "[::1]:0"); port 0 picks a free one (port()).
  std::string listen;
  // Browser origins besides the server's own that may call the RPCs (origin_policy.h).
  std::vector<std::string> allowed_origins;
  // PEM contents; both set: HTTPS only, both empty: plain HTTP.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  HttpLimits limits;
  // Connections open at once; more are closed as soon as they are accepted.
  int max_connections = 1024;
  // A client's timeout header is clamped to this (--max_call_duration) before it is used.
  absl::Duration max_call_duration = absl::Seconds(10);
  // Threads that run the connections (parsing, routing, writing; never a blocking call).
  int threads = 2;
  // The services whose unary methods are served (descriptors of the generated pool).
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  // What /.well-known/jwks.json serves: the document GetJwks answers, asked per request so it
  // follows a key reload.
  std::function<std::string()> jwks;
  // Whether /healthz answers SERVING (200) or NOT_SERVING (503).
  std::function<bool()> serving;
};

class HttpFront {
 public:
  // Binds options.listen and serves. kInvalidArgument for a bad address, origin or TLS key
  // pair; kUnavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpFront>> Start(HttpFrontOptions options,
                                                          std::shared_ptr<grpc::Channel> channel);

  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;
  // Stops accepting (if not yet), closes every connection and joins the threads.
  ~HttpFront();

  // The bound port.
  int port() const;

  // Closes the listener; connections already open are still served.
  void StopAccepting();

 private:
  struct Impl;
  explicit HttpFront(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_HTTP_FRONT_H_
