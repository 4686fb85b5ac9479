// HttpConnection: one client connection of the HTTP front (HTTP/1.1 with keep-alive), over
// plain TCP or TLS. Private to http_front.cc.
//
// Every resource a client can hold is bounded (HttpLimits): the header and body sizes (431 and
// 413, then the connection closes), how long a connection may take to send a whole request head
// (counted from its accept, TLS handshake included, and again from the end of each answer on a
// kept-alive connection) and its body (then it is closed), and one request at a time per
// connection (the next is read only after the answer is written). So a client that opens
// connections and sends nothing, or a byte at a time, holds each for at most header_timeout.
#ifndef SERVICES_AUTH_HTTP_HTTP_CONNECTION_H_
#define SERVICES_AUTH_HTTP_HTTP_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/time/time.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "services/auth/http/http_router.h"
#include "services/auth/http/http_types.h"

namespace auth::http {

struct HttpLimits {
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 8 * 1024;
  // From the accept (or the end of the previous answer) to the end of the request head.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration read_timeout = absl::Seconds(10);  // the body, once the head has arrived
  absl::Duration write_timeout = absl::Seconds(10);
};

template <typename Stream>
class HttpConnection : public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  static constexpr bool kTls =
      std::is_same_v<Stream, boost::beast::ssl_stream<boost::beast::tcp_stream>>;

  // `info.own_origin` holds the scheme ("http://"), completed per request with its Host.
  // `slot` is released (the connection no longer counts) when the connection is destroyed.
  // `strict_transport_security` is the HSTS header every answer carries over TLS (empty: none).
  HttpConnection(Stream stream, const HttpRouter& router, const HttpLimits& limits,
                 RequestInfo info, std::shared_ptr<void> slot,
                 const std::string& strict_transport_security)
      : stream_(std::move(stream)),
        router_(router),
        limits_(limits),
        info_(std::move(info)),
        slot_(std::move(slot)),
        strict_transport_security_(strict_transport_security) {}

  void Start() {
    boost::asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      // One deadline for the handshake and the first request head together.
      self->Expire(self->limits_.header_timeout);
      if constexpr (kTls) {
        self->stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                      [self](boost::beast::error_code ec) {
                                        if (!ec) self->ReadRequest(/*first=*/true);
                                      });
      } else {
        self->ReadRequest(/*first=*/true);
      }
    });
  }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void Expire(absl::Duration after) {
    boost::beast::get_lowest_layer(stream_).expires_after(absl::ToChronoMilliseconds(after));
  }

  void ReadRequest(bool first) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    // A deadline for the whole head, not per read: a byte every few seconds does not extend it.
    if (!first) Expire(limits_.header_timeout);
    boost::beast::http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(boost::beast::error_code ec) {
    if (ec) {
      RefuseUnreadable(ec);
      return;
    }
    Expire(limits_.read_timeout);
    const auto& header = parser_->get();
    if (boost::beast::iequals(header[boost::beast::http::field::expect], "100-continue") &&
        !parser_->is_done()) {
      // curl, for one, waits for this before a body over 1 KiB.
      auto go_on = std::make_shared<boost::beast::http::response<boost::beast::http::empty_body>>(
          boost::beast::http::status::continue_, header.version());
      boost::beast::http::async_write(
          stream_, *go_on,
          [self = this->shared_from_this(), go_on](boost::beast::error_code write_ec, size_t) {
            if (write_ec) return;
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    boost::beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::beast::error_code ec, size_t) {
          if (ec) {
            self->RefuseUnreadable(ec);
            return;
          }
          self->Dispatch();
        });
  }

  // A request that could not be read: answered with a clear status where one fits, and the
  // connection closed (what follows on the stream cannot be trusted to be a request).
  void RefuseUnreadable(boost::beast::error_code ec) {
    namespace beast_http = boost::beast::http;
    if (ec == beast_http::error::end_of_stream || ec == boost::beast::error::timeout ||
        ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset) {
      Close();
      return;
    }
    beast_http::status status = beast_http::status::bad_request;
    std::string text = "malformed HTTP request\n";
    if (ec == beast_http::error::header_limit) {
      status = beast_http::status::request_header_fields_too_large;
      text = "request headers over the limit\n";
    } else if (ec == beast_http::error::body_limit) {
      status = beast_http::status::payload_too_large;
      text = "request body over the limit\n";
    }
    Write(TextResponse(11, status, std::move(text), /*keep_alive=*/false));
  }

  void Dispatch() {
    Request request = parser_->release();
    // The server's own origin as this request reached it (a browser sends the Host it
    // connected to; a page elsewhere cannot make it send ours with its own Origin).
    RequestInfo info = info_;
    info.own_origin += std::string(request[boost::beast::http::field::host]);
    // The router answers from any thread (an RPC's answer comes from gRPC's); the answer is
    // written from the connection's strand.
    router_.Route(request, info, [self = this->shared_from_this()](Response response) {
      boost::asio::post(
          self->stream_.get_executor(),
          [self, response = std::move(response)]() mutable { self->Write(std::move(response)); });
    });
  }

  void Write(Response response) {
    if (kTls && !strict_transport_security_.empty()) {
      response.set(boost::beast::http::field::strict_transport_security,
                   strict_transport_security_);
    }
    auto message = std::make_shared<Response>(std::move(response));
    Expire(limits_.write_timeout);
    boost::beast::http::async_write(
        stream_, *message,
        [self = this->shared_from_this(), message](boost::beast::error_code ec, size_t) {
          if (ec || message->need_eof()) {
            self->Close();
            return;
          }
          self->ReadRequest(/*first=*/false);
        });
  }

  void Close() {
    if constexpr (kTls) {
      Expire(limits_.write_timeout);
      stream_.async_shutdown([self = this->shared_from_this()](boost::beast::error_code) {
        boost::beast::error_code ignored;
        boost::beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      boost::beast::error_code ignored;
      stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      stream_.socket().close(ignored);
    }
  }

  Stream stream_;
  const HttpRouter& router_;
  const HttpLimits& limits_;
  const RequestInfo info_;
  std::shared_ptr<void> slot_;
  const std::string& strict_transport_security_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
};

}  // namespace auth::http

#endif  // SERVICES_AUTH_HTTP_HTTP_CONNECTION_H_
