#include "dispatcher/sms/http_sms_channel.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>

#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/sms/url_encoding.h"
#include "shared/text/json_string.h"
#include "shared/text/utf8.h"

namespace kehrbote {

std::string ExpandTemplate(const std::string& tmpl,
                           const std::vector<std::pair<std::string, std::string>>& values,
                           const std::string& escape) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    std::size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(tmpl, pos, open - pos);
    std::string name = tmpl.substr(open + 2, close - open - 2);
    auto it = std::find_if(values.begin(), values.end(),
                           [&](const auto& kv) { return kv.first == name; });
    if (it == values.end()) throw std::invalid_argument("unknown placeholder {{" + name + "}}");
    if (escape == "url" || escape == "form") {
      out += PercentEncode(it->second);
    } else if (escape == "json") {
      AppendJsonEscaped(out, it->second);
    } else {
      out += it->second;
    }
    pos = close + 2;
  }
  out.append(tmpl, pos, std::string::npos);
  return out;
}

std::optional<std::string> JsonPointerValue(const std::string& json, const std::string& pointer) {
  Poco::Dynamic::Var v;
  try {
    Poco::JSON::Parser parser;
    v = parser.parse(json);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  std::size_t pos = 0;
  if (!pointer.empty() && pointer[0] != '/') return std::nullopt;
  while (pos < pointer.size()) {
    std::size_t next = pointer.find('/', pos + 1);
    std::string token = pointer.substr(pos + 1, next == std::string::npos ? std::string::npos
                                                                          : next - pos - 1);
    // ~1 -> '/', ~0 -> '~'
    for (std::size_t i; (i = token.find("~1")) != std::string::npos;) token.replace(i, 2, "/");
    for (std::size_t i; (i = token.find("~0")) != std::string::npos;) token.replace(i, 2, "~");
    try {
      if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
        auto obj = v.extract<Poco::JSON::Object::Ptr>();
        if (!obj->has(token)) return std::nullopt;
        v = obj->get(token);
      } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
        auto arr = v.extract<Poco::JSON::Array::Ptr>();
        std::size_t idx = std::stoul(token);
        if (idx >= arr->size()) return std::nullopt;
        v = arr->get(static_cast<unsigned>(idx));
      } else {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (next == std::string::npos) break;
    pos = next;
  }
  if (v.isEmpty()) return std::nullopt;
  try {
    return v.convert<std::string>();
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

HttpSmsChannel::HttpSmsChannel(HttpSmsSettings settings, Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

std::string HttpSmsChannel::Where() const {
  // The configured URL up to its path: no user info, no query (either may hold
  // a key); placeholders stay as {{names}}, never their values.
  std::string url = settings_.url;
  url = url.substr(0, url.find('?'));
  const std::size_t scheme = url.find("://");
  const std::size_t at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos && at < url.find('/', scheme + 3))
    url.erase(scheme + 3, at - scheme - 2);
  return "SMS gateway " + url;
}

namespace {

// The text as Kannel would send it (its coding and parts), or the permanent
// failure why `m` cannot go out at all.
std::optional<SendOutcome> RefuseText(const OutgoingMessage& m, int max_parts, KannelText& kt) {
  SendOutcome out;
  out.status = SendStatus::kPermanent;
  try {
    kt = PrepareKannelText(m.body);
  } catch (const InvalidUtf8Error& e) {
    out.detail = std::string("message text: ") + e.what();
    return out;
  }
  if (kt.segments > max_parts) {
    out.detail = "text needs " + std::to_string(kt.segments) + " SMS parts, gateway allows " +
                 std::to_string(max_parts);
    return out;
  }
  if (std::string e = CheckSmsSender(m.sender); !e.empty()) {
    out.detail = e;
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> HttpSmsChannel::Placeholders(
    const OutgoingMessage& m, const KannelText& kt) const {
  std::string dlr;
  if (!settings_.dlr_url.empty() && !m.dlr_token.empty()) {
    dlr = settings_.dlr_url + (settings_.dlr_url.find('?') == std::string::npos ? "?" : "&") +
          "token=" + PercentEncode(m.dlr_token);
  }
  std::string to_digits = !m.recipient.empty() && m.recipient[0] == '+' ? m.recipient.substr(1)
                                                                        : m.recipient;
  // The provider gets the text as the user wrote it; fillers are Kannel-only.
  return {
      {"to", m.recipient},
      {"to_digits", to_digits},
      {"from", m.sender},
      {"text", m.body},
      {"coding", kt.coding == 0 ? "gsm7" : "ucs2"},
      {"segments", std::to_string(kt.segments)},
      {"validity_minutes", std::to_string(ValidityMinutes(clock_.Now(), m.deadline))},
      {"dlr_url", dlr},
      {"token", m.dlr_token},
      {"id", std::to_string(m.id)},
      {"secret", settings_.secret},
  };
}

HttpSmsChannel::Request HttpSmsChannel::Expand(
    const std::vector<std::pair<std::string, std::string>>& values) const {
  Request r;
  r.url = ExpandTemplate(settings_.url, values, "url");
  r.body = ExpandTemplate(settings_.body, values, settings_.body_format);
  for (const auto& [k, v] : settings_.headers)
    r.headers.emplace_back(k, ExpandTemplate(v, values, "raw"));
  return r;
}

HttpSmsChannel::Reply HttpSmsChannel::Exchange(const Request& r) const {
  Poco::URI uri(r.url);
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort());
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(settings_.timeout.count() * 1000));
  Poco::Net::HTTPRequest request(settings_.method, uri.getPathAndQuery(),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : r.headers) request.set(k, v);
  if (!r.body.empty() || settings_.method == "POST" || settings_.method == "PUT") {
    if (!request.has("Content-Type")) {
      request.setContentType(settings_.body_format == "json"   ? "application/json"
                             : settings_.body_format == "form" ? "application/x-www-form-urlencoded"
                                                               : "text/plain; charset=utf-8");
    }
    request.setContentLength(static_cast<std::streamsize>(r.body.size()));
  }
  std::ostream& os = session->sendRequest(request);
  os << r.body;
  Poco::Net::HTTPResponse response;
  std::istream& rs = session->receiveResponse(response);
  Reply reply;
  Poco::StreamCopier::copyToString(rs, reply.body);
  reply.status = static_cast<int>(response.getStatus());
  return reply;
}

void HttpSmsChannel::Classify(const Reply& reply, SendOutcome& out) const {
  const int status = reply.status;
  out.detail = "HTTP " + std::to_string(status) + " " + reply.body.substr(0, 500);
  const bool success = std::find(settings_.success_status.begin(), settings_.success_status.end(),
                                 status) != settings_.success_status.end();
  if (!success) {
    out.detail = Where() + ": " + out.detail;
    out.status = status == 429 || status >= 500 ? SendStatus::kTransient : SendStatus::kPermanent;
    return;
  }
  // Taken, whether or not its id can be read: the gateway has it, so it is not sent again.
  out.status = SendStatus::kAccepted;
  if (!settings_.message_id_pointer.empty()) {
    auto id = JsonPointerValue(reply.body, settings_.message_id_pointer);
    if (id) {
      out.gateway_message_id = *id;
    } else {
      out.detail += " (no message id at " + settings_.message_id_pointer + ")";
    }
  } else if (!settings_.message_id_regex.empty()) {
    std::smatch match;
    std::regex re(settings_.message_id_regex);
    if (std::regex_search(reply.body, match, re) && match.size() > 1)
      out.gateway_message_id = match[1];
  }
}

SendOutcome HttpSmsChannel::Send(const OutgoingMessage& m) {
  KannelText kt;
  if (std::optional<SendOutcome> refused = RefuseText(m, settings_.max_parts, kt)) return *refused;
  SendOutcome out;
  out.segments = kt.segments;
  Request request;
  try {
    request = Expand(Placeholders(m, kt));
  } catch (const std::exception& e) {
    out.status = SendStatus::kPermanent;
    out.detail = std::string("provider template: ") + e.what();
    return out;
  }
  try {
    Classify(Exchange(request), out);
  } catch (const Poco::Exception& e) {
    out.status = SendStatus::kTransient;
    out.detail = Where() + ": cannot reach: " + e.displayText();
  }
  return out;
}

}  // namespace kehrbote
