#include "dispatcher/sms/kannel_channel.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <cctype>
#include <sstream>

#include "dispatcher/sms/http_connection.h"
#include "dispatcher/sms/url_encoding.h"
#include "shared/sms/segmented_text.h"
#include "shared/text/utf8.h"

namespace kehrbote {

KannelText PrepareKannelText(const std::string& utf8) {
  SegmentedText st(utf8, SmsPolicy::kAllowUcs2);
  KannelText out;
  out.segments = static_cast<int>(st.segment_count());
  if (st.encoding() == SmsEncoding::kGsm7) {
    // Kannel counts escape characters as two septets and never splits them.
    out.coding = 0;
    out.text = st.text();
    return out;
  }
  out.coding = 2;
  const auto& parts = st.parts();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out.text += parts[i].text;
    if (parts.size() > 1 && i + 1 < parts.size()) {
      for (std::size_t u = parts[i].units; u < SegmentedText::kUcs2PartUnits; ++u)
        out.text += "\xE2\x80\x8B";  // U+200B, one UTF-16 unit
    }
  }
  return out;
}

std::string KannelDlrUrl(const std::string& base, const std::string& token) {
  std::string url = base;
  url += base.find('?') == std::string::npos ? '?' : '&';
  url += "token=" + PercentEncode(token) + "&status=%d&time=%T&answer=%A&id=%F";
  return url;
}

int ValidityMinutes(Instant now, Instant deadline) {
  if (deadline == Instant{}) return 0;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - now).count();
  if (left <= 60) return 1;
  return static_cast<int>(left / 60);  // rounded down: never valid past the deadline
}

std::string CheckSmsSender(const std::string& sender) {
  if (sender.empty()) return "empty SMS sender";
  std::string digits = sender[0] == '+' ? sender.substr(1) : sender;
  bool numeric = !digits.empty();
  for (char c : digits) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
  if (numeric) {
    if (digits.size() > 15) return "numeric SMS sender longer than 15 digits: " + sender;
    return "";
  }
  if (sender.size() > 11)
    return "alphanumeric SMS sender longer than 11 characters: '" + sender + "'";
  for (char c : sender) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != ' ' && c != '.' && c != '-' &&
        c != '_' && c != '&')
      return "SMS sender with a character a network may refuse: '" + sender + "'";
  }
  return "";
}

