// The HTTP front in a real browser: headless Chromium (Debian's chromium and chromedriver,
// driven by Debian's python3-selenium) against the real auth_server on a private MariaDB.
//
// Each test starts a server with --http_listen and runs one scenario script with
// /usr/bin/python3 (Debian's, which has selenium; not whatever python3 is first on PATH):
// page_flow.py (the sign-in page, its cookies), sign_out.py (no token in a script's reach, the
// page's sign-out after the access token expired and when Logout fails), cross_origin.py (forged
// posts from another origin), official_clients.py (grpc-web and @connectrpc/connect-web, bundled
// by esbuild), change_password.py (the sign-in page's change-password form), password_reset.py
// (forgot password through a real SMTP server's mailbox, the reset page) and verify_email.py (the
// "not confirmed" notice, its resend, the confirmation page, --require_verified_email at sign-in)
// totp.py (two-step sign-in set up through the page, its QR code read back by zbarimg, codes by
// pyotp) and passkeys.py (passkeys through the page with a virtual authenticator; forged
// assertions).
// The scripts print what they saw to the test log and exit non-zero naming the step that failed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mail/testing/aiosmtpd_server.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "services/auth/testing/auth_server_backend.h"
#include "services/auth/testing/auth_server_process.h"

extern char** environ;

namespace auth::service_testing {
namespace {

using ::auth::mail_testing::AiosmtpdServer;
using ::auth::test_util::ExitStatus;
using ::auth::test_util::IsOk;
using ::auth::test_util::Runfile;
using ::auth::test_util::Subprocess;
using ::auth::test_util::SubprocessOptions;
using ::auth::test_util::TestTempPath;

constexpr char kPython[] = "/usr/bin/python3";
constexpr absl::Duration kScenarioTimeout = absl::Minutes(4);

std::string ScriptPath(absl::string_view name) {
  return Runfile(absl::StrCat("services/auth/web/browser_test/", name));
}

std::string Origin(int port) { return absl::StrCat("http://127.0.0.1:", port); }

// A loopback port nothing listens on now (bound to 0, read, closed), for a server whose HTTP
// origin must be known before it starts (--public_base_url names it); 0 if none could be had.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

// A new --totp_secret_key_file: 32 random bytes, mode 0600 (the server refuses a key others can
// read); "" if it could not be made.
std::string NewTotpKeyFile() {
  const std::string path = TestTempPath("totp-secret.key");
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string key(32, '\0');
  if (!urandom.read(key.data(), static_cast<std::streamsize>(key.size()))) return "";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return "";
  const bool written = write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  close(fd);
  return written && chmod(path.c_str(), 0600) == 0 ? path : "";
}

// A static file server on a free loopback port: the "other origin" a page is loaded from.
struct StaticServer {
  std::unique_ptr<Subprocess> process;
  std::string directory;
  std::string origin;
};

absl::StatusOr<StaticServer> StartStaticServer(const std::string& name) {
  StaticServer server;
  server.directory = TestTempPath(name);
  mkdir(server.directory.c_str(), 0700);
  SubprocessOptions options;
  // -u: the "Serving HTTP on ... port N" line must not wait in a buffer.
  options.argv = {kPython,  "-u",        "-m",          "http.server",   "0",
                  "--bind", "127.0.0.1", "--directory", server.directory};
  options.capture_stdout = true;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
  if (!process.ok()) return process.status();
  server.process = *std::move(process);
  absl::StatusOr<std::vector<std::string>> line =
      server.process->WaitForLine("port ([0-9]+)", absl::Seconds(20));
  if (!line.ok()) return line.status();
  int port = 0;
  if (!absl::SimpleAtoi((*line)[1], &port)) {
    return absl::InternalError(absl::StrCat("http.server said: ", (*line)[0]));
  }
  server.origin = Origin(port);
  return server;
}

class BrowserE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<AuthServerBackend>> backend = AuthServerBackend::Start();
    ASSERT_THAT(backend, IsOk());
    backend_ = backend->release();
  }
  static void TearDownTestSuite() {
    delete backend_;
    backend_ = nullptr;
  }

