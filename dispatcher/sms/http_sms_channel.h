// HttpSmsChannel: SMS through a commercial REST gateway, described in YAML only
// (so a service partner plugs in its provider without code).
//
//   sms:
//     provider: http
//     http:
//       method: POST
//       url: "https://api.example.com/v1/sms"
//       headers: {Authorization: "Bearer {{secret}}", Content-Type: application/json}
//       body: '{"from":"{{from}}","to":"{{to}}","text":"{{text}}","callback":"{{dlr_url}}"}'
//       body_format: json          # json | form | raw: how placeholders are escaped
//       success_status: [200, 201, 202]
//       message_id_pointer: /messages/0/id   # or message_id_regex: "id=([0-9a-f]+)"
//
// Placeholders: {{to}} (E.164 with "+"), {{to_digits}} (without "+"), {{from}},
// {{text}}, {{coding}} (gsm7|ucs2), {{segments}}, {{validity_minutes}},
// {{dlr_url}} (the receipt URL with the message token), {{token}}, {{id}},
// {{secret}} (the configured secret). In the URL every value is
// percent-encoded; in the body as body_format says; in headers as is.
//
// Outcome: a success status (and, if configured, a message id found) is
// accepted; connection errors, timeouts, 429 and 5xx are transient; other
// statuses permanent with the reply kept as the reason.
// Thread-safe: each Send() opens its own connection.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/sms/kannel_channel.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct HttpSmsSettings {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string body_format = "json";  // json | form | raw
  std::vector<int> success_status{200, 201, 202};
  std::string message_id_pointer;  // RFC 6901 JSON pointer into the reply
  std::string message_id_regex;    // first capture group is the id
  std::string secret;
  std::string dlr_url;             // receipt base URL; token appended as ?token=
  int max_parts = 10;
  std::chrono::milliseconds timeout{10000};
};

class HttpSmsChannel : public MessageChannel {
 public:
  HttpSmsChannel(HttpSmsSettings settings, Clock& clock);
  SendOutcome Send(const OutgoingMessage& message) override;

 private:
  struct Request {
    std::string url, body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  struct Reply {
    int status = 0;
    std::string body;
  };
  // The placeholders' values for `m` (whose text `kt` is).
  std::vector<std::pair<std::string, std::string>> Placeholders(const OutgoingMessage& m,
                                                                const KannelText& kt) const;
  // The configured URL, body and headers with `values`; throws for an unknown placeholder.
  Request Expand(const std::vector<std::pair<std::string, std::string>>& values) const;
  // One request on a new connection; throws Poco::Exception when it cannot.
  Reply Exchange(const Request& request) const;
  // Accepted (with the gateway's message id, if configured), transient or permanent.
  void Classify(const Reply& reply, SendOutcome& out) const;
  // "SMS gateway https://host/path" for error messages, without secrets.
  std::string Where() const;
  HttpSmsSettings settings_;
  Clock& clock_;
};

// Replaces {{name}} in `tmpl` with escape(value). Unknown names are errors.
// escape: "url", "json", "form" or "raw".
std::string ExpandTemplate(const std::string& tmpl,
                           const std::vector<std::pair<std::string, std::string>>& values,
                           const std::string& escape);

// Evaluates an RFC 6901 JSON pointer on a JSON text; the value as text
// (strings unquoted), or nullopt if the text is no JSON or the pointer misses.
std::optional<std::string> JsonPointerValue(const std::string& json, const std::string& pointer);

}  // namespace kehrbote
