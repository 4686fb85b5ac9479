// IsBrowserCall; see browser_call.h.
#include "services/auth/rpc/browser_call.h"

#include "services/auth/rpc/caller.h"

namespace auth::service {

bool IsBrowserCall(const grpc::ServerContextBase& context) {
  if (context.peer() != kInProcessPeer) return false;
  const auto [begin, end] = context.client_metadata().equal_range(kBrowserCallMetadata);
  for (auto it = begin; it != end; ++it) {
    if (it->second == kBrowserCallValue) return true;
  }
  return false;
}

}  // namespace auth::service
