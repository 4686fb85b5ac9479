// Two passes over (small, size-capped) input: a SAX pass that enforces what nlohmann's DOM
// parser cannot (unique member names, bounded depth) and stops at the first problem, then the
// ordinary DOM parse of input already known to be well formed.
#include "libs/token/internal/strict_json.h"

#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace auth::token::internal {
namespace {

using Json = nlohmann::json;

// Validates structure without building anything. Returning false aborts the parse.
class StrictnessChecker : public nlohmann::json_sax<Json> {
 public:
  // Why the input was rejected, or empty while it is acceptable.
  const std::string& error() const { return error_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return Fail("binary value"); }

  bool start_object(std::size_t) override { return Push(/*is_object=*/true); }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push(/*is_object=*/false); }
  bool end_array() override { return Pop(); }

  bool key(string_t& name) override {
    if (frames_.empty() || !frames_.back().is_object) return Fail("key outside an object");
    if (!frames_.back().keys.insert(name).second) return Fail("duplicate member name");
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return Fail("malformed JSON");
  }

 private:
  struct Frame {
    bool is_object;
    absl::flat_hash_set<std::string> keys;
  };

  bool Push(bool is_object) {
    if (frames_.size() >= kMaxJsonDepth) return Fail("nesting too deep");
    frames_.push_back(Frame{is_object, {}});
    return true;
  }

  bool Pop() {
    if (!frames_.empty()) frames_.pop_back();
    return true;
  }

  bool Fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }

  std::vector<Frame> frames_;
  std::string error_;
};

}  // namespace

absl::StatusOr<Json> ParseStrictJsonObject(absl::string_view text) {
  StrictnessChecker checker;
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &checker, nlohmann::detail::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception&) {
    // sax_parse reports through parse_error(); this only guards against library surprises.
    ok = false;
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        "JSON: " + (checker.error().empty() ? std::string("malformed JSON") : checker.error()));
  }
  Json value = Json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false,
                           /*ignore_comments=*/false);
  if (value.is_discarded()) return absl::InvalidArgumentError("JSON: malformed JSON");
  if (!value.is_object()) return absl::InvalidArgumentError("JSON: top level is not an object");
  return value;
}

}  // namespace auth::token::internal
