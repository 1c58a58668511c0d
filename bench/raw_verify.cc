// The floor of a cold ES256 token check: OpenSSL verifying one P-256 signature over a JWT-sized
// signing input (SHA-256 included), N times. bench/instructions.sh counts it under callgrind.
//   raw_verify N
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  const std::string input(300, 'x');  // header.payload of a typical access token
  std::vector<unsigned char> signature(128);
  size_t length = signature.size();
  EVP_MD_CTX* sign = EVP_MD_CTX_new();
  if (key == nullptr || EVP_DigestSignInit(sign, nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(sign, signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    std::fprintf(stderr, "raw_verify: signing failed\n");
    return 1;
  }
  long ok = 0;
  for (long i = 0; i < n; ++i) {
    EVP_MD_CTX* verify = EVP_MD_CTX_new();
    ok += EVP_DigestVerifyInit(verify, nullptr, EVP_sha256(), nullptr, key) == 1 &&
          EVP_DigestVerify(verify, signature.data(), length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(verify);
  }
  EVP_MD_CTX_free(sign);
  EVP_PKEY_free(key);
  std::printf("raw_verify: %ld of %ld verified\n", ok, n);
  return ok == n ? 0 : 1;
}
