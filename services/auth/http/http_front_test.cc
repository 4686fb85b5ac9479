// Tests of HttpFront's bounds over real sockets: keep-alive, the connection bounds (global and
// per address), the header and read timeouts, /healthz following the serving status, and the
// Host check against the server's origins (421). No RPC is made (the channel leads
// nowhere); the RPC routes are tested end to end in services/auth/e2e.
#include "services/auth/http/http_front.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/rpc/caller.h"

namespace auth::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr char kHealthRequest[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

class HttpFrontTest : public ::testing::Test {
 protected:
  void Start(HttpFrontOptions options) {
    options.listen = "127.0.0.1:0";
    options.serving = [this] { return serving_.load(); };
    absl::StatusOr<std::unique_ptr<HttpFront>> front = HttpFront::Start(
        options, grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
    ASSERT_TRUE(front.ok()) << front.status();
    front_ = *std::move(front);
  }

  // A connection from `source` (any 127.0.0.0/8 address is this host's on Linux).
  std::unique_ptr<beast::tcp_stream> Connect(const std::string& source = "127.0.0.1") {
    auto stream = std::make_unique<beast::tcp_stream>(io_);
    stream->socket().open(tcp::v4());
    stream->socket().bind(tcp::endpoint(asio::ip::make_address(source), 0));
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), front_->port()));
    return stream;
  }

  // Whether the server has closed `stream` (it reads end of stream without waiting).
  static bool ClosedByServer(beast::tcp_stream& stream) {
    char byte;
    const ssize_t read = recv(stream.socket().native_handle(), &byte, 1, MSG_DONTWAIT | MSG_PEEK);
    return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  // Writes `raw` and reads one response's status (0 if the connection ended instead).
  static int Exchange(beast::tcp_stream& stream, const std::string& raw,
                      beast::flat_buffer& buffer) {
    stream.expires_after(std::chrono::seconds(10));
    beast::error_code ec;
    asio::write(stream, asio::buffer(raw), ec);
    beast::http::response<beast::http::string_body> response;
    beast::http::read(stream, buffer, response, ec);
    return ec ? 0 : static_cast<int>(response.result_int());
  }

  // Whether the server closes `stream` within `within` (it sends nothing first).
  static bool ClosedWithin(beast::tcp_stream& stream, std::chrono::milliseconds within) {
    stream.expires_after(within);
    char byte;
    beast::error_code ec;
    stream.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_;
  std::atomic<bool> serving_{true};
  std::unique_ptr<HttpFront> front_;
};

TEST_F(HttpFrontTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  auto stream = Connect();
  beast::flat_buffer buffer;
  EXPECT_EQ(Exchange(*stream, kHealthRequest, buffer), 200);
  serving_ = false;
  EXPECT_EQ(Exchange(*stream, kHealthRequest, buffer), 503);
}

TEST_F(HttpFrontTest, ConnectionsOverTheBoundAreClosedAtOnce) {
  HttpFrontOptions options;
  options.max_connections = 2;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  beast::flat_buffer buffer;
  auto first = Connect();
  auto second = Connect();
  ASSERT_EQ(Exchange(*first, kHealthRequest, buffer), 200);
  ASSERT_EQ(Exchange(*second, kHealthRequest, buffer), 200);
  auto third = Connect();
  EXPECT_TRUE(ClosedWithin(*third, std::chrono::seconds(5)));
  // A closed connection frees its place.
  first->close();
  absl::SleepFor(absl::Milliseconds(200));
  auto fourth = Connect();
  EXPECT_EQ(Exchange(*fourth, kHealthRequest, buffer), 200);
}

TEST_F(HttpFrontTest, IdleConnectionsAreClosed) {
  HttpFrontOptions options;
  options.limits.header_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(options));
  auto silent = Connect();
  EXPECT_TRUE(ClosedWithin(*silent, std::chrono::seconds(5)));
  auto kept_alive = Connect();
  beast::flat_buffer buffer;
  ASSERT_EQ(Exchange(*kept_alive, kHealthRequest, buffer), 200);
  EXPECT_TRUE(ClosedWithin(*kept_alive, std::chrono::seconds(5)));
}

TEST_F(HttpFrontTest, RequestsThatStallAreClosed) {
  HttpFrontOptions options;
  options.limits.read_timeout = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(options));
  auto stalled = Connect();
  beast::error_code ec;
  asio::write(*stalled,
              asio::buffer(std::string("POST /auth.v1.AuthService/Login HTTP/1.1\r\n"
                                       "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 100\r\n\r\n{\"email\":")),
              ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(ClosedWithin(*stalled, std::chrono::seconds(5)));
}