KannelChannel::KannelChannel(KannelSettings settings, Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {
  Poco::URI uri(settings_.sendsms_url);
  host_ = uri.getHost();
  port_ = uri.getPort();
  path_ = uri.getPath().empty() ? "/cgi-bin/sendsms" : uri.getPath();
  // What errors name: the URL without user, password or query.
  where_ = "Kannel " + (uri.getScheme().empty() ? std::string("http") : uri.getScheme()) + "://" +
           host_ + ":" + std::to_string(port_) + path_;
}

KannelChannel::~KannelChannel() = default;

std::string KannelChannel::BuildRequestTarget(const OutgoingMessage& m, int* segments,
                                              std::string* error) const {
  KannelText kt;
  try {
    kt = PrepareKannelText(m.body);
  } catch (const InvalidUtf8Error& e) {
    *error = std::string("message text: ") + e.what();
    return "";
  }
  if (kt.segments > settings_.max_parts) {
    *error = "text needs " + std::to_string(kt.segments) + " SMS parts, gateway allows " +
             std::to_string(settings_.max_parts);
    return "";
  }
  std::string sender_error = CheckSmsSender(m.sender);
  if (!sender_error.empty()) {
    *error = sender_error;
    return "";
  }
  *segments = kt.segments;
  std::string q = path_;
  q += "?username=" + PercentEncode(settings_.username);
  q += "&password=" + PercentEncode(settings_.password);
  q += "&from=" + PercentEncode(m.sender);
  q += "&to=" + PercentEncode(m.recipient);  // '+' -> %2B
  q += "&charset=UTF-8&coding=" + std::to_string(kt.coding);
  q += "&text=" + PercentEncode(kt.text);
  if (!settings_.smsc_id.empty()) q += "&smsc=" + PercentEncode(settings_.smsc_id);
  if (!settings_.dlr_url.empty() && !m.dlr_token.empty()) {
    q += "&dlr-mask=31&dlr-url=" + PercentEncode(KannelDlrUrl(settings_.dlr_url, m.dlr_token));
  }
  int validity = ValidityMinutes(clock_.Now(), m.deadline);
  if (validity > 0) q += "&validity=" + std::to_string(validity);
  return q;
}

SendOutcome KannelChannel::Send(const OutgoingMessage& m) {
  SendOutcome out;
  std::string error;
  int segments = 0;
  std::string target = BuildRequestTarget(m, &segments, &error);
  if (target.empty()) {
    out.status = SendStatus::kPermanent;
    out.detail = error;
    return out;
  }
  out.segments = segments;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      // Back to the pool only after a complete exchange on a kept-alive connection.
      std::unique_ptr<HttpConnection> connection = TakeConnection();
      HttpReply reply = connection->Get(target);
      if (reply.keep_alive) GiveBack(std::move(connection));
      std::string& body = reply.body;
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      const int status = reply.status;
      out.detail = "HTTP " + std::to_string(status) + " " + body;
      if (status == 202 || status == 200) {
        // "0: Accepted for delivery", "3: Queued for later delivery"
        // "Sent." is smsbox's answer with immediate-sendsms-reply = true.
        if (body.rfind("0:", 0) == 0 || body.rfind("3:", 0) == 0 || body == "Sent.") {
          out.status = SendStatus::kAccepted;
        } else {
          out.status = SendStatus::kTransient;
        }
      } else if (status >= 400 && status < 500) {
        out.status = SendStatus::kPermanent;
      } else {
        out.status = SendStatus::kTransient;
      }
      if (out.status != SendStatus::kAccepted) out.detail = where_ + ": " + out.detail;
      return out;
    } catch (const Poco::TimeoutException&) {
      // The request may have reached Kannel: no silent second try.
      out.status = SendStatus::kTransient;
      out.detail = where_ + ": no answer within " + std::to_string(settings_.timeout.count()) +
                   " ms (timeout)";
      return out;
    } catch (const HttpClosedBeforeReply&) {
      // A kept-alive connection closed by the server before our request: retry
      // once on a fresh connection (the request was not read).
      out.status = SendStatus::kTransient;
      out.detail = where_ + ": connection closed before the answer";
      if (attempt == 0) continue;
      return out;
    } catch (const Poco::Exception& e) {
      out.status = SendStatus::kTransient;
      out.detail = where_ + ": cannot reach: " + e.displayText();
      return out;
    } catch (const std::runtime_error& e) {
      out.status = SendStatus::kTransient;
      out.detail = where_ + ": bad reply: " + e.what();
      return out;
    }
  }
  return out;
}

std::unique_ptr<HttpConnection> KannelChannel::TakeConnection() {
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    // Kannel (like most servers) closes a kept-alive connection after a few idle
    // seconds; a fresh one is cheaper than a failed attempt. Poco's client used 8 s.
    const auto stale = std::chrono::steady_clock::now() - std::chrono::seconds(5);
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->last_used() > stale) return connection;
    }
  }
  // Waits for a permit at most 1 s, then connects without: the burst is over by
  // then, and a gateway that drops every SYN must not make 256 requests fail 8
  // at a time, one timeout after the other.
  const bool permit = connecting_.try_acquire_for(std::chrono::seconds(1));
  try {
    auto connection = std::make_unique<HttpConnection>(host_, port_, settings_.timeout);
    if (permit) connecting_.release();
    return connection;
  } catch (...) {
    if (permit) connecting_.release();
    throw;
  }
}

void KannelChannel::GiveBack(std::unique_ptr<HttpConnection> connection) {
  std::lock_guard<std::mutex> lock(idle_mu_);
  idle_.push_back(std::move(connection));
}

}  // namespace kehrbote