  // Starts auth_server with its HTTP front on a free port (its own database, so the abuse
  // counters of one test never meet another's) and returns the front's origin.
  std::string StartServer(const std::vector<std::string>& extra_flags) {
    absl::StatusOr<std::string> database = backend_->NewDatabase("browser");
    EXPECT_THAT(database, IsOk());
    if (!database.ok()) return "";
    database_ = *database;
    return StartReplica(extra_flags);
  }

  // Starts another auth_server on the database of the last StartServer (and the shared signing
  // key: a replica, which honours the sessions of the others), with its own flags; returns the
  // origin of its HTTP front.
  std::string StartReplica(const std::vector<std::string>& extra_flags) {
    std::vector<std::string> flags = backend_->Flags(database_);
    flags.push_back("--http_listen=127.0.0.1:0");
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    absl::StatusOr<std::unique_ptr<AuthServerProcess>> server = AuthServerProcess::Start(flags);
    EXPECT_THAT(server, IsOk());
    if (!server.ok()) return "";
    servers_.push_back(*std::move(server));
    EXPECT_GT(servers_.back()->http_port(), 0);
    return Origin(servers_.back()->http_port());
  }

  // Runs a scenario script to its end; its output goes to the test log.
  static ExitStatus RunScenario(const std::string& script, std::vector<std::string> args) {
    SubprocessOptions options;
    options.argv = {kPython, ScriptPath(script)};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    std::vector<std::string> env;
    for (char** variable = environ; *variable != nullptr; ++variable) env.push_back(*variable);
    // The scripts are runfiles, links into the source tree: keep __pycache__ out of it.
    env.push_back("PYTHONDONTWRITEBYTECODE=1");
    options.env = std::move(env);
    absl::StatusOr<ExitStatus> status = Subprocess::Run(options, kScenarioTimeout);
    EXPECT_THAT(status, IsOk()) << script;
    return status.ok() ? *status : ExitStatus{};
  }

  inline static AuthServerBackend* backend_ = nullptr;
  std::string database_;
  std::vector<std::unique_ptr<AuthServerProcess>> servers_;
};

TEST_F(BrowserE2eTest, SignInPageRegistersSignsInShowsRefreshesAndSignsOut) {
  // The page's rate-limit step counts on the account limit: Chromium keeps the device cookie of
  // its earlier sign-ins, which would make its wrong passwords count against that device.
  std::string server =
      StartServer({"--login_failures_per_account=3", "--login_failures_per_device=0"});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("page_flow.py", {server});
  EXPECT_TRUE(status.ok()) << "page_flow.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, HostPrefixedCookiesAreKeptByTheBrowserAndCarryTheSession) {
  std::string server = StartServer({"--cookie_prefix=__Host-"});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("host_cookies.py", {server});
  EXPECT_TRUE(status.ok()) << "host_cookies.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, ScriptsReadNoTokenAndSignOutWorksAfterExpiryAndOnFailure) {
  std::string server = StartServer({"--token_lifetime=2s"});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("sign_out.py", {server});
  EXPECT_TRUE(status.ok()) << "sign_out.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, ForeignOriginCannotLogOutTheSession) {
  absl::StatusOr<StaticServer> foreign = StartStaticServer("foreign-origin");
  ASSERT_THAT(foreign, IsOk());
  absl::StatusOr<StaticServer> allowed = StartStaticServer("allowed-origin");
  ASSERT_THAT(allowed, IsOk());
  std::string server = StartServer({"--http_allowed_origins=" + allowed->origin});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("cross_origin.py", {server, foreign->origin, allowed->origin});
  EXPECT_TRUE(status.ok()) << "cross_origin.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, OfficialGrpcWebAndConnectClientsCallEveryStep) {
  absl::StatusOr<StaticServer> app = StartStaticServer("client-app");
  ASSERT_THAT(app, IsOk());
  std::string server = StartServer({"--http_allowed_origins=" + app->origin});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("official_clients.py",
                                  {server, app->origin, app->directory,
                                   Runfile("api/auth/v1/auth.proto"), ScriptPath("package.json")});
  EXPECT_TRUE(status.ok()) << "official_clients.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, ChangePasswordSignsOutTheOtherDevicesOrEveryDevice) {
  std::string server = StartServer({});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("change_password.py", {server});
  EXPECT_TRUE(status.ok()) << "change_password.py: " << status.ToString();
}

