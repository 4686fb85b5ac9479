// CallerPeer: see caller_peer.h.
#include "services/auth/caller_peer.h"

#include <map>
#include <string>

namespace auth::service {

std::string CallerPeer(absl::string_view peer,
                       const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  if (peer != kInProcessPeer) return std::string(peer);
  // Only the front calls in-process, and it sends exactly one value; anything else is kept as
  // the in-process peer rather than guessed at.
  if (client_metadata.count(kHttpPeerMetadata) != 1) return std::string(peer);
  const grpc::string_ref value = client_metadata.find(kHttpPeerMetadata)->second;
  return std::string(value.data(), value.size());
}

std::string CallerPeer(const grpc::ServerContextBase& context) {
  return CallerPeer(context.peer(), context.client_metadata());
}

}  // namespace auth::service
