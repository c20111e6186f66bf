#include "dispatcher/config/dispatcher_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "dispatcher/planning/message_text.h"
#include "shared/phone/phone_number.h"
#include "shared/text/edit_distance.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;

std::vector<NotifyContact> ParseContacts(const ConfigNode& node, const std::string& key) {
  std::vector<NotifyContact> out;
  for (const std::string& s : node.StringList(key)) {
    if (s.empty()) node.Fail(key, "empty contact");
    out.push_back(ParseNotifyContact(s));
  }
  return out;
}

ReminderRule ParseRule(const ConfigNode& n) {
  ReminderRule r;
  r.name = n.RequireString("name");
  r.channel = n.Choice("channel", {"sms", "email"}, "sms") == "email" ? ContactChannel::kEmail
                                                                       : ContactChannel::kSms;
  r.lead = n.Duration("lead", std::chrono::seconds{0});
  // Kept as written: "1d" counts a calendar day, "24h" 24 hours on the clock.
  if (r.lead > std::chrono::seconds{0}) r.lead_days = LeadDaysAsWritten(n.String("lead", ""));
  r.at = n.OptionalTimeOfDay("at");
  if (auto wd = n.OptionalString("weekday")) {
    r.weekday = ParseWeekday(*wd);
    if (!r.weekday) n.Fail("weekday", "expected a weekday such as saturday, got '" + *wd + "'");
  }
  // round: 15m (default, as AkuWinOffice) or none.
  r.round_to_quarter_hour = n.Choice("round", {"15m", "none"}, "15m") == "15m";
  n.Finish();
  if (std::string err = r.Validate(); !err.empty()) n.Fail("", err);
  return r;
}

// An SMS sender as networks take it: a number in Kannel's international form
// ("+436990001234") or as digits alone, at most 15 digits; or 1-11 plain
// characters. An empty one is allowed here (the reference says what then fails).
void CheckSenderName(const ConfigNode& root, const std::string& sender) {
  if (sender.empty()) return;
  const std::string digits = sender[0] == '+' ? sender.substr(1) : sender;
  const bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (numeric) {
    if (digits.size() > 15)
      root.Fail("sender_name", "a numeric SMS sender has at most 15 digits, got " +
                                   std::to_string(digits.size()) + " in '" + sender + "'");
    return;
  }
  if (sender.size() > 11)
    root.Fail("sender_name", "an SMS sender name has at most 11 characters, got '" + sender + "'");
  // Operators accept plain letters, digits, space and .-_& in an alphanumeric
  // sender (no umlauts): refuse the rest here, not at 7 a.m.
  for (char ch : sender) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                    ch == ' ' || ch == '.' || ch == '-' || ch == '_' || ch == '&';
    if (!ok)
      root.Fail("sender_name", "an SMS sender name may use A-Z, a-z, 0-9, space and .-_& "
                               "(or be a number such as +436641234567), got '" + sender + "'");
  }
}

// The country is the default region of every national number the firm's
// office types, so it must be one the phone library knows.
void CheckCountry(const ConfigNode& root, const std::string& country) {
  if (IsPhoneRegion(country)) return;
  std::string upper = country;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string message = "expected an ISO 3166 code of a country with known phone numbers, "
                        "such as AT or DE, got '" + country + "'";
  if (upper != country && IsPhoneRegion(upper)) message += " (did you mean '" + upper + "'?)";
  root.Fail("country", message);
}

std::string UnknownTemplateMessage(const std::string& name) {
  std::string best, all;
  size_t best_distance = 4;  // near misses only
  for (const std::string& known : TemplateNames()) {
    all += (all.empty() ? "" : ", ") + known;
    if (size_t d = EditDistance(name, known); d < best_distance) {
      best_distance = d;
      best = known;
    }
  }
  std::string message = "unknown template";
  if (!best.empty()) message += " (did you mean '" + best + "'?)";
  return message + "; the templates are " + all;
}

