#include "app/dev_secrets.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/private_file.h"
#include "crypto/sodium_primitives.h"

namespace warden::app {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<crypto::MasterKey> DevMasterKey(const std::string& data_dir) {
  const std::string path = data_dir + "/master.key";
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (std::optional<std::string> text = ReadFile(path)) {
      absl::StatusOr<crypto::MasterKey> key = crypto::MasterKey::FromBase64(*text);
      if (!key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", key.status().message()));
      }
      return key;
    }
    crypto::MasterKey key = crypto::MasterKey::Generate();
    absl::Status written =
        WritePrivateFile(path, key.ToBase64() + "\n", PrivateFileMode::kCreateNew);
    if (written.ok()) {
      spdlog::warn("dev mode: generated a master key at {}; do not use in production", path);
      return key;
    }
    if (!absl::IsAlreadyExists(written)) {
      return written;
    }
    // Another process made it first: read theirs.
  }
  return absl::UnavailableError(absl::StrCat("cannot read ", path));
}

absl::StatusOr<std::string> DevHs256Secret(const std::string& data_dir) {
  const std::string path = data_dir + "/hs256.secret";
  if (std::optional<std::string> text = ReadFile(path)) {
    std::string secret = text->substr(0, text->find('\n'));
    if (secret.size() >= 32) {
      return secret;
    }
  }
  crypto::SodiumRandomSource random;
  std::string secret = absl::WebSafeBase64Escape(random.Bytes(32));
  if (absl::Status written = WritePrivateFile(path, secret + "\n", PrivateFileMode::kReplace);
      !written.ok()) {
    return written;
  }
  spdlog::warn("dev mode: generated an HS256 secret at {}", path);
  return secret;
}

}  // namespace warden::app
