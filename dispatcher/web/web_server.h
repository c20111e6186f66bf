// WebServer: the portal's listener, Poco::Net::HTTPServer over a plain or a TLS
// socket (Poco NetSSL, the partner's certificate and key files), handing every
// request to the Router as a WebRequest.
//
// Plain HTTP is only allowed on a loopback address (behind a reverse proxy that
// terminates TLS); Start() refuses anything else. With `trust_proxy` the client
// address for throttling is the last X-Forwarded-For entry (the proxy's view),
// otherwise the socket's peer.
//
// Limits: `threads` requests at once, `queue` more waiting, each connection
// `timeout` for reading and writing, request bodies up to `max_body_bytes` (an
// export upload), form fields up to 100.
//
// Threads: Start()/Stop() from one thread; the router runs on Poco's worker
// threads, several at once.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "dispatcher/web/router.h"

namespace Poco::Net {
class HTTPServer;
}

namespace kehrbote {

struct WebServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: any free port (see port())
  std::string cert_file, key_file;  // both set: HTTPS
  bool trust_proxy = false;
  int threads = 16;
  int queue = 64;
  std::chrono::seconds timeout{15};
  std::size_t max_body_bytes = 64 * 1024 * 1024;

  bool https() const { return !cert_file.empty(); }
};

class WebServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WebServer {
 public:
  WebServer(WebServerOptions options, const Router& router);
  ~WebServer();  // Stop()

  // Binds and starts; throws WebServerError naming address:port and why.
  void Start();
  // Stops accepting, waits (bounded by the timeout) for running requests.
  void Stop();
  int port() const { return port_; }
  // "https://127.0.0.1:8443/" or "http://...".
  std::string Url() const;

 private:
  WebServerOptions options_;
  const Router& router_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace kehrbote
