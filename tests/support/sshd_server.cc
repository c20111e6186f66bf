#include "tests/support/sshd_server.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/tcp_port.h"

namespace kehrbote::test {
namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("SshdServer: cannot write " + path);
}

void Run(const std::vector<std::string>& argv) {
  CommandResult r = RunCommand(argv, std::chrono::seconds(30));
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("SshdServer: " + cmd + "failed: " + r.output);
  }
}

void GenerateKey(const std::string& path, const std::string& type) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".pub");
  std::vector<std::string> argv = {"ssh-keygen", "-q", "-t", type, "-N", "", "-C",
                                   "kehrbote-test", "-f", path};
  if (type == "rsa") argv.insert(argv.begin() + 4, {"-b", "3072"});
  Run(argv);
}

std::string FingerprintOf(const std::string& pub) {
  CommandResult r = RunCommand({"ssh-keygen", "-lf", pub}, std::chrono::seconds(30));
  std::istringstream in(r.output);
  std::string bits, fp;
  in >> bits >> fp;
  if (r.exit_code != 0 || fp.rfind("SHA256:", 0) != 0) {
    throw std::runtime_error("SshdServer: ssh-keygen -lf " + pub + ": " + r.output);
  }
  return fp;
}

// "type base64" of a .pub file, without the comment.
std::string PublicKeyLine(const std::string& pub) {
  std::istringstream in(ReadAll(pub));
  std::string type, key;
  in >> type >> key;
  return type + " " + key;
}

// Direct children of `pid`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadAll("/proc/" + name + "/stat");
    size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream in(stat.substr(close_paren + 1));
    char state;
    pid_t ppid;
    if (in >> state >> ppid && ppid == pid) out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

bool Alive(pid_t pid) {
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  size_t p = stat.rfind(')');
  return p != std::string::npos && p + 2 < stat.size() && stat[p + 2] != 'Z';
}

}  // namespace

SshdServer::SshdServer(SshdOptions options) : options_(options) {
  dir_ = std::make_unique<TempDir>("kehrbote-sshd-");
  if (options_.chroot) {
    // Every component of a ChrootDirectory must be root-owned and not writable by
    // group or others; /tmp is world-writable, /var/lib is not.
    chroot_dir_ = std::make_unique<TempDir>("kehrbote-sshd-chroot-", "/var/lib");
    chmod(chroot_dir_->path().c_str(), 0755);
    data_root_ = chroot_dir_->path();
  } else {
    data_root_ = dir_->Sub("data");
    std::filesystem::create_directories(data_root_);
  }
  passwd* pw = getpwuid(geteuid());
  user_ = pw != nullptr ? pw->pw_name : "root";

  GenerateHostKey();
  GenerateKey(dir_->Sub("client_ed25519"), "ed25519");
  WriteAll(dir_->Sub("authorized_keys"), PublicKeyLine(dir_->Sub("client_ed25519.pub")) + "\n");
  port_ = FreeTcpPort();
  WriteKnownHosts();
  WriteConfig();
}

SshdServer::~SshdServer() {
  try {
    Stop();
  } catch (...) {
  }
}

void SshdServer::GenerateHostKey() { GenerateKey(dir_->Sub("host_ed25519"), "ed25519"); }

void SshdServer::WriteKnownHosts() {
  pinned_fingerprint_ = FingerprintOf(dir_->Sub("host_ed25519.pub"));
  WriteAll(known_hosts_path(), "[127.0.0.1]:" + std::to_string(port_) + " " +
                                   PublicKeyLine(dir_->Sub("host_ed25519.pub")) + "\n");
}

void SshdServer::WriteConfig() {
  std::ostringstream c;
  c << "ListenAddress 127.0.0.1:" << port_ << "\n"
    << "HostKey " << dir_->Sub("host_ed25519") << "\n"
    << "PidFile none\n"
    << "AuthorizedKeysFile " << dir_->Sub("authorized_keys") << "\n"
    << "StrictModes no\n"
    << "PermitRootLogin prohibit-password\n"
    << "PubkeyAuthentication yes\n"
    << "PasswordAuthentication no\n"
    << "KbdInteractiveAuthentication no\n"
    << "UsePAM no\n"
    << "UseDNS no\n"
    << "MaxStartups 100:30:200\n"
    << "MaxSessions 50\n"
    << "LogLevel VERBOSE\n"
    << "Subsystem sftp internal-sftp\n";
  if (options_.chroot) {
    c << "Match User " << user_ << "\n"
      << "  ChrootDirectory " << data_root_ << "\n"
      << "  ForceCommand internal-sftp\n";
  }
  WriteAll(dir_->Sub("sshd_config"), c.str());
}

