// RpcBridge: calls over the in-process channel; see rpc_bridge.h.
#include "services/auth/http/rpc_bridge.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "libs/authn/credentials.h"
#include "services/auth/rpc/browser_call.h"
#include "services/auth/rpc/caller.h"
#include "services/auth/rpc/status_mapping.h"

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

// The values of `key` in `metadata`, appended to `values`.
void AppendValues(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                  absl::string_view key, std::vector<std::string>& values) {
  const auto [begin, end] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  for (auto it = begin; it != end; ++it) values.emplace_back(it->second.data(), it->second.size());
}

}  // namespace

std::chrono::system_clock::time_point CallDeadline(std::chrono::system_clock::time_point now,
                                                   absl::Duration timeout,
                                                   absl::Duration max_call_duration) {
  const absl::Duration bounded =
      std::max(absl::ZeroDuration(), std::min(timeout, max_call_duration));
  return now + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                   absl::ToChronoMicroseconds(bounded));
}

RpcBridge::RpcBridge(std::shared_ptr<grpc::Channel> channel,
                     std::vector<const google::protobuf::ServiceDescriptor*> services,
                     absl::Duration max_call_duration)
    : stub_(std::move(channel)), max_call_duration_(max_call_duration) {
  for (const google::protobuf::ServiceDescriptor* service : services) {
    const std::string prefix = absl::StrCat("/", service->full_name(), "/");
    service_prefixes_.push_back(prefix);
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      // Unary only: the front answers one message per request.
      if (method->client_streaming() || method->server_streaming()) continue;
      methods_.emplace(absl::StrCat(prefix, method->name()), method);
    }
  }
}

const google::protobuf::MethodDescriptor* RpcBridge::FindMethod(absl::string_view path) const {
  const auto found = methods_.find(path);
  return found == methods_.end() ? nullptr : found->second;
}

bool RpcBridge::IsServicePath(absl::string_view path) const {
  for (const std::string& prefix : service_prefixes_) {
    if (absl::StartsWith(path, prefix)) return true;
  }
  return false;
}

void RpcBridge::Call(RpcRequest request, std::function<void(RpcResult)> done) {
  auto state = std::make_shared<CallState>();
  state->done = std::move(done);
  if (!request.authorization.empty()) {
    state->context.AddMetadata(authn::kAuthorizationHeader, request.authorization);
  }
  if (!request.cookie.empty()) state->context.AddMetadata(authn::kCookieHeader, request.cookie);
  state->context.AddMetadata(service::kClientAddressMetadata, request.client_address);
  if (request.browser) {
    state->context.AddMetadata(service::kBrowserCallMetadata, service::kBrowserCallValue);
  }
  if (request.timeout.has_value()) {
    state->context.set_deadline(
        CallDeadline(std::chrono::system_clock::now(), *request.timeout, max_call_duration_));
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
                    if (auto it = trailers.find(service::kRetryAfterKey); it != trailers.end()) {
                      result.retry_after.assign(it->second.data(), it->second.size());
                    }
                    // What the service says of cookies, as grpc-gateway passes it on.
                    AppendValues(state->context.GetServerInitialMetadata(), authn::kSetCookieHeader,
                                 result.set_cookies);
                    AppendValues(trailers, authn::kSetCookieHeader, result.set_cookies);
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
