// RpcHandler: the Connect and gRPC-Web forms of the services' methods; see rpc_handler.h.
#include "services/auth/http/rpc_handler.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/auth/http/connect_protocol.h"
#include "services/auth/http/grpc_web_protocol.h"
#include "services/auth/rpc/caller.h"

namespace auth::http {
namespace {

namespace beast_http = boost::beast::http;

// The protocol and body encoding of one call.
struct Protocol {
  bool grpc_web = false;
  ConnectCodec connect_codec = ConnectCodec::kJson;
  GrpcWebEncoding grpc_web_encoding = GrpcWebEncoding::kBinary;
};

std::string HeaderValue(const Request& request, beast_http::field field) {
  const auto it = request.find(field);
  return it == request.end() ? std::string() : std::string(it->value());
}

std::string HeaderValue(const Request& request, absl::string_view name) {
  const auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string() : std::string(it->value());
}

// The client the call counts against: the TCP peer, or, when the peer is a trusted proxy
// (--trusted_proxies), the client it names in X-Forwarded-For (rpc/caller.h).
std::string ClientIp(const Request& request, const std::string& peer_ip) {
  std::vector<absl::string_view> forwarded_for;
  const auto [begin, end] = request.equal_range(service::kForwardedForMetadata);
  for (auto field = begin; field != end; ++field) {
    forwarded_for.emplace_back(field->value().data(), field->value().size());
  }
  return service::ForwardedClientIp(peer_ip, forwarded_for);
}

Response NewResponse(const Request& request, beast_http::status status) {
  Response response(status, request.version());
  response.set("X-Content-Type-Options", "nosniff");
  response.set(beast_http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  return response;
}

// A call that failed, in its protocol's form. gRPC-Web errors found before the call (a bad
// frame, a refused origin) get the HTTP status Connect would give too, so that they read as
// the client's fault even to a plain HTTP client; the gRPC status goes in the headers
// ("trailers-only").
Response ErrorResponse(const Request& request, const Protocol& protocol, const grpc::Status& status,
                       absl::string_view retry_after) {
  const ConnectError error = ToConnectError(status);
  Response response = NewResponse(request, static_cast<beast_http::status>(error.http_status));
  if (!retry_after.empty()) {
    response.set(beast_http::field::retry_after,
                 boost::beast::string_view(retry_after.data(), retry_after.size()));
  }
  if (protocol.grpc_web) {
    response.set(beast_http::field::content_type,
                 protocol.grpc_web_encoding == GrpcWebEncoding::kText
                     ? "application/grpc-web-text+proto"
                     : "application/grpc-web+proto");
    response.set("grpc-status", std::to_string(static_cast<int>(status.error_code())));
    response.set("grpc-message", PercentEncodeGrpcMessage(status.error_message()));
  } else {
    response.set(beast_http::field::content_type, "application/json");
    response.body() = error.json;
  }
  response.prepare_payload();
  return response;
}

// The request message, decoded from its protocol's body.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> DecodeRequest(
    const google::protobuf::Descriptor& type, const Protocol& protocol, const std::string& body) {
  if (protocol.grpc_web) {
    absl::StatusOr<std::string> message = ReadUnaryRequest(body, protocol.grpc_web_encoding);
    if (!message.ok()) return message.status();
    return ParseBinary(type, *message);
  }
  if (protocol.connect_codec == ConnectCodec::kJson) return ParseJson(type, body);
  return ParseBinary(type, body);
}

// The answer to a call that completed, in its protocol's form.
Response CompletedResponse(const Request& request, const Protocol& protocol,
                           const google::protobuf::MethodDescriptor& method,
                           const RpcResult& result) {
  if (protocol.grpc_web) {
    Response response = NewResponse(request, beast_http::status::ok);
    response.set(beast_http::field::content_type,
                 protocol.grpc_web_encoding == GrpcWebEncoding::kText
                     ? "application/grpc-web-text+proto"
                     : "application/grpc-web+proto");
    std::vector<std::pair<std::string, std::string>> trailers;
    if (!result.retry_after.empty()) trailers.emplace_back("retry-after", result.retry_after);
    response.body() =
        WriteUnaryResponse(&result.response, result.status, trailers, protocol.grpc_web_encoding);
    response.prepare_payload();
    return response;
  }
  if (!result.status.ok())
    return ErrorResponse(request, protocol, result.status, result.retry_after);
  Response response = NewResponse(request, beast_http::status::ok);
  if (protocol.connect_codec == ConnectCodec::kProto) {
    response.set(beast_http::field::content_type, "application/proto");
    response.body() = result.response;
  } else {
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
        ParseBinary(*method.output_type(), result.response);
    if (!message.ok()) {
      return ErrorResponse(request, protocol,
                           grpc::Status(grpc::StatusCode::INTERNAL, "unreadable response"), "");
    }
    response.set(beast_http::field::content_type, "application/json");
    response.body() = ToJson(**message);
  }
  response.prepare_payload();
  return response;
}

}  // namespace

void AddCorsHeaders(const Request& request, const RequestInfo& info, const OriginPolicy& origins,
                    Response& response) {
  response.set(beast_http::field::vary, "Origin");
  const std::string origin = HeaderValue(request, beast_http::field::origin);
  if (!origins.AllowsOrigin(origin, info.own_origin)) return;
  response.set(beast_http::field::access_control_allow_origin, origin);
  response.set(beast_http::field::access_control_allow_credentials, "true");
  response.set(beast_http::field::access_control_expose_headers,
               "grpc-status, grpc-message, retry-after");
}

void RpcHandler::Handle(absl::string_view path, const Request& request, const RequestInfo& info,
                        Respond respond) const {
  const std::string content_type = HeaderValue(request, beast_http::field::content_type);
  Protocol protocol;  // Connect JSON unless the content type names another
  bool known_content_type = true;
  if (std::optional<GrpcWebEncoding> encoding = GrpcWebEncodingOf(content_type)) {
    protocol.grpc_web = true;
    protocol.grpc_web_encoding = *encoding;
  } else if (std::optional<ConnectCodec> codec = ConnectCodecOf(content_type)) {
    protocol.connect_codec = *codec;
  } else {
    known_content_type = false;
  }
  auto fail = [&](grpc::StatusCode code, std::string message) {
    Response response = ErrorResponse(request, protocol, grpc::Status(code, message), "");
    AddCorsHeaders(request, info, origins_, response);
    respond(std::move(response));
  };
  // Before any work, and before the content type: a foreign page's form post is refused for
  // where it comes from (403), whatever it sends.
  if (absl::Status allowed =
          origins_.CheckRequest(HeaderValue(request, beast_http::field::origin),
                                HeaderValue(request, "sec-fetch-site"), info.own_origin);
      !allowed.ok()) {
    fail(grpc::StatusCode::PERMISSION_DENIED, std::string(allowed.message()));
    return;
  }
  if (!known_content_type) {
    Response response = ErrorResponse(
        request, protocol,
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     "Content-Type must be application/json or application/proto (Connect), or "
                     "application/grpc-web+proto or application/grpc-web-text (gRPC-Web)"),
        "");
    response.result(beast_http::status::unsupported_media_type);
    response.set("Accept-Post", "application/json, application/proto");
    AddCorsHeaders(request, info, origins_, response);
    respond(std::move(response));
    return;
  }
  const google::protobuf::MethodDescriptor* method = bridge_.FindMethod(path);
  if (method == nullptr) {
    Response response = ErrorResponse(
        request, protocol,
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, absl::StrCat("no method ", path.substr(1))),
        "");
    response.result(beast_http::status::not_found);
    respond(std::move(response));
    return;
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
      DecodeRequest(*method->input_type(), protocol, request.body());
  if (!message.ok()) {
    fail(grpc::StatusCode::INVALID_ARGUMENT, std::string(message.status().message()));
    return;
  }
  RpcRequest call;
  call.method = method;
  call.authorization = HeaderValue(request, beast_http::field::authorization);
  call.cookie = HeaderValue(request, beast_http::field::cookie);
  call.client_address = ClientIp(request, info.client_address);
  // Browsers send one or both on every POST; other HTTP clients, neither. A browser gets its
  // tokens in HttpOnly cookies only, out of its page scripts' reach.
  call.browser = request.find(beast_http::field::origin) != request.end() ||
                 request.find("sec-fetch-site") != request.end();
  call.request = (*message)->SerializeAsString();
  call.timeout = protocol.grpc_web
                     ? ParseGrpcTimeout(HeaderValue(request, "grpc-timeout"))
                     : ParseConnectTimeout(HeaderValue(request, "connect-timeout-ms"));
  // The request is the connection's and may be gone when the call ends: keep what the answer
  // needs.
  auto head = std::make_shared<Request>(request.method(), request.target(), request.version());
  head->keep_alive(request.keep_alive());
  if (const auto origin = request.find(beast_http::field::origin); origin != request.end()) {
    head->set(beast_http::field::origin, origin->value());
  }
  bridge_.Call(std::move(call), [head, protocol, method, info, respond = std::move(respond),
                                 &origins = origins_](RpcResult result) {
    Response response = CompletedResponse(*head, protocol, *method, result);
    for (const std::string& cookie : result.set_cookies) {
      response.insert(beast_http::field::set_cookie, cookie);
    }
    AddCorsHeaders(*head, info, origins, response);
    respond(std::move(response));
  });
}

}  // namespace auth::http