void SshdServer::StartOnce() {
  std::filesystem::create_directories("/run/sshd");  // privilege separation dir
  ChildOptions o;
  o.argv = {kSshd, "-D", "-e", "-f", dir_->Sub("sshd_config")};
  o.output_file = log_path();
  child_ = ChildProcess::Spawn(o);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child_.Running()) break;
    if (WaitForTcpPort(host(), port_, std::chrono::milliseconds(100))) {
      running_ = true;
      ever_started_ = true;
      return;
    }
  }
  child_.Stop(std::chrono::seconds(2));
  throw std::runtime_error("SshdServer: sshd did not come up on port " + std::to_string(port_) +
                           "; log:\n" + LogTail());
}

void SshdServer::Start() {
  if (running_) return;
  for (int attempt = 0;; ++attempt) {
    try {
      StartOnce();
      return;
    } catch (const std::runtime_error&) {
      // Someone took the free port before sshd bound it: pick another one, unless
      // clients already know this port (a restart must keep it).
      bool port_taken = LogTail().find("Address already in use") != std::string::npos;
      if (ever_started_ || !port_taken || attempt >= 5) throw;
      port_ = FreeTcpPort();
      WriteKnownHosts();
      WriteConfig();
    }
  }
}

void SshdServer::Stop() {
  if (child_.pid() <= 0) {
    running_ = false;
    return;
  }
  // sshd forks a process per connection and detaches it (setsid), so killing the
  // listener's process group would leave open sessions alive. Kill the whole tree.
  std::vector<pid_t> tree;
  std::deque<pid_t> todo{child_.pid()};
  while (!todo.empty()) {
    pid_t p = todo.front();
    todo.pop_front();
    for (pid_t c : ChildrenOf(p)) {
      tree.push_back(c);
      todo.push_back(c);
    }
  }
  for (pid_t p : tree) kill(p, SIGKILL);
  child_.Kill(SIGKILL);
  child_.Wait(std::chrono::seconds(10));
  child_ = ChildProcess();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (pid_t p : tree) {
    while (Alive(p) && std::chrono::steady_clock::now() < deadline) {
      // Not our children (no waitpid): bounded polling until they are gone.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  running_ = false;
}

void SshdServer::RotateHostKey(bool update_known_hosts) {
  bool was_running = running_;
  if (was_running) Stop();
  GenerateHostKey();
  if (update_known_hosts) WriteKnownHosts();
  if (was_running) Start();
}

std::string SshdServer::client_key_path() const { return dir_->Sub("client_ed25519"); }
std::string SshdServer::known_hosts_path() const { return dir_->Sub("known_hosts"); }
std::string SshdServer::fingerprint() const { return pinned_fingerprint_; }
std::string SshdServer::current_fingerprint() const {
  return FingerprintOf(dir_->Sub("host_ed25519.pub"));
}
std::string SshdServer::log_path() const { return dir_->Sub("sshd.log"); }

std::string SshdServer::LogTail() const {
  std::istringstream in(ReadAll(log_path()));
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > 40) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string SshdServer::RemotePath(const std::string& relative) const {
  if (options_.chroot) return "/" + relative;
  return data_root_ + "/" + relative;
}

std::string SshdServer::GenerateClientKey(const std::string& name, const std::string& type,
                                          bool authorize) {
  std::string path = dir_->Sub(name);
  GenerateKey(path, type);
  if (authorize) {
    WriteAll(dir_->Sub("authorized_keys"), PublicKeyLine(path + ".pub") + "\n", /*append=*/true);
  }
  return path;
}

SftpEndpoint SshdServer::Endpoint() const {
  SftpEndpoint e;
  e.host = host();
  e.port = port_;
  e.user = user_;
  e.private_key_file = client_key_path();
  e.known_hosts_file = known_hosts_path();
  e.connect_timeout = std::chrono::seconds(5);
  e.io_timeout = std::chrono::seconds(30);
  return e;
}

}  // namespace kehrbote::test
