// SftpSession against a real OpenSSH sshd on loopback.
#include "shared/sftp/sftp_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <streambuf>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/child_process.h"
#include "tests/support/sshd_server.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::SshdServer;

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Deterministic, non-repeating-looking bytes so that a misplaced chunk is caught.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// A stream of `size` pattern bytes that calls `at_offset` once after `trigger`
// bytes have been handed out and can be told to fail (badbit) from then on.
class ScriptedBuf : public std::streambuf {
 public:
  ScriptedBuf(size_t size, size_t trigger, std::function<bool()> at_offset)
      : data_(Pattern(size)), trigger_(trigger), at_offset_(std::move(at_offset)) {}

 protected:
  std::streamsize xsgetn(char* s, std::streamsize n) override {
    std::streamsize given = 0;
    while (given < n && pos_ < data_.size()) {
      if (pos_ >= trigger_ && !fired_) {
        fired_ = true;
        if (at_offset_()) throw std::runtime_error("local read error");  // -> badbit
      }
      size_t limit = fired_ ? data_.size() : trigger_;
      size_t take = std::min<size_t>(limit - pos_, static_cast<size_t>(n - given));
      std::copy_n(data_.data() + pos_, take, s + given);
      pos_ += take;
      given += static_cast<std::streamsize>(take);
    }
    return given;
  }
  int_type underflow() override {
    return pos_ < data_.size() ? traits_type::to_int_type(data_[pos_]) : traits_type::eof();
  }

 private:
  std::string data_;
  size_t pos_ = 0;
  size_t trigger_;
  bool fired_ = false;
  std::function<bool()> at_offset_;
};

std::vector<std::string> LocalNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

class SftpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    fs::create_directories(server_.data_root() + "/inbox");
  }
  std::string Inbox() const { return server_.RemotePath("inbox"); }
  std::string LocalInbox() const { return server_.data_root() + "/inbox"; }

  SshdServer server_;
};

TEST_F(SftpSessionTest, AtomicUploadLandsWithContentUnderUniqueNames) {
  auto s = SftpSession::Connect(server_.Endpoint());
  EXPECT_EQ(s->host_key().fingerprint, server_.fingerprint());
  std::string content = "{\"format\":\"kehrbote-export\",\"text\":\"Grüße aus Wien\"}\n";
  std::istringstream in1(content);
  AtomicUploadResult r1 =
      s->UploadAtomically(in1, Inbox(), "export-huber-20261123T190000Z", ".json");
  EXPECT_EQ(r1.final_name, "export-huber-20261123T190000Z-1.json");
  EXPECT_EQ(r1.bytes, content.size());

  // Same stem again: the name is taken, the next seq is used, nothing overwritten.
  std::istringstream in2("second");
  AtomicUploadResult r2 =
      s->UploadAtomically(in2, Inbox(), "export-huber-20261123T190000Z", ".json");
  EXPECT_EQ(r2.final_name, "export-huber-20261123T190000Z-2.json");

  EXPECT_EQ(LocalNames(LocalInbox()),
            (std::vector<std::string>{"export-huber-20261123T190000Z-1.json",
                                      "export-huber-20261123T190000Z-2.json"}));
  EXPECT_EQ(ReadLocal(LocalInbox() + "/" + r1.final_name), content);
  EXPECT_EQ(s->Download(Inbox() + "/" + r1.final_name), content);
  EXPECT_EQ(s->Download(Inbox() + "/" + r2.final_name), "second");

  std::vector<RemoteEntry> list = s->List(Inbox());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, r1.final_name);
  EXPECT_TRUE(list[0].is_regular);
  EXPECT_EQ(list[0].size, content.size());
}

