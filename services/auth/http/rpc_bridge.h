// RpcBridge: the HTTP front's way into the gRPC services it is given. Every call goes over the
// server's in-process gRPC channel to the same service objects that serve gRPC, so validation,
// abuse limits, deadlines, metrics and logs apply to it exactly as to a gRPC call. Requests and
// responses travel as the methods' protobuf messages, found through the services' descriptors:
// a new RPC, or a new service, is served without code here.
//
//   RpcBridge bridge(server->InProcessChannel(grpc::ChannelArguments()), {service_descriptor});
//   const google::protobuf::MethodDescriptor* method = bridge.FindMethod("/pkg.Service/Method");
//   bridge.Call({.method = method, .request = bytes, .client_address = "203.0.113.7"},
//               [](RpcResult result) { ... });   // on a gRPC thread
#ifndef SERVICES_AUTH_HTTP_RPC_BRIDGE_H_
#define SERVICES_AUTH_HTTP_RPC_BRIDGE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace auth::http {

// One call on behalf of an HTTP client.
struct RpcRequest {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string request;         // the request message, serialized
  std::string authorization;   // forwarded as `authorization` metadata when not empty
  std::string cookie;          // forwarded as `cookie` metadata when not empty
  std::string client_address;  // the HTTP client's IP address ("203.0.113.7")
  bool browser = false;        // a browser's request: marked so (rpc/browser_call.h), else unmarked
  std::optional<absl::Duration> timeout;  // the client's own deadline, if it sent one
};

struct RpcResult {
  grpc::Status status;
  std::string response;     // the response message, serialized (OK only)
  std::string retry_after;  // the `retry-after` trailer of a refused attempt, or empty
  // Every `set-cookie` value the service sent (initial metadata, then trailers), in order.
  std::vector<std::string> set_cookies;
};

// When a call whose client asked for `timeout` must end: `now` plus the timeout, first clamped
// to `max_call_duration` (the server bounds every call by it anyway). Clamped before any
// arithmetic, so that no number a client sends reaches it: "grpc-timeout: 99999999H" in
// system_clock's signed nanoseconds would overflow (undefined behaviour).
std::chrono::system_clock::time_point CallDeadline(std::chrono::system_clock::time_point now,
                                                   absl::Duration timeout,
                                                   absl::Duration max_call_duration);

class RpcBridge {
 public:
  // Serves the methods of `services` (descriptors of the generated pool; not owned). A client's
  // timeout is clamped to `max_call_duration` (--max_call_duration) before it is used.
  RpcBridge(std::shared_ptr<grpc::Channel> channel,
            std::vector<const google::protobuf::ServiceDescriptor*> services,
            absl::Duration max_call_duration = absl::Seconds(10));

  // The method whose gRPC path is `path` ("/example.v1.Greeter/SayHello"); null if none of the
  // services has it.
  const google::protobuf::MethodDescriptor* FindMethod(absl::string_view path) const;

  // Whether `path` is under one of the services ("/example.v1.Greeter/..."), method or not.
  bool IsServicePath(absl::string_view path) const;

  // Starts the call; `done` runs once, on a gRPC thread, when it finished.
  void Call(RpcRequest request, std::function<void(RpcResult)> done);

 private:
  grpc::GenericStub stub_;
  absl::Duration max_call_duration_;
  std::vector<std::string> service_prefixes_;  // "/example.v1.Greeter/"
  absl::flat_hash_map<std::string, const google::protobuf::MethodDescriptor*> methods_;
};

// A new, empty message of `type` (a request or response type of a service).
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor& type);

// `json` as a message of `type` (proto3 JSON: camelCase or proto field names). kInvalidArgument
// for malformed JSON, unknown fields or wrong types; the message names the type, never the input
// (which may hold a password digest).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseJson(
    const google::protobuf::Descriptor& type, absl::string_view json);

// `bytes` as a message of `type`; kInvalidArgument if they are not one.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseBinary(
    const google::protobuf::Descriptor& type, absl::string_view bytes);

// A message as proto3 JSON (camelCase names).
std::string ToJson(const google::protobuf::Message& message);

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_RPC_BRIDGE_H_
