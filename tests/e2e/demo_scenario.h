// DemoScenario: the whole Kehrbote chain on loopback, one firm, three days of
// virtual time. Shared by the `kehrbote-demo` program (scripts/demo) and the
// end-to-end test (tests/e2e), so what the demo shows is what the test asserts.
//
// Run():
//   1. starts a throwaway OpenSSH sshd as the SFTP drop (chrooted into the
//      firm's drop when running as root), Kannel (bearerbox + smsbox + fakesmsc)
//      as the SMS gateway and aiosmtpd (STARTTLS) as the mail host, each on a
//      free loopback port (tests/support fixtures);
//   2. generates the office database with scripts/demo-data/make-office-db
//      (variant 1: the office on day one) and writes the agent's config (SQL
//      source mapping the generated `objekte`/`termine` tables), the
//      dispatcher's config and the firm's YAML;
//   3. runs `kehrbote-agent --config ... once` (real upload over SFTP) at the
//      start (local midnight of day one) and then at the agent's scheduled
//      times, 05:30 and 12:00 local each day, so the heartbeat sees fresh exports;
//   4. drives `kehrbote-dispatcher --config ... once --now T` every hour of three
//      local days (so the 25-hour day of the clock change gets 25 passes); at
//      11:30 on day two the office database is regenerated as variant 2
//      (T-MOVE moved, T-CANCEL cancelled), so the 12:00 export is the second,
//      changed snapshot;
//   5. after each pass that sent something, waits (bounded) for fakesmsc and the
//      mail host to receive it, and tags what arrived with the pass's instant;
//   6. collects `plan --firm huber --json` (planned and skipped messages with
//      reasons, as the dispatcher recorded them) and `report usage`.
// Stop() (and the destructor) stops the servers. The agent's export window is
// set so it covers the scenario's days whatever today's real date is (the agent
// uses the real clock; the dispatcher uses --now).
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <ostream>
#include <string>
#include <vector>

#include "shared/time/clock.h"

namespace kehrbote::e2e {

struct ScenarioOptions {
  std::string source_dir;      // repository root (scripts/demo-data/make-office-db)
  std::string agent;           // kehrbote-agent executable
  std::string dispatcher;      // kehrbote-dispatcher executable
  // The Friday before an October clock change: T-DST (first day + 2, 02:30) then
  // lands in the night of the change. DefaultScenarioOptions() takes this year's
  // (2026-10-23 in 2026), so the agent's window (today +- 366 days) reaches it.
  std::string first_day = "2026-10-23";
  int days = 3;                // of virtual time driven through the dispatcher
  int objects = 300;           // objects in the office database
  int second_export_day = 1;   // 0-based day of the office's change (11:30 local)
  std::ostream* progress = nullptr;  // one line per step, if set
};

// Defaults for a build tree: binaries next to where this library was built,
// first day from DstScenarioFirstDay(now).
ScenarioOptions DefaultScenarioOptions();
// The Friday two days before the last Sunday of October of `now`'s year (local).
std::string DstScenarioFirstDay(Instant now);

// The firm of the scenario (agent config, firm YAML).
struct ScenarioFirm {
  static constexpr const char* kId = "huber";
  static constexpr const char* kTimezone = "Europe/Vienna";
  static constexpr const char* kSenderName = "Huber RFK";
  // The firm's heartbeat contacts (firm YAML).
  static constexpr const char* kHeartbeatMobile = "+436649990001";
  static constexpr const char* kHeartbeatEmail = "buero@huber.example";
};

// One run of a command, for the log and for failure messages.
struct CommandRecord {
  std::string label;  // e.g. "dispatcher once --now 2026-10-23T07:00:00+02:00"
  int exit_code = -1;
  std::string output;
};

// One SMS as the handset received it: the parts fakesmsc printed, joined.
struct ReceivedSms {
  Instant virtual_at{};  // the dispatcher pass that sent it
  std::string from, to;  // as fakesmsc printed them
  std::string text;      // UTF-8
  int parts = 1;
  std::string coding;    // of the first part: "text", "ucs-2" or "udh"
};

// One e-mail as the mail host received it.
struct ReceivedEmail {
  Instant virtual_at{};
  std::string to;        // envelope recipients, comma-separated
  std::string subject;   // RFC 2047 decoded
  std::string text;      // the text/plain part, decoded
  bool has_html = false;
  std::string ics;       // the text/calendar part (the .ics), empty if none
};

// A message row as `plan --json` lists it.
struct PlannedMessage {
  std::string appointment_id;
  int appointment_version = 0;
  std::string rule, purpose, channel, contact, due_at, state, reason, last_error;
  int segments = 0;
};

// A skipped contact/message as `plan --json` lists it.
struct SkippedMessage {
  std::string appointment_id;
  int appointment_version = 0;
  std::string rule, channel, contact, kind, reason;
};

struct ScenarioResult {
  std::vector<CommandRecord> agent_runs;
  std::vector<CommandRecord> passes;  // one per `once --now`
  std::vector<ReceivedSms> sms;       // in arrival order
  std::vector<ReceivedEmail> emails;
  std::string plan_text;              // `plan --firm huber`
  std::vector<PlannedMessage> messages;
  std::vector<SkippedMessage> skipped;
  CommandRecord usage_report;         // `report usage --month ... --firm huber`
  CommandRecord usage_report_json;    // the same with --format json
  CommandRecord unreachable_report;   // `report unreachable --firm huber`
  std::vector<std::string> problems;  // anything that did not go as planned (bounded waits...)

