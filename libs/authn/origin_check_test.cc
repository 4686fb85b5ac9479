#include "libs/authn/origin_check.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/credentials.h"

namespace auth::authn {
namespace {

const std::vector<std::string> kAllowed = {"https://app.example", "http://localhost:8080"};

TEST(CookiesMayAuthenticateTest, OnlyFromExactlyOneAllowedOrigin) {
  EXPECT_TRUE(CookiesMayAuthenticate({{"origin", "https://app.example"}}, kAllowed));
  EXPECT_TRUE(CookiesMayAuthenticate({{"origin", "http://localhost:8080"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({{"origin", "https://evil.example"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({{"origin", "null"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({{"origin", "https://app.example.evil"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({{"origin", "http://app.example"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate(
      {{"origin", "https://app.example"}, {"origin", "https://evil.example"}}, kAllowed));
  EXPECT_FALSE(CookiesMayAuthenticate({{"origin", "https://app.example"}}, {}));
}

// Answers GetJwks with the `cookie` and `authorization` metadata its handler saw.
class MetadataEcho final : public auth::v1::AuthService::Service {
 public:
  grpc::Status GetJwks(grpc::ServerContext* context, const auth::v1::GetJwksRequest* /*request*/,
                       auth::v1::GetJwksResponse* response) override {
    std::vector<std::string> seen;
    for (const auto& [key, value] : context->client_metadata()) {
      if (key == kCookieHeader || key == kAuthorizationHeader) {
        seen.push_back(absl::StrCat(std::string(key.data(), key.size()), "=",
                                    std::string(value.data(), value.size())));
      }
    }
    response->set_jwks_json(absl::StrJoin(seen, "|"));
    return grpc::Status::OK;
  }
};

class CookieOriginCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(MakeCookieOriginCheck(kAllowed));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = auth::v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { server_->Shutdown(); }

  // What the handler saw of a call with `metadata`.
  std::string Seen(const std::vector<std::pair<std::string, std::string>>& metadata) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    auth::v1::GetJwksResponse response;
    const grpc::Status status = stub_->GetJwks(&context, auth::v1::GetJwksRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.jwks_json();
  }

  MetadataEcho service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

TEST_F(CookieOriginCheckTest, KeepsTheCookiesOfAnAllowedOrigin) {
  EXPECT_EQ(Seen({{"origin", "https://app.example"}, {"cookie", "jwt-token=a.b.c"}}),
            "cookie=jwt-token=a.b.c");
}

TEST_F(CookieOriginCheckTest, DropsTheCookiesOfAnyOtherCallButKeepsItsBearerToken) {
  EXPECT_EQ(Seen({{"origin", "https://evil.example"}, {"cookie", "jwt-token=a.b.c"}}), "");
  EXPECT_EQ(Seen({{"cookie", "jwt-token=a.b.c"}, {"cookie", "theme=dark"}}), "");
  EXPECT_EQ(Seen({{"origin", "https://evil.example"},
                  {"cookie", "jwt-token=a.b.c"},
                  {"authorization", "Bearer d.e.f"}}),
            "authorization=Bearer d.e.f");
}

}  // namespace
}  // namespace auth::authn