void ParseFirmDelivery(const ConfigNode& root, FirmConfig& firm) {
  // DELIVERY: read firm-level delivery keys here (each Read marks the key known).
  firm.delivery = ParseFirmDeliveryConfig(root);
}

void ParseDelivery(const ConfigNode& root, DispatcherConfig& config) {
  // DELIVERY: read dispatcher-level delivery keys here (sms provider, smtp, price...).
  config.delivery = ParseDeliveryConfig(root, config.http_public_url);
}

}  // namespace

NotifyContact ParseNotifyContact(const std::string& text) {
  NotifyContact c;
  c.address = text;
  c.channel = text.find('@') != std::string::npos ? ContactChannel::kEmail : ContactChannel::kSms;
  return c;
}

FirmConfig ParseFirmConfig(const ConfigNode& root) {
  FirmConfig f;
  f.file = root.file();
  FirmPolicy& p = f.policy;
  p.firm_id = root.RequireString("id");
  if (p.firm_id.empty() ||
      !std::all_of(p.firm_id.begin(), p.firm_id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      }))
    root.Fail("id", "expected a firm id of a-z, 0-9 and '-', got '" + p.firm_id + "'");
  f.inbox = root.String("inbox", "");
  p.firm_name = root.String("name", "");
  p.firm_phone = root.String("phone", "");
  p.sender_name = root.String("sender_name", "");
  CheckSenderName(root, p.sender_name);
  f.timezone_set = root.Has("timezone");
  f.country_set = root.Has("country");
  p.timezone = root.String("timezone", "Europe/Vienna");
  if (!IsKnownTimeZone(p.timezone)) root.Fail("timezone", "unknown time zone '" + p.timezone + "'");
  p.country = root.String("country", "AT");
  CheckCountry(root, p.country);

  std::set<std::string> names;
  for (const ConfigNode& n : root.Children("rules")) {
    ReminderRule r = ParseRule(n);
    if (!names.insert(r.name).second) n.Fail("name", "duplicate rule name '" + r.name + "'");
    if (r.name == "change" || r.name == "cancellation" || r.name == "heartbeat" ||
        r.name == "alarm")
      n.Fail("name", "'" + r.name + "' is reserved");
    p.rules.push_back(std::move(r));
  }
  if (!root.Has("rules")) {
    // Default: one SMS the day before, as most firms do.
    ReminderRule r;
    r.name = "sms-1d";
    r.lead = std::chrono::hours{24};
    r.lead_days = std::chrono::days{1};
    p.rules.push_back(std::move(r));
  }

  {
    ConfigNode q = root.Child("quiet_hours");
    p.quiet_hours.from = q.OptionalTimeOfDay("from").value_or(std::chrono::minutes{20 * 60});
    p.quiet_hours.to = q.OptionalTimeOfDay("to").value_or(std::chrono::minutes{8 * 60});
    q.Finish();
  }
  p.date_only_time = root.OptionalTimeOfDay("date_only_time").value_or(std::chrono::minutes{10 * 60});
  {
    // A date-only reminder inside quiet hours would move to the evening before.
    const QuietHours& q = p.quiet_hours;
    const auto t = p.date_only_time;
    if (q.enabled() && (q.from > q.to ? (t > q.from || t < q.to) : (t > q.from && t < q.to)))
      root.Fail("date_only_time", "'" + FormatTimeOfDay(t) + "' lies inside the quiet hours " +
                                      q.Describe() + "; choose a daytime hour such as 10:00");
  }
  {
    ConfigNode l = root.Child("late_policy");
    p.late_policy.action = l.Choice("action", {"send", "skip"}, "send") == "skip"
                               ? LatePolicy::Action::kSkip
                               : LatePolicy::Action::kSendIfTimeRemains;
    p.late_policy.min_remaining = l.Duration("min_remaining", std::chrono::hours{2});
    p.late_policy.replaces_within = l.Duration("replaces_within", std::chrono::hours{12});
    l.Finish();
  }
  {
    ConfigNode t = root.Child("templates");
    const auto& known = TemplateNames();
    for (const std::string& name : t.Keys()) {
      // Keys() accepts any name, so Finish() would not see a misspelt one.
      if (std::find(known.begin(), known.end(), name) == known.end())
        t.Fail(name, UnknownTemplateMessage(name));
      std::string text = t.RequireString(name);
      if (std::string err = ValidateTemplateText(name, text); !err.empty()) t.Fail(name, err);
      p.templates[name] = std::move(text);
    }
    t.Finish();
  }
  {
    ConfigNode h = root.Child("heartbeat");
    f.heartbeat_time = h.OptionalTimeOfDay("time").value_or(std::chrono::minutes{7 * 60});
    f.heartbeat_contacts = ParseContacts(h, "contacts");
    h.Finish();
  }
  const std::string policy = root.Choice("channel_policy", {"both", "sms-first", "email-first"},
                                         "both");
  p.channel_policy = policy == "sms-first"     ? ChannelPolicy::kSmsFirst
                     : policy == "email-first" ? ChannelPolicy::kEmailFirst
                                               : ChannelPolicy::kBoth;
  p.sms_encoding = root.Choice("sms_encoding", {"gsm7", "ucs2"}, "gsm7") == "ucs2"
                       ? SmsEncodingPolicy::kUcs2
                       : SmsEncodingPolicy::kGsm7;
  {
    ConfigNode q = root.Child("quota");
    f.quota_sms_per_month = q.Integer("sms_per_month", 0, 0, INT64_MAX);
    f.quota_segments_per_month = q.Integer("segments_per_month", 0, 0, INT64_MAX);
    q.Finish();
  }
  ParseFirmDelivery(root, f);
  root.Finish();
  return f;
}

