#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/tcp_port.h"

namespace kehrbote::test {

namespace {

const char* kBinDir = "/usr/lib/postgresql/15/bin/";

// As root, commands run as the postgres user; otherwise as ourselves.
std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void ChownToPostgres(const std::string& path) {
  if (::geteuid() != 0) return;
  struct passwd* pw = ::getpwnam("postgres");
  if (!pw) throw std::runtime_error("PostgresServer: no 'postgres' user on this machine");
  if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
    throw std::runtime_error("PostgresServer: cannot chown " + path);
}

std::string ReadTail(const std::string& path, size_t max_bytes = 4000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

std::string TmpBase() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// initdb takes seconds; it runs once per machine into a template cluster that
// every server copies (cp -a keeps owner and modes).
std::string TemplateCluster() {
  const std::string dir = TmpBase() + "/kehrbote-pg15-template-" + std::to_string(::geteuid());
  if (Exists(dir + "/PG_VERSION")) return dir;
  int lock_fd = ::open((dir + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd < 0) throw std::runtime_error("PostgresServer: cannot create " + dir + ".lock");
  ::flock(lock_fd, LOCK_EX);
  try {
    if (!Exists(dir + "/PG_VERSION")) {
      const std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
      RunCommand({"rm", "-rf", tmp});
      if (::mkdir(tmp.c_str(), 0700) != 0) throw std::runtime_error("PostgresServer: cannot create " + tmp);
      ChownToPostgres(tmp);
      auto r = RunCommand(AsPostgres({std::string(kBinDir) + "initdb", "-D", tmp, "-A", "trust", "-U",
                                      "postgres", "-E", "UTF8", "--locale=C", "--no-sync"}),
                          std::chrono::seconds(120));
      if (r.exit_code != 0) throw std::runtime_error("PostgresServer: initdb failed:\n" + r.output);
      if (::rename(tmp.c_str(), dir.c_str()) != 0)
        throw std::runtime_error("PostgresServer: cannot rename " + tmp + " to " + dir);
    }
  } catch (...) {
    ::close(lock_fd);
    throw;
  }
  ::close(lock_fd);
  return dir;
}

}  // namespace

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer() {
  try {
    Stop();
  } catch (...) {
  }
}

void PostgresServer::Start() {
  if (running_) return;
  if (!dir_) {
    const std::string cluster = TemplateCluster();
    // The cluster lives in memory when it can: faster, and nothing to sync.
    dir_ = std::make_unique<TempDir>("kehrbote-pg-", Exists("/dev/shm") ? "/dev/shm" : "");
    ChownToPostgres(dir_->path());
    data_dir_ = dir_->Sub("data");
    auto r = RunCommand({"cp", "-a", cluster, data_dir_}, std::chrono::seconds(60));
    if (r.exit_code != 0) throw std::runtime_error("PostgresServer: cannot copy the template cluster: " + r.output);
  }
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = FreeTcpPort();
    ChildOptions options;
    options.argv = AsPostgres({std::string(kBinDir) + "postgres", "-D", data_dir_, "-p", std::to_string(port_),
                               "-k", dir_->path(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                               "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                               "-c", "max_connections=100"});
    options.output_file = dir_->Sub("postgres.log");
    child_ = ChildProcess::Spawn(options);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!child_.Running()) break;
      auto r = RunCommand({std::string(kBinDir) + "pg_isready", "-q", "-h", "127.0.0.1", "-p",
                           std::to_string(port_), "-U", "postgres", "-t", "2"},
                          std::chrono::seconds(10));
      if (r.exit_code == 0) {
        ready = true;
        break;
      }
      // PostgreSQL is another process with no event to wait on: bounded polling.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (ready) {
      running_ = true;
      return;
    }
    last_error = LogTail();
    child_.Stop(std::chrono::seconds(5));
    // Only a lost race for the port is worth another try.
    if (last_error.find("could not bind") == std::string::npos &&
        last_error.find("Address already in use") == std::string::npos)
      break;
  }
  throw std::runtime_error("PostgresServer: did not come up on 127.0.0.1:" + std::to_string(port_) +
                           "; log:\n" + last_error);
}

void PostgresServer::Stop() {
  if (running_) {
    child_.Kill(SIGINT);  // fast shutdown: does not wait for clients to disconnect
    if (!child_.Wait(std::chrono::seconds(20))) child_.Stop(std::chrono::seconds(2));
    running_ = false;
  }
}

int PostgresServer::pid() const { return child_.pid(); }

std::string PostgresServer::ConnectionString(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + dbname + " user=postgres";
}

std::string PostgresServer::Url(const std::string& dbname) const {
  return "postgresql:" + ConnectionString(dbname);
}

std::string PostgresServer::Psql(const std::string& dbname, const std::string& sql) {
  auto r = RunCommand({std::string(kBinDir) + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                       "-p", std::to_string(port_), "-U", "postgres", "-d", dbname, "-At", "-c", sql},
                      std::chrono::seconds(60));
  if (r.exit_code != 0) throw std::runtime_error("psql '" + sql + "' failed: " + r.output);
  return r.output;
}

std::string PostgresServer::CreateDatabase(const std::string& dbname) {
  static const std::regex ok("[a-z0-9_]+");
  if (!std::regex_match(dbname, ok)) throw std::invalid_argument("bad database name: " + dbname);
  Psql("postgres", "DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)");
  Psql("postgres", "CREATE DATABASE " + dbname);
  return Url(dbname);
}

std::string PostgresServer::LogTail() const {
  if (!dir_) return "";
  return ReadTail(dir_->Sub("postgres.log"));
}

PostgresServer& SharedPostgresServer() {
  static PostgresServer server;
  if (!server.running()) server.Start();
  return server;
}

}  // namespace kehrbote::test
