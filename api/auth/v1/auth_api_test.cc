// Proves the generated code of //api/auth/v1 works: messages, a real RPC, and the gMock stub.

#include <memory>
#include <string>

#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth.pb.h"
#include "api/auth/v1/auth_mock.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace auth::v1 {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::Return;
using ::testing::SetArgPointee;

TEST(AuthApiTest, MessagesRoundTripThroughTheWireFormat) {
  RegisterRequest request;
  request.set_username("alice");
  request.set_email("alice@example.com");
  request.set_password_hash("client-digest");
  request.set_phone_number("+15551234567");

  RegisterRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(request.SerializeAsString()));
  EXPECT_EQ(parsed.username(), "alice");
  EXPECT_EQ(parsed.email(), "alice@example.com");
  EXPECT_EQ(parsed.password_hash(), "client-digest");
  EXPECT_EQ(parsed.phone_number(), "+15551234567");
}

TEST(AuthApiTest, FieldNumbersMatchTheSpecification) {
  // The numbers are the wire contract with existing clients; a renumbering must fail here.
  const auto* login = LoginRequest::descriptor();
  EXPECT_EQ(login->FindFieldByName("phone_number")->number(), 1);
  EXPECT_EQ(login->FindFieldByName("email")->number(), 2);
  EXPECT_EQ(login->FindFieldByName("password_hash")->number(), 3);
  const auto* register_request = RegisterRequest::descriptor();
  EXPECT_EQ(register_request->FindFieldByName("username")->number(), 1);
  EXPECT_EQ(register_request->FindFieldByName("email")->number(), 2);
  EXPECT_EQ(register_request->FindFieldByName("password_hash")->number(), 3);
  EXPECT_EQ(register_request->FindFieldByName("phone_number")->number(), 4);
  EXPECT_EQ(LoginResponse::descriptor()->FindFieldByName("user_id")->number(), 1);
  EXPECT_EQ(LoginResponse::descriptor()->FindFieldByName("jwt_token")->number(), 2);
  EXPECT_EQ(LogoutRequest::descriptor()->FindFieldByName("user_id")->number(), 1);
  EXPECT_EQ(RegisterResponse::descriptor()->FindFieldByName("status")->number(), 2);
  EXPECT_EQ(LogoutResponse::descriptor()->FindFieldByName("message")->number(), 1);
}

// A trivial in-process implementation: enough to prove that stubs and service base agree.
class EchoingAuthService final : public AuthService::Service {
  grpc::Status Logout(grpc::ServerContext*, const LogoutRequest* request,
                      LogoutResponse* response) override {
    response->set_message("logged out " + std::to_string(request->user_id()));
    response->set_status(200);
    return grpc::Status::OK;
  }
};

TEST(AuthApiTest, RealRpcOverLoopback) {
  EchoingAuthService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  auto stub = AuthService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  LogoutRequest request;
  request.set_user_id(42);
  LogoutResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub->Logout(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "logged out 42");
  EXPECT_EQ(response.status(), 200);

  // Methods the service does not override answer UNIMPLEMENTED, as gRPC promises.
  grpc::ClientContext register_context;
  RegisterResponse register_response;
  status = stub->Register(&register_context, RegisterRequest(), &register_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  server->Shutdown();
}

TEST(AuthApiTest, GeneratedMockStubAnswersAsProgrammed) {
  MockAuthServiceStub stub;
  LoginResponse canned;
  canned.set_user_id(7);
  canned.set_jwt_token("header.payload.signature");
  EXPECT_CALL(stub, Login(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(canned), Return(grpc::Status::OK)));

  AuthService::StubInterface& interface = stub;
  grpc::ClientContext context;
  LoginResponse response;
  ASSERT_TRUE(interface.Login(&context, LoginRequest(), &response).ok());
  EXPECT_EQ(response.user_id(), 7);
  EXPECT_EQ(response.jwt_token(), "header.payload.signature");
}

}  // namespace
}  // namespace auth::v1