FirmConfig LoadFirmConfig(const std::string& path) {
  return ParseFirmConfig(ConfigNode::LoadFile(path));
}

const FirmConfig* DispatcherConfig::FindFirm(const std::string& id) const {
  for (const FirmConfig& f : firms)
    if (f.id() == id) return &f;
  return nullptr;
}

DispatcherConfig LoadDispatcherConfig(const std::string& path) {
  ConfigNode root = ConfigNode::LoadFile(path);
  DispatcherConfig c;
  c.file = path;
  {
    ConfigNode s = root.Child("store");
    c.store_url = s.RequireString("url");
    s.Finish();
  }
  if (root.Has("sftp")) {
    ConfigNode s = root.Child("sftp");
    c.sftp.host = s.RequireString("host");
    c.sftp.port = static_cast<int>(s.Integer("port", 22, 1, 65535));
    c.sftp.user = s.RequireString("user");
    c.sftp.private_key_file = s.OptionalPath("key").value_or("");
    c.sftp.passphrase = s.Secret("passphrase").value_or("");
    c.sftp.password = s.Secret("password").value_or("");
    c.sftp.known_hosts_file = s.OptionalPath("known_hosts").value_or("");
    c.sftp.host_key_fingerprint = s.String("fingerprint", "");
    if (c.sftp.known_hosts_file.empty() == c.sftp.host_key_fingerprint.empty())
      s.Fail("", "give exactly one of known_hosts or fingerprint (the drop's host key pin)");
    if (c.sftp.private_key_file.empty() && c.sftp.password.empty())
      s.Fail("", "give key (or password) for the SFTP login");
    s.Finish();
  }
  c.poll_interval = root.Duration("poll_interval", std::chrono::seconds{60});
  if (c.poll_interval < std::chrono::seconds{1}) root.Fail("poll_interval", "must be at least 1s");
  {
    ConfigNode h = root.Child("http");
    c.http_listen = h.String("listen", "127.0.0.1");
    c.http_port = static_cast<int>(h.Integer("port", 0, 0, 65535));
    c.http_public_url = h.String("public_url", "");
    h.Finish();
  }
  // Optional since the store holds the firms' settings (dispatcher/settings):
  // the files are then an import.
  c.firms_dir = root.OptionalPath("firms_dir").value_or("");
  c.operator_contacts = ParseContacts(root, "operator_contacts");
  c.operator_sender = root.String("operator_sender", "Kehrbote");
  c.operator_timezone = root.String("operator_timezone", "Europe/Vienna");
  if (!IsKnownTimeZone(c.operator_timezone))
    root.Fail("operator_timezone", "unknown time zone '" + c.operator_timezone + "'");
  {
    ConfigNode q = root.Child("operator_quiet_hours");
    c.operator_quiet_hours.from = q.OptionalTimeOfDay("from").value_or(std::chrono::minutes{20 * 60});
    c.operator_quiet_hours.to = q.OptionalTimeOfDay("to").value_or(std::chrono::minutes{8 * 60});
    q.Finish();
  }
  {
    ConfigNode h = root.Child("heartbeat");
    c.alarm_after = h.Duration("alarm_after", std::chrono::hours{26});
    h.Finish();
  }
  c.delete_processed = root.Choice("processed", {"move", "delete"}, "move") == "delete";
  c.log = ParseLogSettings(root);
  ParseDelivery(root, c);
  root.Finish();

  if (c.firms_dir.empty()) return c;
  std::error_code ec;
  if (!fs::is_directory(c.firms_dir, ec))
    root.Fail("firms_dir", "not a directory: " + c.firms_dir);
  FirmFiles firms = LoadFirmFiles(c.firms_dir, {});
  c.firms = std::move(firms.firms);
  c.firm_problems = std::move(firms.problems);
  return c;
}

