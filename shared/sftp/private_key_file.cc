#include "shared/sftp/private_key_file.h"

#include <cstdint>
#include <fstream>
#include <sstream>

#include "shared/sftp/base64.h"

namespace kehrbote::sftp_internal {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > 1 << 20) return "";
  return text;
}

// SSH wire "string": uint32 length + bytes.
bool ReadSshString(const std::string& buf, size_t& pos, std::string* out) {
  if (pos + 4 > buf.size()) return false;
  uint32_t n = (uint8_t(buf[pos]) << 24) | (uint8_t(buf[pos + 1]) << 16) |
               (uint8_t(buf[pos + 2]) << 8) | uint8_t(buf[pos + 3]);
  pos += 4;
  if (n > buf.size() - pos) return false;
  *out = buf.substr(pos, n);
  pos += n;
  return true;
}

std::string TypeFromOpensshKey(const std::string& text) {
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const std::string end = "-----END OPENSSH PRIVATE KEY-----";
  size_t b = text.find(begin);
  size_t e = text.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) return "";
  auto blob = Base64Decode(std::string_view(text).substr(b + begin.size(), e - b - begin.size()));
  if (!blob) return "";
  static const std::string kMagic("openssh-key-v1\0", 15);
  if (blob->compare(0, kMagic.size(), kMagic) != 0) return "";
  size_t pos = kMagic.size();
  std::string cipher, kdf, kdf_options, pubkey, type;
  if (!ReadSshString(*blob, pos, &cipher) || !ReadSshString(*blob, pos, &kdf) ||
      !ReadSshString(*blob, pos, &kdf_options))
    return "";
  pos += 4;  // number of keys
  if (!ReadSshString(*blob, pos, &pubkey)) return "";
  size_t p = 0;
  if (!ReadSshString(pubkey, p, &type)) return "";
  return type;
}

}  // namespace

std::string PrivateKeyType(const std::string& path) {
  std::string text = ReadSmallFile(path);
  if (text.find("-----BEGIN RSA PRIVATE KEY-----") != std::string::npos) return "ssh-rsa";
  if (text.find("-----BEGIN DSA PRIVATE KEY-----") != std::string::npos) return "ssh-dss";
  if (text.find("-----BEGIN EC PRIVATE KEY-----") != std::string::npos) return "ecdsa";
  std::string type = TypeFromOpensshKey(text);
  if (!type.empty()) return type;
  // PKCS#8 ("BEGIN PRIVATE KEY") does not name the algorithm in clear text; the
  // public key file next to it does.
  std::string pub = ReadSmallFile(path + ".pub");
  size_t space = pub.find(' ');
  if (space != std::string::npos && space < 64) return pub.substr(0, space);
  return "";
}

}  // namespace kehrbote::sftp_internal
