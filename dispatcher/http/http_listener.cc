#include "dispatcher/http/http_listener.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/PollSet.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <map>
#include <optional>

#include "shared/log/logger.h"

namespace kehrbote {

using SteadyClock = std::chrono::steady_clock;

struct HttpListener::Pending {
  Poco::Net::StreamSocket socket;
  std::string buffer;
  SteadyClock::time_point deadline;
  HttpRequestHead head;
};

namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void CloseQuietly(Poco::Net::StreamSocket& s) {
  try {
    s.close();
  } catch (const Poco::Exception&) {
  }
}

}  // namespace

bool ParseRequestLine(const std::string& head, HttpRequestHead* out) {
  const std::size_t eol = head.find("\r\n");
  const std::string line = head.substr(0, eol);
  const std::size_t a = line.find(' ');
  if (a == std::string::npos || a == 0) return false;
  const std::size_t b = line.find(' ', a + 1);
  if (b == std::string::npos || b == a + 1) return false;
  if (line.compare(b + 1, 5, "HTTP/") != 0) return false;
  out->method = line.substr(0, a);
  out->target = line.substr(a + 1, b - a - 1);
  return true;
}

HttpListener::HttpListener(HttpListenerOptions options, Responder responder)
    : options_(std::move(options)), responder_(std::move(responder)) {}

HttpListener::~HttpListener() { Stop(); }

void HttpListener::Start() {
  try {
    socket_ = std::make_unique<Poco::Net::ServerSocket>();
    // Without SO_REUSEPORT (Poco sets it by default): a second dispatcher, or
    // anything else on the port, makes this fail instead of sharing the port.
    socket_->bind(
        Poco::Net::SocketAddress(options_.address, static_cast<Poco::UInt16>(options_.port)),
        /*reuseAddress=*/true, /*reusePort=*/false);
    socket_->listen(/*backlog=*/256);
    socket_->setBlocking(false);
  } catch (const Poco::Exception& e) {
    socket_.reset();
    throw HttpListenerError("HTTP listener: cannot listen on " + options_.address + ":" +
                            std::to_string(options_.port) + " (http.listen, http.port): " +
                            e.displayText());
  }
  port_ = socket_->address().port();
  stop_ = false;
  queue_ = std::make_unique<BoundedQueue<std::unique_ptr<Pending>>>(
      static_cast<std::size_t>(std::max(1, options_.max_connections)));
  workers_ = std::make_unique<WorkerGroup>(
      static_cast<std::size_t>(std::max(1, options_.threads)), [this](std::size_t) {
        while (std::optional<std::unique_ptr<Pending>> p = queue_->Pop()) Answer(**p);
      });
  reader_ = std::thread([this] { ReadLoop(); });
}

void HttpListener::Stop() {
  if (!socket_) return;
  stop_ = true;
  // The workers finish the requests they answer; the queued ones are dropped
  // (their connections close with them), later ones closed by the reader.
  queue_->Cancel();
  if (reader_.joinable()) reader_.join();
  workers_.reset();  // joins
  queue_.reset();
  socket_->close();
  socket_.reset();
}

void HttpListener::ReadLoop() {
  Poco::Net::PollSet poll;
  poll.add(*socket_, Poco::Net::PollSet::POLL_READ);
  std::map<Poco::Net::Socket, std::unique_ptr<Pending>> open;
  std::vector<char> chunk(4096);
  auto drop = [&](std::map<Poco::Net::Socket, std::unique_ptr<Pending>>::iterator it) {
    poll.remove(it->first);
    CloseQuietly(it->second->socket);
    return open.erase(it);
  };
  while (!stop_) {
    // Bounded, so that Stop() and the head deadlines are noticed.
    Poco::Net::PollSet::SocketModeMap ready = poll.poll(Poco::Timespan(0, 200 * 1000));
    const SteadyClock::time_point now = SteadyClock::now();
    for (const auto& [socket, mode] : ready) {
      if (socket == *socket_) {
        // Take every waiting connection; a flood of them only evicts older ones.
        for (int i = 0; i < 64; ++i) {
          Poco::Net::StreamSocket s;
          try {
            s = socket_->acceptConnection();
          } catch (const Poco::Exception&) {
            break;  // none left (EAGAIN) or aborted by the client
          }
          if (static_cast<int>(open.size()) >= options_.max_connections) {
            auto oldest = std::min_element(open.begin(), open.end(), [](const auto& a, const auto& b) {
              return a.second->deadline < b.second->deadline;
            });
            if (oldest != open.end()) drop(oldest);
          }
          s.setBlocking(false);
          auto p = std::make_unique<Pending>();
          p->socket = s;
          p->deadline = now + options_.head_timeout;
          poll.add(s, Poco::Net::PollSet::POLL_READ);
          open.emplace(s, std::move(p));
        }
        continue;
      }
      auto it = open.find(socket);
      if (it == open.end()) continue;
      Pending& p = *it->second;
      int n = 0;
      try {
        n = p.socket.receiveBytes(chunk.data(), static_cast<int>(chunk.size()));
      } catch (const Poco::Exception&) {
        n = 0;  // reset by the peer
      }
      if (n < 0) continue;  // nothing after all
      if (n == 0) {
        drop(it);
        continue;
      }
      p.buffer.append(chunk.data(), static_cast<std::size_t>(n));
      const std::size_t end = p.buffer.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (p.buffer.size() > options_.max_head_bytes) drop(it);
        continue;
      }
      std::unique_ptr<Pending> complete = std::move(it->second);
      poll.remove(it->first);
      open.erase(it);
      complete->buffer.resize(end + 2);
      Queue(std::move(complete));
    }
    // Whoever has not sent a whole head in time is cut off.
    for (auto it = open.begin(); it != open.end();) {
      it = it->second->deadline <= now ? drop(it) : std::next(it);
    }
  }
  for (auto& [socket, p] : open) CloseQuietly(p->socket);
}

void HttpListener::Queue(std::unique_ptr<Pending> request) {
  // A flood of complete requests (or Stop()): shed it, the reader never waits.
  if (!queue_->TryPush(request)) CloseQuietly(request->socket);
}

void HttpListener::Answer(Pending& p) {
  HttpAnswer answer;
  if (!ParseRequestLine(p.buffer, &p.head)) {
    answer = {400, "bad request\n"};
  } else if (p.head.method != "GET" && p.head.method != "HEAD") {
    answer = {405, "only GET\n"};
  } else {
    try {
      p.head.peer = p.socket.peerAddress().host().toString();
    } catch (const Poco::Exception&) {
      p.head.peer = "?";
    }
    answer = responder_(p.head);
  }
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " +
                    ReasonPhrase(answer.status) + "\r\nContent-Type: " + answer.content_type +
                    "\r\nContent-Length: " + std::to_string(answer.body.size()) +
                    "\r\nConnection: close\r\n\r\n";
  if (p.head.method != "HEAD") out += answer.body;
  try {
    p.socket.setBlocking(true);
    p.socket.setSendTimeout(Poco::Timespan(
        std::chrono::duration_cast<std::chrono::microseconds>(options_.send_timeout).count()));
    std::size_t sent = 0;
    while (sent < out.size()) {
      int n = p.socket.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    p.socket.shutdownSend();
  } catch (const Poco::Exception& e) {
    Log("http").Warning("cannot answer " + p.head.peer + ": " + e.displayText());
  }
  CloseQuietly(p.socket);
}

}  // namespace kehrbote
