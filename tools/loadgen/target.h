// Which addresses the load generator may send load to: loopback only.
//
//   if (absl::Status ok = CheckLoopbackTarget(target); !ok.ok()) return ok;
//
// A load test floods its target, so the tool refuses anything that is not this machine:
// "127.x.y.z:port", "localhost:port", "[::1]:port", with an optional "ipv4:"/"ipv6:"/"dns:///"
// scheme. Host names other than "localhost" are refused rather than resolved, so DNS can never
// turn a target into a remote address.
#ifndef TOOLS_LOADGEN_TARGET_H_
#define TOOLS_LOADGEN_TARGET_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace auth::loadgen {

// OK if `target` is a loopback host with a port; kInvalidArgument saying why not otherwise.
absl::Status CheckLoopbackTarget(absl::string_view target);

}  // namespace auth::loadgen

#endif  // TOOLS_LOADGEN_TARGET_H_
