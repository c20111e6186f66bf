#include "tests/support/kannel_server.h"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/tcp_port.h"

namespace kehrbote::test {
namespace {

constexpr const char* kBearerbox = "/usr/sbin/bearerbox";
constexpr const char* kSmsbox = "/usr/sbin/smsbox";
constexpr const char* kFakesmsc = "/usr/lib/kannel/test/fakesmsc";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& text, std::size_t n = 3000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Surrogate pairs are combined; a lone surrogate (a pair split across parts)
// becomes U+FFFD so that a test sees the damage.
std::string Ucs2BeToUtf8(const std::string& bytes) {
  std::string out;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    char32_t u = (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      char32_t lo = (static_cast<unsigned char>(bytes[i + 2]) << 8) |
                    static_cast<unsigned char>(bytes[i + 3]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), out);
        i += 2;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;
    AppendUtf8(u, out);
  }
  return out;
}

bool ParseFakeSmscLine(const std::string& payload, FakeSmscMessage& m) {
  // "from to type data": the sender may contain spaces (alphanumeric senders),
  // so find the type word first; the word before it is the receiver.
  std::vector<std::string> words;
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < payload.size();) {
    while (i < payload.size() && payload[i] == ' ') ++i;
    if (i >= payload.size()) break;
    std::size_t j = payload.find(' ', i);
    if (j == std::string::npos) j = payload.size();
    starts.push_back(i);
    words.push_back(payload.substr(i, j - i));
    i = j;
  }
  std::size_t t = 0;
  for (std::size_t i = 2; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "text" || w == "ucs-2" || w == "udh" || w == "data" || w == "route" ||
        w == "dlr-mask") {
      t = i;
      break;
    }
  }
  if (t == 0) return false;
  std::string type = words[t];
  m.from = payload.substr(0, starts[t - 1] - 1);
  m.to = words[t - 1];
  std::string rest = t + 1 < words.size() ? payload.substr(starts[t + 1]) : std::string();
  m.coding = type;
  if (type == "udh") {
    std::istringstream r(rest);
    std::string udh, data_word;
    r >> udh >> data_word;
    std::string data;
    std::getline(r, data);
    if (!data.empty() && data[0] == ' ') data.erase(0, 1);
    m.udh = UrlDecode(udh);
    m.raw = data;
    m.bytes = UrlDecode(data);
    // 8-bit reference concatenation IE: 05 00 03 ref total seq
    if (m.udh.size() >= 6 && m.udh[1] == 0x00 && m.udh[2] == 0x03) {
      m.reference = static_cast<unsigned char>(m.udh[3]);
      m.part_count = static_cast<unsigned char>(m.udh[4]);
      m.part_number = static_cast<unsigned char>(m.udh[5]);
    }
    m.text = ValidUtf8(m.bytes) ? m.bytes : Ucs2BeToUtf8(m.bytes);
  } else if (type == "ucs-2") {
    m.raw = rest;
    m.bytes = UrlDecode(rest);
    m.text = Ucs2BeToUtf8(m.bytes);
  } else {
    m.raw = rest;
    m.bytes = rest;
    m.text = rest;
  }
  return true;
}

KannelServer::KannelServer(KannelOptions options) : options_(std::move(options)) {}

KannelServer::~KannelServer() { Stop(); }

std::string KannelServer::SendsmsUrl() const {
  return "http://127.0.0.1:" + std::to_string(sendsms_port_) + "/cgi-bin/sendsms";
}

