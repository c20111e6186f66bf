#include "tests/support/smtp_server.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/tcp_port.h"

namespace kehrbote::test {
namespace {

// The server program. Envelope data goes into a .env side file so that the
// .eml stays exactly what the client sent.
constexpr const char* kProgram = R"PY(
import asyncio, os, ssl, sys, signal
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

port = int(sys.argv[1]); mail_dir = sys.argv[2]; state_dir = os.path.dirname(mail_dir)
cert = sys.argv[3]; key = sys.argv[4]
user = sys.argv[5]; password = sys.argv[6]
counter = [0]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        base = os.path.join(mail_dir, "%06d" % counter[0])
        with open(base + ".env.tmp", "w") as f:
            f.write(envelope.mail_from + "\n" + "\n".join(envelope.rcpt_tos) + "\n")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".env.tmp", base + ".env")
        os.rename(base + ".eml.tmp", base + ".eml")
        print("saved", base, flush=True)
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)

kwargs = {}
if cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    kwargs.update(tls_context=ctx, require_starttls=True)
if user:
    kwargs.update(authenticator=authenticator, auth_required=True,
                  auth_require_tls=bool(cert))
else:
    kwargs.update(auth_require_tls=bool(cert))

# Counts the sessions that have ended, whatever ended them (QUIT, the client
# closing, a failed TLS handshake): a test that expects nothing to arrive waits
# for the session's end instead of sleeping (SmtpServer::WaitForSessionsEnded).
ended = [0]
class CountingSMTP(SMTP):
    async def _handle_client(self):
        try:
            await super()._handle_client()
        finally:
            ended[0] += 1
            path = os.path.join(state_dir, "sessions-ended")
            with open(path + ".tmp", "w") as f:
                f.write("%d\n" % ended[0])
            os.rename(path + ".tmp", path)

class MyController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, hostname="localhost", **self.SMTP_kwargs)

controller = MyController(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("listening", port, flush=True)
stop = [False]
def on_term(*_): stop[0] = True
signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
import time
while not stop[0]:
    time.sleep(0.1)
controller.stop()
)PY";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

SmtpServer::SmtpServer(SmtpOptions options) : options_(std::move(options)) {}
SmtpServer::~SmtpServer() { Stop(); }

std::string SmtpServer::mail_dir() const { return dir_->Sub("mail"); }

void SmtpServer::Start() {
  dir_ = std::make_unique<TempDir>("kehrbote-smtp-");
  RunCommand({"mkdir", "-p", mail_dir()});
  {
    std::ofstream out(dir_->Sub("smtp_sink.py"));
    out << kProgram;
  }
  if (options_.starttls) {
    cert_ = dir_->Sub("cert.pem");
    key_ = dir_->Sub("key.pem");
    CommandResult r = RunCommand(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
         key_, "-out", cert_},
        std::chrono::seconds(60));
    if (r.exit_code != 0) throw std::runtime_error("SmtpServer: openssl failed: " + r.output);
  }
  std::string last;
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = FreeTcpPort();
    ChildOptions o;
    o.argv = {"/usr/bin/python3", dir_->Sub("smtp_sink.py"), std::to_string(port_), mail_dir(),
              cert_,  key_, options_.username, options_.password};
    o.output_file = dir_->Sub("server.log");
    child_ = ChildProcess::Spawn(o);
    if (WaitForTcpPort("127.0.0.1", port_, std::chrono::seconds(15))) return;
    last = LogTail();
    child_.Stop(std::chrono::seconds(2));
  }
  throw std::runtime_error("SmtpServer: aiosmtpd did not start: " + last);
}

void SmtpServer::Stop() { child_.Stop(std::chrono::seconds(3)); }

std::vector<ReceivedMail> SmtpServer::Received() const {
  std::vector<ReceivedMail> out;
  if (!dir_) return out;
  std::vector<std::string> names;
  if (DIR* d = opendir(mail_dir().c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".eml") == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    ReceivedMail m;
    m.path = mail_dir() + "/" + n;
    m.data = ReadFile(m.path);
    std::istringstream env(ReadFile(mail_dir() + "/" + n.substr(0, n.size() - 4) + ".env"));
    std::getline(env, m.mail_from);
    std::string r;
    while (std::getline(env, r))
      if (!r.empty()) m.rcpt_to.push_back(r);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ReceivedMail> SmtpServer::WaitForReceived(std::size_t count,
                                                      std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto got = Received();
    if (got.size() >= count || std::chrono::steady_clock::now() >= deadline) return got;
    // The server is another process that tells only through its files: bounded polling.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool SmtpServer::WaitForSessionsEnded(int count, std::chrono::milliseconds timeout) const {
  // The server is another process that tells only through its files: bounded polling.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::istringstream in(ReadFile(dir_->Sub("sessions-ended")));
    int ended = 0;
    in >> ended;
    if (ended >= count) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string SmtpServer::LogTail() const {
  if (!dir_) return {};
  std::string log = ReadFile(dir_->Sub("server.log"));
  return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
}

}  // namespace kehrbote::test
