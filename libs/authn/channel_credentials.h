// ChannelCredentialsFor: how a service (or a tool) reaches the auth service: plaintext, TLS that
// verifies the server against a CA, or mTLS that also presents a client certificate.
//
//   ClientTlsFiles tls;
//   tls.enabled = true;
//   tls.ca_cert = "/etc/auth/ca.pem";          // empty: the system's roots
//   tls.client_cert = "/etc/greeter/cert.pem";  // with client_key: mTLS
//   tls.client_key = "/etc/greeter/key.pem";
//   absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
//       ChannelCredentialsFor(tls);
//   auto channel = grpc::CreateChannel("auth.internal:50051", *credentials);
//
// The files are read once, here: a client's channel lives as long as its certificate, and a
// client restarts to take a renewed one (the server side reloads its own, auth_server.cc).
#ifndef LIBS_AUTHN_CHANNEL_CREDENTIALS_H_
#define LIBS_AUTHN_CHANNEL_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace auth::authn {

struct ClientTlsFiles {
  bool enabled = false;     // false: plaintext, and every path below must be empty
  std::string ca_cert;      // PEM CA(s) the server's certificate must chain to; empty: system
  std::string client_cert;  // PEM certificate chain presented for mTLS, with client_key
  std::string client_key;   // its PEM private key
};

// kInvalidArgument when paths are given without TLS, or a client certificate without its key
// (or the reverse); kNotFound naming the file that cannot be read. Never any file's contents.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const ClientTlsFiles& tls);

}  // namespace auth::authn

#endif  // LIBS_AUTHN_CHANNEL_CREDENTIALS_H_