// The attack of issue 21 (item 5): one address opens more idle connections than the front's
// whole bound. It keeps max_connections_per_address of them; everyone else is still served.
TEST_F(HttpFrontTest, OneAddressHoldingItsAllowanceLeavesTheFrontServingOthers) {
  ASSERT_NO_FATAL_FAILURE(Start({}));  // the defaults: 1024 in all, 64 per address
  constexpr int kAttackerConnections = 1030;
  std::vector<std::unique_ptr<beast::tcp_stream>> attacker;
  attacker.reserve(kAttackerConnections);
  for (int i = 0; i < kAttackerConnections; ++i) attacker.push_back(Connect("127.0.0.2"));
  // Until the front has accepted (and closed the excess of) every one.
  int held = kAttackerConnections;
  for (int wait = 0; wait < 100; ++wait) {
    absl::SleepFor(absl::Milliseconds(100));
    const int open =
        static_cast<int>(std::count_if(attacker.begin(), attacker.end(), [](const auto& stream) {
          return !ClosedByServer(*stream);
        }));
    if (open == held) break;
    held = open;
  }
  std::cout << "FIGURE: one address holds " << held << " of " << kAttackerConnections
            << " idle connections" << std::endl;
  EXPECT_EQ(held, HttpFrontOptions().max_connections_per_address);

  auto other = Connect("127.0.0.3");
  beast::flat_buffer buffer;
  EXPECT_EQ(Exchange(*other, kHealthRequest, buffer), 200);
  // The attacker's held connections are not lost either.
  auto attacker_more = Connect("127.0.0.2");
  EXPECT_TRUE(ClosedWithin(*attacker_more, std::chrono::seconds(5)));
}

// A trusted proxy carries many clients on its connections: it is bounded by the front's total
// only, and the per-address bound still holds for every other peer.
TEST_F(HttpFrontTest, TrustedProxiesAreBoundedByTheTotalOnly) {
  absl::StatusOr<service::TrustedProxies> proxies = service::TrustedProxies::Parse({"127.0.0.6"});
  ASSERT_TRUE(proxies.ok()) << proxies.status();
  service::SetTrustedProxies(*std::move(proxies));
  HttpFrontOptions options;
  options.max_connections_per_address = 2;
  options.max_connections = 6;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  beast::flat_buffer buffer;
  std::vector<std::unique_ptr<beast::tcp_stream>> proxy;
  for (int i = 0; i < 4; ++i) {
    proxy.push_back(Connect("127.0.0.6"));
    EXPECT_EQ(Exchange(*proxy.back(), kHealthRequest, buffer), 200) << "proxy connection " << i;
  }
  auto client = Connect("127.0.0.7");
  auto client_second = Connect("127.0.0.7");
  EXPECT_EQ(Exchange(*client, kHealthRequest, buffer), 200);
  EXPECT_EQ(Exchange(*client_second, kHealthRequest, buffer), 200);
  EXPECT_TRUE(ClosedWithin(*Connect("127.0.0.7"), std::chrono::seconds(5)));
  // The total bound holds for the proxy too.
  EXPECT_TRUE(ClosedWithin(*Connect("127.0.0.6"), std::chrono::seconds(5)));
  service::SetTrustedProxies(service::TrustedProxies());
}

// A client that sends nothing, or its head a byte at a time, is closed header_timeout after it
// connected, however long it keeps trickling.
TEST_F(HttpFrontTest, RequestHeadsMustArriveWithinTheHeaderTimeout) {
  HttpFrontOptions options;
  options.limits.header_timeout = absl::Milliseconds(500);
  ASSERT_NO_FATAL_FAILURE(Start(options));
  std::vector<absl::Duration> silent_closes;
  std::vector<absl::Duration> trickling_closes;
  for (int sample = 0; sample < 5; ++sample) {
    auto silent = Connect("127.0.0.4");
    auto trickling = Connect("127.0.0.5");
    const absl::Time connected = absl::Now();
    beast::error_code ec;
    asio::write(*trickling, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX: ")),
                ec);
    std::optional<absl::Duration> silent_closed;
    std::optional<absl::Duration> trickling_closed;
    while (absl::Now() - connected < absl::Seconds(5) &&
           (!silent_closed.has_value() || !trickling_closed.has_value())) {
      absl::SleepFor(absl::Milliseconds(50));
      if (!trickling_closed.has_value()) asio::write(*trickling, asio::buffer("a", 1), ec);
      if (!silent_closed.has_value() && ClosedByServer(*silent)) {
        silent_closed = absl::Now() - connected;
      }
      if (!trickling_closed.has_value() && (ec || ClosedByServer(*trickling))) {
        trickling_closed = absl::Now() - connected;
      }
    }
    ASSERT_TRUE(silent_closed.has_value()) << "a silent connection outlived 5 s";
    ASSERT_TRUE(trickling_closed.has_value()) << "a trickling connection outlived 5 s";
    silent_closes.push_back(*silent_closed);
    trickling_closes.push_back(*trickling_closed);
  }
  std::sort(silent_closes.begin(), silent_closes.end());
  std::sort(trickling_closes.begin(), trickling_closes.end());
  std::cout << "FIGURE: header timeout 500ms, median time to close: silent " << silent_closes[2]
            << ", trickling a byte per 50ms " << trickling_closes[2] << std::endl;
  EXPECT_GE(silent_closes[2], absl::Milliseconds(400));
  EXPECT_LT(silent_closes[2], absl::Milliseconds(1500));
  EXPECT_GE(trickling_closes[2], absl::Milliseconds(400));
  EXPECT_LT(trickling_closes[2], absl::Milliseconds(1500));
}

