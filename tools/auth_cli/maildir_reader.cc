// Maildir reading for `auth_cli mail`; see maildir_reader.h.
#include "tools/auth_cli/maildir_reader.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace auth::cli {
namespace {

namespace fs = std::filesystem;

// Files bigger than this are no mail the service sent (its bodies are at most 64 KiB).
constexpr std::uintmax_t kMaxMailFileBytes = 4 * 1024 * 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Quoted-printable (RFC 2045 6.7): =XX is a byte, "=" at a line's end a soft break. In an
// encoded word (`in_header`), "_" is a space too. A "=" that starts neither is kept as it is.
std::string DecodeQuotedPrintable(absl::string_view text, bool in_header) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && in_header) {
      out += ' ';
    } else if (c != '=') {
      out += c;
    } else if (i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;  // soft line break
    } else if (i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Base64 with its line breaks (and any other whitespace) ignored.
absl::StatusOr<std::string> DecodeBase64(absl::string_view text) {
  std::string compact;
  for (char c : text) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact += c;
  }
  std::string out;
  if (!absl::Base64Unescape(compact, &out)) {
    return absl::InvalidArgumentError("the base64 body does not decode");
  }
  return out;
}

// One RFC 2047 encoded word, "=?charset?B|Q?text?=", at the start of `text`: its decoded bytes
// (taken as UTF-8 whatever the charset) and its length; false if `text` does not start with one.
bool DecodeEncodedWord(absl::string_view text, std::string* decoded, size_t* length) {
  if (!absl::StartsWith(text, "=?")) return false;
  const size_t charset_end = text.find('?', 2);
  if (charset_end == absl::string_view::npos || charset_end + 2 >= text.size() ||
      text[charset_end + 2] != '?') {
    return false;
  }
  const char encoding = absl::ascii_toupper(static_cast<unsigned char>(text[charset_end + 1]));
  const size_t payload_begin = charset_end + 3;
  const size_t end = text.find("?=", payload_begin);
  if (end == absl::string_view::npos) return false;
  const absl::string_view payload = text.substr(payload_begin, end - payload_begin);
  if (encoding == 'B') {
    if (!absl::Base64Unescape(payload, decoded)) return false;
  } else if (encoding == 'Q') {
    *decoded = DecodeQuotedPrintable(payload, /*in_header=*/true);
  } else {
    return false;
  }
  *length = end + 2;
  return true;
}

// A header value with its encoded words decoded; whitespace between two of them is dropped.
std::string DecodeHeaderValue(absl::string_view value) {
  std::string out;
  bool last_was_word = false;
  size_t i = 0;
  while (i < value.size()) {
    std::string decoded;
    size_t length = 0;
    if (DecodeEncodedWord(value.substr(i), &decoded, &length)) {
      if (last_was_word) {
        // Only whitespace since the previous word: RFC 2047 6.2 drops it.
        while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
      }
      out += decoded;
      i += length;
      last_was_word = true;
      continue;
    }
    if (value[i] != ' ' && value[i] != '\t') last_was_word = false;
    out += value[i++];
  }
  return out;
}

bool IsFieldName(absl::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && c != ':';
  });
}

// Control characters other than LF and tab become spaces, so a mail cannot drive the terminal.
std::string Printable(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) c = ' ';
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) return absl::NotFoundError(error.message());
  if (size > kMaxMailFileBytes) return absl::InvalidArgumentError("over 4 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<ReadMail> ParseMail(absl::string_view raw) {
  // Stored line ends are LF or CRLF (aiosmtpd keeps the SMTP data's CRLFs in places).
  const std::string text = absl::StrReplaceAll(raw, {{"\r\n", "\n"}});
  if (absl::StripAsciiWhitespace(text).empty()) return absl::InvalidArgumentError("empty file");
  // A mail may have no body, and then no blank line.
  absl::string_view header_block = absl::StripSuffix(text, "\n");
  absl::string_view body;
  if (const size_t blank = text.find("\n\n"); blank != std::string::npos) {
    header_block = absl::string_view(text).substr(0, blank);
    body = absl::string_view(text).substr(blank + 2);
  }
  // Field names are case-insensitive; the first occurrence of each counts.
  std::map<std::string, std::string> fields;
  std::string name;
  std::string value;
  auto flush = [&] {
    if (!name.empty()) fields.emplace(absl::AsciiStrToLower(name), value);
  };
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(header_block, '\n')) {
    ++line_number;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (name.empty()) return absl::InvalidArgumentError("the header starts with a continuation");
      absl::StrAppend(&value, " ", absl::StripAsciiWhitespace(line));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos || !IsFieldName(line.substr(0, colon))) {
      return absl::InvalidArgumentError(
          absl::StrCat("header line ", line_number, " is not `Name: value`"));
    }
    flush();
    name = std::string(line.substr(0, colon));
    value = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  flush();

  ReadMail mail;
  mail.from = DecodeHeaderValue(fields["from"]);
  mail.to = DecodeHeaderValue(fields["to"]);
  mail.subject = DecodeHeaderValue(fields["subject"]);
  mail.date = fields["date"];
  const std::string encoding =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(fields["content-transfer-encoding"]));
  if (encoding == "quoted-printable") {
    mail.body = DecodeQuotedPrintable(body, /*in_header=*/false);
  } else if (encoding == "base64") {
    absl::StatusOr<std::string> decoded = DecodeBase64(body);
    if (!decoded.ok()) return decoded.status();
    mail.body = absl::StrReplaceAll(*decoded, {{"\r\n", "\n"}});
  } else {
    mail.body = std::string(body);
  }
  mail.links = FindLinks(mail.body);
  return mail;
}

