#pragma once

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warden {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  if (!StatusOf(arg).ok()) {
    *result_listener << "status is " << StatusOf(arg);
  }
  return StatusOf(arg).ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  *result_listener << "status is " << StatusOf(arg);
  return StatusOf(arg).code() == code;
}

MATCHER_P2(StatusIs, code, message_substring,
           "has status code " + absl::StatusCodeToString(code) + " with message containing '" +
               std::string(message_substring) + "'") {
  *result_listener << "status is " << StatusOf(arg);
  return StatusOf(arg).code() == code &&
         StatusOf(arg).message().find(message_substring) != absl::string_view::npos;
}

}  // namespace warden
