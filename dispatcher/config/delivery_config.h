// The delivery keys of the dispatcher YAML (section `delivery`) and of a firm
// YAML (section `delivery`). Parsed strictly like the rest (ConfigNode).
//
// Dispatcher:
//   delivery:
//     sms:
//       provider: kannel                 # kannel | http | none
//       kannel: {sendsms_url: "http://127.0.0.1:13013/cgi-bin/sendsms",
//                username: kehrbote, password_file: /etc/kehrbote/kannel.pw,
//                smsc_id: "", max_parts: 10, timeout: 10s}
//       http:                            # see dispatcher/sms/http_sms_channel.h
//         {method: POST, url: ..., headers: {...}, body: ..., body_format: json,
//          success_status: [200, 202], message_id_pointer: /id, message_id_regex: "",
//          secret_env: SMS_API_KEY, max_parts: 10, timeout: 10s}
//     smtp: {host: mail.example.at, port: 587, tls: required, ca_file: "",
//            verify_certificate: true, username: relay, password_env: SMTP_PW,
//            auth: plain, from: erinnerung@example.at, from_name: ""}
//     price_per_segment: 0.09            # for `report usage`; only delivered SMS are billed
//     currency: EUR
//     reply_key_env: KANNEL_REPLY_KEY    # shared secret in Kannel's sms-service get-url
//     instance: ""                       # claim name of this process (default: host name)
//     retry: {base: 60s, max: 1h}
//     send_window: 256                   # most requests open at once (1..512); narrower
//                                        # while the gateway fails requests (window_width.h);
//                                        # a crash leaves at most this many unsettled
//     settle_wait: 5m                    # after a crash, an SMS possibly in flight waits
//                                        # this long for its receipt before it is sent
//                                        # again (0s: at once); only with receipts
// The dlr-url is http.public_url + "/dlr".
// Firm:
//   delivery: {reply_to: ["buero@huber.at"]}   # replies are forwarded here
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "dispatcher/mail/smtp_channel.h"
#include "dispatcher/sms/http_sms_channel.h"
#include "dispatcher/sms/kannel_channel.h"
#include "shared/config/config_node.h"

namespace kehrbote {

struct DeliveryConfig {
  std::string sms_provider = "none";  // kannel | http | none
  KannelSettings kannel;
  HttpSmsSettings http_sms;
  bool smtp_configured = false;
  SmtpSettings smtp;
  double price_per_segment = 0.09;
  std::string currency = "EUR";
  std::string reply_key;
  std::string instance;
  std::chrono::seconds retry_base{60};
  std::chrono::seconds retry_max{3600};
  int send_window = 256;
  std::chrono::seconds settle_wait{300};
};

struct FirmDeliveryConfig {
  std::vector<std::string> reply_to;
};

// Reads `root.delivery` (absent: defaults, no SMS provider, no SMTP).
// `public_url` is the dispatcher's http.public_url (receipts go to <it>/dlr).
DeliveryConfig ParseDeliveryConfig(const ConfigNode& root, const std::string& public_url);
FirmDeliveryConfig ParseFirmDeliveryConfig(const ConfigNode& root);

}  // namespace kehrbote