std::vector<std::string> FindLinks(absl::string_view text) {
  std::vector<std::string> links;
  size_t i = 0;
  while (i < text.size()) {
    const size_t http = text.find("http", i);
    if (http == absl::string_view::npos) break;
    const absl::string_view rest = text.substr(http);
    if (!absl::StartsWith(rest, "http://") && !absl::StartsWith(rest, "https://")) {
      i = http + 4;
      continue;
    }
    size_t end = 0;
    while (end < rest.size()) {
      const unsigned char c = static_cast<unsigned char>(rest[end]);
      if (c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>') break;
      ++end;
    }
    absl::string_view link = rest.substr(0, end);
    for (;;) {
      if (!link.empty() && absl::StrContains(".,;:!?", link.back())) {
        link.remove_suffix(1);
      } else if (absl::EndsWith(link, ")") && std::count(link.begin(), link.end(), '(') <
                                                  std::count(link.begin(), link.end(), ')')) {
        link.remove_suffix(1);
      } else {
        break;
      }
    }
    if (link.size() > absl::string_view("https://").size() &&
        std::find(links.begin(), links.end(), link) == links.end()) {
      links.emplace_back(link);
    }
    i = http + std::max<size_t>(end, 1);
  }
  return links;
}

bool NamesRecipient(absl::string_view to_header, absl::string_view address) {
  for (absl::string_view entry : absl::StrSplit(to_header, ',')) {
    const size_t open = entry.rfind('<');
    const size_t close = entry.rfind('>');
    if (open != absl::string_view::npos && close != absl::string_view::npos && open < close) {
      entry = entry.substr(open + 1, close - open - 1);
    }
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(entry), address)) return true;
  }
  return false;
}

absl::StatusOr<MaildirListing> ReadLatestMails(const std::string& maildir, size_t count,
                                               absl::string_view to) {
  std::error_code error;
  if (!fs::is_directory(maildir, error)) {
    return absl::NotFoundError(absl::StrCat("no Maildir at ", maildir));
  }
  struct Entry {
    fs::file_time_type time;
    fs::path path;
  };
  std::vector<Entry> entries;
  bool has_subfolder = false;
  for (const char* sub : {"new", "cur"}) {
    fs::directory_iterator it(fs::path(maildir) / sub, error);
    if (error) continue;
    has_subfolder = true;
    for (const fs::directory_entry& entry : it) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.' || !entry.is_regular_file(error)) continue;
      entries.push_back({entry.last_write_time(error), entry.path()});
    }
  }
  if (!has_subfolder) {
    return absl::NotFoundError(absl::StrCat(maildir, " is no Maildir (it has no new/ or cur/)"));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time > b.time;
    return a.path.filename() > b.path.filename();
  });
  MaildirListing listing;
  for (const Entry& entry : entries) {
    if (listing.mails.size() >= count) break;
    absl::StatusOr<std::string> text = ReadFile(entry.path);
    absl::StatusOr<ReadMail> mail =
        text.ok() ? ParseMail(*text) : absl::StatusOr<ReadMail>(text.status());
    if (!mail.ok()) {
      listing.warnings.push_back(
          absl::StrCat("skipping ", entry.path.string(), ": ", mail.status().message()));
      continue;
    }
    if (!to.empty() && !NamesRecipient(mail->to, to)) continue;
    mail->path = entry.path.string();
    listing.mails.push_back(*std::move(mail));
  }
  return listing;
}

std::string FormatMail(const ReadMail& mail) {
  std::string body = mail.body;
  // Longest first, so a link that starts another is replaced whole.
  std::vector<std::pair<std::string, std::string>> replacements;
  for (size_t i = 0; i < mail.links.size(); ++i) {
    replacements.emplace_back(mail.links[i], absl::StrCat("[link ", i + 1, "]"));
  }
  std::sort(replacements.begin(), replacements.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  body = absl::StrReplaceAll(body, replacements);
  if (!body.empty() && body.back() != '\n') body += '\n';
  std::string out =
      absl::StrCat("From: ", Printable(mail.from), "\nTo: ", Printable(mail.to),
                   "\nSubject: ", Printable(mail.subject), "\nDate: ", Printable(mail.date),
                   "\nFile: ", mail.path, "\n\n", Printable(body));
  if (!mail.links.empty()) {
    absl::StrAppend(&out, "\nLinks:\n");
    for (const std::string& link : mail.links) absl::StrAppend(&out, Printable(link), "\n");
  }
  return out;
}

}  // namespace auth::cli
