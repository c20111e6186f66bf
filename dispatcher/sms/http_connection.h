// HttpConnection: one kept-alive HTTP/1.1 connection for small GET requests
// whose replies carry a Content-Length (Kannel's sendsms).
//
// Why not Poco::Net::HTTPClientSession: per request it builds a request and a
// response object, a header map and two stream buffers; on the send path of the
// outbox that cost more CPU than smsbox spends on the reply, on two cores shared
// with Kannel. Here a request is one send() of a prepared string and the reply
// is parsed from one buffer.
//
// Connecting: attempts of 50 ms, 100 ms, ... up to 1 s each, a new socket for
// each, until the timeout. Why: Kannel (gwlib) listens with a backlog of 10, so
// the first requests of a wide send window (hundreds of connections opened at
// once) overflow its accept queue; the kernel drops those SYNs and TCP repeats
// them only after 1 s, 3 s and 7 s, all together, and a pass waited seconds for
// its slowest connection (or timed out, and the window halved). A new attempt
// after 50 ms gets in as soon as the queue has room again. A refused
// connection is not tried again.
//
// Errors:
//   HttpClosedBeforeReply  the server closed (or, on a reused connection, reset)
//                          the connection before sending any byte of a reply
//                          (a kept-alive connection it timed out: the request
//                          was most likely not read)
//   Poco::TimeoutException no reply within the timeout (the request may have
//                          been read)
//   Poco::Exception        cannot connect, connection reset, ...
//   std::runtime_error     a reply that is not HTTP or is cut short
// After any error the connection must be dropped.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace Poco::Net {
class SocketAddress;
class StreamSocket;
}

namespace kehrbote {

class HttpClosedBeforeReply : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HttpReply {
  int status = 0;
  std::string body;
  bool keep_alive = false;  // the server keeps the connection open
};

class HttpConnection {
 public:
  // Connects at once (throws Poco::Exception when the host refuses).
  HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // GET `target` (path and query, already percent-encoded).
  HttpReply Get(const std::string& target);

  // When the last reply was read (or the connection made): a pool drops
  // connections idle for long, which the server may have closed meanwhile.
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }

 private:
  static constexpr std::chrono::milliseconds kFirstConnectAttempt{50};
  static constexpr std::chrono::milliseconds kLongestConnectAttempt{1000};
  struct Head;
  // Connects socket_ to `address` within `timeout` (see above).
  void Connect(const Poco::Net::SocketAddress& address, std::chrono::milliseconds timeout);
  // Appends what the socket has (up to 4 KB) to `in`; <= 0: closed.
  int Receive(std::string& in);
  // Sends the GET and waits for the reply's first bytes (into `in`).
  void SendRequest(const std::string& target, std::string& in);
  // Reads until `in` holds the whole head; returns where its blank line starts.
  std::size_t ReadHead(std::string& in);
  static Head ParseHead(std::string_view head);
  // The body after `body_start` into head.reply (by its Content-Length, else to the close).
  void ReadBody(std::string& in, std::size_t body_start, Head& head);

  std::unique_ptr<Poco::Net::StreamSocket> socket_;
  std::string host_header_;
  bool reused_ = false;  // a reply was read on it before
  std::chrono::steady_clock::time_point last_used_;
};

}  // namespace kehrbote
