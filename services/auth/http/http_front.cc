// HttpFront: the listener, its threads and TLS; see http_front.h.
#include "services/auth/http/http_front.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/strand.hpp"
#include "glog/logging.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/http/rpc_bridge.h"
#include "services/auth/http/rpc_handler.h"

namespace auth::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

absl::StatusOr<tcp::endpoint> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("\"", listen, "\": expected host:port"));
  }
  absl::string_view host(listen.data(), colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return absl::InvalidArgumentError(absl::StrCat("\"", listen, "\": unclosed [ in the host"));
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", listen, "\": the host must be an IP address"));
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

struct HttpFront::Impl {
  HttpFrontOptions options;
  OriginPolicy origins;
  RpcBridge bridge;
  RpcHandler rpcs;
  HttpRouter router;
  // Before the io_context: connections still queued in it when it is destroyed release their
  // slot and hold the TLS context.
  std::atomic<int> connections{0};
  std::optional<asio::ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor;
  int port = 0;
  std::vector<std::thread> threads;

  Impl(HttpFrontOptions options_in, OriginPolicy origins_in, std::shared_ptr<grpc::Channel> channel)
      : options(std::move(options_in)),
        origins(std::move(origins_in)),
        bridge(std::move(channel), options.services, options.max_call_duration),
        rpcs(bridge, origins),
        router(bridge, rpcs, origins, options.serving, options.jwks),
        io(options.threads),
        acceptor(asio::make_strand(io)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
                            if (!ec) Serve(std::move(socket));
                            Accept();
                          });
  }

  void Serve(tcp::socket socket) {
    boost::system::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;
    // Over the bound: closed at once, before any byte is read.
    if (connections.fetch_add(1) >= options.max_connections) {
      connections.fetch_sub(1);
      socket.close(ec);
      return;
    }
    std::shared_ptr<void> slot(nullptr, [this](void*) { connections.fetch_sub(1); });
    RequestInfo info;
    info.client_address = remote.address().to_string();
    info.own_origin = tls.has_value() ? "https://" : "http://";  // and the Host, per request
    if (tls.has_value()) {
      std::make_shared<HttpConnection<boost::beast::ssl_stream<boost::beast::tcp_stream>>>(
          boost::beast::ssl_stream<boost::beast::tcp_stream>(std::move(socket), *tls), router,
          options.limits, std::move(info), std::move(slot))
          ->Start();
    } else {
      std::make_shared<HttpConnection<boost::beast::tcp_stream>>(
          boost::beast::tcp_stream(std::move(socket)), router, options.limits, std::move(info),
          std::move(slot))
          ->Start();
    }
  }
};

absl::StatusOr<std::unique_ptr<HttpFront>> HttpFront::Start(
    HttpFrontOptions options, std::shared_ptr<grpc::Channel> channel) {
  absl::StatusOr<tcp::endpoint> endpoint = ParseListen(options.listen);
  if (!endpoint.ok()) return endpoint.status();
  absl::StatusOr<OriginPolicy> origins = OriginPolicy::Create(options.allowed_origins);
  if (!origins.ok()) return origins.status();
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError("TLS certificate and key go together");
  }
  if (!options.serving) options.serving = [] { return true; };
  const int threads = std::max(1, options.threads);
  auto impl = std::make_unique<Impl>(std::move(options), *std::move(origins), std::move(channel));
  if (!impl->options.tls_cert_pem.empty()) {
    impl->tls.emplace(asio::ssl::context::tls_server);
    impl->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    impl->tls->use_certificate_chain(asio::buffer(impl->options.tls_cert_pem), ec);
    if (!ec)
      impl->tls->use_private_key(asio::buffer(impl->options.tls_key_pem), asio::ssl::context::pem,
                                 ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS certificate or key unusable: ", ec.message()));
    }
  }
  boost::system::error_code ec;
  impl->acceptor.open(endpoint->protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(*endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", impl->options.listen, ": ", ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->Accept();
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<HttpFront>(new HttpFront(std::move(impl)));
}

HttpFront::HttpFront(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpFront::~HttpFront() {
  StopAccepting();
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) thread.join();
}

int HttpFront::port() const { return impl_->port; }

void HttpFront::StopAccepting() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

}  // namespace auth::http
