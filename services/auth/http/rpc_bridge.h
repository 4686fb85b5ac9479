// RpcBridge: the HTTP front's way into the AuthService. Every call goes over the server's
// in-process gRPC channel to the same AuthServiceImpl that serves gRPC, so validation, abuse
// limits, deadlines, metrics and logs apply to it exactly as to a gRPC call. Requests and
// responses travel as the methods' protobuf messages, found by name in the generated
// descriptors (so a new RPC in api/auth/v1 is served without code here).
//
//   RpcBridge bridge(server->InProcessChannel(grpc::ChannelArguments()));
//   const google::protobuf::MethodDescriptor* login = RpcBridge::FindMethod("Login");
//   bridge.Call({.method = login, .request = bytes, .peer = "ipv4:1.2.3.4:5"},
//               [](RpcResult result) { ... });   // on a gRPC thread
#ifndef SERVICES_AUTH_HTTP_RPC_BRIDGE_H_
#define SERVICES_AUTH_HTTP_RPC_BRIDGE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace auth::http {

// One AuthService call on behalf of an HTTP client.
struct RpcRequest {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string request;                    // the request message, serialized
  std::string authorization;              // forwarded as `authorization` metadata when not empty
  std::string cookie;                     // forwarded as `cookie` metadata when not empty
  std::string peer;                       // the HTTP client, as a gRPC peer ("ipv4:1.2.3.4:5")
  std::optional<absl::Duration> timeout;  // the client's own deadline, if it sent one
};

struct RpcResult {
  grpc::Status status;
  std::string response;     // the response message, serialized (OK only)
  std::string retry_after;  // the `retry-after` trailer of a refused attempt, or empty
};

class RpcBridge {
 public:
  explicit RpcBridge(std::shared_ptr<grpc::Channel> channel);

  // The AuthService method called `name` ("Login"); null if there is none.
  static const google::protobuf::MethodDescriptor* FindMethod(absl::string_view name);

  // Starts the call; `done` runs once, on a gRPC thread, when it finished.
  void Call(RpcRequest request, std::function<void(RpcResult)> done);

 private:
  grpc::GenericStub stub_;
};

// A new, empty message of `type` (a request or response type of the service).
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
