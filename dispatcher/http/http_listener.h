// HttpListener: a small HTTP/1.1 server for GET requests that idle or slow
// clients cannot block.
//
// Why not Poco's HTTPServer: it gives every connection a thread from the
// first byte on, and a thread waits up to its receive timeout for a request
// that never comes. Fifteen idle connections then held /health and Kannel's
// delivery receipts for about a minute each time.
//
// Here one reader thread polls every open connection (non-blocking) and
// collects request heads; a connection costs a buffer, not a thread. A
// connection whose head is not complete `head_timeout` after it was accepted
// is closed, however slowly it trickles bytes. With `max_connections` open,
// a new one closes the oldest still-incomplete one (an attacker's, as a real
// client sends its request at once). Only complete heads reach the
// `threads` workers, which call the responder and answer with
// "Connection: close" (one request per connection: nothing can sit idle on
// a worker). Requests with a body are not supported (Kannel's callbacks are
// GETs); the body, if any, is not read.
//
// Threads: Start() and Stop() from one thread; the responder runs on the
// worker threads, several at once, and must allow that. The complete heads
// wait for the workers in a BoundedQueue of `max_connections`; the reader
// never waits on it (TryPush): with the queue full, a new complete request's
// connection is closed at once. The workers are a WorkerGroup.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "shared/sync/bounded_queue.h"
#include "shared/sync/worker_group.h"

namespace Poco::Net {
class ServerSocket;
class StreamSocket;
}  // namespace Poco::Net

namespace kehrbote {

struct HttpListenerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: any free port (see port())
  int threads = 4;
  int max_connections = 512;
  std::chrono::milliseconds head_timeout{5000};
  std::chrono::milliseconds send_timeout{5000};
  std::size_t max_head_bytes = 16 * 1024;
};

struct HttpRequestHead {
  std::string method;  // "GET"
  std::string target;  // "/dlr?token=..."
  std::string peer;    // client address, for logs
};

struct HttpAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// Splits "GET /x?y HTTP/1.1\r\n..." into method and target; false if the
// request line is not of that form.
bool ParseRequestLine(const std::string& head, HttpRequestHead* out);

// Thrown by Start() when the address cannot be bound: names address, port and why.
class HttpListenerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpListener {
 public:
  using Responder = std::function<HttpAnswer(const HttpRequestHead&)>;

  HttpListener(HttpListenerOptions options, Responder responder);
  ~HttpListener();  // Stop()

  // Binds and starts the threads; throws HttpListenerError.
  void Start();
  // Closes the listening socket and every connection; waits for the workers
  // to finish the requests they are answering. Returns within about 0.2 s
  // plus the longest responder call.
  void Stop();
  int port() const { return port_; }

 private:
  struct Pending;
  void ReadLoop();
  // Hands a complete head to the workers, or closes its connection (queue full).
  void Queue(std::unique_ptr<Pending> request);
  void Answer(Pending& request);

  HttpListenerOptions options_;
  Responder responder_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::ServerSocket> socket_;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  // Complete heads, oldest first; made by Start() (a queue once closed stays closed).
  std::unique_ptr<BoundedQueue<std::unique_ptr<Pending>>> queue_;
  std::unique_ptr<WorkerGroup> workers_;  // Answer() the queue's requests
};

}  // namespace kehrbote
