// Test support: the real Kannel from Debian on loopback, with a fake SMSC.
//
// Start() writes a kannel.conf into a private temp dir and runs
//   bearerbox (core: admin-port, smsbox-port; `smsc = fake` listening on a port;
//              dlr-storage internal),
//   smsbox    (sendsms-port, one sendsms-user, an sms-service whose get-url is
//              the test's reply URL),
//   fakesmsc  (/usr/lib/kannel/test/fakesmsc) connected to the fake SMSC: it
//              prints every message bearerbox hands to "the network", and it
//              injects mobile-originated messages (replies) on request.
// All on free ports (retried on a collision), every wait bounded; the destructor
// stops everything. The fake SMSC acknowledges each part and Kannel then calls
// the dlr-url with status 8 (SMSC ack) and 1 (delivered); a dlr-url that fails
// is retried (http-request-retry, http-queue-delay in KannelOptions).
//
// fakesmsc runs non-interactively (it prints each message as it arrives). The
// fake SMSC serves one client at a time, so InjectMo() replaces it by a
// fakesmsc that sends the one MO message and then goes on receiving.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

struct KannelOptions {
  std::string username = "kehrbote";
  std::string password = "geheim-1";
  // Parts a single sendsms request may produce (concatenated SMS).
  int max_messages = 10;
  // Full URL with Kannel escapes that smsbox fetches for each incoming SMS, e.g.
  // "http://127.0.0.1:8080/sms/incoming?from=%p&to=%P&text=%a". Empty: a
  // text service replying nothing.
  std::string reply_get_url;
  // Numbers with these prefixes are routable (";"-separated, Kannel syntax);
  // anything else is refused by bearerbox as "not routable". Empty: all.
  std::string allowed_prefix;
  // smsbox answers sendsms before bearerbox acknowledged the message (faster,
  // but a 403 "not routable" then never reaches the client).
  bool immediate_sendsms_reply = false;
  // smsbox retries an HTTP request that failed (a dlr-url while the
  // dispatcher's listener is down, e.g. after a crash) this often, every
  // http_queue_delay seconds, as the documented kannel.conf does (there 30 x
  // 10 s; shorter here so that a test need not wait long).
  int http_request_retry = 30;
  int http_queue_delay = 1;
  // Kannel log level (0 debug .. 4 panic); the logs are in the temp dir.
  int log_level = 1;
};

// One message as fakesmsc printed it.
struct FakeSmscMessage {
  std::string from;
  std::string to;
  std::string coding;  // "text" (GSM/latin), "ucs-2", or "udh" (a part; see coding of data)
  std::string udh;     // raw UDH bytes for parts, else empty
  std::string raw;     // the message data as printed (URL-encoded for ucs-2 / udh)
  std::string bytes;   // the data URL-decoded: UTF-8 for text, UCS-2BE for ucs-2
  // Best-effort UTF-8 form of the text: for ucs-2 (or udh parts whose bytes are
  // not valid UTF-8) the bytes are read as UCS-2BE.
  std::string text;
  int part_number = 0;   // from a concatenation UDH (1-based), 0 if none
  int part_count = 0;
  int reference = -1;
};

class KannelServer {
 public:
  explicit KannelServer(KannelOptions options = {});
  ~KannelServer();
  KannelServer(const KannelServer&) = delete;
  KannelServer& operator=(const KannelServer&) = delete;

  // Starts bearerbox, smsbox and fakesmsc; throws std::runtime_error with the
  // log tails if they do not come up within ~20 s.
  void Start();
  void Stop();

  // Stop/start only smsbox (sendsms then refuses connections) or bearerbox
  // (smsbox then answers sendsms with 503 / queues).
  void StopSmsbox();
  void StartSmsbox();
  void StopBearerbox();
  void StartBearerbox();

  const KannelOptions& options() const { return options_; }
  int sendsms_port() const { return sendsms_port_; }
  int admin_port() const { return admin_port_; }
  // "http://127.0.0.1:<port>/cgi-bin/sendsms"
  std::string SendsmsUrl() const;

  // Everything fakesmsc printed so far, in order.
  std::vector<FakeSmscMessage> Received();
  // Waits until at least `count` messages were received; returns them.
  std::vector<FakeSmscMessage> WaitForReceived(std::size_t count,
                                               std::chrono::milliseconds timeout);
  // A mobile-originated SMS from `from` to `to` (digits, as an SMSC delivers them).
  void InjectMo(const std::string& from, const std::string& to, const std::string& text);

  std::string LogTail() const;
  const std::string& dir() const { return dir_->path(); }

 private:
  void WriteConfig();
  void SpawnBearerbox();
  void SpawnSmsbox();
  void SpawnFakesmsc(const std::string& mo_message = "");

  KannelOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::string conf_;
  int admin_port_ = 0, smsbox_port_ = 0, smsc_port_ = 0, sendsms_port_ = 0;
  ChildProcess bearerbox_, smsbox_, fakesmsc_;
};

// Decodes one fakesmsc "Got message" payload ("from to type [udh] data").
// Exposed for tests of the fixture itself.
bool ParseFakeSmscLine(const std::string& payload, FakeSmscMessage& out);
std::string UrlDecode(const std::string& s);
std::string Ucs2BeToUtf8(const std::string& bytes);

}  // namespace kehrbote::test
