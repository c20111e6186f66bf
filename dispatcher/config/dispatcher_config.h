// DispatcherConfig and FirmConfig: the dispatcher's YAML configuration.
//
// One dispatcher file (store, SFTP, HTTP, firms_dir, operator contacts,
// heartbeat alarm, what to do with processed files, delivery keys) and one YAML
// file per firm in firms_dir (*.yaml / *.yml). Parsing is strict (ConfigNode):
// unknown keys (also template names), bad values, countries the phone library
// does not know, text that is not UTF-8 and templates with unknown <<Platzhalter>>
// are errors that name file:line:col and the key.
//
// One firm never stops another: a firm file that fails is not used and is
// reported as a FirmProblem (the operator alarm names file:line); every
// other firm runs. The dispatcher file itself must be right, or nothing starts.
// LoadFirmFiles reads the firm files again: a changed file that fails keeps the
// firm's last good config, and the problem is reported with the firm's id.
// The commands that plan and send take the firms from the store instead, with
// these files as an import (dispatcher/settings/firm_settings_source.h); the
// same ParseFirmConfig validates both.
//
// Example dispatcher.yaml:
//   store: {url: "sqlite:/var/lib/kehrbote/dispatcher.db"}
//   sftp: {host: drop.example.at, port: 22, user: kehrbote, key: /etc/kehrbote/id_ed25519,
//          known_hosts: /etc/kehrbote/known_hosts}
//   poll_interval: 60s
//   http: {listen: 127.0.0.1, port: 8080, public_url: "https://kehrbote.example.at"}
//   firms_dir: firms.d
//   operator_contacts: ["+43664 1234567", "ops@example.at"]
//   operator_quiet_hours: {from: "20:00", to: "08:00"}   # alarm SMS wait; e-mail not
//   heartbeat: {alarm_after: 26h}
//   processed: move
//   log: {level: info, file: /var/log/kehrbote/dispatcher.log}   # shared/log/log_settings.h
// Example firms.d/huber.yaml:
//   id: huber
//   inbox: /drop/huber/inbox
//   sender_name: Huber RFK
//   timezone: Europe/Vienna
//   country: AT
//   rules:
//     - {name: sms-1d, channel: sms, lead: 1d}
//     - {name: mail-2d, channel: email, lead: 2d, at: "18:00"}
//     - {name: sms-sat, channel: sms, weekday: saturday, at: "20:00"}
//   quiet_hours: {from: "20:00", to: "08:00"}
//   date_only_time: "10:00"       # reminders of appointments without a time
//   late_policy: {action: send, min_remaining: 2h}     # or {action: skip}
//   templates: {sms_reminder: "Kehrtermin <<Wochentag>>, <<Datum>>, <<Zeitfenster>>. <<Kehrbetrieb>>"}
//   heartbeat: {time: "07:00", contacts: ["+43664 7654321"]}
//   channel_policy: both          # both | sms-first | email-first
//   sms_encoding: gsm7            # gsm7 | ucs2
//   quota: {sms_per_month: 1000, segments_per_month: 2000}
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/config/delivery_config.h"
#include "dispatcher/planning/firm_policy.h"
#include "shared/config/config_node.h"
#include "shared/export/export_model.h"
#include "shared/log/log_settings.h"
#include "shared/sftp/sftp_endpoint.h"

namespace kehrbote {

// A heartbeat or operator contact: a phone number or an e-mail address.
struct NotifyContact {
  ContactChannel channel = ContactChannel::kSms;
  std::string address;  // as written; normalised when used
};
// "+43 664 1234567" -> sms, "ops@example.at" -> email.
NotifyContact ParseNotifyContact(const std::string& text);

struct FirmConfig {
  std::string file;              // where it was read from, for messages
  std::string file_stamp;        // its modification time and size when read
  std::string inbox;             // remote inbox path on the SFTP drop
  FirmPolicy policy;             // id, zone, rules, quiet hours, templates...
  // Zone, country, name and phone not set in the YAML come from the export's
  // firm header (FirmPolicy's defaults until the first export).
  bool timezone_set = false, country_set = false;
  std::chrono::minutes heartbeat_time{7 * 60};
  std::vector<NotifyContact> heartbeat_contacts;  // the export header's are added at use
  int64_t quota_sms_per_month = 0;       // 0 = unlimited
  int64_t quota_segments_per_month = 0;  // 0 = unlimited
  // --- DELIVERY: firm-level delivery keys go here (parsed in ParseFirmDelivery). ---
  FirmDeliveryConfig delivery;

