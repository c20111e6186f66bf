#include "shared/env/env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kehrbote {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kehrbote-env-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }
  std::string root_;
  Env& env_ = Env::Default();
};

TEST_F(EnvTest, PrivateDirectoriesAndFilesAreOwnerOnly) {
  std::string dir = JoinPath(root_, "spool/firm");
  env_.CreatePrivateDirectory(dir);
  EXPECT_TRUE(env_.IsPrivate(dir));
  const std::string content = "{\"a\": \"Müller\"}";
  auto f = env_.NewPrivateFile(JoinPath(dir, "export.json"));
  f->Append(content);
  f->Sync();
  f->Close();
  EXPECT_TRUE(env_.IsPrivate(JoinPath(dir, "export.json")));
  EXPECT_EQ(env_.ReadFile(JoinPath(dir, "export.json")), content);
  EXPECT_EQ(env_.FileSize(JoinPath(dir, "export.json")), content.size());
}

TEST_F(EnvTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  std::string path = JoinPath(root_, "status.json");
  env_.WritePrivateFileAtomically(path, "one");
  env_.WritePrivateFileAtomically(path, "two");
  EXPECT_EQ(env_.ReadFile(path), "two");
  EXPECT_EQ(env_.ListFiles(root_), std::vector<std::string>{"status.json"});
  EXPECT_TRUE(env_.IsPrivate(path));
}

TEST_F(EnvTest, ListRenameRemove) {
  env_.WritePrivateFileAtomically(JoinPath(root_, "b"), "x");
  env_.WritePrivateFileAtomically(JoinPath(root_, "a"), "y");
  env_.CreatePrivateDirectory(JoinPath(root_, "sub"));
  EXPECT_EQ(env_.ListFiles(root_), (std::vector<std::string>{"a", "b"}));
  env_.RenameFile(JoinPath(root_, "a"), JoinPath(root_, "c"));
  EXPECT_FALSE(env_.FileExists(JoinPath(root_, "a")));
  env_.RemoveFile(JoinPath(root_, "c"));
  env_.RemoveFile(JoinPath(root_, "c"));  // removing what is gone is fine
  EXPECT_EQ(env_.ListFiles(root_), std::vector<std::string>{"b"});
}

TEST_F(EnvTest, ErrorsNameThePath) {
  try {
    env_.ReadFile(JoinPath(root_, "missing.yaml"));
    FAIL();
  } catch (const EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos);
  }
}

TEST_F(EnvTest, DirectoryExistsAndIsReadable) {
  const std::string file = JoinPath(root_, "key");
  env_.WritePrivateFileAtomically(file, "secret");
  EXPECT_TRUE(env_.DirectoryExists(root_));
  EXPECT_FALSE(env_.DirectoryExists(file));
  EXPECT_FALSE(env_.DirectoryExists(JoinPath(root_, "missing")));
  EXPECT_TRUE(env_.IsReadable(file));
  std::string reason;
  EXPECT_FALSE(env_.IsReadable(JoinPath(root_, "missing"), &reason));
  EXPECT_EQ(reason, std::strerror(ENOENT));
}

TEST_F(EnvTest, FileLockIsExclusiveUntilReleased) {
  const std::string path = JoinPath(root_, "LOCK");
  std::unique_ptr<FileLock> first = env_.TryLockFile(path);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(env_.IsPrivate(path));
  EXPECT_EQ(env_.TryLockFile(path), nullptr) << "a second holder, even in this process, is refused";
  first.reset();
  EXPECT_NE(env_.TryLockFile(path), nullptr) << "released with its holder";
}

TEST_F(EnvTest, FileLockErrorsNameThePath) {
  try {
    env_.TryLockFile(JoinPath(root_, "missing-dir/LOCK"));
    FAIL();
  } catch (const EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("missing-dir/LOCK"), std::string::npos) << e.what();
  }
}

// A loopback TCP listener on a port the kernel picks.
class Listener {
 public:
  explicit Listener(int backlog = 8) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, backlog) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error(std::string("listener: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }
  // The next connection, if one is waiting within 5 s; -1 otherwise.
  int Accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return -1;
    return ::accept(fd_, nullptr, nullptr);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(EnvTcpTest, ConnectsToAListeningLoopbackSocket) {
  Listener listener;
  auto socket = Env::Default().ConnectTcp("127.0.0.1", listener.port(), std::chrono::seconds(5));
  ASSERT_NE(socket, nullptr);
  const int peer = listener.Accept();
  ASSERT_GE(peer, 0);
  // The handle is the connected socket itself: bytes written on it arrive.
  ASSERT_EQ(::write(static_cast<int>(socket->native_handle()), "x", 1), 1);
  char c = 0;
  EXPECT_EQ(::read(peer, &c, 1), 1);
  EXPECT_EQ(c, 'x');
  ::close(peer);
}

TEST(EnvTcpTest, RefusedConnectionNamesHostAndPort) {
  Listener listener;
  const int port = listener.port();
  listener.Close();  // nothing listens there now
  try {
    Env::Default().ConnectTcp("127.0.0.1", port, std::chrono::seconds(5));
    FAIL();
  } catch (const EnvError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ECONNREFUSED)), std::string::npos) << what;
  }
}

TEST(EnvTcpTest, ConnectTimesOutNamingHostAndPort) {
  // A listener whose accept queue is full: Linux drops further SYNs, so the
  // next connect hangs until its timeout.
  Listener listener(/*backlog=*/0);
  auto queued = Env::Default().ConnectTcp("127.0.0.1", listener.port(), std::chrono::seconds(5));
  const auto start = std::chrono::steady_clock::now();
  try {
    auto more = Env::Default().ConnectTcp("127.0.0.1", listener.port(), std::chrono::milliseconds(300));
    FAIL() << "a connect beyond the full accept queue succeeded";
  } catch (const EnvError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to 127.0.0.1:" + std::to_string(listener.port()) +
                        ": connect timed out after 300 ms"),
              std::string::npos)
        << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(EnvRandomTest, RandomBytesDifferEachCall) {
  unsigned char a[32] = {}, b[32] = {};
  Env::Default().RandomBytes(a, sizeof a);
  Env::Default().RandomBytes(b, sizeof b);
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
  std::string big(1 << 20, '\0');
  Env::Default().RandomBytes(big.data(), big.size());
  EXPECT_NE(big.find_first_not_of('\0', big.size() - 64), std::string::npos) << "filled to the end";
}

TEST(EnvProcessTest, ProcessIdIsThisProcess) {
  EXPECT_EQ(Env::Default().ProcessId(), static_cast<uint64_t>(::getpid()));
}

TEST(EnvSignalTest, TerminationWaitReturnsARaisedSignalAndTimesOutWithoutOne) {
  Env& env = Env::Default();
  env.BlockTerminationSignals();  // raise() then leaves SIGTERM pending for this thread
  EXPECT_EQ(env.WaitForTerminationSignal(std::chrono::milliseconds(10)), 0);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(env.WaitForTerminationSignal(std::chrono::seconds(5)), SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(env.WaitForTerminationSignal(std::chrono::milliseconds(10)), 0) << "reported once";
}

TEST(JoinPathTest, Joins) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a", "/b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
}

}  // namespace
}  // namespace kehrbote
