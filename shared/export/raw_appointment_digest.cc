#include "shared/export/raw_appointment_digest.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "shared/text/hex.h"

namespace kehrbote {

std::string RawAppointmentDigest(std::string_view raw, SchemaStrictness strictness) {
  // One context per thread: EVP_MD_CTX_new and the digest lookup cost as much as
  // hashing a whole appointment.
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  const char mode = strictness == SchemaStrictness::kStrict ? 's' : 'l';
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), kRawDigestEpoch.data(), kRawDigestEpoch.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), &mode, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), raw.data(), raw.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    throw std::runtime_error("SHA-256 of an appointment's bytes failed");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), 16));
}

}  // namespace kehrbote
