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

// How long a browser that saw Strict-Transport-Security keeps to HTTPS for the host: a year,
// the value preload lists ask for.
inline constexpr int kHstsMaxAgeSeconds = 31536000;

struct HttpFrontOptions {
  // host:port ("127.0.0.1:8080", "[::1]:0"); port 0 picks a free one (port()).
  std::string listen;
  // The server's own origins ("https://auth.example.com"): a request whose scheme and Host are
  // none of them is answered 421 (origin_policy.h). Empty: on a loopback listen address, its
  // loopback origins (http[s]://<address>:<port> and http[s]://localhost:<port>); on any
  // other, the origin the Host header names (no Host check).
  std::vector<std::string> public_origins;
  // Browser origins besides the server's own that may call the RPCs (origin_policy.h).
  std::vector<std::string> allowed_origins;
  // PEM contents; both set: HTTPS only, both empty: plain HTTP.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // With TLS: the files tls_cert_pem and tls_key_pem came from, read again every
  // tls_reload_interval; a pair that changed and is usable is served to new connections
  // (connections open keep theirs), one that is not is logged and the one in force kept.
  // Empty: no reload.
  std::string tls_cert_file;
  std::string tls_key_file;
  absl::Duration tls_reload_interval = absl::Minutes(1);
  // With TLS, every answer carries Strict-Transport-Security: max-age=31536000, and
  // includeSubDomains when this is set.
  bool hsts_include_subdomains = false;
  HttpLimits limits;
  // Connections open at once, and per client address (an IPv6 address counts as its /64);
  // more are closed as soon as they are accepted, before any byte is read.
  int max_connections = 1024;
  int max_connections_per_address = 64;
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
