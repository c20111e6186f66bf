// Test support: a real SMTP server on loopback, Debian's aiosmtpd
// (python3-aiosmtpd, run with /usr/bin/python3, not the pyenv python on PATH).
//
// Start() generates a throwaway self-signed certificate for "localhost" /
// 127.0.0.1 (openssl req -x509) unless STARTTLS is off, writes a small aiosmtpd
// program into a private temp dir and runs it on a free port. Every accepted
// message is saved as <n>.eml (the raw DATA, headers included) in mail_dir(),
// so tests parse exactly what the server received. Bounded waits; the
// destructor stops the server.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

struct SmtpOptions {
  bool starttls = true;          // offer STARTTLS (and require it before MAIL)
  std::string username;          // non-empty: AUTH (PLAIN, LOGIN) required
  std::string password;
};

struct ReceivedMail {
  std::string path;       // the .eml file
  std::string mail_from;  // envelope
  std::vector<std::string> rcpt_to;
  std::string data;       // raw message
};

class SmtpServer {
 public:
  explicit SmtpServer(SmtpOptions options = {});
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Throws std::runtime_error with the server log if it does not come up.
  void Start();
  void Stop();

  int port() const { return port_; }
  // PEM of the test certificate (the CA file a client must trust).
  const std::string& ca_file() const { return cert_; }
  std::string mail_dir() const;

  std::vector<ReceivedMail> Received() const;
  std::vector<ReceivedMail> WaitForReceived(std::size_t count,
                                            std::chrono::milliseconds timeout) const;
  // True once `count` client sessions have ended (whatever ended them); false after
  // `timeout`. A message a session delivered is in Received() by then, so a test
  // that expects nothing waits for this instead of sleeping.
  bool WaitForSessionsEnded(int count, std::chrono::milliseconds timeout) const;
  std::string LogTail() const;

 private:
  SmtpOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::string cert_, key_;
  int port_ = 0;
  ChildProcess child_;
};

}  // namespace kehrbote::test
