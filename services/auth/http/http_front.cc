// HttpFront: the listener, its threads and TLS; see http_front.h.
#include "services/auth/http/http_front.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "glog/logging.h"
#include "services/auth/http/origin_policy.h"
#include "services/auth/http/rpc_bridge.h"
#include "services/auth/http/rpc_handler.h"
#include "services/auth/rpc/caller.h"

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

// A server TLS context for `cert_pem` and `key_pem`; kInvalidArgument if unusable (a key
// that does not match the certificate included).
absl::StatusOr<std::shared_ptr<asio::ssl::context>> TlsContext(const std::string& cert_pem,
                                                               const std::string& key_pem) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain(asio::buffer(cert_pem), ec);
  if (!ec) tls->use_private_key(asio::buffer(key_pem), asio::ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS certificate or key unusable: ", ec.message()));
  }
  return tls;
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return std::nullopt;
  return contents.str();
}

// The origins a browser uses for a front on loopback address `address`: that address and
// localhost, on `port`. DNS rebinding mostly aims at loopback servers, so these are the
// default own origins of a loopback front.
std::vector<std::string> LoopbackOrigins(const asio::ip::address& address, int port, bool tls) {
  const std::string scheme = tls ? "https://" : "http://";
  const std::string host =
      address.is_v6() ? absl::StrCat("[", address.to_string(), "]") : address.to_string();
  return {absl::StrCat(scheme, host, ":", port), absl::StrCat(scheme, "localhost:", port)};
}

}  // namespace

struct HttpFront::Impl {
  HttpFrontOptions options;
  OriginPolicy origins;
  RpcBridge bridge;
  RpcHandler rpcs;
  HttpRouter router;
  // Strict-Transport-Security of every answer over TLS.
  std::string strict_transport_security;
  // Before the io_context: connections still queued in it when it is destroyed release their
  // slot (and, with TLS, the context they were accepted with).
  // std::mutex rather than absl::Mutex: Debian's libabsl is not built for ThreadSanitizer, which
  // then cannot see absl::Mutex's ordering (the TSan stage reported these maps as races).
  std::mutex mutex;
  int connections ABSL_GUARDED_BY(mutex) = 0;
  // Open connections per client address key (rpc/caller.h: IPv4 address, IPv6 /64); no entry
  // for an address with none, so the map holds at most max_connections entries.
  absl::flat_hash_map<std::string, int> connections_per_address ABSL_GUARDED_BY(mutex);
  // The TLS context new connections get (null: plain HTTP), replaced by a reload.
  std::shared_ptr<asio::ssl::context> tls ABSL_GUARDED_BY(mutex);
  std::string tls_cert_pem;  // what `tls` was made of (reload thread only)
  std::string tls_key_pem;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer tls_reload_timer;
  int port = 0;
  std::vector<std::thread> threads;

