// Cookies only from allowed origins; see origin_check.h.
#include "libs/authn/origin_check.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/string_ref.h"

namespace auth::authn {
namespace {

namespace experimental = ::grpc::experimental;

class CookieOriginInterceptor final : public experimental::Interceptor {
 public:
  explicit CookieOriginInterceptor(const std::vector<std::string>* allowed_origins)
      : allowed_origins_(allowed_origins) {}

  void Intercept(experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      // The map the handler's ServerContext::client_metadata() returns.
      std::multimap<grpc::string_ref, grpc::string_ref>* metadata =
          methods->GetRecvInitialMetadata();
      if (metadata != nullptr && metadata->count(kCookieHeader) > 0 &&
          !CookiesMayAuthenticate(ToHeaders(*metadata), *allowed_origins_)) {
        metadata->erase(kCookieHeader);
      }
    }
    methods->Proceed();
  }

 private:
  const std::vector<std::string>* const allowed_origins_;
};

class CookieOriginCheckFactory final : public experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CookieOriginCheckFactory(std::vector<std::string> allowed_origins)
      : allowed_origins_(std::move(allowed_origins)) {}

  experimental::Interceptor* CreateServerInterceptor(
      experimental::ServerRpcInfo* /*info*/) override {
    return new CookieOriginInterceptor(&allowed_origins_);
  }

 private:
  const std::vector<std::string> allowed_origins_;
};

}  // namespace

bool CookiesMayAuthenticate(const Headers& headers,
                            const std::vector<std::string>& allowed_origins) {
  const absl::string_view* origin = nullptr;
  for (const auto& [key, value] : headers) {
    if (key != kOriginHeader) continue;
    if (origin != nullptr) return false;  // which one would we trust?
    origin = &value;
  }
  return origin != nullptr && std::find(allowed_origins.begin(), allowed_origins.end(), *origin) !=
                                  allowed_origins.end();
}

std::unique_ptr<experimental::ServerInterceptorFactoryInterface> MakeCookieOriginCheck(
    std::vector<std::string> allowed_origins) {
  return std::make_unique<CookieOriginCheckFactory>(std::move(allowed_origins));
}

}  // namespace auth::authn
