#include "tools/loadgen/connections.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/loadgen/target.h"

namespace auth::loadgen {

absl::StatusOr<std::unique_ptr<Connections>> Connections::Open(const std::string& target, int count,
                                                               absl::Duration connect_timeout) {
  if (absl::Status loopback = CheckLoopbackTarget(target); !loopback.ok()) return loopback;
  if (count <= 0) return absl::InvalidArgumentError("need at least one connection");
  std::unique_ptr<Connections> connections(new Connections());
  const absl::Time deadline = absl::Now() + connect_timeout;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("auth.loadgen.connection_index", i);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(absl::ToChronoTime(deadline))) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", target, " (connection ", i + 1, " of ", count, ")"));
    }
    connections->auth_.push_back(auth::v1::AuthService::NewStub(channel));
    connections->credential_.push_back(auth::v1::CredentialService::NewStub(channel));
    connections->benchmark_.push_back(auth::loadgen::v1::BenchmarkService::NewStub(channel));
    connections->channels_.push_back(std::move(channel));
  }
  return connections;
}

}  // namespace auth::loadgen