  Impl(HttpFrontOptions options_in, OriginPolicy origins_in, std::shared_ptr<grpc::Channel> channel)
      : options(std::move(options_in)),
        origins(std::move(origins_in)),
        bridge(std::move(channel), options.services, options.max_call_duration),
        rpcs(bridge, origins),
        router(bridge, rpcs, origins, options.serving, options.jwks),
        io(options.threads),
        acceptor(asio::make_strand(io)),
        tls_reload_timer(asio::make_strand(io)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
                            if (!ec) Serve(std::move(socket));
                            Accept();
                          });
  }

  // A place for a connection from `address_key`, or null when the front or that address is
  // at its bound (a trusted proxy, which carries many clients, has the front's bound only);
  // released when the last copy goes.
  std::shared_ptr<void> TakeSlot(const std::string& address_key, bool trusted_proxy) {
    std::lock_guard<std::mutex> lock(mutex);
    int& of_address = connections_per_address[address_key];
    if (connections >= options.max_connections ||
        (!trusted_proxy && of_address >= options.max_connections_per_address)) {
      if (of_address == 0) connections_per_address.erase(address_key);
      return nullptr;
    }
    ++connections;
    ++of_address;
    // Points at the front (deletes nothing) so that a slot taken is never null.
    return std::shared_ptr<void>(this, [this, address_key](void*) {
      std::lock_guard<std::mutex> lock(mutex);
      --connections;
      auto count = connections_per_address.find(address_key);
      if (--count->second == 0) connections_per_address.erase(count);
    });
  }

  void Serve(tcp::socket socket) {
    boost::system::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;
    RequestInfo info;
    info.client_address = remote.address().to_string();
    // Over a bound: closed at once, before any byte is read.
    std::shared_ptr<void> slot = TakeSlot(service::AddressKey(info.client_address),
                                          service::IsTrustedProxy(info.client_address));
    if (slot == nullptr) {
      socket.close(ec);
      return;
    }
    std::shared_ptr<asio::ssl::context> tls_now;
    {
      std::lock_guard<std::mutex> lock(mutex);
      tls_now = tls;
    }
    info.own_origin = tls_now != nullptr ? "https://" : "http://";  // and the Host, per request
    if (tls_now != nullptr) {
      asio::ssl::context& context = *tls_now;
      // The connection keeps the context it was accepted with alive through a reload.
      std::shared_ptr<void> holder(nullptr, [slot = std::move(slot), tls_now](void*) {});
      std::make_shared<HttpConnection<boost::beast::ssl_stream<boost::beast::tcp_stream>>>(
          boost::beast::ssl_stream<boost::beast::tcp_stream>(std::move(socket), context), router,
          options.limits, std::move(info), std::move(holder), strict_transport_security)
          ->Start();
    } else {
      std::make_shared<HttpConnection<boost::beast::tcp_stream>>(
          boost::beast::tcp_stream(std::move(socket)), router, options.limits, std::move(info),
          std::move(slot), strict_transport_security)
          ->Start();
    }
  }

  // Every tls_reload_interval: the certificate and key files read again; a changed, usable pair
  // becomes the context of new connections.
  void ScheduleTlsReload() {
    tls_reload_timer.expires_after(absl::ToChronoMilliseconds(options.tls_reload_interval));
    tls_reload_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      ReloadTls();
      ScheduleTlsReload();
    });
  }

  void ReloadTls() {
    std::optional<std::string> cert_pem = ReadWholeFile(options.tls_cert_file);
    std::optional<std::string> key_pem = ReadWholeFile(options.tls_key_file);
    if (!cert_pem.has_value() || !key_pem.has_value()) {
      LOG(WARNING) << "HTTP TLS reload: cannot read " << options.tls_cert_file << " or "
                   << options.tls_key_file << "; keeping the certificate in force";
      return;
    }
    if (*cert_pem == tls_cert_pem && *key_pem == tls_key_pem) return;
    absl::StatusOr<std::shared_ptr<asio::ssl::context>> renewed = TlsContext(*cert_pem, *key_pem);
    if (!renewed.ok()) {
      // Often a rotation caught between writing the certificate and the key: the next reload
      // sees both.
      LOG(WARNING) << "HTTP TLS reload: " << renewed.status().message()
                   << "; keeping the certificate in force";
      return;
    }
    tls_cert_pem = *std::move(cert_pem);
    tls_key_pem = *std::move(key_pem);
    std::lock_guard<std::mutex> lock(mutex);
    tls = *std::move(renewed);
    LOG(INFO) << "HTTP TLS: certificate reloaded from " << options.tls_cert_file;
  }
};

absl::StatusOr<std::unique_ptr<HttpFront>> HttpFront::Start(
    HttpFrontOptions options, std::shared_ptr<grpc::Channel> channel) {
  absl::StatusOr<tcp::endpoint> endpoint = ParseListen(options.listen);
  if (!endpoint.ok()) return endpoint.status();
  absl::StatusOr<OriginPolicy> origins =
      OriginPolicy::Create(options.allowed_origins, options.public_origins);
  if (!origins.ok()) return origins.status();
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError("TLS certificate and key go together");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS certificate and key files go together");
  }
  if (!options.tls_cert_file.empty() && options.tls_reload_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the TLS reload interval must be positive");
  }
  if (options.max_connections < 1 || options.max_connections_per_address < 1) {
    return absl::InvalidArgumentError("the connection bounds must be at least 1");
  }
  if (!options.serving) options.serving = [] { return true; };
  const int threads = std::max(1, options.threads);
  auto impl = std::make_unique<Impl>(std::move(options), *std::move(origins), std::move(channel));
  const bool use_tls = !impl->options.tls_cert_pem.empty();
  if (use_tls) {
    absl::StatusOr<std::shared_ptr<asio::ssl::context>> tls =
        TlsContext(impl->options.tls_cert_pem, impl->options.tls_key_pem);
    if (!tls.ok()) return tls.status();
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->tls = *std::move(tls);
    impl->tls_cert_pem = impl->options.tls_cert_pem;
    impl->tls_key_pem = impl->options.tls_key_pem;
    impl->strict_transport_security =
        absl::StrCat("max-age=", kHstsMaxAgeSeconds,
                     impl->options.hsts_include_subdomains ? "; includeSubDomains" : "");
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
  if (impl->options.public_origins.empty() && endpoint->address().is_loopback()) {
    const std::vector<std::string> loopback =
        LoopbackOrigins(endpoint->address(), impl->port, use_tls);
    if (absl::Status set = impl->origins.SetPublicOrigins(loopback); !set.ok()) return set;
  }
  if (!impl->origins.public_origins().empty()) {
    LOG(INFO) << "HTTP front answers for " << absl::StrJoin(impl->origins.public_origins(), ", ");
  }
  impl->Accept();
  if (use_tls && !impl->options.tls_cert_file.empty()) impl->ScheduleTlsReload();
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
  asio::post(impl_->tls_reload_timer.get_executor(),
             [impl = impl_.get()] { impl->tls_reload_timer.cancel(); });
}

}  // namespace auth::http
