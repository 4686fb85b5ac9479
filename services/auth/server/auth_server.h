// AuthServer: the composition root of auth_server. Built from a ServerConfig, it owns every
// long-lived object: the connection pools, the repositories, the password hasher, the keys and
// token issuer/verifier, the executors, the metrics and their exposer, the AuthServiceImpl and
// the grpc::Server (with the health service and reflection). Modelled on Envoy's InstanceImpl.
//
//   absl::StatusOr<std::unique_ptr<AuthServer>> server = AuthServer::Create(config);
//   if (!server.ok()) ...                  // database unreachable, bad keys, ...
//   absl::Status started = (*server)->Start();
//   std::cout << "listening on port " << (*server)->port();
//   ... (*server)->Shutdown();             // or Wait() for another thread's Shutdown()
//
// main() (server_main.cc) only turns flags into the config and runs this; tests build the same
// server in-process (auth_server_test.cc).
//
// Create() connects to the database and applies the schema migrations; Start() binds the gRPC
// port and serves (and the HTTP front's, with http_listen: services/auth/http), and probes
// the database every health_check_period: the standard health
// service reports NOT_SERVING while it is unreachable (database_health.h); and it deletes
// expired rows every sweep_period (expired_row_sweeper.h). Shutdown() reports
// NOT_SERVING, keeps serving for the config's shutdown_drain_delay (so that load balancers
// notice), stops accepting calls, lets in-flight ones finish within shutdown_grace, then drains
// the executors. The destructor shuts down if needed. ReloadKeys() rotates the JWT keys while
// it serves (rotating_key_set.h).
#ifndef SERVICES_AUTH_SERVER_AUTH_SERVER_H_
#define SERVICES_AUTH_SERVER_AUTH_SERVER_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "services/auth/http/http_front.h"
#include "services/auth/server/server_config.h"

namespace auth::service {

// The gRPC port's credentials: insecure, TLS, or mTLS with --tls_client_ca. The files are read
// once here, so that a missing one is a clear start-up error rather than failed handshakes;
// then gRPC's FileWatcherCertificateProvider reads them again every --tls_reload_interval, so
// a renewed certificate (or client CA) is served without a restart.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const ServerConfig& config);

// The HTTP front's options that come from the flags (--http_listen and the --http_* bounds,
// origins, TLS files); the caller adds the PEM contents, the JWKS and health callbacks.
http::HttpFrontOptions HttpFrontOptionsFromConfig(const ServerConfig& config);

class AuthServer {
 public:
  // Everything but the gRPC server: kUnavailable (with advice) when the database cannot be
  // prepared, kInvalidArgument and others for bad keys, Argon2 parameters, TLS files or the
  // metrics address. Messages start with what failed ("JWT keys: ...").
  static absl::StatusOr<std::unique_ptr<AuthServer>> Create(const ServerConfig& config);

  AuthServer(const AuthServer&) = delete;
  AuthServer& operator=(const AuthServer&) = delete;
  ~AuthServer();

  // Binds config.listen and starts serving. kUnavailable if the address cannot be bound.
  absl::Status Start();

  // The bound gRPC port (after Start()), the metrics port (0 without metrics) and the HTTP
  // front's port (0 without --http_listen).
  int port() const { return port_; }
  int metrics_port() const;
  int http_port() const;

  // Reads the key files again (on SIGHUP) and installs them by RotatingKeySet's rules: a new
  // signing key is published at once and signs after config.token_key_publish_delay; the one it
  // replaces stays accepted until its tokens expire. Kids listed in
  // config.token_revoked_keys_file (read again too) are dropped at once, and if the signing key
  // is among them the reloaded one signs at once (docs/operations.md). On an error (a missing or
  // bad file, a kid that now names another key) the keys in force stay, and the message says why,
  // naming files and kids, never key material. kFailedPrecondition with an ephemeral key.
  absl::Status ReloadKeys();

  // Blocks until Shutdown() has stopped the server (from another thread).
  void Wait();

  // Marks the server NOT_SERVING, waits config.shutdown_drain_delay (still serving), stops
  // accepting calls, lets in-flight calls finish within config.shutdown_grace, then shuts the
  // executors down. Idempotent.
  void Shutdown();

 private:
  struct Parts;  // what the server owns, in construction order (auth_server.cc)

  explicit AuthServer(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace auth::service

#endif  // SERVICES_AUTH_SERVER_AUTH_SERVER_H_
