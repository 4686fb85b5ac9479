// The gRPC-Web framing of unary calls; see grpc_web_protocol.h.
#include "services/auth/http/grpc_web_protocol.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace auth::http {
namespace {

constexpr size_t kFrameHeaderBytes = 5;
constexpr uint8_t kCompressedFlag = 0x01;
constexpr uint8_t kTrailerFlag = 0x80;

void AppendFrame(uint8_t flags, absl::string_view payload, std::string* out) {
  const uint32_t length = static_cast<uint32_t>(payload.size());
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>((length >> 24) & 0xff));
  out->push_back(static_cast<char>((length >> 16) & 0xff));
  out->push_back(static_cast<char>((length >> 8) & 0xff));
  out->push_back(static_cast<char>(length & 0xff));
  out->append(payload.data(), payload.size());
}

// Clients may send the text form as several base64 chunks, each padded: every 4-character
// group that ends in '=' closes a chunk.
absl::StatusOr<std::string> DecodeBase64Chunks(absl::string_view text) {
  if (text.size() % 4 != 0) {
    return absl::InvalidArgumentError("grpc-web-text body: not base64 (length)");
  }
  std::string decoded;
  size_t chunk_start = 0;
  for (size_t group = 0; group < text.size(); group += 4) {
    const bool closes_chunk = text[group + 3] == '=';
    if (!closes_chunk && group + 4 < text.size()) continue;
    std::string chunk;
    if (!absl::Base64Unescape(text.substr(chunk_start, group + 4 - chunk_start), &chunk)) {
      return absl::InvalidArgumentError("grpc-web-text body: not base64");
    }
    decoded += chunk;
    chunk_start = group + 4;
  }
  return decoded;
}

}  // namespace

std::optional<GrpcWebEncoding> GrpcWebEncodingOf(absl::string_view content_type) {
  const absl::string_view media_type =
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
  if (absl::EqualsIgnoreCase(media_type, "application/grpc-web") ||
      absl::EqualsIgnoreCase(media_type, "application/grpc-web+proto")) {
    return GrpcWebEncoding::kBinary;
  }
  if (absl::EqualsIgnoreCase(media_type, "application/grpc-web-text") ||
      absl::EqualsIgnoreCase(media_type, "application/grpc-web-text+proto")) {
    return GrpcWebEncoding::kText;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ReadUnaryRequest(absl::string_view body, GrpcWebEncoding encoding) {
  std::string decoded;
  if (encoding == GrpcWebEncoding::kText) {
    absl::StatusOr<std::string> text = DecodeBase64Chunks(body);
    if (!text.ok()) return text.status();
    decoded = *std::move(text);
    body = decoded;
  }
  if (body.size() < kFrameHeaderBytes) {
    return absl::InvalidArgumentError("grpc-web body: no complete frame");
  }
  const uint8_t flags = static_cast<uint8_t>(body[0]);
  const uint32_t length = (static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 24) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[2])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 8) |
                          static_cast<uint32_t>(static_cast<uint8_t>(body[4]));
  if (flags & kTrailerFlag) {
    return absl::InvalidArgumentError("grpc-web body: a request carries no trailers");
  }
  if (flags & kCompressedFlag) {
    return absl::InvalidArgumentError("grpc-web body: compressed frames are not accepted");
  }
  if (flags != 0) return absl::InvalidArgumentError("grpc-web body: unknown frame flags");
  if (length != body.size() - kFrameHeaderBytes) {
    return absl::InvalidArgumentError(
        "grpc-web body: a unary call takes exactly one frame of the declared length");
  }
  return std::string(body.substr(kFrameHeaderBytes));
}

std::string WriteUnaryResponse(const std::string* message, const grpc::Status& status,
                               const std::vector<std::pair<std::string, std::string>>& trailers,
                               GrpcWebEncoding encoding) {
  std::string frames;
  if (message != nullptr && status.ok()) AppendFrame(0, *message, &frames);
  std::string trailer_block =
      absl::StrCat("grpc-status:", static_cast<int>(status.error_code()), "\r\n");
  if (!status.error_message().empty()) {
    absl::StrAppend(&trailer_block,
                    "grpc-message:", PercentEncodeGrpcMessage(status.error_message()), "\r\n");
  }
  for (const auto& [name, value] : trailers) {
    absl::StrAppend(&trailer_block, name, ":", value, "\r\n");
  }
  AppendFrame(kTrailerFlag, trailer_block, &frames);
  if (encoding == GrpcWebEncoding::kText) return absl::Base64Escape(frames);
  return frames;
}

std::string PercentEncodeGrpcMessage(absl::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e || c == '%') {
      absl::StrAppendFormat(&out, "%%%02X", byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view header) {
  if (header.size() < 2 || header.size() > 9) return std::nullopt;
  const absl::string_view digits = header.substr(0, header.size() - 1);
  int64_t amount = 0;
  for (const char c : digits) {
    if (!absl::ascii_isdigit(c)) return std::nullopt;
  }
  if (!absl::SimpleAtoi(digits, &amount) || amount <= 0) return std::nullopt;
  switch (header.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
    default:
      return std::nullopt;
  }
}

}  // namespace auth::http
