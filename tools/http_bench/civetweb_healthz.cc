// civetweb_healthz: the other candidate HTTP library for the HTTP front, civetweb (Debian's
// libcivetweb-dev, already linked through prometheus-cpp), answering GET /healthz the way the
// front does (200, text/plain "SERVING\n", keep-alive), for the comparison in BENCHMARKS.md:
//
//   bazel-bin/tools/http_bench/civetweb_healthz 127.0.0.1:18081 2 &
//   wrk -t2 -c64 -d10s http://127.0.0.1:18081/healthz
//
// Arguments: the listening address (host:port) and the number of worker threads.
#include <civetweb.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int Healthz(mg_connection* connection, void* /*unused*/) {
  static constexpr char kBody[] = "SERVING\n";
  mg_printf(connection,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
            "Content-Length: %zu\r\n\r\n%s",
            std::strlen(kBody), kBody);
  return 200;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: civetweb_healthz host:port threads\n");
    return 2;
  }
  const std::string listen = argv[1];
  const std::string threads = argv[2];
  const char* options[] = {"listening_ports",
                           listen.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "enable_keep_alive",
                           "yes",
                           "request_timeout_ms",
                           "10000",
                           nullptr};
  mg_init_library(0);
  mg_callbacks callbacks{};
  mg_context* context = mg_start(&callbacks, nullptr, options);
  if (context == nullptr) {
    std::fprintf(stderr, "civetweb_healthz: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  mg_set_request_handler(context, "/healthz", Healthz, nullptr);
  std::printf("civetweb_healthz listening on %s\n", listen.c_str());
  std::fflush(stdout);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  mg_stop(context);
  return 0;
}
