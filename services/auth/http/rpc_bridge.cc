// RpcBridge: AuthService calls over the in-process channel; see rpc_bridge.h.
#include "services/auth/http/rpc_bridge.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/auth/rpc/caller.h"

namespace auth::http {
namespace {

// What one call keeps alive until gRPC is done with it.
struct CallState {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::function<void(RpcResult)> done;
};

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

}  // namespace

RpcBridge::RpcBridge(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {}

const google::protobuf::MethodDescriptor* RpcBridge::FindMethod(absl::string_view name) {
  static const google::protobuf::ServiceDescriptor* const service =
      auth::v1::RegisterRequest::descriptor()->file()->FindServiceByName("AuthService");
  return service->FindMethodByName(std::string(name));
}

void RpcBridge::Call(RpcRequest request, std::function<void(RpcResult)> done) {
  auto state = std::make_shared<CallState>();
  state->done = std::move(done);
  if (!request.authorization.empty()) {
    state->context.AddMetadata("authorization", request.authorization);
  }
  if (!request.cookie.empty()) state->context.AddMetadata("cookie", request.cookie);
  state->context.AddMetadata(service::kHttpPeerMetadata, request.peer);
  if (request.timeout.has_value()) {
    state->context.set_deadline(std::chrono::system_clock::now() +
                                absl::ToChronoMilliseconds(*request.timeout));
  }
  grpc::Slice slice(request.request);
  state->request = grpc::ByteBuffer(&slice, 1);
  const std::string path =
      absl::StrCat("/", request.method->service()->full_name(), "/", request.method->name());
  stub_.UnaryCall(&state->context, path, grpc::StubOptions(), &state->request, &state->response,
                  [state](grpc::Status status) {
                    RpcResult result;
                    result.status = std::move(status);
                    if (result.status.ok()) result.response = Flatten(state->response);
                    const auto& trailers = state->context.GetServerTrailingMetadata();
                    if (auto it = trailers.find("retry-after"); it != trailers.end()) {
                      result.retry_after.assign(it->second.data(), it->second.size());
                    }
                    std::function<void(RpcResult)> finish = std::move(state->done);
                    finish(std::move(result));
                  });
}

std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor& type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseJson(
    const google::protobuf::Descriptor& type, absl::string_view json) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(type);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(json.data(), json.size()), message.get(), options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body: not a JSON ", type.full_name(),
                     " (malformed JSON, an unknown field or a value of the wrong type)"));
  }
  return message;
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseBinary(
    const google::protobuf::Descriptor& type, absl::string_view bytes) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(type);
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body: not a binary ", type.full_name()));
  }
  return message;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  // Our responses are always convertible; an empty object is the fallback all the same.
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) return "{}";
  return json;
}

}  // namespace auth::http
