#!/usr/bin/env bash
# Fails (exit 1) when our C++ uses abseil's synchronisation: tools/style/check_sync.sh
# Debian's libabsl is not built for ThreadSanitizer, so TSan cannot see absl::Mutex, CondVar or
# Notification order anything, reports what they guard as races, and with halt_on_error stops
# the process (a replica of galera_kill_test died so in CI). Use std::mutex and
# std::condition_variable, and libs/testing/notification.h in tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
# Including absl/synchronization/mutex.h is allowed: server_main.cc switches off the deadlock
# detector of the absl::Mutex that gRPC itself takes.
pattern='absl::(Mutex|MutexLock|ReaderMutexLock|WriterMutexLock|ReleasableMutexLock|CondVar|Notification|BlockingCounter|Barrier)\b'
files=$(tools/style/files.sh)
# Comments may name them (to say why not); code after a `//` is not code.
found=$(xargs -r grep -nE "$pattern" <<<"$files" | sed -E 's|//.*$||' | grep -E "$pattern")
if [[ -z $found ]]; then
  echo "check_sync: $(wc -l <<<"$files") files, none use abseil's synchronisation"
  exit 0
fi
echo "$found"
echo "check_sync: the lines above use abseil's synchronisation, invisible to ThreadSanitizer here"
exit 1
