// jwt_keygen: writes a fresh Ed25519 key pair for JWT signing.
//
//   jwt_keygen /etc/auth/jwt-2024-06.pem /etc/auth/jwt-2024-06.pub.pem
//
// The first file (PKCS#8 private key, mode 0600) stays with the auth service; the second
// (public key) may go to any service that verifies tokens. Existing files are never
// overwritten, so a typo cannot destroy the key in use. Each file appears whole or not at all
// (written beside its path, then renamed), so a server reloading keys on SIGHUP never reads
// half a key. The kid printed is the key's RFC 7638 thumbprint, the kid auth_server gives it
// with an empty --token_key_id.
#include <fcntl.h>
#include <stdio.h>   // renameat2, RENAME_NOREPLACE (glibc, with _GNU_SOURCE)
#include <stdlib.h>  // mkstemp
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
#include "libs/token/key_set.h"
#include "libs/version/version.h"

namespace {

absl::Status Failed(const std::string& path, int error) {
  return absl::InternalError(absl::StrCat(path, ": ", std::strerror(error)));
}

// Moves `from` to `to` unless `to` exists (EEXIST then). renameat2's RENAME_NOREPLACE where the
// file system has it, else link() + unlink(), which never replaces either.
int RenameNoReplace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (link(from.c_str(), to.c_str()) != 0) return -1;
  unlink(from.c_str());
  return 0;
}

// Writes `contents` to `path` atomically: a temporary file in the same directory (created 0600
// by mkstemp, so a private key is never readable by others, not even half-written), fsynced,
// given `mode`, then renamed to `path` and the directory fsynced. A crash leaves no file or the
// whole key, never a torn one that a SIGHUP reload would read; `path` is never replaced.
absl::Status WriteNewFile(const std::string& path, const std::string& contents, mode_t mode) {
  std::string temp_path = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp_path.data());
  if (fd < 0) return Failed(path, errno);
  const auto fail = [&](int error) {
    close(fd);
    unlink(temp_path.c_str());
    return Failed(path, error);
  };
  if (fchmod(fd, mode) != 0) return fail(errno);
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(n < 0 ? errno : EIO);
    written += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) return fail(errno);
  if (close(fd) != 0) {
    const int error = errno;
    unlink(temp_path.c_str());
    return Failed(path, error);
  }
  if (RenameNoReplace(temp_path, path) != 0) {
    const int error = errno;
    unlink(temp_path.c_str());
    return Failed(path, error);
  }
  // The rename itself must reach the disk too.
  std::string directory = path.substr(0, path.find_last_of('/') + 1);
  const int dir_fd =
      open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Failed(directory, errno);
  const int synced = fsync(dir_fd);
  const int error = errno;
  close(dir_fd);
  if (synced != 0) return Failed(directory, error);
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

std::string ThumbprintOf(const std::string& private_path) {
  absl::StatusOr<auth::token::KeySet> keys =
      auth::token::KeySet::FromFiles(private_path, /*kid=*/"", {});
  if (!keys.ok()) return "(unknown)";
  return keys->signing_key()->kid();
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
  std::printf("wrote %s (private, keep secret) and %s (public); kid (thumbprint) %s\n", argv[1],
              argv[2], ThumbprintOf(argv[1]).c_str());
  return 0;
}
