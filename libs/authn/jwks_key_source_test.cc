#include "libs/authn/jwks_key_source.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "api/auth/v1/auth.grpc.pb.h"
#include "api/auth/v1/auth_mock.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/authn/test_clock.h"
#include "libs/testing/status_matchers.h"
#include "libs/token/key.h"
#include "libs/token/key_set.h"
#include "nlohmann/json.hpp"

namespace auth::authn {
namespace {

using ::auth::test_util::IsOk;
using ::auth::test_util::StatusIs;
using ::auth::token::Key;
using ::auth::token::KeySet;
using ::auth::v1::GetJwksResponse;
using ::auth::v1::MockAuthServiceStub;
using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using ::testing::NotNull;
using ::testing::Return;
using ::testing::SetArgPointee;
using ::testing::StrictMock;

Key NewKey(absl::string_view kid) {
  absl::StatusOr<Key> key = Key::GenerateEd25519(kid);
  EXPECT_THAT(key, IsOk());
  return *key;
}

// The JWKS the auth service would publish for `keys`.
std::string JwksOf(std::vector<Key> keys) {
  absl::StatusOr<KeySet> set = KeySet::Create(std::nullopt, std::move(keys));
  EXPECT_THAT(set, IsOk());
  return set->ToJwks();
}

GetJwksResponse Response(const std::string& jwks_json) {
  GetJwksResponse response;
  response.set_jwks_json(jwks_json);
  return response;
}

auto ReturnJwks(const std::string& jwks_json) {
  return DoAll(SetArgPointee<2>(Response(jwks_json)), Return(grpc::Status::OK));
}

// --- ParseJwks ---------------------------------------------------------------------------

nlohmann::json ValidJwk() { return nlohmann::json::parse(JwksOf({NewKey("k1")}))["keys"][0]; }

// (A vector, not a json: nlohmann reads a one-element brace list as a copy, not an array.)
std::string WithKeys(const std::vector<nlohmann::json>& keys) {
  nlohmann::json array = nlohmann::json::array();
  for (const nlohmann::json& key : keys) array.push_back(key);
  return nlohmann::json{{"keys", array}}.dump();
}

TEST(ParseJwksTest, AcceptsWhatTheAuthServicePublishes) {
  const Key k1 = NewKey("k1");
  const Key k2 = NewKey("k2");
  absl::StatusOr<KeySet> parsed = ParseJwks(JwksOf({k1, k2}));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->signing_key(), nullptr);
  ASSERT_EQ(parsed->keys().size(), 2u);
  for (const Key* original : {&k1, &k2}) {
    const Key* key = parsed->Find(original->kid());
    ASSERT_THAT(key, NotNull());
    EXPECT_FALSE(key->can_sign());
    // The parsed key verifies what the original signed.
    absl::StatusOr<std::string> signature = original->Sign("message");
    ASSERT_THAT(signature, IsOk());
    EXPECT_TRUE(key->Verify("message", *signature));
    EXPECT_FALSE(key->Verify("massage", *signature));
  }
}

TEST(ParseJwksTest, AcceptsAKeyWithoutTheOptionalAlgAndUse) {
  nlohmann::json jwk = ValidJwk();
  jwk.erase("alg");
  jwk.erase("use");
  EXPECT_THAT(ParseJwks(WithKeys({jwk})), IsOk());
}

TEST(ParseJwksTest, RejectsDocumentsThatAreNotAJwks) {
  for (const std::string& text :
       {std::string(""), std::string("not json"), std::string("[]"), std::string("{}"),
        std::string(R"({"keys":{}})"), std::string(R"({"keys":[]})"),
        WithKeys({ValidJwk()}).insert(1, R"("extra":1,)"), std::string(R"({"keys":[],"keys":[]})"),
        std::string(R"({"keys":[[[[[[1]]]]]]})"), WithKeys({ValidJwk(), "not an object"})}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(ParseJwks(text), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(ParseJwksTest, RejectsOddKeys) {
  const std::string x = ValidJwk()["x"];
  std::vector<std::pair<std::string, nlohmann::json>> cases;
  auto with = [&](const std::string& name, const char* member, nlohmann::json value) {
    nlohmann::json jwk = ValidJwk();
    jwk[member] = std::move(value);
    cases.emplace_back(name, jwk);
  };
  auto without = [&](const std::string& name, const char* member) {
    nlohmann::json jwk = ValidJwk();
    jwk.erase(member);
    cases.emplace_back(name, jwk);
  };
  with("rsa", "kty", "RSA");
  with("oct", "kty", "oct");
  with("x25519", "crv", "X25519");
  with("hs256", "alg", "HS256");
  with("encryption key", "use", "enc");
  with("private key", "d", x);
  with("unknown member", "x5c", nlohmann::json::array());
  with("numeric kid", "kid", 7);
  with("empty kid", "kid", "");
  with("bad kid characters", "kid", "a b");
  with("padded x", "x", x + "=");
  with("short x", "x", x.substr(0, 40));
  with("x not base64url", "x", "+" + x.substr(1));
  // 43 characters carry 258 bits: the last two must be zero, and 'B' (000001) has one set.
  with("x with non-canonical trailing bits", "x", x.substr(0, x.size() - 1) + "B");
  without("no kty", "kty");
  without("no crv", "crv");
  without("no kid", "kid");
  without("no x", "x");
  for (const auto& [name, jwk] : cases) {
    SCOPED_TRACE(name);
    EXPECT_THAT(ParseJwks(WithKeys({jwk})), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(ParseJwksTest, RejectsDuplicateKidsAndOversizedDocuments) {
  EXPECT_THAT(ParseJwks(WithKeys({ValidJwk(), ValidJwk()})),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("duplicate")));
  const std::string huge = WithKeys({ValidJwk()}) + std::string(kMaxJwksBytes, ' ');
  EXPECT_THAT(ParseJwks(huge), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJwksTest, ErrorsNeverContainKeyMaterial) {
  nlohmann::json jwk = ValidJwk();
  const std::string x = jwk["x"];
  jwk["d"] = x;
  absl::StatusOr<KeySet> parsed = ParseJwks(WithKeys({jwk}));
  ASSERT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(parsed.status().message()), ::testing::Not(::testing::HasSubstr(x)));
}

// --- JwksKeySource -----------------------------------------------------------------------

class JwksKeySourceTest : public ::testing::Test {
 protected:
  JwksKeySourceOptions Options() {
    JwksKeySourceOptions options;
    options.min_refetch_interval = absl::Seconds(30);
    options.max_age = absl::Minutes(10);
    options.clock = clock_.AsClock();
    return options;
  }

  authn_testing::FakeClock clock_;
  StrictMock<MockAuthServiceStub> stub_;
  const Key k1_ = NewKey("k1");
  const Key k2_ = NewKey("k2");
};

TEST_F(JwksKeySourceTest, FetchesOnFirstUseThenServesFromTheCache) {
  EXPECT_CALL(stub_, GetJwks(NotNull(), _, NotNull())).WillOnce(ReturnJwks(JwksOf({k1_})));
  JwksKeySource source(&stub_, Options());
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k1");
    ASSERT_THAT(keys, IsOk());
    EXPECT_THAT((*keys)->Find("k1"), NotNull());
    clock_.Advance(absl::Minutes(1));
  }
}

TEST_F(JwksKeySourceTest, FetchHasADeadline) {
  JwksKeySourceOptions options = Options();
  options.fetch_timeout = absl::Seconds(3);
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext* context, const auth::v1::GetJwksRequest&,
                           GetJwksResponse* response) {
        const auto remaining = context->deadline() - std::chrono::system_clock::now();
        EXPECT_GT(remaining, std::chrono::seconds(1));
        EXPECT_LE(remaining, std::chrono::seconds(3));
        response->set_jwks_json(JwksOf({k1_}));
        return grpc::Status::OK;
      }));
  JwksKeySource source(&stub_, options);
  EXPECT_THAT(source.KeysFor("k1"), IsOk());
}

TEST_F(JwksKeySourceTest, UnknownKidRefetchesAtMostOncePerInterval) {
  EXPECT_CALL(stub_, GetJwks(_, _, _)).Times(2).WillRepeatedly(ReturnJwks(JwksOf({k1_})));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.KeysFor("k1"), IsOk());
  clock_.Advance(absl::Seconds(31));
  // One refetch for the unknown kid; the answer still lacks it.
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("forged-1");
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ((*keys)->Find("forged-1"), nullptr);
  // A flood of random kids within the interval costs nothing.
  for (int i = 0; i < 100; ++i) {
    clock_.Advance(absl::Milliseconds(100));
    ASSERT_THAT(source.KeysFor("forged-" + std::to_string(i)), IsOk());
  }
  ::testing::Mock::VerifyAndClearExpectations(&stub_);
  // Once the interval has passed, an unknown kid may refetch again.
  clock_.Advance(absl::Seconds(30));
  EXPECT_CALL(stub_, GetJwks(_, _, _)).WillOnce(ReturnJwks(JwksOf({k1_})));
  EXPECT_THAT(source.KeysFor("forged-again"), IsOk());
}

TEST_F(JwksKeySourceTest, RotationIsPickedUpByTheRefetch) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({k1_})))
      .WillOnce(ReturnJwks(JwksOf({k2_, k1_})));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.KeysFor("k1"), IsOk());
  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k2");
  ASSERT_THAT(keys, IsOk());
  EXPECT_THAT((*keys)->Find("k2"), NotNull());
  EXPECT_THAT((*keys)->Find("k1"), NotNull());
}