  const std::string& id() const { return policy.firm_id; }
};

// Which step a FirmProblem stopped: the firm file could not be used (file
// set), or a step of a pass failed for this firm alone (see DispatcherApp).
enum class FirmProblemKind { kFirmFile, kPlanning, kPull };

// A firm's trouble that the operator alarm and the firm's heartbeat report: a
// firm file that could not be used (file set), or a step of a pass that failed
// for this firm alone (file empty; see DispatcherApp).
struct FirmProblem {
  std::string firm_id;  // "" for a file that names no firm in use
  std::string file;     // the firm file, if the problem is in it
  int line = 0;         // in `file`; 0 if unknown
  std::string message;  // "firms.d/huber.yaml:3:9: key 'country': ..." (no personal data)
  FirmProblemKind kind = FirmProblemKind::kFirmFile;
  // kPull: the poller's error without the firm id, for the firm's text (the
  // message adds the drop's user@host:port for the operator).
  std::string brief{};
};

struct DispatcherConfig {
  std::string file;
  std::string store_url;
  SftpEndpoint sftp;             // host empty = no pulling (tests, local only)
  std::chrono::seconds poll_interval{60};
  std::string http_listen = "127.0.0.1";
  int http_port = 0;             // 0 = no HTTP listener
  std::string http_public_url;
  // Firm files, imported into the store (dispatcher/settings/firm_settings_source.h);
  // empty: the firms' settings are in the store alone.
  std::string firms_dir;
  std::vector<NotifyContact> operator_contacts;
  std::chrono::seconds alarm_after{std::chrono::hours{26}};
  bool delete_processed = false;  // processed: move (default) | delete
  LogSettings log;                // log.level, log.file (shared/log/log_settings.h)
  std::string operator_sender = "Kehrbote";  // SMS sender of operator alarms
  std::string operator_timezone = "Europe/Vienna";  // the operator's local day
  // Operator alarm SMS wait for the end of these (operator_timezone); e-mail not.
  QuietHours operator_quiet_hours;  // default 20:00-08:00
  // --- DELIVERY: dispatcher-level delivery keys go here (parsed in ParseDelivery). ---
  DeliveryConfig delivery;

  std::vector<FirmConfig> firms;  // sorted by id
  std::vector<FirmProblem> firm_problems;  // firm files not used (see above)

  const FirmConfig* FindFirm(const std::string& id) const;
};

// Loads the dispatcher file and every firm file (if firms_dir is set). Throws
// ConfigError for the dispatcher file and an unreadable firms_dir; a bad firm
// file lands in firm_problems instead. The commands that plan and send replace
// `firms` with the settings in the store (FirmSettingsSource).
DispatcherConfig LoadDispatcherConfig(const std::string& path);

struct FirmFiles {
  std::vector<FirmConfig> firms;  // sorted by id
  std::vector<FirmProblem> problems;
};
// The firm files of `dir` (*.yaml, *.yml), sorted. Throws ConfigError if `dir`
// cannot be listed.
std::vector<std::string> ListFirmFiles(const std::string& dir);
// Reads every firm file of `dir`. A file that fails (or repeats another file's
// firm id) is left out and reported; if `previous` holds a firm read from the
// same file, that last good config is kept in its place. A file whose
// modification time and size did not change since `previous` read it is not
// parsed again. Throws ConfigError only if `dir` cannot be listed.
FirmFiles LoadFirmFiles(const std::string& dir, const std::vector<FirmConfig>& previous);
// Parses one firm file (also used by tests). Throws ConfigError.
FirmConfig LoadFirmConfig(const std::string& path);
FirmConfig ParseFirmConfig(const ConfigNode& root);

}  // namespace kehrbote
