// Tests of HttpFront's bounds over real sockets: keep-alive, the connection bound, the idle and
// read timeouts, and /healthz following the serving status. No RPC is made (the channel leads
// nowhere); the RPC routes are tested end to end in services/auth/e2e.
#include "services/auth/http/http_front.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

  std::unique_ptr<beast::tcp_stream> Connect() {
    auto stream = std::make_unique<beast::tcp_stream>(io_);
    stream->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), front_->port()));
    return stream;
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
  options.limits.idle_timeout = absl::Milliseconds(300);
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

}  // namespace
}  // namespace auth::http
