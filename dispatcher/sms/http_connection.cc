#include "dispatcher/sms/http_connection.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace kehrbote {
namespace {

constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::size_t kMaxBody = 1024 * 1024;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

HttpConnection::HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout)
    : host_header_(host + ":" + std::to_string(port)) {
  Connect(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), timeout);
  const Poco::Timespan t(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000);
  socket_->setReceiveTimeout(t);
  socket_->setSendTimeout(t);
  socket_->setNoDelay(true);  // one small request: no Nagle delay
  last_used_ = std::chrono::steady_clock::now();
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::Connect(const Poco::Net::SocketAddress& address,
                             std::chrono::milliseconds timeout) {
  using std::chrono::milliseconds;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (milliseconds attempt = kFirstConnectAttempt;;
       attempt = std::min(2 * attempt, kLongestConnectAttempt)) {
    const milliseconds left = std::max(
        milliseconds(1),
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()));
    const bool last = left <= attempt;
    const milliseconds wait = last ? left : attempt;
    socket_ = std::make_unique<Poco::Net::StreamSocket>();
    try {
      socket_->connect(address,
                       Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(wait.count()) * 1000));
      return;
    } catch (const Poco::TimeoutException&) {
      // The SYN was most likely dropped (the server's accept queue was full):
      // a new socket sends a new one now instead of TCP's repeat after 1 s.
      if (last) throw;
    }
  }
}

// The status line and the headers of a reply (`head`: up to the blank line).
struct HttpConnection::Head {
  HttpReply reply;                // status and keep_alive; body empty
  long long content_length = -1;  // -1: none given
};

HttpReply HttpConnection::Get(const std::string& target) {
  std::string in;
  SendRequest(target, in);
  const std::size_t header_end = ReadHead(in);
  Head head = ParseHead(std::string_view(in.data(), header_end));
  ReadBody(in, header_end + 4, head);
  reused_ = true;
  last_used_ = std::chrono::steady_clock::now();
  return std::move(head.reply);
}

int HttpConnection::Receive(std::string& in) {
  char chunk[4096];
  int n = socket_->receiveBytes(chunk, sizeof chunk);
  if (n > 0) in.append(chunk, static_cast<std::size_t>(n));
  return n;
}

void HttpConnection::SendRequest(const std::string& target, std::string& in) {
  std::string request;
  request.reserve(target.size() + host_header_.size() + 64);
  request += "GET ";
  request += target;
  request += " HTTP/1.1\r\nHost: ";
  request += host_header_;
  request += "\r\nConnection: keep-alive\r\n\r\n";
  try {
    for (std::size_t sent = 0; sent < request.size();) {
      int n = socket_->sendBytes(request.data() + sent, static_cast<int>(request.size() - sent));
      if (n <= 0) throw HttpClosedBeforeReply("connection closed while sending the request");
      sent += static_cast<std::size_t>(n);
    }
    // The first byte of the reply tells a kept-alive connection the server had
    // closed (nothing comes) from one that took the request.
    if (Receive(in) <= 0) throw HttpClosedBeforeReply("connection closed before the reply");
  } catch (const Poco::Net::ConnectionResetException&) {
    if (!reused_) throw;
    throw HttpClosedBeforeReply("kept-alive connection reset before the reply");
  }
}

std::size_t HttpConnection::ReadHead(std::string& in) {
  std::size_t header_end;
  while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
    if (in.size() > kMaxHeader) throw std::runtime_error("reply header longer than 16 KB");
    if (Receive(in) <= 0) {
      if (in.empty()) throw HttpClosedBeforeReply("connection closed before the reply");
      throw std::runtime_error("connection closed in the reply header");
    }
  }
  return header_end;
}

HttpConnection::Head HttpConnection::ParseHead(std::string_view head) {
  // Status line: HTTP/1.x NNN reason
  Head out;
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])))
    throw std::runtime_error("not an HTTP reply: '" + std::string(status_line.substr(0, 40)) + "'");
  out.reply.status = std::stoi(std::string(status_line.substr(9, 3)));
  out.reply.keep_alive = status_line[7] == '1';  // HTTP/1.1 keeps it by default
  while (eol != std::string_view::npos && eol < head.size()) {
    std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line =
        head.substr(start, eol == std::string_view::npos ? head.npos : eol - start);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "Content-Length")) {
      out.content_length = std::stoll(std::string(value));
    } else if (EqualsNoCase(name, "Connection")) {
      if (EqualsNoCase(value, "close")) out.reply.keep_alive = false;
      if (EqualsNoCase(value, "keep-alive")) out.reply.keep_alive = true;
    } else if (EqualsNoCase(name, "Transfer-Encoding") && !EqualsNoCase(value, "identity")) {
      throw std::runtime_error("reply with Transfer-Encoding " + std::string(value) +
                               " (expected a Content-Length)");
    }
  }
  return out;
}

void HttpConnection::ReadBody(std::string& in, std::size_t body_start, Head& head) {
  HttpReply& reply = head.reply;
  if (head.content_length < 0) {
    // No length: the body ends when the server closes.
    while (Receive(in) > 0) {
      if (in.size() > body_start + kMaxBody) throw std::runtime_error("reply body larger than 1 MB");
    }
    reply.body = in.substr(body_start);
    reply.keep_alive = false;
    return;
  }
  if (static_cast<unsigned long long>(head.content_length) > kMaxBody)
    throw std::runtime_error("reply body larger than 1 MB");
  const std::size_t length = static_cast<std::size_t>(head.content_length);
  while (in.size() < body_start + length) {
    if (Receive(in) <= 0) throw std::runtime_error("connection closed in the reply body");
  }
  reply.body = in.substr(body_start, length);
  if (in.size() > body_start + length) reply.keep_alive = false;  // extra bytes: do not reuse
}

}  // namespace kehrbote
