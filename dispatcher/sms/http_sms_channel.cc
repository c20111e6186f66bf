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

SendOutcome HttpSmsChannel::Send(const OutgoingMessage& m) {
  SendOutcome out;
  KannelText kt;
  try {
    kt = PrepareKannelText(m.body);
  } catch (const InvalidUtf8Error& e) {
    out.status = SendStatus::kPermanent;
    out.detail = std::string("message text: ") + e.what();
    return out;
  }
  if (kt.segments > settings_.max_parts) {
    out.status = SendStatus::kPermanent;
    out.detail = "text needs " + std::to_string(kt.segments) + " SMS parts, gateway allows " +
                 std::to_string(settings_.max_parts);
    return out;
  }
  if (std::string e = CheckSmsSender(m.sender); !e.empty()) {
    out.status = SendStatus::kPermanent;
    out.detail = e;
    return out;
  }
  out.segments = kt.segments;
  std::string dlr;
  if (!settings_.dlr_url.empty() && !m.dlr_token.empty()) {
    dlr = settings_.dlr_url + (settings_.dlr_url.find('?') == std::string::npos ? "?" : "&") +
          "token=" + PercentEncode(m.dlr_token);
  }
  std::string to_digits = !m.recipient.empty() && m.recipient[0] == '+' ? m.recipient.substr(1)
                                                                        : m.recipient;
  // The provider gets the text as the user wrote it; fillers are Kannel-only.
  std::vector<std::pair<std::string, std::string>> values = {
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
  std::string url, body;
  std::vector<std::pair<std::string, std::string>> headers;
  try {
    url = ExpandTemplate(settings_.url, values, "url");
    body = ExpandTemplate(settings_.body, values, settings_.body_format);
    for (const auto& [k, v] : settings_.headers) headers.emplace_back(k, ExpandTemplate(v, values, "raw"));
  } catch (const std::exception& e) {
    out.status = SendStatus::kPermanent;
    out.detail = std::string("provider template: ") + e.what();
    return out;
  }
  Poco::URI uri(url);
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort());
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(settings_.timeout.count() * 1000));
    Poco::Net::HTTPRequest request(settings_.method, uri.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) request.set(k, v);
    if (!body.empty() || settings_.method == "POST" || settings_.method == "PUT") {
      if (!request.has("Content-Type")) {
        request.setContentType(settings_.body_format == "json" ? "application/json"
                               : settings_.body_format == "form"
                                   ? "application/x-www-form-urlencoded"
                                   : "text/plain; charset=utf-8");
      }
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& os = session->sendRequest(request);
    os << body;
    Poco::Net::HTTPResponse response;
    std::istream& rs = session->receiveResponse(response);
    std::string reply;
    Poco::StreamCopier::copyToString(rs, reply);
    int status = static_cast<int>(response.getStatus());
    out.detail = "HTTP " + std::to_string(status) + " " + reply.substr(0, 500);
    bool success = std::find(settings_.success_status.begin(), settings_.success_status.end(),
                             status) != settings_.success_status.end();
    if (!success) out.detail = Where() + ": " + out.detail;
    if (success) {
      if (!settings_.message_id_pointer.empty()) {
        auto id = JsonPointerValue(reply, settings_.message_id_pointer);
        if (!id) {
          // Taken but unreadable: the gateway has it, so do not send again.
          out.status = SendStatus::kAccepted;
          out.detail += " (no message id at " + settings_.message_id_pointer + ")";
          return out;
        }
        out.gateway_message_id = *id;
      } else if (!settings_.message_id_regex.empty()) {
        std::smatch match;
        std::regex re(settings_.message_id_regex);
        if (std::regex_search(reply, match, re) && match.size() > 1) out.gateway_message_id = match[1];
      }
      out.status = SendStatus::kAccepted;
    } else if (status == 429 || status >= 500) {
      out.status = SendStatus::kTransient;
    } else {
      out.status = SendStatus::kPermanent;
    }
  } catch (const Poco::Exception& e) {
    out.status = SendStatus::kTransient;
    out.detail = Where() + ": cannot reach: " + e.displayText();
  }
  return out;
}

}  // namespace kehrbote