namespace {

// "mtime-size" of a firm file: a change of either means read it again. Empty if
// the file cannot be examined (then it is read).
std::string FileStamp(const std::string& file) {
  std::error_code ec1, ec2;
  const auto time = fs::last_write_time(file, ec1);
  const auto size = fs::file_size(file, ec2);
  if (ec1 || ec2) return "";
  return std::to_string(time.time_since_epoch().count()) + "-" + std::to_string(size);
}

}  // namespace

std::vector<std::string> ListFirmFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw ConfigError(dir, 0, 0, "", "cannot list the firm files: " + ec.message());
  for (const auto& e : it) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

FirmFiles LoadFirmFiles(const std::string& dir, const std::vector<FirmConfig>& previous) {
  const std::vector<std::string> files = ListFirmFiles(dir);
  FirmFiles out;
  auto find = [](const std::vector<FirmConfig>& firms, auto match) -> const FirmConfig* {
    for (const FirmConfig& f : firms)
      if (match(f)) return &f;
    return nullptr;
  };
  for (const std::string& file : files) {
    const std::string stamp = FileStamp(file);
    try {
      const FirmConfig* same = find(previous, [&](const FirmConfig& f) {
        return f.file == file && !stamp.empty() && f.file_stamp == stamp;
      });
      FirmConfig firm = same ? *same : LoadFirmConfig(file);
      firm.file_stamp = stamp;
      if (const FirmConfig* other =
              find(out.firms, [&](const FirmConfig& f) { return f.id() == firm.id(); }))
        throw ConfigError(file, 0, 0, "id",
                          "firm id '" + firm.id() + "' is also used by " + other->file);
      out.firms.push_back(std::move(firm));
    } catch (const ConfigError& e) {
      // Keep the firm's last good config, unless another file took its id meanwhile.
      const FirmConfig* last = find(previous, [&](const FirmConfig& f) { return f.file == file; });
      if (last && find(out.firms, [&](const FirmConfig& f) { return f.id() == last->id(); }))
        last = nullptr;
      out.problems.push_back({last ? last->id() : "", file, e.line(), e.what()});
      if (last) out.firms.push_back(*last);
    }
  }
  std::sort(out.firms.begin(), out.firms.end(),
            [](const FirmConfig& a, const FirmConfig& b) { return a.id() < b.id(); });
  return out;
}

}  // namespace kehrbote
