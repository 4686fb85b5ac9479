// `auth_cli mail`; see mail_command.h.
#include "tools/auth_cli/mail_command.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/auth_cli/maildir_reader.h"

ABSL_FLAG(std::string, maildir, "",
          "mail: the Maildir to read (default: tools/run_local.sh's, "
          "$AUTH_LOCAL_DIR/mail or $HOME/.local/share/auth-service/mail).");
ABSL_FLAG(int32_t, count, 1, "mail: how many of the newest mails to print.");
ABSL_FLAG(std::string, to, "", "mail: only mails to this address.");
ABSL_FLAG(std::string, subject, "",
          "mail: only mails whose subject contains this, e.g. \"Reset your password\" (the "
          "service mails a verification link at sign-up too).");
ABSL_FLAG(absl::Duration, wait, absl::ZeroDuration(),
          "mail: wait up to this long for a mail (to --to) when there is none yet, e.g. 10s: "
          "the server sends its mail after it answers.");
ABSL_FLAG(bool, links_only, false, "mail: print only the links of the mails, one per line.");

namespace auth::cli {
namespace {

constexpr int kExitNoMail = 1;
constexpr int kExitUsage = 2;

}  // namespace

absl::StatusOr<std::string> DefaultMaildir() {
  if (const char* local = std::getenv("AUTH_LOCAL_DIR"); local != nullptr && *local != '\0') {
    return absl::StrCat(local, "/mail");
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return absl::InvalidArgumentError("neither $AUTH_LOCAL_DIR nor $HOME is set; pass --maildir");
  }
  return absl::StrCat(home, "/.local/share/auth-service/mail");
}

int RunMailCommand() {
  const int32_t count = absl::GetFlag(FLAGS_count);
  const absl::Duration wait = absl::GetFlag(FLAGS_wait);
  if (count < 1) {
    std::cerr << "usage error: --count must be at least 1\n";
    return kExitUsage;
  }
  if (wait < absl::ZeroDuration()) {
    std::cerr << "usage error: --wait must not be negative\n";
    return kExitUsage;
  }
  std::string maildir = absl::GetFlag(FLAGS_maildir);
  if (maildir.empty()) {
    absl::StatusOr<std::string> default_maildir = DefaultMaildir();
    if (!default_maildir.ok()) {
      std::cerr << "usage error: " << default_maildir.status().message() << "\n";
      return kExitUsage;
    }
    maildir = *std::move(default_maildir);
  }
  const std::string to = absl::GetFlag(FLAGS_to);
  const std::string subject = absl::GetFlag(FLAGS_subject);
  const absl::Time deadline = absl::Now() + wait;
  absl::StatusOr<MaildirListing> listing;
  for (;;) {
    listing = ReadLatestMails(
        maildir, subject.empty() ? static_cast<size_t>(count) : std::numeric_limits<size_t>::max(),
        to);
    if (listing.ok() && !subject.empty()) {
      std::vector<ReadMail>& mails = listing->mails;
      mails.erase(std::remove_if(mails.begin(), mails.end(),
                                 [&](const ReadMail& mail) {
                                   return !absl::StrContains(mail.subject, subject);
                                 }),
                  mails.end());
      if (mails.size() > static_cast<size_t>(count)) mails.resize(static_cast<size_t>(count));
    }
    if (listing.ok() && !listing->mails.empty()) break;
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (!listing.ok()) {
    std::cerr << "error: " << listing.status().message()
              << " (is tools/run_local.sh running? --maildir names another)\n";
    return kExitNoMail;
  }
  for (const std::string& warning : listing->warnings) std::cerr << "warning: " << warning << "\n";
  if (listing->mails.empty()) {
    std::cerr << "error: no mail" << (to.empty() ? "" : absl::StrCat(" to ", to))
              << (subject.empty() ? "" : absl::StrCat(" about \"", subject, "\"")) << " in "
              << maildir << "\n";
    return kExitNoMail;
  }
  const bool links_only = absl::GetFlag(FLAGS_links_only);
  for (size_t i = 0; i < listing->mails.size(); ++i) {
    const ReadMail& mail = listing->mails[i];
    if (links_only) {
      for (const std::string& link : mail.links) std::cout << link << "\n";
      continue;
    }
    if (i > 0) std::cout << "----\n";
    std::cout << FormatMail(mail);
  }
  return 0;
}

}  // namespace auth::cli