TEST_F(JwksKeySourceTest, FirstFetchFailingIsUnavailableAndRateLimited) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")))
      .WillOnce(ReturnJwks(JwksOf({k1_})));
  JwksKeySource source(&stub_, Options());
  EXPECT_THAT(source.KeysFor("k1"), StatusIs(absl::StatusCode::kUnavailable));
  clock_.Advance(absl::Seconds(5));
  EXPECT_THAT(source.KeysFor("k1"), StatusIs(absl::StatusCode::kUnavailable));  // no call
  clock_.Advance(absl::Seconds(30));
  EXPECT_THAT(source.KeysFor("k1"), IsOk());
}

TEST_F(JwksKeySourceTest, AnUnusableDocumentKeepsTheOldKeys) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({k1_})))
      .WillOnce(ReturnJwks(R"({"keys":[{"kty":"RSA"}]})"));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.KeysFor("k1"), IsOk());
  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k2");
  ASSERT_THAT(keys, IsOk());
  EXPECT_THAT((*keys)->Find("k1"), NotNull());
}

TEST_F(JwksKeySourceTest, StaleKeysAreRefreshedAndKeptIfTheRefreshFails) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({k1_, k2_})))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")))
      .WillOnce(ReturnJwks(JwksOf({k2_})));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.KeysFor("k1"), IsOk());
  clock_.Advance(absl::Minutes(11));
  // The refresh fails: the stale keys still serve.
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k1");
  ASSERT_THAT(keys, IsOk());
  EXPECT_THAT((*keys)->Find("k1"), NotNull());
  clock_.Advance(absl::Seconds(31));
  // This refresh works: k1 was dropped by the auth service, and so by us.
  keys = source.KeysFor("k1");
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ((*keys)->Find("k1"), nullptr);
  EXPECT_THAT((*keys)->Find("k2"), NotNull());
}

