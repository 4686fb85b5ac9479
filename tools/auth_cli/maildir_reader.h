// Reading the mails of a local Maildir (the one tools/run_local.sh's mail server writes) for
// `auth_cli mail`: RFC 5322 headers, bodies as SMTP senders encode them, and the links in them.
//
//   absl::StatusOr<MaildirListing> listing = ReadLatestMails(maildir, /*count=*/1, "");
//   for (const std::string& warning : listing->warnings) std::cerr << warning << "\n";
//   for (const ReadMail& mail : listing->mails) std::cout << FormatMail(mail);
//
// A mail is one file in new/ or cur/ (tmp/ holds mails still being written). Headers are
// unfolded, and RFC 2047 encoded words (=?UTF-8?B?...?=, =?...?Q?...?=) in From, To and Subject
// decoded; the body is decoded per its Content-Transfer-Encoding (quoted-printable, base64; 7bit,
// 8bit and binary as they are). A multipart body is shown as it is stored, its parts undecoded:
// the service sends plain text only.
#ifndef TOOLS_AUTH_CLI_MAILDIR_READER_H_
#define TOOLS_AUTH_CLI_MAILDIR_READER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace auth::cli {

struct ReadMail {
  std::string path;  // the file it was read from
  std::string from;
  std::string to;
  std::string subject;
  std::string date;
  std::string body;                // decoded, LF line ends
  std::vector<std::string> links;  // every http(s) URL in the body, in order, without repeats
};

// Parses one stored mail. kInvalidArgument (saying what is wrong) for a file that is no mail:
// empty, a line in the header that is neither `Name: value` nor a continuation, no header at
// all, or a body its Content-Transfer-Encoding cannot decode.
absl::StatusOr<ReadMail> ParseMail(absl::string_view text);

// The http:// and https:// URLs in `text`, each ending before whitespace, a quote or an angle
// bracket, without trailing sentence punctuation (.,;:!?) or an unmatched closing parenthesis.
std::vector<std::string> FindLinks(absl::string_view text);

struct MaildirListing {
  std::vector<ReadMail> mails;        // newest first (by file time, then name)
  std::vector<std::string> warnings;  // one per file skipped: "skipping <path>: <why>"
};

// The `count` newest mails of `maildir` (fewer if it has fewer) whose To names `to` (case
// insensitive; empty: every mail). Files that are no mail are skipped with a warning.
// kNotFound if `maildir` is no directory, or has neither new/ nor cur/.
absl::StatusOr<MaildirListing> ReadLatestMails(const std::string& maildir, size_t count,
                                               absl::string_view to);

// True if `to_header` (a To header: addresses, optionally `Name <address>`, comma-separated)
// names `address`, compared case-insensitively.
bool NamesRecipient(absl::string_view to_header, absl::string_view address);

// The mail as `auth_cli mail` prints it: From, To, Subject, Date and File lines, a blank line,
// the body with each link replaced by "[link N]", then one line per link with just the URL (so
// that grepping the output for a link's path gives the link alone). Control characters other
// than line ends and tabs are shown as spaces.
std::string FormatMail(const ReadMail& mail);

}  // namespace auth::cli

#endif  // TOOLS_AUTH_CLI_MAILDIR_READER_H_