void KannelServer::WriteConfig() {
  std::ostringstream c;
  c << "group = core\n"
    << "admin-port = " << admin_port_ << "\n"
    << "admin-password = admin-" << admin_port_ << "\n"
    << "admin-interface = 127.0.0.1\n"
    << "smsbox-port = " << smsbox_port_ << "\n"
    << "box-allow-ip = 127.0.0.1\n"
    << "log-file = \"" << dir_->Sub("bearerbox.log") << "\"\n"
    << "log-level = " << options_.log_level << "\n"
    << "access-log = \"" << dir_->Sub("access.log") << "\"\n"
    << "dlr-storage = internal\n"
    << "sms-resend-retry = 0\n\n"
    << "group = smsc\n"
    << "smsc = fake\n"
    << "smsc-id = FAKE\n"
    << "port = " << smsc_port_ << "\n"
    << "connect-allow-ip = 127.0.0.1\n";
  if (!options_.allowed_prefix.empty())
    c << "allowed-prefix = \"" << options_.allowed_prefix << "\"\n";
  c << "\ngroup = smsbox\n"
    << "bearerbox-host = 127.0.0.1\n"
    << "bearerbox-port = " << smsbox_port_ << "\n"
    << "sendsms-port = " << sendsms_port_ << "\n"
    << "sendsms-interface = 127.0.0.1\n"
    << "immediate-sendsms-reply = " << (options_.immediate_sendsms_reply ? "true" : "false") << "\n"
    << "http-request-retry = " << options_.http_request_retry << "\n"
    << "http-queue-delay = " << options_.http_queue_delay << "\n"
    << "log-file = \"" << dir_->Sub("smsbox.log") << "\"\n"
    << "log-level = " << options_.log_level << "\n\n"
    << "group = sendsms-user\n"
    << "username = " << options_.username << "\n"
    << "password = " << options_.password << "\n"
    << "max-messages = " << options_.max_messages << "\n"
    << "concatenation = true\n\n"
    << "group = sms-service\n"
    << "keyword = default\n";
  if (options_.reply_get_url.empty()) {
    c << "text = \"\"\n";
  } else {
    c << "get-url = \"" << options_.reply_get_url << "\"\n";
  }
  c << "max-messages = 0\n"
    << "catch-all = true\n";
  std::ofstream out(conf_, std::ios::trunc);
  out << c.str();
  if (!out) throw std::runtime_error("KannelServer: cannot write " + conf_);
}

void KannelServer::SpawnBearerbox() {
  ChildOptions o;
  o.argv = {kBearerbox, conf_};
  o.output_file = dir_->Sub("bearerbox.out");
  bearerbox_ = ChildProcess::Spawn(o);
}

void KannelServer::SpawnSmsbox() {
  ChildOptions o;
  o.argv = {kSmsbox, conf_};
  o.output_file = dir_->Sub("smsbox.out");
  smsbox_ = ChildProcess::Spawn(o);
}

void KannelServer::SpawnFakesmsc(const std::string& mo_message) {
  ChildOptions o;
  // With a message argument fakesmsc is non-interactive: it sends `-m` copies
  // of it (0 or 1 here) and then prints everything it receives, at once.
  o.argv = {kFakesmsc, "-H", "127.0.0.1", "-r", std::to_string(smsc_port_), "-i", "0.01",
            "-m", mo_message.empty() ? "0" : "1",
            mo_message.empty() ? "0 0 text unused" : mo_message};
  o.output_file = dir_->Sub("fakesmsc.out");
  fakesmsc_ = ChildProcess::Spawn(o);
}

void KannelServer::Start() {
  if (!dir_) dir_ = std::make_unique<TempDir>("kehrbote-kannel-");
  conf_ = dir_->Sub("kannel.conf");
  std::string last_error;
  for (int attempt = 0; attempt < 4; ++attempt) {
    admin_port_ = FreeTcpPort();
    smsbox_port_ = FreeTcpPort();
    smsc_port_ = FreeTcpPort();
    sendsms_port_ = FreeTcpPort();
    if (admin_port_ == smsbox_port_ || smsbox_port_ == smsc_port_ || smsc_port_ == sendsms_port_ ||
        admin_port_ == smsc_port_ || admin_port_ == sendsms_port_ || smsbox_port_ == sendsms_port_)
      continue;
    WriteConfig();
    SpawnBearerbox();
    if (!WaitForTcpPort("127.0.0.1", smsc_port_, std::chrono::seconds(10)) ||
        !WaitForTcpPort("127.0.0.1", smsbox_port_, std::chrono::seconds(5))) {
      last_error = "bearerbox did not listen: " + Tail(ReadFile(dir_->Sub("bearerbox.log")));
      bearerbox_.Stop(std::chrono::seconds(3));
      continue;
    }
    SpawnSmsbox();
    // Listening is not serving: a request before smsbox has reached its
    // bearerbox may be reset (seen once in CI: "Connection reset by peer").
    if (!WaitForHttpAnswer("127.0.0.1", sendsms_port_, "/cgi-bin/sendsms",
                           std::chrono::seconds(10))) {
      last_error = "smsbox did not answer: " + Tail(ReadFile(dir_->Sub("smsbox.log")));
      smsbox_.Stop(std::chrono::seconds(3));
      bearerbox_.Stop(std::chrono::seconds(3));
      continue;
    }
    SpawnFakesmsc();
    // Bearerbox logs the fake SMSC client once it is connected.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool connected = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (ReadFile(dir_->Sub("bearerbox.log")).find("Fakesmsc client connected") !=
          std::string::npos) {
        connected = true;
        break;
      }
      if (!fakesmsc_.Running()) break;
      // Kannel is another process with no event to wait on: bounded polling.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!connected && options_.log_level <= 1) {
      last_error = "fakesmsc did not connect: " + LogTail();
      Stop();
      continue;
    }
    // A port picked as free can be taken by another test's server before our box
    // binds it: the box then exits, while the waits above saw the other server's
    // listener. Start again on other ports rather than talk to a stranger.
    if (!bearerbox_.Running() || !smsbox_.Running()) {
      last_error = "a box exited after start (port taken?): " + LogTail();
      Stop();
      continue;
    }
    return;
  }
  throw std::runtime_error("KannelServer: cannot start: " + last_error);
}