  // Helpers for the demo and the test.
  std::vector<const ReceivedSms*> SmsTo(const std::string& number) const;
  // SMS that repeat an earlier SMS's text to the same number less than `window`
  // after it (the customer would read the same reminder twice), each with
  // the earlier one.
  std::vector<std::pair<const ReceivedSms*, const ReceivedSms*>> RepeatedTexts(
      std::chrono::seconds window) const;
  std::vector<const PlannedMessage*> MessagesFor(const std::string& appointment_id) const;
  std::vector<const SkippedMessage*> SkipsFor(const std::string& appointment_id) const;
};

class DemoScenario {
 public:
  explicit DemoScenario(ScenarioOptions options);
  ~DemoScenario();
  DemoScenario(const DemoScenario&) = delete;
  DemoScenario& operator=(const DemoScenario&) = delete;

  // Runs everything; throws std::runtime_error if a server cannot start or a
  // step that must succeed fails (with the command's output).
  const ScenarioResult& Run();
  void Stop();

  const ScenarioResult& result() const { return result_; }
  const ScenarioOptions& options() const { return options_; }
  // The instants of the dispatcher passes (hourly, local days of the scenario).
  std::vector<Instant> PassInstants() const;
  // Where the configs, database and logs of this run are (a private temp dir).
  std::string work_dir() const;
  std::string dispatcher_config() const;
  std::string agent_config() const;

 private:
  struct Servers;
  void Log(const std::string& line);
  void StartServers();
  void MakeOfficeDb(int variant);
  void WriteAgentConfig();
  void WriteDispatcherConfig();
  CommandRecord RunAgentOnce(Instant virtual_at);
  CommandRecord RunDispatcher(const std::vector<std::string>& args, const std::string& label);
  void CollectArrivals(Instant at, int sent_hint);
  void CollectPlan();
  void CollectReports();

  ScenarioOptions options_;
  std::unique_ptr<Servers> servers_;
  ScenarioResult result_;
  size_t sms_parts_seen_ = 0;
  size_t mails_seen_ = 0;
  int http_port_ = 0;
};

// "2026-10-24 09:00" in the firm's zone.
std::string LocalMinute(Instant t);
// Parses `plan --json` output into the result's lists; throws on bad JSON.
void ParsePlanJson(const std::string& json, std::vector<PlannedMessage>& messages,
                   std::vector<SkippedMessage>& skipped);
// Parses one raw RFC 5322 message (headers, MIME parts, transfer encodings).
ReceivedEmail ParseEmail(const std::string& raw);

}  // namespace kehrbote::e2e
