#include "dispatcher/config/delivery_config.h"

namespace kehrbote {
namespace {

std::chrono::milliseconds Ms(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s);
}

}  // namespace

DeliveryConfig ParseDeliveryConfig(const ConfigNode& root, const std::string& public_url) {
  DeliveryConfig c;
  ConfigNode d = root.Child("delivery");
  std::string dlr_url;
  if (!public_url.empty()) {
    dlr_url = public_url;
    while (!dlr_url.empty() && dlr_url.back() == '/') dlr_url.pop_back();
    dlr_url += "/dlr";
  }
  {
    ConfigNode sms = d.Child("sms");
    c.sms_provider = sms.Choice("provider", {"kannel", "http", "none"}, "none");
    {
      ConfigNode k = sms.Child("kannel");
      c.kannel.sendsms_url = k.String("sendsms_url", "");
      c.kannel.username = k.String("username", "");
      c.kannel.password = k.Secret("password").value_or("");
      c.kannel.smsc_id = k.String("smsc_id", "");
      c.kannel.max_parts = static_cast<int>(k.Integer("max_parts", 10, 1, 255));
      c.kannel.timeout = Ms(k.Duration("timeout", std::chrono::seconds(10)));
      c.kannel.dlr_url = dlr_url;
      if (c.sms_provider == "kannel" && c.kannel.sendsms_url.empty())
        k.Fail("sendsms_url", "required for provider kannel");
      k.Finish();
    }
    {
      ConfigNode h = sms.Child("http");
      HttpSmsSettings& s = c.http_sms;
      s.method = h.Choice("method", {"POST", "GET", "PUT"}, "POST");
      s.url = h.String("url", "");
      for (const std::string& key : h.Child("headers").Keys()) {
        ConfigNode hs = h.Child("headers");
        s.headers.emplace_back(key, hs.RequireString(key));
      }
      s.body = h.String("body", "");
      s.body_format = h.Choice("body_format", {"json", "form", "raw"}, "json");
      if (h.Has("success_status")) {
        s.success_status.clear();
        for (const std::string& v : h.StringList("success_status")) {
          try {
            s.success_status.push_back(std::stoi(v));
          } catch (...) {
            h.Fail("success_status", "expected HTTP status numbers, got '" + v + "'");
          }
        }
      }
      s.message_id_pointer = h.String("message_id_pointer", "");
      s.message_id_regex = h.String("message_id_regex", "");
      s.secret = h.Secret("secret").value_or("");
      s.max_parts = static_cast<int>(h.Integer("max_parts", 10, 1, 255));
      s.timeout = Ms(h.Duration("timeout", std::chrono::seconds(10)));
      s.dlr_url = dlr_url;
      if (c.sms_provider == "http" && s.url.empty()) h.Fail("url", "required for provider http");
      // Templates are checked now, not at the first send.
      std::vector<std::pair<std::string, std::string>> probe;
      for (const char* n : {"to", "to_digits", "from", "text", "coding", "segments",
                            "validity_minutes", "dlr_url", "token", "id", "secret"})
        probe.emplace_back(n, "x");
      try {
        ExpandTemplate(s.url, probe, "url");
        ExpandTemplate(s.body, probe, "raw");
      } catch (const std::exception& e) {
        h.Fail("", e.what());
      }
      h.Finish();
    }
    sms.Finish();
  }
  if (d.Has("smtp")) {
    ConfigNode m = d.Child("smtp");
    c.smtp_configured = true;
    c.smtp.host = m.RequireString("host");
    c.smtp.port = static_cast<int>(m.Integer("port", 587, 1, 65535));
    c.smtp.tls = m.Choice("tls", {"required", "none"}, "required") == "none" ? SmtpTls::kNone
                                                                           : SmtpTls::kRequired;
    c.smtp.ca_file = m.OptionalPath("ca_file").value_or("");
    c.smtp.verify_certificate = m.Bool("verify_certificate", true);
    c.smtp.username = m.String("username", "");
    c.smtp.password = m.Secret("password").value_or("");
    c.smtp.auth = m.Choice("auth", {"plain", "login"}, "plain");
    c.smtp.from_address = m.RequireString("from");
    c.smtp.from_name = m.String("from_name", "");
    c.smtp.timeout = Ms(m.Duration("timeout", std::chrono::seconds(30)));
    m.Finish();
  }
  c.price_per_segment = d.Number("price_per_segment", 0.09);
  if (c.price_per_segment < 0) d.Fail("price_per_segment", "must not be negative");
  c.currency = d.String("currency", "EUR");
  c.reply_key = d.Secret("reply_key").value_or("");
  c.instance = d.String("instance", "");
  c.send_window = static_cast<int>(d.Integer("send_window", 256, 1, 512));
  c.settle_wait = d.Duration("settle_wait", std::chrono::minutes(5));
  if (c.settle_wait < std::chrono::seconds(0)) d.Fail("settle_wait", "must not be negative");
  {
    ConfigNode r = d.Child("retry");
    c.retry_base = r.Duration("base", std::chrono::seconds(60));
    c.retry_max = r.Duration("max", std::chrono::hours(1));
    if (c.retry_base < std::chrono::seconds(1)) r.Fail("base", "must be at least 1s");
    r.Finish();
  }
  d.Finish();
  return c;
}

FirmDeliveryConfig ParseFirmDeliveryConfig(const ConfigNode& root) {
  FirmDeliveryConfig f;
  ConfigNode d = root.Child("delivery");
  f.reply_to = d.StringList("reply_to");
  for (const auto& a : f.reply_to)
    if (a.find('@') == std::string::npos) d.Fail("reply_to", "not an e-mail address: '" + a + "'");
  d.Finish();
  return f;
}

}  // namespace kehrbote
