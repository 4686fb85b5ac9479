// The peer a call counts against (abuse limits, audit, sessions): the gRPC peer, or, for a call
// that the server's own HTTP front (services/auth/http) made over the in-process channel, the
// HTTP client's address that the front forwarded in kHttpPeerMetadata.
//
//   const std::string address = ClientAddress(CallerPeer(*context));
//
// The metadata is believed only on calls whose peer is the in-process channel, which no
// network client can reach: a gRPC client that sends it over TCP or a unix socket is counted
// by its own address, so it cannot forge one.
#ifndef SERVICES_AUTH_CALLER_PEER_H_
#define SERVICES_AUTH_CALLER_PEER_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"

namespace auth::service {

// Metadata key of the HTTP client's address, in the form of a gRPC peer ("ipv4:1.2.3.4:5").
inline constexpr char kHttpPeerMetadata[] = "x-auth-http-peer";

// The peer of a call on gRPC's in-process transport: gRPC 1.51 has none to report and says
// "unknown", where every network transport reports a URI ("ipv4:...", "ipv6:...", "unix:...").
// attempt_gate_service_test fails if a gRPC update changes that.
inline constexpr char kInProcessPeer[] = "unknown";

// `peer` unless it is kInProcessPeer and `client_metadata` holds one kHttpPeerMetadata value
// (then that value).
std::string CallerPeer(absl::string_view peer,
                       const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata);

// The same for a server call.
std::string CallerPeer(const grpc::ServerContextBase& context);

}  // namespace auth::service

#endif  // SERVICES_AUTH_CALLER_PEER_H_
