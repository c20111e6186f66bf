#include "shared/sftp/host_key_pin.h"

#include <libssh2.h>

#include <Poco/SHA2Engine.h>

#include <memory>

#include "shared/sftp/base64.h"
#include "shared/sftp/sftp_error.h"

namespace kehrbote {
namespace {

using sftp_internal::Base64Decode;
using sftp_internal::Base64Encode;

std::string Prefix(const SftpEndpoint& e) {
  return "sftp " + e.host + ":" + std::to_string(e.port) + ": ";
}

const char* HostKeyTypeName(int type) {
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown";
  }
}

// The LIBSSH2_KNOWNHOST_KEY_* bit for libssh2_knownhost_checkp: without it, an
// entry's key type is not compared and entries of other types count as mismatches.
int KnownHostKeyBit(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

const char* KnownHostTypeName(int typemask) {
  switch (typemask & LIBSSH2_KNOWNHOST_KEY_MASK) {
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "ssh-rsa";
    case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
    default: return "unknown";
  }
}

// Fingerprint of a known_hosts entry (its key is stored base64 encoded).
std::string EntryFingerprint(const libssh2_knownhost* entry) {
  if (entry == nullptr || entry->key == nullptr) return "(unreadable entry)";
  auto blob = Base64Decode(entry->key);
  if (!blob) return "(unreadable entry)";
  return Sha256Fingerprint(*blob);
}

// The name OpenSSH writes into known_hosts for this endpoint.
std::string KnownHostsName(const SftpEndpoint& e) {
  if (e.port == 22) return e.host;
  return "[" + e.host + "]:" + std::to_string(e.port);
}

struct KnownHostsDeleter {
  void operator()(LIBSSH2_KNOWNHOSTS* k) const { libssh2_knownhost_free(k); }
};

std::string Described(const PresentedHostKey& k) { return k.fingerprint + " (" + k.type + ")"; }

}  // namespace

std::string Sha256Fingerprint(std::string_view key_blob) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(key_blob.data(), static_cast<unsigned>(key_blob.size()));
  const Poco::DigestEngine::Digest& d = sha.digest();
  return "SHA256:" + Base64Encode(std::string(d.begin(), d.end()), /*pad=*/false);
}

PresentedHostKey ReadPresentedHostKey(LIBSSH2_SESSION* session) {
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session, &len, &type);
  PresentedHostKey k;
  if (key == nullptr) return k;
  k.type = HostKeyTypeName(type);
  // Same as libssh2_hostkey_hash(LIBSSH2_HOSTKEY_HASH_SHA256), base64 without padding.
  const char* hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (hash != nullptr) {
    k.fingerprint = "SHA256:" + Base64Encode(std::string_view(hash, 32), false);
  } else {
    k.fingerprint = Sha256Fingerprint(std::string_view(key, len));
  }
  return k;
}

HostKeyPin::HostKeyPin(const SftpEndpoint& endpoint) : endpoint_(endpoint) {
  bool file = !endpoint.known_hosts_file.empty();
  bool fp = !endpoint.host_key_fingerprint.empty();
  if (file == fp) {
    throw SftpError(SftpError::Kind::kHostKey,
                    Prefix(endpoint) + (file ? "both a known_hosts file and a fingerprint are "
                                               "configured as host key pin; give one"
                                             : "no host key pin configured (known_hosts file or "
                                               "\"SHA256:...\" fingerprint); refusing to connect"));
  }
  if (fp && endpoint.host_key_fingerprint.rfind("SHA256:", 0) != 0) {
    throw SftpError(SftpError::Kind::kHostKey,
                    Prefix(endpoint) + "host key fingerprint \"" + endpoint.host_key_fingerprint +
                        "\" is not of the form SHA256:... (as `ssh-keygen -lf` prints it)");
  }
}

void HostKeyPin::Verify(LIBSSH2_SESSION* session) const {
  PresentedHostKey seen = ReadPresentedHostKey(session);
  if (seen.fingerprint.empty()) {
    throw SftpError(SftpError::Kind::kHostKey, Prefix(endpoint_) + "server presented no host key");
  }

  if (!endpoint_.host_key_fingerprint.empty()) {
    // Fingerprints may be pasted with trailing '=' padding; OpenSSH prints none.
    std::string expected = endpoint_.host_key_fingerprint;
    while (!expected.empty() && expected.back() == '=') expected.pop_back();
    if (seen.fingerprint != expected) {
      throw SftpError(SftpError::Kind::kHostKey,
                      Prefix(endpoint_) + "HOST KEY MISMATCH: server presented " + Described(seen) +
                          ", expected " + expected +
                          " (configured fingerprint). Refusing to connect.");
    }
    return;
  }

  std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownHostsDeleter> kh(libssh2_knownhost_init(session));
  if (!kh) {
    throw SftpError(SftpError::Kind::kHostKey, Prefix(endpoint_) + "libssh2_knownhost_init failed");
  }
  int n = libssh2_knownhost_readfile(kh.get(), endpoint_.known_hosts_file.c_str(),
                                     LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  if (n < 0) {
    char* msg = nullptr;
    libssh2_session_last_error(session, &msg, nullptr, 0);
    throw SftpError(SftpError::Kind::kHostKey,
                    Prefix(endpoint_) + "cannot read known_hosts file " +
                        endpoint_.known_hosts_file + ": " + (msg ? msg : "unknown error"));
  }

  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session, &len, &type);
  libssh2_knownhost* found = nullptr;
  int check = libssh2_knownhost_checkp(
      kh.get(), endpoint_.host.c_str(), endpoint_.port, key, len,
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | KnownHostKeyBit(type), &found);
  std::string name = KnownHostsName(endpoint_);
  switch (check) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      throw SftpError(SftpError::Kind::kHostKey,
                      Prefix(endpoint_) + "HOST KEY MISMATCH: server presented " + Described(seen) +
                          ", expected " + EntryFingerprint(found) + " (" +
                          KnownHostTypeName(found ? found->typemask : 0) + ", known_hosts file " +
                          endpoint_.known_hosts_file + " entry for " + name +
                          "). The key has changed or someone is intercepting the connection. "
                          "Refusing to connect.");
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: {
      // List entries of this host with other key types, to show what was expected.
      std::string others;
      libssh2_knownhost* entry = nullptr;
      libssh2_knownhost* prev = nullptr;
      while (libssh2_knownhost_get(kh.get(), &entry, prev) == 0) {
        if (entry->name != nullptr && (name == entry->name || endpoint_.host == entry->name)) {
          others += (others.empty() ? "" : ", ") + EntryFingerprint(entry) + " (" +
                    KnownHostTypeName(entry->typemask) + ")";
        }
        prev = entry;
      }
      throw SftpError(SftpError::Kind::kHostKey,
                      Prefix(endpoint_) + "UNKNOWN HOST KEY: server presented " + Described(seen) +
                          ", expected " +
                          (others.empty() ? std::string("none: no entry") : others + ": no entry of this type") +
                          " for " + name + " in known_hosts file " + endpoint_.known_hosts_file +
                          ". If this is the right server, pin its key. Refusing to connect.");
    }
    default:
      throw SftpError(SftpError::Kind::kHostKey,
                      Prefix(endpoint_) + "host key check against " + endpoint_.known_hosts_file +
                          " failed; server presented " + Described(seen));
  }
}

}  // namespace kehrbote