TEST_F(SftpSessionTest, LargeUploadIsByteExactAndNeverVisibleAsPartialFinalFile) {
  const size_t kSize = 48u << 20;
  const std::string data = Pattern(kSize);
  std::atomic<bool> done{false};
  std::atomic<int> part_seen{0}, final_seen_partial{0}, listings{0};
  std::string watcher_error;

  // A second session on another thread watches the inbox during the upload.
  std::thread watcher([&] {
    try {
      auto w = SftpSession::Connect(server_.Endpoint());
      while (!done) {
        for (const RemoteEntry& e : w->List(Inbox())) {
          if (e.name.ends_with(".part")) ++part_seen;
          if (e.name.ends_with(".json") && e.size != kSize) ++final_seen_partial;
        }
        ++listings;
      }
    } catch (const std::exception& e) {
      watcher_error = e.what();
    }
  });
  auto s = SftpSession::Connect(server_.Endpoint());
  std::istringstream in(data);
  AtomicUploadResult r = s->UploadAtomically(in, Inbox(), "export-big-20261123T190000Z", ".json");
  done = true;
  watcher.join();

  EXPECT_EQ(watcher_error, "");
  EXPECT_EQ(r.bytes, kSize);
  EXPECT_EQ(final_seen_partial, 0);
  EXPECT_GT(part_seen, 0) << "the watcher never saw the upload in progress ("
                          << listings << " listings)";
  EXPECT_EQ(LocalNames(LocalInbox()), std::vector<std::string>{r.final_name});
  EXPECT_TRUE(ReadLocal(LocalInbox() + "/" + r.final_name) == data) << "content differs";
  EXPECT_TRUE(s->Download(Inbox() + "/" + r.final_name) == data) << "download differs";
  // With the listed size as the hint, and with a stale (too small, too large) one.
  for (uint64_t hint : {static_cast<uint64_t>(data.size()), uint64_t{1000}, uint64_t{100u << 20}}) {
    std::ostringstream out;
    s->Download(Inbox() + "/" + r.final_name, out, hint);
    EXPECT_TRUE(out.str() == data) << "download with size hint " << hint << " differs";
  }
}

TEST_F(SftpSessionTest, FailedLocalReadRemovesThePartAndCreatesNoFinalFile) {
  auto s = SftpSession::Connect(server_.Endpoint());
  ScriptedBuf buf(20u << 20, 9u << 20, [] { return true; });
  std::istream in(&buf);
  EXPECT_THROW(s->UploadAtomically(in, Inbox(), "export-x-20261123T190000Z", ".json"), SftpError);
  EXPECT_TRUE(LocalNames(LocalInbox()).empty());
  // The session is still usable afterwards.
  std::istringstream ok("ok");
  EXPECT_EQ(s->UploadAtomically(ok, Inbox(), "export-x-20261123T190000Z", ".json").final_name,
            "export-x-20261123T190000Z-1.json");
}

TEST_F(SftpSessionTest, ServerKilledMidUploadLeavesNoFinalFile) {
  auto s = SftpSession::Connect(server_.Endpoint());
  ScriptedBuf buf(64u << 20, 16u << 20, [&] {
    server_.Stop();  // kills the listener and this session's sshd processes
    return false;
  });
  std::istream in(&buf);
  try {
    s->UploadAtomically(in, Inbox(), "export-x-20261123T190000Z", ".json");
    FAIL() << "upload succeeded although the server was killed";
  } catch (const SftpError& e) {
    EXPECT_EQ(e.kind(), SftpError::Kind::kConnect) << e.what();
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server_.port())),
              std::string::npos)
        << e.what();
  }
  for (const std::string& name : LocalNames(LocalInbox())) {
    EXPECT_TRUE(name.ends_with(".part")) << "unexpected file " << name;
  }
}

TEST_F(SftpSessionTest, ChangedHostKeyIsRefusedShowingBothFingerprints) {
  const std::string pinned = server_.fingerprint();
  server_.RotateHostKey();
  const std::string presented = server_.current_fingerprint();
  ASSERT_NE(pinned, presented);
  try {
    SftpSession::Connect(server_.Endpoint());
    FAIL() << "connected despite a changed host key";
  } catch (const SftpError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.kind(), SftpError::Kind::kHostKey);
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(msg.find("MISMATCH"), std::string::npos) << msg;
    EXPECT_NE(msg.find(pinned), std::string::npos) << msg;
    EXPECT_NE(msg.find(presented), std::string::npos) << msg;
  }
  // Nothing was logged in: sshd saw no authentication attempt.
  EXPECT_EQ(server_.LogTail().find("Accepted publickey"), std::string::npos) << server_.LogTail();
}

