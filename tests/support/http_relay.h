// Test support: a minimal HTTP relay on loopback, as a reverse proxy in front
// of the dispatcher's listener would be (e.g. nginx for http.public_url).
//
// Each connection: the request head is read in full, then passed to
// 127.0.0.1:<target port> and the answer passed back. When nothing listens on
// the target (the process behind it is dead), the client gets
// "502 Bad Gateway"; when the target dies mid-request, the connection is closed
// without an answer. Kannel treats both as a failed request and retries it
// (smsbox http-request-retry, http-queue-delay).
//
// Why the crash test needs it: Kannel 1.4.5's smsbox (Debian 12) panics
// ("conn_unregister: Assertion `conn != NULL' failed") when writing a receipt
// request fails because the listener died with that connection still in its
// accept queue; the relay, which never dies, keeps every receipt connection
// alive until it is answered.
//
// Threads: `threads` acceptors, each serving one connection at a time; the
// destructor stops and joins them (each notices within 100 ms).
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace Poco::Net {
class ServerSocket;
}

namespace kehrbote::test {

class HttpRelay {
 public:
  HttpRelay(int target_port, int threads = 8);
  ~HttpRelay();
  HttpRelay(const HttpRelay&) = delete;
  HttpRelay& operator=(const HttpRelay&) = delete;

  int port() const { return port_; }

 private:
  void Serve();

  int target_port_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace kehrbote::test