// Sends `raw` (with "{port}" replaced by the front's port) and reads the answer.
beast::http::response<beast::http::string_body> Send(beast::tcp_stream& stream, std::string raw,
                                                     int port) {
  const std::string port_text = std::to_string(port);
  for (size_t at = raw.find("{port}"); at != std::string::npos; at = raw.find("{port}")) {
    raw.replace(at, 6, port_text);
  }
  stream.expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  asio::write(stream, asio::buffer(raw), ec);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(stream, buffer, response, ec);
  return response;
}

constexpr char kRebindingPreflight[] =
    "OPTIONS /auth.v1.AuthService/Login HTTP/1.1\r\nHost: evil.test:{port}\r\n"
    "Origin: http://evil.test:{port}\r\nAccess-Control-Request-Method: POST\r\n\r\n";
constexpr char kRebindingLogin[] =
    "POST /auth.v1.AuthService/Login HTTP/1.1\r\nHost: evil.test:{port}\r\n"
    "Origin: http://evil.test:{port}\r\nContent-Type: application/json\r\n"
    "Content-Length: 2\r\n\r\n{}";

// DNS rebinding (issue 21, item 7): evil.test resolves to the loopback front, and the browser
// sends Host: evil.test with Origin: http://evil.test. A loopback front answers only for its
// loopback origins, so that is 421, with no CORS grant.
TEST_F(HttpFrontTest, LoopbackFrontRefusesARebindingHostWith421) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  const int port = front_->port();
  for (const char* raw : {kRebindingPreflight, kRebindingLogin}) {
    auto stream = Connect();
    const auto response = Send(*stream, raw, port);
    EXPECT_EQ(response.result_int(), 421) << raw;
    EXPECT_EQ(response.count(beast::http::field::access_control_allow_origin), 0u) << raw;
  }
  // Its own origins are served as before.
  for (const std::string host : {"127.0.0.1", "localhost", "LocalHost"}) {
    auto stream = Connect();
    const auto response = Send(*stream,
                               "OPTIONS /auth.v1.AuthService/Login HTTP/1.1\r\nHost: " + host +
                                   ":{port}\r\nOrigin: http://" + host +
                                   ":{port}\r\nAccess-Control-Request-Method: POST\r\n\r\n",
                               port);
    EXPECT_EQ(response.result_int(), 204) << host;
  }
  // /healthz answers whatever the Host (probes address the server by IP); plain HTTP sends no
  // Strict-Transport-Security (only HTTPS does: http_tls_test).
  auto probe = Connect();
  const auto health = Send(*probe, "GET /healthz HTTP/1.1\r\nHost: 10.0.0.7:{port}\r\n\r\n", port);
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(health.count(beast::http::field::strict_transport_security), 0u);
}

TEST_F(HttpFrontTest, ConfiguredPublicOriginsReplaceTheHostDerivedOrigin) {
  HttpFrontOptions options;
  options.public_origins = {"http://auth.example.com"};
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const int port = front_->port();
  auto own = Connect();
  const auto granted = Send(*own,
                            "OPTIONS /auth.v1.AuthService/Login HTTP/1.1\r\n"
                            "Host: Auth.Example.com:80\r\nOrigin: http://auth.example.com\r\n"
                            "Access-Control-Request-Method: POST\r\n\r\n",
                            port);
  EXPECT_EQ(granted.result_int(), 204);
  for (const std::string host : {"evil.test:{port}", "127.0.0.1:{port}"}) {
    auto stream = Connect();
    const auto refused =
        Send(*stream,
             "OPTIONS /auth.v1.AuthService/Login HTTP/1.1\r\nHost: " + host +
                 "\r\nOrigin: http://" + host + "\r\nAccess-Control-Request-Method: POST\r\n\r\n",
             port);
    EXPECT_EQ(refused.result_int(), 421) << host;
  }
}

}  // namespace
}  // namespace auth::http