TEST_F(SftpSessionTest, UnknownHostIsRefused) {
  SftpEndpoint e = server_.Endpoint();
  // A known_hosts file that knows the same key, but only for another port:
  // "[127.0.0.1]:port" must be matched exactly.
  std::string other = server_.data_root() + "/known_hosts_other";
  std::string line = ReadLocal(server_.known_hosts_path());
  line.replace(0, line.find(' '), "[127.0.0.1]:1");
  std::ofstream(other) << line;
  e.known_hosts_file = other;
  try {
    SftpSession::Connect(e);
    FAIL() << "connected to an unknown host";
  } catch (const SftpError& err) {
    std::string msg = err.what();
    EXPECT_EQ(err.kind(), SftpError::Kind::kHostKey);
    EXPECT_NE(msg.find("UNKNOWN HOST KEY"), std::string::npos) << msg;
    EXPECT_NE(msg.find(server_.current_fingerprint()), std::string::npos) << msg;
    EXPECT_NE(msg.find("[127.0.0.1]:" + std::to_string(server_.port())), std::string::npos) << msg;
  }
}

TEST_F(SftpSessionTest, HashedKnownHostsWithOtherKeyTypesIsAccepted) {
  // An operator's known_hosts as OpenSSH writes it on Debian: hashed host names, and
  // other key types of the same host next to the one the server presents.
  std::string file = server_.data_root() + "/known_hosts_hashed";
  std::string other = server_.GenerateClientKey("other_host_key", "ecdsa", false);
  std::string ecdsa_pub = ReadLocal(other + ".pub");
  std::ofstream(file) << "[127.0.0.1]:" << server_.port() << " "
                      << ecdsa_pub.substr(0, ecdsa_pub.rfind(' ')) << "\n"
                      << ReadLocal(server_.known_hosts_path());
  test::CommandResult r = test::RunCommand({"ssh-keygen", "-H", "-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(ReadLocal(file).find("127.0.0.1"), std::string::npos) << "not hashed";
  SftpEndpoint e = server_.Endpoint();
  e.known_hosts_file = file;
  EXPECT_NO_THROW(SftpSession::Connect(e));
}

TEST_F(SftpSessionTest, FingerprintPinAcceptsTheRightKeyAndRefusesAnother) {
  SftpEndpoint e = server_.Endpoint();
  e.known_hosts_file.clear();
  e.host_key_fingerprint = server_.fingerprint();
  auto s = SftpSession::Connect(e);
  EXPECT_TRUE(s->List(Inbox()).empty());

  const std::string old = server_.fingerprint();
  server_.RotateHostKey();
  try {
    SftpSession::Connect(e);
    FAIL() << "connected despite a different fingerprint";
  } catch (const SftpError& err) {
    std::string msg = err.what();
    EXPECT_EQ(err.kind(), SftpError::Kind::kHostKey);
    EXPECT_NE(msg.find(old), std::string::npos) << msg;
    EXPECT_NE(msg.find(server_.current_fingerprint()), std::string::npos) << msg;
  }
}

TEST_F(SftpSessionTest, EndpointWithoutPinIsRefused) {
  SftpEndpoint e = server_.Endpoint();
  e.known_hosts_file.clear();
  EXPECT_THROW(SftpSession::Connect(e), SftpError);
}

TEST_F(SftpSessionTest, FetchHostKeyShowsWhatSshKeygenPrints) {
  SftpEndpoint e = server_.Endpoint();
  e.known_hosts_file.clear();  // no pin needed to look
  PresentedHostKey k = FetchHostKey(e);
  EXPECT_EQ(k.fingerprint, server_.fingerprint());
  EXPECT_EQ(k.type, "ssh-ed25519");
}

TEST_F(SftpSessionTest, WrongClientKeyIsRefused) {
  SftpEndpoint e = server_.Endpoint();
  e.private_key_file = server_.GenerateClientKey("stranger", "ed25519", /*authorize=*/false);
  try {
    SftpSession::Connect(e);
    FAIL() << "logged in with a key that is not authorized";
  } catch (const SftpError& err) {
    EXPECT_EQ(err.kind(), SftpError::Kind::kAuth) << err.what();
    EXPECT_NE(std::string(err.what()).find("stranger"), std::string::npos) << err.what();
  }
}

TEST_F(SftpSessionTest, EcdsaClientKeyLogsIn) {
  SftpEndpoint e = server_.Endpoint();
  e.private_key_file = server_.GenerateClientKey("ecdsa", "ecdsa", /*authorize=*/true);
  auto s = SftpSession::Connect(e);
  EXPECT_TRUE(s->Stat(Inbox()).has_value());
}

TEST_F(SftpSessionTest, RsaClientKeyGetsAnExplanation) {
  SftpEndpoint e = server_.Endpoint();
  e.private_key_file = server_.GenerateClientKey("rsa", "rsa", /*authorize=*/true);
  try {
    SftpSession::Connect(e);
    FAIL() << "RSA login is not expected to work with libssh2 1.10";
  } catch (const SftpError& err) {
    std::string msg = err.what();
    EXPECT_EQ(err.kind(), SftpError::Kind::kAuth);
    EXPECT_NE(msg.find("RSA"), std::string::npos) << msg;
    EXPECT_NE(msg.find("libssh2 1.10"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Ed25519"), std::string::npos) << msg;
  }
}

TEST_F(SftpSessionTest, FileOperations) {
  auto s = SftpSession::Connect(server_.Endpoint());
  s->MakeDirectory(Inbox() + "/processed");
  std::optional<RemoteEntry> dir = s->Stat(Inbox() + "/processed");
  ASSERT_TRUE(dir.has_value());
  EXPECT_TRUE(dir->is_directory);
  EXPECT_FALSE(s->Stat(Inbox() + "/nope").has_value());

  std::istringstream a("aaa"), b("bbbb");
  EXPECT_EQ(s->Upload(a, Inbox() + "/a.json"), 3u);
  EXPECT_EQ(s->Upload(b, Inbox() + "/b.json"), 4u);
  EXPECT_EQ(fs::status(LocalInbox() + "/a.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // OpenSSH's plain rename does not replace an existing file.
  try {
    s->Rename(Inbox() + "/a.json", Inbox() + "/b.json");
    FAIL() << "rename onto an existing file succeeded";
  } catch (const SftpError& e) {
    EXPECT_EQ(e.kind(), SftpError::Kind::kRemote);
    EXPECT_NE(e.sftp_status(), 0u);
    std::string msg = e.what();
    EXPECT_NE(msg.find("rename " + Inbox() + "/a.json"), std::string::npos) << msg;
  }
  s->Rename(Inbox() + "/a.json", Inbox() + "/processed/a.json");
  EXPECT_EQ(ReadLocal(LocalInbox() + "/processed/a.json"), "aaa");
  s->Remove(Inbox() + "/b.json");
  EXPECT_FALSE(fs::exists(LocalInbox() + "/b.json"));
  try {
    s->Remove(Inbox() + "/b.json");
    FAIL();
  } catch (const SftpError& e) {
    EXPECT_EQ(e.sftp_status(), 2u) << e.what();  // no such file
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
  EXPECT_GE(s->SendKeepalive(), 0);
}

TEST_F(SftpSessionTest, ServerDownIsARetryableConnectError) {
  SftpEndpoint e = server_.Endpoint();
  server_.Stop();
  try {
    SftpSession::Connect(e);
    FAIL();
  } catch (const SftpError& err) {
    EXPECT_EQ(err.kind(), SftpError::Kind::kConnect) << err.what();
    EXPECT_TRUE(err.retryable());
  }
  server_.Start();  // same port, same key: the same endpoint works again
  EXPECT_NO_THROW(SftpSession::Connect(e));
}

TEST(SftpTimeoutTest, SilentServerTimesOutWithinIoTimeout) {
  // A socket that listens (the kernel completes the TCP handshake) but never speaks.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);

  SftpEndpoint e;
  e.host = "127.0.0.1";
  e.port = ntohs(a.sin_port);
  e.user = "nobody";
  e.password = "x";
  e.host_key_fingerprint = "SHA256:AAAA";
  e.io_timeout = std::chrono::milliseconds(1500);
  auto t0 = std::chrono::steady_clock::now();
  try {
    SftpSession::Connect(e);
    FAIL();
  } catch (const SftpError& err) {
    EXPECT_EQ(err.kind(), SftpError::Kind::kConnect) << err.what();
    EXPECT_NE(std::string(err.what()).find("handshake"), std::string::npos) << err.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  close(fd);
}

TEST(SftpChrootTest, ChrootedUserSeesDataRootAsSlash) {
  SshdServer server(test::SshdOptions{.chroot = true});
  server.Start();
  fs::create_directories(server.data_root() + "/inbox");
  auto s = SftpSession::Connect(server.Endpoint());
  std::istringstream in("x");
  AtomicUploadResult r = s->UploadAtomically(in, "/inbox", "export-c-20261123T190000Z", ".json");
  EXPECT_EQ(ReadLocal(server.data_root() + "/inbox/" + r.final_name), "x");
}

}  // namespace
}  // namespace kehrbote
