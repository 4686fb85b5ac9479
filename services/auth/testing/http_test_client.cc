// HttpTestClient; see http_test_client.h.
#include "services/auth/testing/http_test_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace auth::service_testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Reads one response from `stream` into a reply.
absl::StatusOr<HttpReply> ReadReply(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(1 << 20);
  beast::error_code ec;
  beast::http::read(stream, buffer, parser, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("reading the response: ", ec.message()));
  const auto& response = parser.get();
  HttpReply reply;
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name = absl::AsciiStrToLower(std::string(field.name_string()));
    if (name == "set-cookie") reply.cookies.emplace_back(field.value());
    reply.headers.emplace(std::move(name), std::string(field.value()));
  }
  reply.body = response.body();
  return reply;
}

absl::StatusOr<beast::tcp_stream> Connect(asio::io_context& io, const std::string& host, int port) {
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.socket().connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("connecting: ", ec.message()));
  stream.expires_after(std::chrono::seconds(30));
  return stream;
}

}  // namespace

std::string HttpReply::Header(absl::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? "" : it->second;
}

std::string HttpReply::SetCookieLine(absl::string_view name) const {
  for (const std::string& line : cookies) {
    if (absl::StartsWith(line, absl::StrCat(name, "="))) return line;
  }
  return "";
}

std::string HttpReply::Cookie(absl::string_view name) const {
  const std::string line = SetCookieLine(name);
  if (line.empty()) return "";
  const size_t start = name.size() + 1;
  return line.substr(start, line.find(';') - start);
}

std::string HttpTestClient::host_header() const { return absl::StrCat(host_, ":", port_); }

absl::StatusOr<HttpReply> HttpTestClient::Send(absl::string_view method, absl::string_view target,
                                               const HttpHeaders& headers,
                                               const std::string& body) {
  asio::io_context io;
  absl::StatusOr<beast::tcp_stream> stream = Connect(io, host_, port_);
  if (!stream.ok()) return stream.status();
  beast::http::request<beast::http::string_body> request(
      beast::http::string_to_verb(beast::string_view(method.data(), method.size())),
      beast::string_view(target.data(), target.size()), 11);
  bool has_host = false;
  for (const auto& [name, value] : headers) {
    has_host |= absl::EqualsIgnoreCase(name, "host");
    request.insert(name, value);
  }
  if (!has_host) request.set(beast::http::field::host, host_header());
  request.body() = body;
  request.prepare_payload();
  beast::error_code ec;
  beast::http::write(*stream, request, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("writing the request: ", ec.message()));
  return ReadReply(*stream);
}

absl::StatusOr<HttpReply> HttpTestClient::SendRaw(const std::string& raw) {
  asio::io_context io;
  absl::StatusOr<beast::tcp_stream> stream = Connect(io, host_, port_);
  if (!stream.ok()) return stream.status();
  beast::error_code ec;
  asio::write(*stream, asio::buffer(raw), ec);
  // The server may answer (and close) before it read everything: the answer counts.
  return ReadReply(*stream);
}

}  // namespace auth::service_testing
