// The listeners' settings from the config: the gRPC port's credentials and the HTTP front's
// options; see auth_server.h.
#include <memory>
#include <string>

#include "api/auth/v1/account.grpc.pb.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/credential.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/auth/server/auth_server.h"

namespace auth::service {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const ServerConfig& config) {
  if (config.tls_cert.empty() && config.tls_key.empty()) {
    if (!config.tls_client_ca.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert.empty() || config.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  for (const std::string* path : {&config.tls_cert, &config.tls_key, &config.tls_client_ca}) {
    if (path->empty()) continue;
    if (absl::StatusOr<std::string> pem = ReadConfigFile(*path); !pem.ok()) return pem.status();
  }
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      config.tls_key, config.tls_cert, config.tls_client_ca,
      static_cast<unsigned int>(absl::ToInt64Seconds(config.tls_reload_interval)));
  grpc::experimental::TlsServerCredentialsOptions options(files);
  options.watch_identity_key_cert_pairs();
  if (config.tls_client_ca.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

http::HttpFrontOptions HttpFrontOptionsFromConfig(const ServerConfig& config) {
  http::HttpFrontOptions options;
  options.listen = config.http_listen;
  options.allowed_origins = config.http_allowed_origins;
  options.public_origins = config.http_public_origins;
  // Read again on gRPC's interval: a renewed certificate is served on both without a restart.
  options.tls_cert_file = config.http_tls_cert;
  options.tls_key_file = config.http_tls_key;
  options.tls_reload_interval = config.tls_reload_interval;
  options.hsts_include_subdomains = config.http_hsts_include_subdomains;
  options.max_connections = config.http_max_connections;
  options.max_connections_per_address = config.http_max_connections_per_address;
  options.limits.header_timeout = config.http_header_timeout;
  // The front serves every method of the services named here, and nothing else.
  const google::protobuf::DescriptorPool& pool =
      *google::protobuf::DescriptorPool::generated_pool();
  options.services = {pool.FindServiceByName(auth::v1::AuthService::service_full_name()),
                      pool.FindServiceByName(auth::v1::AccountService::service_full_name()),
                      pool.FindServiceByName(auth::v1::CredentialService::service_full_name())};
  options.max_call_duration = config.service.max_call_duration;
  return options;
}

}  // namespace auth::service
