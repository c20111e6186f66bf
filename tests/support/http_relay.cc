#include "tests/support/http_relay.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <string>

namespace kehrbote::test {
namespace {

const Poco::Timespan kPoll(0, 100000);  // 100 ms: how soon a thread sees Stop
const Poco::Timespan kIo(5, 0);  // any single read or write

// Reads until the end of the request head (GET requests only: no body).
bool ReadHead(Poco::Net::StreamSocket& s, std::string& head) {
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    int n = s.receiveBytes(buf, sizeof buf);
    if (n <= 0) return false;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

void SendAll(Poco::Net::StreamSocket& s, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    int n = s.sendBytes(data.data() + done, static_cast<int>(data.size() - done));
    if (n <= 0) throw Poco::Exception("short write");
    done += static_cast<std::size_t>(n);
  }
}

void Relay(Poco::Net::StreamSocket& client, int target_port) {
  client.setReceiveTimeout(kIo);
  client.setSendTimeout(kIo);
  std::string head;
  if (!ReadHead(client, head)) return;
  Poco::Net::StreamSocket target;
  try {
    target.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(target_port)),
                   kIo);
  } catch (const Poco::Exception&) {
    SendAll(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  target.setReceiveTimeout(kIo);
  target.setSendTimeout(kIo);
  SendAll(target, head);
  // The listener answers with "Connection: close": relay until it closes.
  char buf[4096];
  int n;
  while ((n = target.receiveBytes(buf, sizeof buf)) > 0)
    SendAll(client, std::string(buf, static_cast<std::size_t>(n)));
}

}  // namespace

HttpRelay::HttpRelay(int target_port, int threads) : target_port_(target_port) {
  socket_ = std::make_unique<Poco::Net::ServerSocket>(
      Poco::Net::SocketAddress("127.0.0.1", 0), /*backlog=*/256);
  port_ = socket_->address().port();
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Serve(); });
}

HttpRelay::~HttpRelay() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
  socket_->close();
}

void HttpRelay::Serve() {
  while (!stopping_) {
    try {
      if (!socket_->poll(kPoll, Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket client = socket_->acceptConnection();
      Relay(client, target_port_);
      client.close();
    } catch (const Poco::Exception&) {
      // Another thread took the connection, or the target died mid-request:
      // the client's request failed and it retries.
    }
  }
}

}  // namespace kehrbote::test