// The reset link's origin is --public_base_url's, so the server's HTTP port is chosen first.
TEST_F(BrowserE2eTest, ForgottenPasswordIsResetThroughAMailedLink) {
  absl::StatusOr<std::unique_ptr<AiosmtpdServer>> smtp = AiosmtpdServer::Start();
  ASSERT_THAT(smtp, IsOk());
  const int http_port = FreeLoopbackPort();
  ASSERT_GT(http_port, 0);
  std::string server = StartServer({absl::StrCat("--http_listen=127.0.0.1:", http_port),
                                    "--smtp_url=" + (*smtp)->url(), "--smtp_from=auth@example.com",
                                    "--public_base_url=" + Origin(http_port)});
  ASSERT_EQ(server, Origin(http_port));
  ExitStatus status = RunScenario("password_reset.py", {server, (*smtp)->maildir()});
  EXPECT_TRUE(status.ok()) << "password_reset.py: " << status.ToString();
}

// Two replicas of one database: one mails (the link names its origin), the other cannot and
// admits only confirmed addresses.
TEST_F(BrowserE2eTest, EmailAddressIsConfirmedThroughAMailedLink) {
  absl::StatusOr<std::unique_ptr<AiosmtpdServer>> smtp = AiosmtpdServer::Start();
  ASSERT_THAT(smtp, IsOk());
  const int http_port = FreeLoopbackPort();
  ASSERT_GT(http_port, 0);
  std::string mailing = StartServer({absl::StrCat("--http_listen=127.0.0.1:", http_port),
                                     "--smtp_url=" + (*smtp)->url(), "--smtp_from=auth@example.com",
                                     "--public_base_url=" + Origin(http_port)});
  ASSERT_EQ(mailing, Origin(http_port));
  std::string strict = StartReplica({"--require_verified_email"});
  ASSERT_FALSE(strict.empty());
  ExitStatus status = RunScenario("verify_email.py", {mailing, strict, (*smtp)->maildir()});
  EXPECT_TRUE(status.ok()) << "verify_email.py: " << status.ToString();
}

TEST_F(BrowserE2eTest, TwoStepSignInIsSetUpThroughThePageAndAsksForACode) {
  const std::string key_file = NewTotpKeyFile();
  ASSERT_FALSE(key_file.empty());
  // Each code the scenario sends (a dozen, eight of them wrong: a replay, spent recovery codes,
  // five that burn a ticket) is a login attempt of the account: its limits are off, so that the
  // steps after them can sign in (the e2e tests of services/auth/mfa cover the limit).
  std::string server =
      StartServer({"--totp_secret_key_file=" + key_file, "--login_failures_per_account=0",
                   "--login_failures_per_account_address=0"});
  ASSERT_FALSE(server.empty());
  ExitStatus status = RunScenario("totp.py", {server});
  EXPECT_TRUE(status.ok()) << "totp.py: " << status.ToString();
}

// Passkeys need the page at http://localhost:<port> (Chromium takes no IP address as an RP ID),
// so the port is chosen first; a replica with a 1-second ceremony lifetime lets a ceremony expire.
TEST_F(BrowserE2eTest, PasskeysRegisterAndSignInAndForgedAssertionsAreRefused) {
  const int http_port = FreeLoopbackPort();
  ASSERT_GT(http_port, 0);
  const std::string page_origin = absl::StrCat("http://localhost:", http_port);
  const std::vector<std::string> passkey_flags = {"--webauthn_rp_id=localhost",
                                                  "--webauthn_origins=" + page_origin};
  std::vector<std::string> flags = passkey_flags;
  flags.push_back(absl::StrCat("--http_listen=127.0.0.1:", http_port));
  ASSERT_EQ(StartServer(flags), Origin(http_port));
  flags = passkey_flags;
  flags.push_back("--webauthn_ceremony_lifetime=1s");
  std::string short_lived = StartReplica(flags);
  ASSERT_FALSE(short_lived.empty());
  ExitStatus status = RunScenario("passkeys.py", {page_origin, short_lived});
  EXPECT_TRUE(status.ok()) << "passkeys.py: " << status.ToString();
}

}  // namespace
}  // namespace auth::service_testing
