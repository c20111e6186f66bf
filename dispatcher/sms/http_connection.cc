#include "dispatcher/sms/http_connection.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

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

HttpConnection::HttpConnection(const std::string& host, int port,
                               std::chrono::milliseconds timeout)
    : socket_(std::make_unique<Poco::Net::StreamSocket>()),
      host_header_(host + ":" + std::to_string(port)) {
  const Poco::Timespan t(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000);
  socket_->connect(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), t);
  socket_->setReceiveTimeout(t);
  socket_->setSendTimeout(t);
  socket_->setNoDelay(true);  // one small request: no Nagle delay
  last_used_ = std::chrono::steady_clock::now();
}

HttpConnection::~HttpConnection() = default;

HttpReply HttpConnection::Get(const std::string& target) {
  std::string request;
  request.reserve(target.size() + host_header_.size() + 64);
  request += "GET ";
  request += target;
  request += " HTTP/1.1\r\nHost: ";
  request += host_header_;
  request += "\r\nConnection: keep-alive\r\n\r\n";
  std::string in;
  char chunk[4096];
  auto receive = [&] {
    int n = socket_->receiveBytes(chunk, sizeof chunk);
    if (n > 0) in.append(chunk, static_cast<std::size_t>(n));
    return n;
  };
  try {
    for (std::size_t sent = 0; sent < request.size();) {
      int n = socket_->sendBytes(request.data() + sent, static_cast<int>(request.size() - sent));
      if (n <= 0) throw HttpClosedBeforeReply("connection closed while sending the request");
      sent += static_cast<std::size_t>(n);
    }
    if (receive() <= 0) throw HttpClosedBeforeReply("connection closed before the reply");
  } catch (const Poco::Net::ConnectionResetException&) {
    if (!reused_) throw;
    throw HttpClosedBeforeReply("kept-alive connection reset before the reply");
  }
  std::size_t header_end;
  while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
    if (in.size() > kMaxHeader) throw std::runtime_error("reply header longer than 16 KB");
    if (receive() <= 0) {
      if (in.empty()) throw HttpClosedBeforeReply("connection closed before the reply");
      throw std::runtime_error("connection closed in the reply header");
    }
  }

  // Status line: HTTP/1.x NNN reason
  HttpReply reply;
  std::string_view head(in.data(), header_end);
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])))
    throw std::runtime_error("not an HTTP reply: '" + std::string(status_line.substr(0, 40)) + "'");
  const bool http11 = status_line[7] == '1';
  reply.status = std::stoi(std::string(status_line.substr(9, 3)));
  reply.keep_alive = http11;

  long long content_length = -1;
  while (eol != std::string_view::npos && eol < head.size()) {
    std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? head.npos : eol - start);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "Content-Length")) {
      content_length = std::stoll(std::string(value));
    } else if (EqualsNoCase(name, "Connection")) {
      if (EqualsNoCase(value, "close")) reply.keep_alive = false;
      if (EqualsNoCase(value, "keep-alive")) reply.keep_alive = true;
    } else if (EqualsNoCase(name, "Transfer-Encoding") && !EqualsNoCase(value, "identity")) {
      throw std::runtime_error("reply with Transfer-Encoding " + std::string(value) +
                               " (expected a Content-Length)");
    }
  }

  std::size_t body_start = header_end + 4;
  if (content_length >= 0) {
    if (static_cast<unsigned long long>(content_length) > kMaxBody)
      throw std::runtime_error("reply body larger than 1 MB");
    const std::size_t want = body_start + static_cast<std::size_t>(content_length);
    while (in.size() < want) {
      if (receive() <= 0) throw std::runtime_error("connection closed in the reply body");
    }
    reply.body = in.substr(body_start, static_cast<std::size_t>(content_length));
    if (in.size() > want) reply.keep_alive = false;  // unexpected extra bytes: do not reuse
  } else {
    // No length: the body ends when the server closes.
    while (receive() > 0) {
      if (in.size() > body_start + kMaxBody) throw std::runtime_error("reply body larger than 1 MB");
    }
    reply.body = in.substr(body_start);
    reply.keep_alive = false;
  }
  reused_ = true;
  last_used_ = std::chrono::steady_clock::now();
  return reply;
}

}  // namespace kehrbote
