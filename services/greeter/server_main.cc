// greeter_server: serves greeter.v1.Greeter, authenticating callers with the auth service.
//
//   bazel run //services/greeter:greeter_server -- --auth_target=127.0.0.1:50051
//   ... --auth_tls --auth_ca_cert=ca.pem --auth_client_cert=me.pem --auth_client_key=me.key  # mTLS
//
// Tokens are verified locally with the auth service's published keys (GetJwks, cached and
// refreshed on rotation); with --confirm_not_revoked (the default) each call is also confirmed
// with ValidateToken, so a logout takes effect at once instead of when the token expires.
// Callers present `authorization: Bearer <token>`; with --cookie_origins the access-token cookie
// is accepted too, from browser calls (through a gRPC-Web proxy) of those origins only.
// SIGTERM/SIGINT: stop accepting, let in-flight calls finish within --shutdown_grace, exit 0.

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "libs/authn/channel_credentials.h"
#include "libs/authn/credentials.h"
#include "libs/authn/jwks_key_source.h"
#include "libs/authn/jwt_authenticator.h"
#include "libs/authn/origin_check.h"
#include "libs/logging/glog_flags.h"
#include "libs/version/version.h"
#include "services/greeter/greeter_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50061", "Address to serve gRPC on (:0 picks a port).");
ABSL_FLAG(std::string, auth_target, "127.0.0.1:50051", "The auth service's gRPC address.");
ABSL_FLAG(bool, auth_tls, false, "Reach the auth service over TLS instead of plaintext.");
ABSL_FLAG(std::string, auth_ca_cert, "",
          "With --auth_tls: PEM CA(s) the auth service's certificate must chain to (empty: the "
          "system's roots).");
ABSL_FLAG(std::string, auth_client_cert, "",
          "With --auth_tls: PEM certificate chain to present to an auth service that requires "
          "mTLS (--tls_client_ca); with --auth_client_key.");
ABSL_FLAG(std::string, auth_client_key, "", "The PEM private key of --auth_client_cert.");
ABSL_FLAG(std::string, token_issuer, "auth-service", "Expected JWT iss (auth_server's).");
ABSL_FLAG(std::string, token_audience, "auth-service-clients", "Expected JWT aud (auth_server's).");
ABSL_FLAG(bool, confirm_not_revoked, true,
          "Confirm every call's session with the auth service's ValidateToken. Without it a "
          "token stays usable here until it expires, even after Logout.");
ABSL_FLAG(std::vector<std::string>, cookie_origins, {},
          "Also accept the auth service's access-token cookie, from calls whose origin metadata is "
          "one of these (https://app.example.com,...); empty: bearer tokens only.");
ABSL_FLAG(std::string, cookie_prefix, "",
          "The auth service's --cookie_prefix, which its access-token cookie's name starts with.");
ABSL_FLAG(absl::Duration, jwks_refetch_interval, absl::Seconds(30),
          "Least time between two fetches of the auth service's keys.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish.");

namespace {

// Hello's request is empty; anything bigger than this is not a Hello.
constexpr int kMaxReceiveMessageBytes = 1024;

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves greeter.v1.Greeter to callers the auth service vouches for.");
  auth::version::InstallVersionFlag(argv[0]);
  absl::ParseCommandLine(argc, argv);
  auth::logging::InitLogging(argv[0]);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Plaintext by default (the local setup runs both services on loopback); TLS, or mTLS with a
  // client certificate, otherwise.
  auth::authn::ClientTlsFiles tls;
  tls.enabled = absl::GetFlag(FLAGS_auth_tls);
  tls.ca_cert = absl::GetFlag(FLAGS_auth_ca_cert);
  tls.client_cert = absl::GetFlag(FLAGS_auth_client_cert);
  tls.client_key = absl::GetFlag(FLAGS_auth_client_key);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> auth_credentials =
      auth::authn::ChannelCredentialsFor(tls);
  if (!auth_credentials.ok()) {
    std::cerr << "greeter_server: --auth_tls flags: " << auth_credentials.status().message()
              << "\n";
    return 1;
  }
  std::unique_ptr<auth::v1::AuthService::Stub> auth_stub = auth::v1::AuthService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_auth_target), *auth_credentials));

  auth::authn::JwksKeySourceOptions key_options;
  key_options.min_refetch_interval = absl::GetFlag(FLAGS_jwks_refetch_interval);
  auth::authn::JwksKeySource keys(auth_stub.get(), key_options);
  // Warm the cache; if the auth service is not up yet, the first call fetches instead.
  if (absl::Status fetched = keys.Refresh(); !fetched.ok()) {
    LOG(WARNING) << "auth service keys not available yet (" << fetched
                 << "); calls are refused as UNAVAILABLE until they are";
  }

  auth::authn::JwtAuthenticatorOptions authn_options;
  authn_options.issuer = absl::GetFlag(FLAGS_token_issuer);
  authn_options.audience = absl::GetFlag(FLAGS_token_audience);
  authn_options.confirm_not_revoked = absl::GetFlag(FLAGS_confirm_not_revoked);
  const std::vector<std::string> cookie_origins = absl::GetFlag(FLAGS_cookie_origins);
  authn_options.token_sources.cookie = !cookie_origins.empty();
  authn_options.token_sources.cookie_name =
      absl::StrCat(absl::GetFlag(FLAGS_cookie_prefix), auth::authn::kTokenCookie);
  auth::authn::JwtAuthenticator authenticator(&keys, auth_stub.get(), authn_options);
  greeter::GreeterServiceImpl service(&authenticator);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.RegisterService(&service);
  if (!cookie_origins.empty()) {
    // The CSRF defence that accepting the cookie needs: cookies of other origins are dropped.
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(auth::authn::MakeCookieOriginCheck(cookie_origins));
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "greeter_server: cannot listen on " << absl::GetFlag(FLAGS_listen) << "\n";
    return 1;
  }
  // Tests and scripts read this line to learn the port (e.g. with --listen=127.0.0.1:0).
  LOG(INFO) << "greeter_server listening on port " << port;
  std::cout << "greeter_server listening on port " << port << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << ": shutting down";
  server->GetHealthCheckService()->SetServingStatus(false);
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoSeconds(absl::GetFlag(FLAGS_shutdown_grace)));
  LOG(INFO) << "greeter_server stopped";
  return 0;
}
