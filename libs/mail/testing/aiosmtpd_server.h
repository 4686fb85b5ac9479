// AiosmtpdServer: a real SMTP server for tests, Debian's python3-aiosmtpd run by
// /usr/bin/python3 (not whatever python3 is first on PATH) on 127.0.0.1, storing every mail it
// accepts in a Maildir, where the test reads it back.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<AiosmtpdServer> smtp, AiosmtpdServer::Start());
//   ... send to smtp->url() ...
//   ASSERT_OK_AND_ASSIGN(std::vector<std::string> mails, smtp->WaitForMails(1, absl::Seconds(10)));
//   ASSERT_THAT(smtp->Stop(), IsOk());     // an outage: nothing listens on the port
//   ASSERT_THAT(smtp->Restart(), IsOk());  // back, same port, same Maildir
#ifndef LIBS_MAIL_TESTING_AIOSMTPD_SERVER_H_
#define LIBS_MAIL_TESTING_AIOSMTPD_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/testing/subprocess.h"

namespace auth::mail_testing {

class AiosmtpdServer {
 public:
  // Picks a free port and a Maildir path under TEST_TMPDIR (the Maildir must not exist before
  // aiosmtpd's first start: it creates it), starts the server and waits until it accepts.
  static absl::StatusOr<std::unique_ptr<AiosmtpdServer>> Start();
  // Picks a free port and a Maildir path but starts nothing (Restart() starts it): a mail server
  // that is down from the beginning.
  static absl::StatusOr<std::unique_ptr<AiosmtpdServer>> CreateStopped();

  // Stops the server (SIGTERM); the port then refuses connections.
  absl::Status Stop();
  // Starts it again on the same port and Maildir.
  absl::Status Restart();

  int port() const { return port_; }
  // smtp://127.0.0.1:PORT
  std::string url() const;
  // The Maildir the server writes (new/ and cur/ appear with the first mail), for a reader in
  // another process.
  const std::string& maildir() const { return maildir_; }

  // The messages in the Maildir as aiosmtpd stored them (with the X-Peer, X-MailFrom and
  // X-RcptTo headers it adds), line ends as LF, oldest first by file time.
  absl::StatusOr<std::vector<std::string>> Mails() const;
  // Mails() once it has at least `count`; DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<std::vector<std::string>> WaitForMails(size_t count, absl::Duration timeout) const;

 private:
  AiosmtpdServer(int port, std::string maildir) : port_(port), maildir_(std::move(maildir)) {}

  const int port_;
  const std::string maildir_;
  std::unique_ptr<test_util::Subprocess> process_;
};

}  // namespace auth::mail_testing

#endif  // LIBS_MAIL_TESTING_AIOSMTPD_SERVER_H_