void KannelServer::Stop() {
  fakesmsc_.Stop(std::chrono::seconds(2));
  smsbox_.Stop(std::chrono::seconds(5));
  bearerbox_.Stop(std::chrono::seconds(5));
}

void KannelServer::StopSmsbox() { smsbox_.Stop(std::chrono::seconds(5)); }
void KannelServer::StartSmsbox() {
  SpawnSmsbox();
  // Listening is not serving: a request before smsbox has reached its bearerbox
  // may be reset.
  if (!WaitForHttpAnswer("127.0.0.1", sendsms_port_, "/cgi-bin/sendsms", std::chrono::seconds(10)))
    throw std::runtime_error("KannelServer: smsbox did not come back: " + LogTail());
}
void KannelServer::StopBearerbox() {
  fakesmsc_.Stop(std::chrono::seconds(2));
  bearerbox_.Stop(std::chrono::seconds(5));
}
void KannelServer::StartBearerbox() {
  SpawnBearerbox();
  if (!WaitForTcpPort("127.0.0.1", smsc_port_, std::chrono::seconds(10)))
    throw std::runtime_error("KannelServer: bearerbox did not come back: " + LogTail());
  SpawnFakesmsc();
}

std::vector<FakeSmscMessage> KannelServer::Received() {
  std::vector<FakeSmscMessage> out;
  if (!dir_) return out;
  std::istringstream in(ReadFile(dir_->Sub("fakesmsc.out")));
  std::string line;
  const std::string marker = "Got message ";
  while (std::getline(in, line)) {
    auto p = line.find(marker);
    if (p == std::string::npos) continue;
    auto open = line.find(": <", p);
    auto close = line.rfind('>');
    if (open == std::string::npos || close == std::string::npos || close < open + 3) continue;
    FakeSmscMessage m;
    if (ParseFakeSmscLine(line.substr(open + 3, close - open - 3), m)) out.push_back(std::move(m));
  }
  return out;
}

std::vector<FakeSmscMessage> KannelServer::WaitForReceived(std::size_t count,
                                                           std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto got = Received();
    if (got.size() >= count || std::chrono::steady_clock::now() >= deadline) return got;
    // fakesmsc is another process that tells only through its output: bounded polling.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void KannelServer::InjectMo(const std::string& from, const std::string& to,
                            const std::string& text) {
  // The fake SMSC serves one client at a time: replace the receiving fakesmsc
  // by one that sends this message once and then goes on receiving (its output
  // is appended to the same file). Nothing is lost in between: bearerbox
  // queues for the fake SMSC while no client is connected.
  fakesmsc_.Kill(SIGINT);
  if (!fakesmsc_.Wait(std::chrono::seconds(3))) fakesmsc_.Stop(std::chrono::seconds(1));
  SpawnFakesmsc(from + " " + to + " text " + text);
}

std::string KannelServer::LogTail() const {
  if (!dir_) return {};
  return "--- bearerbox.log\n" + Tail(ReadFile(dir_->Sub("bearerbox.log")), 1500) +
         "\n--- smsbox.log\n" + Tail(ReadFile(dir_->Sub("smsbox.log")), 1500) +
         "\n--- fakesmsc.out\n" + Tail(ReadFile(dir_->Sub("fakesmsc.out")), 1500);
}

}  // namespace kehrbote::test
