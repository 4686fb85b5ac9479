#include "libs/token/internal/strict_json.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/status_matchers.h"
#include "nlohmann/json.hpp"

namespace auth::token::internal {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::testing::HasSubstr;

TEST(StrictJsonTest, ParsesAnObject) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json value,
                       ParseStrictJsonObject(R"({"alg":"EdDSA","n":7,"a":[1,{"b":null}]})"));
  EXPECT_EQ(value["alg"], "EdDSA");
  EXPECT_EQ(value["n"], 7);
  EXPECT_TRUE(value["a"][1]["b"].is_null());
}

TEST(StrictJsonTest, AllowsSurroundingWhitespace) {
  EXPECT_THAT(ParseStrictJsonObject(" \r\n{\"a\":1}\t "), IsOk());
}

TEST(StrictJsonTest, AllowsTheSameNameInDifferentObjects) {
  EXPECT_THAT(ParseStrictJsonObject(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})"), IsOk());
}

TEST(StrictJsonTest, RejectsDuplicateTopLevelNames) {
  EXPECT_THAT(ParseStrictJsonObject(R"({"sub":"1","sub":"2"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(StrictJsonTest, RejectsDuplicateNestedNames) {
  EXPECT_THAT(ParseStrictJsonObject(R"({"a":[{"x":1,"x":1}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST(StrictJsonTest, RejectsNonObjects) {
  for (const char* text : {"[]", "1", "\"s\"", "null", "true", "[{\"a\":1}]"}) {
    EXPECT_THAT(ParseStrictJsonObject(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an object")))
        << text;
  }
}

TEST(StrictJsonTest, RejectsMalformedJson) {
  for (const char* text :
       {"", "{", "{\"a\":1,}", "{'a':1}", "{\"a\":01}", "{\"a\":NaN}", "{\"a\":1} x", "{\"a\":1}{}",
        "{\"a\":1 /* c */}", "{\"a\":\"\xff\"}", "{\"a\":\"\\ud800\"}"}) {
    EXPECT_THAT(ParseStrictJsonObject(text), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
  }
}

TEST(StrictJsonTest, RejectsDeepNesting) {
  std::string deep =
      "{\"a\":" + std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']') + "}";
  EXPECT_THAT(ParseStrictJsonObject(deep),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deep")));
  std::string shallow =
      "{\"a\":" + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_THAT(ParseStrictJsonObject(shallow), IsOk());
}

TEST(StrictJsonTest, ErrorMessageDoesNotEchoInput) {
  absl::StatusOr<nlohmann::json> value = ParseStrictJsonObject(R"({"pw":"hunter2","pw":1})");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(std::string(value.status().message()), ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(std::string(value.status().message()), ::testing::Not(HasSubstr("pw")));
}

}  // namespace
}  // namespace auth::token::internal
