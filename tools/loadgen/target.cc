#include "tools/loadgen/target.h"

#include <arpa/inet.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace auth::loadgen {
namespace {

bool IsLoopbackHost(absl::string_view host) {
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  const std::string literal(host);
  in_addr v4;
  if (inet_pton(AF_INET, literal.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, literal.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace

absl::Status CheckLoopbackTarget(absl::string_view target) {
  absl::string_view rest = target;
  if (!absl::ConsumePrefix(&rest, "dns:///") && !absl::ConsumePrefix(&rest, "ipv4:")) {
    absl::ConsumePrefix(&rest, "ipv6:");
  }
  absl::string_view host;
  absl::string_view port;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos || !absl::StartsWith(rest.substr(close), "]:")) {
      return absl::InvalidArgumentError(absl::StrCat("target ", target, ": expected [v6]:port"));
    }
    host = rest.substr(0, close);
    port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == absl::string_view::npos || rest.find(':') != colon) {
      return absl::InvalidArgumentError(absl::StrCat("target ", target, ": expected host:port"));
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number <= 0 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("target ", target, ": bad port"));
  }
  if (!IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(
        absl::StrCat("target ", target, " is not a loopback address; the load generator only ",
                     "talks to this machine (127.0.0.0/8, ::1, localhost)"));
  }
  return absl::OkStatus();
}

}  // namespace auth::loadgen
