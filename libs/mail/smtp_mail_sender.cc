// SmtpMailSender over libcurl; see smtp_mail_sender.h.
#include "libs/mail/smtp_mail_sender.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/mail/mail.h"

namespace auth::mail {
namespace {

// curl_global_init() is not thread-safe and must run before any other curl call.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The URL's scheme and host (IPv6 without brackets), or kInvalidArgument.
absl::Status ParseUrl(const std::string& url, std::string* scheme, std::string* host) {
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (parsed == nullptr) return absl::InternalError("curl_url failed");
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("smtp url is not a URL");
  }
  for (auto [part, out] : {std::pair{CURLUPART_SCHEME, scheme}, std::pair{CURLUPART_HOST, host}}) {
    char* text = nullptr;
    if (curl_url_get(parsed.get(), part, &text, 0) != CURLUE_OK || text == nullptr) {
      return absl::InvalidArgumentError("smtp url needs a scheme and a host");
    }
    *out = text;
    curl_free(text);
  }
  *scheme = absl::AsciiStrToLower(*scheme);
  if (*scheme != "smtp" && *scheme != "smtps") {
    return absl::InvalidArgumentError("smtp url must start with smtp:// or smtps://");
  }
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return absl::OkStatus();
}

bool IsLoopbackHost(const std::string& host) {
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The body with every line ending as CRLF (bare LF and bare CR become CRLF), ending in CRLF.
std::string CrlfBody(absl::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 16 + 2);
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (!absl::EndsWith(out, "\r\n")) out += "\r\n";
  return out;
}

// The upload's state for curl's read callback.
struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  Upload* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// Maps curl's result (and the server's last reply code) to the MailSender statuses. The
// message names the curl error and the reply code only: never the mail.
absl::Status ToStatus(CURLcode code, long reply) {
  const std::string what = absl::StrCat("smtp: ", curl_easy_strerror(code),
                                        reply > 0 ? absl::StrCat(" (reply ", reply, ")") : "");
  switch (code) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_AUTH_ERROR:
      return absl::FailedPreconditionError(what);
    default:
      break;
  }
  if (reply >= 500 && reply < 600) return absl::InvalidArgumentError(what);
  return absl::UnavailableError(what);
}

}  // namespace

std::string FormatMessage(const Mail& mail, const std::string& from, absl::Time date,
                          const std::string& message_id) {
  const std::string subject =
      IsAscii(mail.subject) ? mail.subject
                            : absl::StrCat("=?UTF-8?B?", absl::Base64Escape(mail.subject), "?=");
  return absl::StrCat(
      "Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone()),
      "\r\nMessage-ID: ", message_id, "\r\nFrom: ", from, "\r\nTo: ", mail.to,
      "\r\nSubject: ", subject,
      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n",
      CrlfBody(mail.body));
}

absl::StatusOr<std::unique_ptr<SmtpMailSender>> SmtpMailSender::Create(SmtpSettings settings) {
  InitCurlOnce();
  std::string scheme;
  std::string host;
  if (absl::Status parsed = ParseUrl(settings.url, &scheme, &host); !parsed.ok()) return parsed;
  if (absl::Status from = ValidateAddress(settings.from); !from.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("smtp from: ", from.message()));
  }
  std::string domain = settings.from.substr(settings.from.find('@') + 1);
  const bool loopback = IsLoopbackHost(host);
  return std::unique_ptr<SmtpMailSender>(
      new SmtpMailSender(std::move(settings), loopback, std::move(domain)));
}

absl::Status SmtpMailSender::Send(const Mail& mail) {
  if (absl::Status valid = ValidateMail(mail); !valid.ok()) return valid;
  std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::UnavailableError("smtp: curl_easy_init failed");

  absl::BitGen random;
  const std::string message_id =
      absl::StrCat("<", absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16),
                   absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16), "@", domain_, ">");
  const std::string message = FormatMessage(mail, settings_.from, absl::Now(), message_id);
  Upload upload{.data = &message};
  const std::string mail_from = absl::StrCat("<", settings_.from, ">");
  std::unique_ptr<curl_slist, CurlListDeleter> recipients(
      curl_slist_append(nullptr, absl::StrCat("<", mail.to, ">").c_str()));
  if (recipients == nullptr) return absl::UnavailableError("smtp: out of memory");

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM from a resolver timeout
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.connect_timeout)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.timeout)));
  // STARTTLS: required unless the server is on loopback (or plaintext was allowed); smtps://
  // is TLS anyway. Verification stays on (curl's defaults, set again so no change slips by).
  const bool plain_ok = loopback_ || settings_.allow_plaintext;
  curl_easy_setopt(c, CURLOPT_USE_SSL, plain_ok ? CURLUSESSL_NONE : CURLUSESSL_ALL);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);

  const CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) return absl::OkStatus();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  return ToStatus(code, reply);
}

}  // namespace auth::mail
