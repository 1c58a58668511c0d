#include "core/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warden::core {
namespace {

bool IsUsernameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

// RFC 5322 atext plus '.', as accepted in the local part of a dot-atom.
bool IsLocalPartChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
    return true;
  }
  return absl::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != absl::string_view::npos;
}

bool IsValidDomain(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) {
    return false;
  }
  int labels = 0;
  for (absl::string_view label : absl::StrSplit(domain, '.')) {
    ++labels;
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  return labels >= 2;
}

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

}  // namespace

bool IsWellFormedId(absl::string_view id) {
  return !id.empty() && id.size() <= 64 && !HasControlCharacter(id);
}

bool HasControlCharacter(absl::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

std::string CaseFoldKey(absl::string_view value) { return absl::AsciiStrToLower(value); }

absl::Status ValidatePassword(absl::string_view field, absl::string_view password) {
  if (password.empty()) {
    return Invalid(field, "is required");
  }
  if (password.size() < kMinPasswordLength) {
    return Invalid(field, "must be at least 8 bytes");
  }
  if (password.size() > kMaxPasswordLength) {
    return Invalid(field, "must be at most 1024 bytes");
  }
  if (HasControlCharacter(password)) {
    return Invalid(field, "must not contain NUL or control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateRoleName(absl::string_view role) {
  if (role.empty() || role.size() > 64) {
    return absl::InvalidArgumentError("roles: each role must be 1 to 64 characters");
  }
  for (char c : role) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-' || c == ':' ||
          c == '.')) {
      return absl::InvalidArgumentError(
          "roles: a role may hold only a-z, 0-9, '_', '-', ':' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRegistration(const RegistrationRequest& request) {
  const std::string& username = request.username;
  if (username.empty()) {
    return Invalid("username", "is required");
  }
  if (username.size() < kMinUsernameLength || username.size() > kMaxUsernameLength) {
    return Invalid("username", "must be 3 to 64 characters");
  }
  for (char c : username) {
    if (!IsUsernameChar(c)) {
      return Invalid("username", "may contain only letters, digits, '.', '_' and '-'");
    }
  }

  const std::string& email = request.email;
  if (email.empty()) {
    return Invalid("email", "is required");
  }
  if (email.size() > kMaxEmailLength || HasControlCharacter(email)) {
    return Invalid("email", "is not a valid address");
  }
  const size_t at = email.rfind('@');
  if (at == std::string::npos) {
    return Invalid("email", "is not a valid address");
  }
  const absl::string_view local = absl::string_view(email).substr(0, at);
  const absl::string_view domain = absl::string_view(email).substr(at + 1);
  bool local_ok = !local.empty() && local.size() <= 64 && local.front() != '.' &&
                  local.back() != '.' && local.find("..") == absl::string_view::npos;
  for (char c : local) {
    local_ok = local_ok && IsLocalPartChar(c);
  }
  if (!local_ok || !IsValidDomain(domain)) {
    return Invalid("email", "is not a valid address");
  }

  if (absl::Status password = ValidatePassword("password", request.password); !password.ok()) {
    return password;
  }

  if (request.full_name.size() > kMaxFullNameLength) {
    return Invalid("full_name", "must be at most 256 bytes");
  }
  if (HasControlCharacter(request.full_name)) {
    return Invalid("full_name", "must not contain NUL or control characters");
  }
  return absl::OkStatus();
}

}  // namespace warden::core
