#include "tests/support/tcp_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace kehrbote::test {

int FreeTcpPort() {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw std::runtime_error("FreeTcpPort: socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(s);
    throw std::runtime_error("FreeTcpPort: bind to 127.0.0.1:0 failed");
  }
  close(s);
  return ntohs(a.sin_port);
}

bool WaitForTcpPort(const std::string& host, int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    bool ok = s >= 0 && connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (s >= 0) close(s);
    if (ok) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // The server is another process with no event to wait on: bounded polling.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {

// One GET on a fresh connection; true if the reply starts with an HTTP status line.
bool AnswersHttp(const std::string& host, int port, const std::string& path) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  timeval limit{2, 0};  // a server that accepts but never answers
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  bool ok = false;
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
    char head[5] = {};
    ok = send(s, request.data(), request.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(request.size()) &&
         recv(s, head, sizeof head, MSG_WAITALL) == static_cast<ssize_t>(sizeof head) &&
         std::string(head, sizeof head) == "HTTP/";
  }
  close(s);
  return ok;
}

}  // namespace

bool WaitForHttpAnswer(const std::string& host, int port, const std::string& path,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!AnswersHttp(host, port, path)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Another process with no event to wait on: bounded polling.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace kehrbote::test
