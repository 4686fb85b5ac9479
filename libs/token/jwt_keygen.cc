// jwt_keygen: writes a fresh Ed25519 key pair for JWT signing.
//
//   jwt_keygen /etc/auth/jwt-2024-06.pem /etc/auth/jwt-2024-06.pub.pem
//
// The first file (PKCS#8 private key, mode 0600) stays with the auth service; the second
// (public key) may go to any service that verifies tokens. Existing files are never
// overwritten, so a typo cannot destroy the key in use.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/token/key.h"
#include "libs/version/version.h"

namespace {

absl::Status WriteNewFile(const std::string& path, const std::string& contents, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string error = std::strerror(errno);
      close(fd);
      return absl::InternalError(absl::StrCat(path, ": ", error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    return absl::InternalError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status Run(const std::string& private_path, const std::string& public_path) {
  absl::StatusOr<auth::token::Key> key = auth::token::Key::GenerateEd25519("new");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> private_pem = key->PrivateKeyPem();
  if (!private_pem.ok()) return private_pem.status();
  absl::StatusOr<std::string> public_pem = key->PublicKeyPem();
  if (!public_pem.ok()) return public_pem.status();
  if (absl::Status status = WriteNewFile(private_path, *private_pem, 0600); !status.ok()) {
    return status;
  }
  return WriteNewFile(public_path, *public_pem, 0644);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "PRIVATE_KEY_PEM PUBLIC_KEY_PEM: writes a new Ed25519 key pair for signing JWTs.");
  auth::version::InstallVersionFlag(argv[0]);
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);  // --help, --version
  if (args.size() != 3) {
    std::fprintf(stderr,
                 "usage: %s PRIVATE_KEY_PEM PUBLIC_KEY_PEM\n"
                 "Writes a new Ed25519 key pair for signing JWTs. Neither file may exist yet.\n",
                 args[0]);
    return 2;
  }
  argv = const_cast<char**>(args.data());
  absl::Status status = Run(argv[1], argv[2]);
  if (!status.ok()) {
    std::fprintf(stderr, "jwt_keygen: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("wrote %s (private, keep secret) and %s (public)\n", argv[1], argv[2]);
  return 0;
}