TEST_F(JwksKeySourceTest, RefreshIgnoresTheIntervalAndReportsFailure) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({k1_})))
      .WillOnce(ReturnJwks(JwksOf({k2_})))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow")));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.Refresh(), IsOk());
  ASSERT_THAT(source.Refresh(), IsOk());
  EXPECT_THAT(source.Refresh(), StatusIs(absl::StatusCode::kUnavailable));
  absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k2");  // no call
  ASSERT_THAT(keys, IsOk());
  EXPECT_THAT((*keys)->Find("k2"), NotNull());
}

TEST_F(JwksKeySourceTest, ConcurrentCallersWithANewKidShareOneFetch) {
  EXPECT_CALL(stub_, GetJwks(_, _, _))
      .WillOnce(ReturnJwks(JwksOf({k1_})))
      .WillOnce(Invoke(
          [&](grpc::ClientContext*, const auth::v1::GetJwksRequest&, GetJwksResponse* response) {
            // Slow enough that every caller arrives while this fetch is in flight.
            absl::SleepFor(absl::Milliseconds(200));
            response->set_jwks_json(JwksOf({k1_, k2_}));
            return grpc::Status::OK;
          }));
  JwksKeySource source(&stub_, Options());
  ASSERT_THAT(source.KeysFor("k1"), IsOk());
  clock_.Advance(absl::Minutes(1));
  std::vector<std::thread> threads;
  std::vector<int> found(8, 0);  // not vector<bool>: its bits share bytes
  for (size_t i = 0; i < found.size(); ++i) {
    threads.emplace_back([&source, &found, i] {
      absl::StatusOr<std::shared_ptr<const KeySet>> keys = source.KeysFor("k2");
      found[i] = keys.ok() && (*keys)->Find("k2") != nullptr;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < found.size(); ++i) EXPECT_TRUE(found[i]) << "caller " << i;
}

}  // namespace
}  // namespace auth::authn
