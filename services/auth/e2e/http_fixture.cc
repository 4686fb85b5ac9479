// HttpE2eTest; see http_fixture.h.
#include "services/auth/e2e/http_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::service_testing {

std::vector<std::string> HttpE2eTest::HttpFlags(const std::vector<std::string>& extra) {
  std::vector<std::string> flags = {"--http_listen=127.0.0.1:0",
                                    std::string("--http_allowed_origins=") + kAllowedOrigin,
                                    "--registrations_per_address=0"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

void HttpE2eTest::RestartHttpServer(const std::vector<std::string>& extra) {
  RestartServer(HttpFlags(extra));
}

HttpReply HttpE2eTest::PostJson(const std::string& method, const nlohmann::json& body,
                                HttpHeaders headers) {
  absl::StatusOr<HttpReply> reply =
      http().Post("/auth.v1.AuthService/" + method, "application/json", body.dump(), headers);
  if (!reply.ok()) {
    ADD_FAILURE() << method << ": " << reply.status();
    return HttpReply();
  }
  return *std::move(reply);
}

void HttpE2eTest::RegisterOverHttp(const std::string& username, const std::string& email) {
  HttpReply reply =
      PostJson("Register", {{"username", username}, {"email", email}, {"passwordHash", kPassword}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const nlohmann::json body = nlohmann::json::parse(reply.body);
  EXPECT_EQ(body["message"], "User registered successfully");
  EXPECT_EQ(body["status"], 201);
}

GrpcWebReply HttpE2eTest::CallGrpcWeb(const std::string& method, const std::string& message,
                                      bool text, HttpHeaders headers) {
  std::string framed(5, '\0');
  const uint32_t length = static_cast<uint32_t>(message.size());
  for (int i = 0; i < 4; ++i) framed[1 + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  framed += message;
  GrpcWebReply reply;
  headers.emplace_back("X-Grpc-Web", "1");
  absl::StatusOr<HttpReply> http_reply =
      http().Post("/auth.v1.AuthService/" + method,
                  text ? "application/grpc-web-text" : "application/grpc-web+proto",
                  text ? absl::Base64Escape(framed) : framed, headers);
  if (!http_reply.ok()) {
    ADD_FAILURE() << method << ": " << http_reply.status();
    return reply;
  }
  reply.http = *std::move(http_reply);
  std::string body = reply.http.body;
  if (text && !absl::Base64Unescape(reply.http.body, &body)) {
    ADD_FAILURE() << "response is not base64";
    return reply;
  }
  size_t at = 0;
  while (at + 5 <= body.size()) {
    const uint8_t flags = static_cast<uint8_t>(body[at]);
    uint32_t size = 0;
    for (int i = 1; i <= 4; ++i) size = (size << 8) | static_cast<uint8_t>(body[at + i]);
    const std::string payload = body.substr(at + 5, size);
    at += 5 + size;
    if ((flags & 0x80) == 0) {
      reply.message = payload;
      continue;
    }
    for (absl::string_view line : absl::StrSplit(payload, "\r\n", absl::SkipEmpty())) {
      const size_t colon = line.find(':');
      reply.trailers[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
    }
  }
  EXPECT_EQ(at, body.size()) << "trailing bytes after the frames";
  return reply;
}

int ConnectFrom(const std::string& source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace auth::service_testing
