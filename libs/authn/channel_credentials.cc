// ChannelCredentialsFor; see channel_credentials.h.
#include "libs/authn/channel_credentials.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/credentials.h"

namespace auth::authn {
namespace {

absl::StatusOr<std::string> ReadPem(const char* what, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || file.bad()) {
    return absl::NotFoundError(absl::StrCat("cannot read the ", what, " file ", path));
  }
  return contents.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ClientTlsFiles& tls) {
  if (!tls.enabled) {
    if (!tls.ca_cert.empty() || !tls.client_cert.empty() || !tls.client_key.empty()) {
      return absl::InvalidArgumentError(
          "a CA or client certificate is given, but TLS is not enabled");
    }
    return grpc::InsecureChannelCredentials();
  }
  if (tls.client_cert.empty() != tls.client_key.empty()) {
    return absl::InvalidArgumentError("the client certificate and its key go together");
  }
  grpc::SslCredentialsOptions options;
  if (!tls.ca_cert.empty()) {
    absl::StatusOr<std::string> ca = ReadPem("CA certificate", tls.ca_cert);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
  }
  if (!tls.client_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadPem("client certificate", tls.client_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem("client key", tls.client_key);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace auth::authn
