#!/usr/bin/env bash
# Installs every Debian package this repository needs to build, test and run.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
set -euo pipefail

PACKAGES=(
  # Build.
  bazel-bootstrap g++ clang libclang-rt-14-dev pkg-config
  # gRPC and protobuf (system protoc + grpc_cpp_plugin; Bazel wraps them offline).
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  # Libraries named by the design card, and what the libs use.
  libabsl-dev libgoogle-glog-dev googletest libgtest-dev libgmock-dev
  libssl-dev android-libboringssl-dev
  libmysqlcppconn-dev libargon2-dev nlohmann-json3-dev
  # The HTTP front: Boost.Beast/Asio (header-only); curl for its tests and the README's examples;
  # the openssl CLI makes the test CAs and certificates (HTTP front, gRPC TLS and mTLS tests).
  libboost-dev curl openssl
  # civetweb (also pulled in by prometheus-cpp-dev): the HTTP library comparison, tools/http_bench.
  libcivetweb-dev
  # Prometheus metrics: the client library and its civetweb HTTP exposer.
  prometheus-cpp-dev
  # Mail: libcurl's SMTP client (libs/mail); the SMTP server the mail tests start (aiosmtpd,
  # run by /usr/bin/python3).
  libcurl4-openssl-dev python3-aiosmtpd
  # Passkeys: CBOR (attestation objects, COSE keys) through libcbor (libs/webauthn).
  libcbor-dev
  # The MySQL-compatible server the integration and end-to-end tests start privately.
  mariadb-server mariadb-client
  # The 3-node Galera harness (tools/galera): provider, mariabackup SST and its stream transport.
  galera-4 mariadb-backup socat
  # tools/proto_checks.sh installs buf (lint, breaking) from npm.
  nodejs
  # The browser tests (services/auth/web/browser_test): headless Chromium driven by selenium
  # from Debian's /usr/bin/python3; a font, which Chromium only recommends; passkeys.py signs
  # its forged WebAuthn assertions with python3-cryptography.
  chromium chromium-driver python3-selenium fonts-liberation python3-cryptography
  # tools/loadgen/run_benchmarks.sh: its table (jq) and its chart (gnuplot, no X);
  # tools/http_bench/run_http_benchmarks.sh: the HTTP load (wrk).
  jq gnuplot-nox wrk
  # TOTP (libs/otp): QR codes as SVG (libqrencode); the tests' independent code generators
  # (oathtool, python3-pyotp), and the SVG rasteriser and QR decoder that read the QR code back
  # (rsvg-convert, zbarimg).
  libqrencode-dev oathtool python3-pyotp librsvg2-bin zbar-tools
  # CI's style stage checks the C++ format with it (.clang-format, tools/style/check_format.sh).
  clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian's nodejs comes without npm (NodeSource's includes it): add Debian's npm if none is here.
if ! command -v npm >/dev/null; then missing+=(npm); fi

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a system MariaDB; this project never uses it (tests and the local
  # run start private servers on their own sockets), so leave it as the package set it up.
fi

# The npm packages of the browser tests (grpc-web, @connectrpc/connect-web, protoc-gen-es,
# esbuild), exactly as package-lock.json pins them, into the package's node_modules (git- and
# Bazel-ignored; the test finds it through its runfiles' links), so `bazel test` needs no
# network. Only when the lock changed since the last install. No install scripts run: esbuild's
# binary comes as the @esbuild/linux-x64 package, and nothing downloads a browser.
browser_test=$(cd "$(dirname "$0")/.." && pwd)/services/auth/web/browser_test
lock_digest=$(sha256sum "$browser_test/package-lock.json" | cut -d' ' -f1)
if [[ $(cat "$browser_test/node_modules/.lock-sha256" 2>/dev/null) != "$lock_digest" ]]; then
  echo "setup: npm ci in $browser_test"
  (cd "$browser_test" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_digest" >"$browser_test/node_modules/.lock-sha256"
fi
echo "setup: done"
