#include "services/auth/account/validation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"

namespace auth::service {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

TEST(ValidateUsernameTest, AcceptsAllowedCharactersAndLengths) {
  for (const char* name : {"bob", "alice_smith", "a.b-c_9", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}) {
    EXPECT_THAT(ValidateUsername(name), IsOk()) << name;
  }
}

TEST(ValidateUsernameTest, RejectsBadLengthsAndCharacters) {
  for (const char* name : {"", "ab", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "has space", "semi;colon",
                           "null\x01", "émile", "a/b"}) {
    EXPECT_THAT(ValidateUsername(name), StatusIs(kInvalid, HasSubstr("username"))) << name;
  }
}

TEST(NormalizeEmailTest, LowercasesValidAddresses) {
  ASSERT_OK_AND_ASSIGN(std::string email, NormalizeEmail("Alice.Smith+tag@Example.COM"));
  EXPECT_EQ(email, "alice.smith+tag@example.com");
  for (const char* valid :
       {"a@b.co", "x!#$%&'*+/=?^_`{|}~-y@sub.example-host.org", "first.last@a-b.c-d.example"}) {
    EXPECT_THAT(NormalizeEmail(valid), IsOk()) << valid;
  }
}

TEST(NormalizeEmailTest, RejectsMalformedAddresses) {
  for (const char* bad : {"",
                          "plain",
                          "@example.com",
                          "alice@",
                          "alice@@example.com",
                          "a@b@example.com",
                          "alice@localhost",
                          "al ice@example.com",
                          "\"quoted\"@example.com",
                          ".alice@example.com",
                          "alice.@example.com",
                          "al..ice@example.com",
                          "alice@-example.com",
                          "alice@example-.com",
                          "alice@exa_mple.com",
                          "alice@example..com",
                          "alice@.example.com",
                          "alice@example.com.",
                          "ali\tce@example.com",
                          "alice@exam ple.com",
                          "(comment)alice@example.com",
                          "alice@[127.0.0.1]"}) {
    EXPECT_THAT(NormalizeEmail(bad), StatusIs(kInvalid, HasSubstr("email"))) << bad;
  }
}

TEST(NormalizeEmailTest, EnforcesLengthLimits) {
  const std::string domain = "@example.com";
  EXPECT_THAT(NormalizeEmail(std::string(64, 'a') + domain), IsOk());
  EXPECT_THAT(NormalizeEmail(std::string(65, 'a') + domain), StatusIs(kInvalid));
  // 254 bytes in all is the limit: local parts of 60 + labels make it long.
  std::string long_domain;
  while (long_domain.size() < 250) long_domain += "abcdefghi.";
  EXPECT_THAT(NormalizeEmail("a@" + long_domain + "com"), StatusIs(kInvalid, HasSubstr("254")));
}

TEST(ValidatePhoneNumberTest, AcceptsE164) {
  for (const char* phone : {"+15551234567", "+4930123456", "+1234567", "+123456789012345"}) {
    EXPECT_THAT(ValidatePhoneNumber(phone), IsOk()) << phone;
  }
}

TEST(ValidatePhoneNumberTest, RejectsEverythingElse) {
  for (const char* phone :
       {"15551234567", "+0123456789", "+123456", "+1234567890123456", "+1 555 123 4567",
        "+1-555-1234", "+", "++15551234567", "+1555123456a"}) {
    EXPECT_THAT(ValidatePhoneNumber(phone), StatusIs(kInvalid, HasSubstr("phone_number"))) << phone;
  }
}

TEST(ValidatePasswordTest, EnforcesLengthWithoutEchoingIt) {
  EXPECT_THAT(ValidatePassword(std::string(8, 'x')), IsOk());
  EXPECT_THAT(ValidatePassword(std::string(1024, 'x')), IsOk());
  EXPECT_THAT(ValidatePassword("secret7"), StatusIs(kInvalid, Not(HasSubstr("secret7"))));
  EXPECT_THAT(ValidatePassword(std::string(1025, 'x')),
              StatusIs(kInvalid, HasSubstr("password_hash")));
}

auth::v1::RegisterRequest ValidRegisterRequest() {
  auth::v1::RegisterRequest request;
  request.set_username("alice");
  request.set_email("Alice@Example.com");
  request.set_password_hash("0123456789abcdef");
  return request;
}

TEST(ValidateRegisterRequestTest, NormalisesAndMakesPhoneOptional) {
  ASSERT_OK_AND_ASSIGN(Registration registration, ValidateRegisterRequest(ValidRegisterRequest()));
  EXPECT_EQ(registration.username, "alice");
  EXPECT_EQ(registration.email, "alice@example.com");
  EXPECT_FALSE(registration.phone_number.has_value());

  auth::v1::RegisterRequest with_phone = ValidRegisterRequest();
  with_phone.set_phone_number("+15551234567");
  ASSERT_OK_AND_ASSIGN(registration, ValidateRegisterRequest(with_phone));
  EXPECT_EQ(registration.phone_number, "+15551234567");
}

TEST(ValidateRegisterRequestTest, NamesTheFirstBadField) {
  auth::v1::RegisterRequest request = ValidRegisterRequest();
  request.set_username("x");
  EXPECT_THAT(ValidateRegisterRequest(request), StatusIs(kInvalid, HasSubstr("username")));
  request = ValidRegisterRequest();
  request.set_email("nope");
  EXPECT_THAT(ValidateRegisterRequest(request), StatusIs(kInvalid, HasSubstr("email")));
  request = ValidRegisterRequest();
  request.set_phone_number("555");
  EXPECT_THAT(ValidateRegisterRequest(request), StatusIs(kInvalid, HasSubstr("phone_number")));
  request = ValidRegisterRequest();
  request.set_password_hash("short");
  EXPECT_THAT(ValidateRegisterRequest(request), StatusIs(kInvalid, HasSubstr("password_hash")));
}

TEST(ValidateLoginRequestTest, TakesExactlyOneIdentifier) {
  auth::v1::LoginRequest request;
  request.set_password_hash("0123456789abcdef");
  EXPECT_THAT(ValidateLoginRequest(request), StatusIs(kInvalid, HasSubstr("exactly one")));
  request.set_email("A@Example.com");
  request.set_phone_number("+15551234567");
  EXPECT_THAT(ValidateLoginRequest(request), StatusIs(kInvalid, HasSubstr("exactly one")));

  request.clear_phone_number();
  ASSERT_OK_AND_ASSIGN(LoginIdentity by_email, ValidateLoginRequest(request));
  EXPECT_EQ(by_email.kind, LoginIdentity::Kind::kEmail);
  EXPECT_EQ(by_email.value, "a@example.com");

  request.clear_email();
  request.set_phone_number("+15551234567");
  ASSERT_OK_AND_ASSIGN(LoginIdentity by_phone, ValidateLoginRequest(request));
  EXPECT_EQ(by_phone.kind, LoginIdentity::Kind::kPhoneNumber);
  EXPECT_EQ(by_phone.value, "+15551234567");
}

TEST(ValidateLoginRequestTest, RejectsMalformedIdentifiersAndPasswords) {
  auth::v1::LoginRequest request;
  request.set_password_hash("0123456789abcdef");
  request.set_email("not-an-email");
  EXPECT_THAT(ValidateLoginRequest(request), StatusIs(kInvalid, HasSubstr("email")));
  request.clear_email();
  request.set_phone_number("12345");
  EXPECT_THAT(ValidateLoginRequest(request), StatusIs(kInvalid, HasSubstr("phone_number")));
  request.set_phone_number("+15551234567");
  request.clear_password_hash();
  EXPECT_THAT(ValidateLoginRequest(request), StatusIs(kInvalid, HasSubstr("password_hash")));
}

}  // namespace
}  // namespace auth::service
