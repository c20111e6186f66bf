#include "tests/e2e/demo_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/QuotedPrintableDecoder.h>
#include <Poco/String.h>

#include "shared/time/zoned_time.h"
#include "tests/support/child_process.h"
#include "tests/support/kannel_server.h"
#include "tests/support/smtp_server.h"
#include "tests/support/sshd_server.h"
#include "tests/support/tcp_port.h"
#include "tests/support/temp_dir.h"

#ifndef KEHRBOTE_E2E_SOURCE_DIR
#define KEHRBOTE_E2E_SOURCE_DIR "."
#endif
#ifndef KEHRBOTE_E2E_BINARY_DIR
#define KEHRBOTE_E2E_BINARY_DIR "."
#endif

namespace kehrbote::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kZone = ScenarioFirm::kTimezone;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Tail(const std::string& s, size_t n = 4000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

LocalTime LocalDay(const std::string& date) {
  auto d = ParseLocalDate(date);
  if (!d) throw std::runtime_error("bad date '" + date + "'");
  return *d;
}

// Reads a decoded MIME part body.
std::string ReadBody(const Poco::Net::MessageHeader& h, std::istream& in) {
  std::string cte = Poco::toLower(h.get("Content-Transfer-Encoding", ""));
  std::string out;
  if (cte == "quoted-printable") {
    Poco::Net::QuotedPrintableDecoder dec(in);
    out.assign(std::istreambuf_iterator<char>(dec), {});
  } else if (cte == "base64") {
    Poco::Base64Decoder dec(in);
    out.assign(std::istreambuf_iterator<char>(dec), {});
  } else {
    out.assign(std::istreambuf_iterator<char>(in), {});
  }
  return out;
}

void WalkPart(const Poco::Net::MessageHeader& h, std::istream& in, ReceivedEmail& mail) {
  std::string type;
  Poco::Net::NameValueCollection params;
  Poco::Net::MessageHeader::splitParameters(h.get("Content-Type", "text/plain"), type, params);
  type = Poco::toLower(type);
  if (type.rfind("multipart/", 0) == 0) {
    Poco::Net::MultipartReader reader(in, params.get("boundary", ""));
    while (reader.hasNextPart()) {
      Poco::Net::MessageHeader ph;
      reader.nextPart(ph);
      WalkPart(ph, reader.stream(), mail);
    }
    return;
  }
  std::string body = ReadBody(h, in);
  const std::string disposition = h.get("Content-Disposition", "");
  if (type == "text/calendar" || disposition.find(".ics") != std::string::npos) {
    mail.ics = body;
  } else if (type == "text/html") {
    mail.has_html = true;
  } else if (type == "text/plain" && mail.text.empty()) {
    mail.text = body;
  }
}

std::string JsonString(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}
int JsonInt(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<int>(key) : 0;
}

}  // namespace

struct DemoScenario::Servers {
  test::TempDir work{"kehrbote-e2e-"};
  std::unique_ptr<test::SshdServer> sshd;
  test::KannelServer kannel;
  // STARTTLS and AUTH, as a partner's mail relay usually wants.
  test::SmtpServer smtp{test::SmtpOptions{true, "relay", "relay-pw-1"}};
  std::vector<test::FakeSmscMessage> pending_parts;  // parts of messages not yet complete
};

std::string DstScenarioFirstDay(Instant now) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(ToLocal(now, kZone)).time_since_epoch() + sys_days{}};
  const sys_days change{today.year() / October / Sunday[last]};
  return FormatLocalDate(LocalTime{(change - days(2)).time_since_epoch()});
}

ScenarioOptions DefaultScenarioOptions() {
  ScenarioOptions o;
  o.first_day = DstScenarioFirstDay(SystemClock().Now());
  o.source_dir = KEHRBOTE_E2E_SOURCE_DIR;
  o.agent = std::string(KEHRBOTE_E2E_BINARY_DIR) + "/agent/kehrbote-agent";
  o.dispatcher = std::string(KEHRBOTE_E2E_BINARY_DIR) + "/dispatcher/kehrbote-dispatcher";
  return o;
}

std::string LocalMinute(Instant t) {
  std::string s = FormatLocalDateTime(ToLocal(t, kZone)).substr(0, 16);
  s[10] = ' ';
  return s;
}

std::vector<std::pair<const ReceivedSms*, const ReceivedSms*>> ScenarioResult::RepeatedTexts(
    std::chrono::seconds window) const {
  std::vector<std::pair<const ReceivedSms*, const ReceivedSms*>> out;
  for (size_t i = 0; i < sms.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const ReceivedSms& a = sms[j];
      const ReceivedSms& b = sms[i];
      const auto gap = a.virtual_at < b.virtual_at ? b.virtual_at - a.virtual_at
                                                   : a.virtual_at - b.virtual_at;
      if (a.to == b.to && a.text == b.text && gap < window) {
        out.emplace_back(&a, &b);
        break;
      }
    }
  return out;
}

std::vector<const ReceivedSms*> ScenarioResult::SmsTo(const std::string& number) const {
  std::vector<const ReceivedSms*> out;
  const std::string digits = number.rfind('+', 0) == 0 ? number.substr(1) : number;
  for (const ReceivedSms& s : sms) {
    std::string to = s.to.rfind('+', 0) == 0 ? s.to.substr(1) : s.to;
    if (to.rfind("00", 0) == 0) to = to.substr(2);
    if (to == digits) out.push_back(&s);
  }
  return out;
}

std::vector<const PlannedMessage*> ScenarioResult::MessagesFor(const std::string& id) const {
  std::vector<const PlannedMessage*> out;
  for (const PlannedMessage& m : messages)
    if (m.appointment_id == id) out.push_back(&m);
  return out;
}

std::vector<const SkippedMessage*> ScenarioResult::SkipsFor(const std::string& id) const {
  std::vector<const SkippedMessage*> out;
  for (const SkippedMessage& s : skipped)
    if (s.appointment_id == id) out.push_back(&s);
  return out;
}

DemoScenario::DemoScenario(ScenarioOptions options) : options_(std::move(options)) {}
DemoScenario::~DemoScenario() { Stop(); }

void DemoScenario::Stop() {
  if (!servers_) return;
  if (servers_->sshd) servers_->sshd->Stop();
  servers_->kannel.Stop();
  servers_->smtp.Stop();
  servers_.reset();
}

std::string DemoScenario::work_dir() const { return servers_ ? servers_->work.path() : ""; }
std::string DemoScenario::dispatcher_config() const { return work_dir() + "/dispatcher.yaml"; }
std::string DemoScenario::agent_config() const { return work_dir() + "/agent.yaml"; }

void DemoScenario::Log(const std::string& line) {
  if (options_.progress) *options_.progress << line << std::endl;
}

std::vector<Instant> DemoScenario::PassInstants() const {
  // Every hour on the UTC line from local midnight of the first day to local
  // midnight after the last: the day of the clock change has 25 passes.
  const LocalTime first = LocalDay(options_.first_day);
  const Instant begin = ToInstant(first, kZone);
  const Instant end = ToInstant(first + std::chrono::days(options_.days), kZone);
  std::vector<Instant> out;
  for (Instant t = begin; t < end; t += 1h) out.push_back(t);
  return out;
}

void DemoScenario::StartServers() {
  servers_ = std::make_unique<Servers>();
  // A chroot needs root (sshd demands root-owned directories); otherwise the
  // drop is a plain directory of the test user.
  test::SshdOptions sshd_options;
  sshd_options.chroot = geteuid() == 0;
  servers_->sshd = std::make_unique<test::SshdServer>(sshd_options);
  Log("starting sshd (SFTP drop" + std::string(sshd_options.chroot ? ", chrooted" : "") + ")");
  servers_->sshd->Start();
  fs::create_directories(servers_->sshd->data_root() + "/inbox");
  Log("starting Kannel (bearerbox, smsbox, fakesmsc)");
  servers_->kannel.Start();
  Log("starting aiosmtpd (STARTTLS)");
  servers_->smtp.Start();
}

void DemoScenario::MakeOfficeDb(int variant) {
  const std::string db = work_dir() + "/office.db";
  test::CommandResult r = test::RunCommand(
      {"/usr/bin/python3", options_.source_dir + "/scripts/demo-data/make-office-db", "--db", db,
       "--first-day", options_.first_day, "--objects", std::to_string(options_.objects),
       "--variant", std::to_string(variant)},
      60s);
  if (r.exit_code != 0)
    throw std::runtime_error("make-office-db failed (" + std::to_string(r.exit_code) +
                             "): " + r.output);
  Log("office database: " + r.output.substr(0, r.output.find('\n')));
}

void DemoScenario::WriteAgentConfig() {
  // The agent reads "today" from the real clock: shift its window so it covers
  // the scenario's days (the same days every run, whatever today is).
  const LocalTime today =
      std::chrono::floor<std::chrono::days>(ToLocal(SystemClock().Now(), kZone));
  const int start = static_cast<int>(
      std::chrono::duration_cast<std::chrono::days>(LocalDay(options_.first_day) - today).count());
  const test::SshdServer& sshd = *servers_->sshd;
  std::ostringstream y;
  y << "firm:\n"
       "  id: " << ScenarioFirm::kId << "\n"
       "  name: Rauchfangkehrermeister Huber\n"
       "  timezone: " << kZone << "\n"
       "  country: AT\n"
       "  phone: \"07252 / 12345\"\n"
       "  heartbeat_contacts:\n"
       "    - {channel: email, address: " << ScenarioFirm::kHeartbeatEmail << "}\n"
       "window: {start_days: " << start << ", days_ahead: " << start + 6 << "}\n"
       "schedule: [\"05:30\", \"12:00\"]\n"
       "source:\n"
       "  type: sqlite\n"
       "  connection: " << Quoted(work_dir() + "/office.db") << "\n"
       "  bind_days_as: text\n"
       "  query: |\n"
       "    SELECT t.termin_id, t.art, t.datum, t.uhrzeit, t.zeit_von, t.zeit_bis, t.storniert,\n"
       "           o.nummer, o.anrede, o.titel, o.vorname, o.nachname, o.firma,\n"
       "           o.strasse, o.plz, o.ort, o.telnr1, o.telnr1_ok, o.telnr2, o.telnr2_ok,\n"
       "           o.telnr3, o.telnr3_ok, o.email, o.email_ok, o.nur_hk\n"
       "    FROM termine t JOIN objekte o ON o.nummer = t.objekt_nr\n"
       "    WHERE t.datum BETWEEN :first_day AND :last_day\n"
       "  columns:\n"
       "    id: termin_id\n"
       "    kind: art\n"
       "    kind_values: {HK: main_sweep, K: sweep, UE: inspection, SO: special}\n"
       "    date: datum\n"
       "    time: uhrzeit\n"
       "    window_from: zeit_von\n"
       "    window_to: zeit_bis\n"
       "    status: storniert\n"
       "    status_values: {\"0\": scheduled, \"1\": cancelled}\n"
       "    object_id: nummer\n"
       "    salutation: anrede\n"
       "    title: titel\n"
       "    first_name: vorname\n"
       "    last_name: nachname\n"
       "    company: firma\n"
       "    street: strasse\n"
       "    zip: plz\n"
       "    city: ort\n"
       "    phones:\n"
       "      - {number: telnr1, consent: telnr1_ok, main_sweep_only: nur_hk}\n"
       "      - {number: telnr2, consent: telnr2_ok, main_sweep_only: nur_hk}\n"
       "      - {number: telnr3, consent: telnr3_ok, main_sweep_only: nur_hk}\n"
       "    email: {address: email, consent: email_ok, main_sweep_only: nur_hk}\n"
       "upload:\n"
       "  host: " << sshd.host() << "\n"
       "  port: " << sshd.port() << "\n"
       "  user: " << sshd.user() << "\n"
       "  key_file: " << sshd.client_key_path() << "\n"
       "  known_hosts: " << sshd.known_hosts_path() << "\n"
       "  remote_dir: " << sshd.RemotePath("inbox") << "\n"
       "  connect_timeout: 5s\n"
       "  io_timeout: 20s\n"
       "  retry: {attempts: 2, initial_backoff: 1s, max_backoff: 1s}\n"
       "spool: {dir: " << work_dir() << "/agent-spool}\n"
       "status_file: " << work_dir() << "/agent-status.json\n";
  WriteText(agent_config(), y.str());
}

void DemoScenario::WriteDispatcherConfig() {
  const test::SshdServer& sshd = *servers_->sshd;
  const test::KannelServer& kannel = servers_->kannel;
  const test::SmtpServer& smtp = servers_->smtp;
  // The dlr-url points here: `once --receipt-wait` runs the listener until the
  // receipts of the SMS it sent are in.
  http_port_ = test::FreeTcpPort();
  fs::create_directories(work_dir() + "/firms.d");
  std::ostringstream d;
  d << "store: {url: " << Quoted("sqlite:" + work_dir() + "/dispatcher.db") << "}\n"
       "sftp:\n"
       "  host: " << sshd.host() << "\n"
       "  port: " << sshd.port() << "\n"
       "  user: " << sshd.user() << "\n"
       "  key: " << sshd.client_key_path() << "\n"
       "  known_hosts: " << sshd.known_hosts_path() << "\n"
       "firms_dir: " << work_dir() << "/firms.d\n"
       "operator_contacts: [\"ops@partner.example\"]\n"
       "heartbeat: {alarm_after: 26h}\n"
       "processed: move\n"
       "http: {listen: 127.0.0.1, port: " << http_port_ << ", public_url: "
    << Quoted("http://127.0.0.1:" + std::to_string(http_port_)) << "}\n"
       "delivery:\n"
       "  sms:\n"
       "    provider: kannel\n"
       "    kannel:\n"
       "      sendsms_url: " << Quoted(kannel.SendsmsUrl()) << "\n"
       "      username: " << kannel.options().username << "\n"
       "      password: " << Quoted(kannel.options().password) << "\n"
       "      max_parts: " << kannel.options().max_messages << "\n"
       "      timeout: 10s\n"
       "  smtp:\n"
       "    host: localhost\n"  // the name in the test certificate
       "    port: " << smtp.port() << "\n"
       "    tls: required\n"
       "    ca_file: " << smtp.ca_file() << "\n"
       "    username: relay\n"
       "    password: relay-pw-1\n"
       "    from: erinnerung@huber.example\n"
       "    from_name: \"Rauchfangkehrermeister Huber\"\n"
       "  price_per_segment: 0.09\n"
       "  currency: EUR\n";
  WriteText(dispatcher_config(), d.str());

  std::ostringstream f;
  f << "id: " << ScenarioFirm::kId << "\n"
       "inbox: " << sshd.RemotePath("inbox") << "\n"
       "sender_name: " << Quoted(ScenarioFirm::kSenderName) << "\n"
       "timezone: " << kZone << "\n"
       "country: AT\n"
       "rules:\n"
       "  - {name: sms-2d, channel: sms, lead: 2d}\n"
       "  - {name: sms-1d, channel: sms, lead: 1d}\n"
       "  - {name: mail-2d, channel: email, lead: 2d}\n"
       "quiet_hours: {from: \"20:00\", to: \"08:00\"}\n"
       "late_policy: {action: send, min_remaining: 2h}\n"
       "templates:\n"
       "  sms_reminder: \"Grüß Gott! Ihr Rauchfangkehrer kommt am <<Wochentag>>, <<Datum>>, "
       "<<Zeitfenster>>: <<Strasse>>. <<Kehrbetrieb>>\"\n"
       "heartbeat: {time: \"07:00\", contacts: [" << Quoted(ScenarioFirm::kHeartbeatMobile) << "]}\n"
       "channel_policy: both\n"
       "sms_encoding: gsm7\n"
       "quota: {sms_per_month: 5000, segments_per_month: 10000}\n";
  WriteText(work_dir() + "/firms.d/" + ScenarioFirm::kId + ".yaml", f.str());
}

CommandRecord DemoScenario::RunAgentOnce(Instant at) {
  Log(LocalMinute(at) + "  agent: export and upload");
  CommandRecord rec;
  rec.label = "agent once (" + LocalMinute(at) + ")";
  test::CommandResult r =
      test::RunCommand({options_.agent, "--config", agent_config(), "once"}, 120s);
  rec.exit_code = r.exit_code;
  rec.output = r.output;
  result_.agent_runs.push_back(rec);
  if (r.exit_code != 0)
    throw std::runtime_error("kehrbote-agent once failed (" + std::to_string(r.exit_code) +
                             "):\n" + Tail(r.output));
  return rec;
}

CommandRecord DemoScenario::RunDispatcher(const std::vector<std::string>& args,
                                          const std::string& label) {
  std::vector<std::string> argv{options_.dispatcher, "--config", dispatcher_config()};
  argv.insert(argv.end(), args.begin(), args.end());
  test::CommandResult r = test::RunCommand(argv, 120s);
  CommandRecord rec;
  rec.label = label;
  rec.exit_code = r.exit_code;
  rec.output = r.output;
  return rec;
}

void DemoScenario::CollectArrivals(Instant at, int sent_hint) {
  // Bounded wait for what the pass handed to Kannel and the mail host. Kannel
  // hands each part to fakesmsc; a message counts when all its parts are there.
  // `sent_hint` counts failed sends too, so the wait also ends once nothing new
  // arrived for a while.
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + (sent_hint > 0 ? 15s : 0s);
  auto last_arrival = start;
  int arrived = 0;
  for (;;) {
    const int before = arrived;
    std::vector<test::FakeSmscMessage> parts = servers_->kannel.Received();
    for (; sms_parts_seen_ < parts.size(); ++sms_parts_seen_) {
      const test::FakeSmscMessage& p = parts[sms_parts_seen_];
      if (p.part_count <= 1) {
        result_.sms.push_back({at, p.from, p.to, p.text, 1, p.coding});
        ++arrived;
        continue;
      }
      auto& pending = servers_->pending_parts;
      pending.push_back(p);
      std::vector<test::FakeSmscMessage> same;
      for (const auto& q : pending)
        if (q.to == p.to && q.reference == p.reference && q.part_count == p.part_count)
          same.push_back(q);
      if (static_cast<int>(same.size()) < p.part_count) continue;
      std::sort(same.begin(), same.end(),
                [](const auto& a, const auto& b) { return a.part_number < b.part_number; });
      ReceivedSms sms{at, p.from, p.to, "", p.part_count, same.front().coding};
      for (const auto& q : same) sms.text += q.text;
      result_.sms.push_back(sms);
      ++arrived;
      std::erase_if(pending, [&](const auto& q) {
        return q.to == p.to && q.reference == p.reference && q.part_count == p.part_count;
      });
    }
    std::vector<test::ReceivedMail> mails = servers_->smtp.Received();
    for (; mails_seen_ < mails.size(); ++mails_seen_) {
      ReceivedEmail e = ParseEmail(mails[mails_seen_].data);
      e.virtual_at = at;
      std::string to;
      for (const std::string& r : mails[mails_seen_].rcpt_to) to += (to.empty() ? "" : ",") + r;
      e.to = to;
      result_.emails.push_back(std::move(e));
      ++arrived;
    }
    const auto now = std::chrono::steady_clock::now();
    if (arrived > before) last_arrival = now;
    if (arrived >= sent_hint || now >= deadline || now - last_arrival > 2s) break;
    // aiosmtpd is another process that tells only through its files: bounded polling.
    std::this_thread::sleep_for(50ms);
  }
  if (arrived < sent_hint)
    result_.problems.push_back("pass at " + FormatRfc3339(at, kZone) + ": " +
                               std::to_string(sent_hint) + " message(s) sent, only " +
                               std::to_string(arrived) + " arrived");
}

void DemoScenario::CollectPlan() {
  const std::string firm = ScenarioFirm::kId;
  CommandRecord text = RunDispatcher({"plan", "--firm", firm}, "plan --firm " + firm);
  result_.plan_text = text.output;
  CommandRecord json =
      RunDispatcher({"plan", "--firm", firm, "--json"}, "plan --firm " + firm + " --json");
  if (json.exit_code != 0)
    throw std::runtime_error("kehrbote-dispatcher plan failed:\n" + Tail(json.output));
  // Warnings on stderr come before the JSON; the JSON is the part from the first '{'.
  const size_t brace = json.output.find('{');
  if (brace == std::string::npos)
    throw std::runtime_error("kehrbote-dispatcher plan --json printed no JSON:\n" +
                             Tail(json.output));
  ParsePlanJson(json.output.substr(brace), result_.messages, result_.skipped);
}

void DemoScenario::CollectReports() {
  const std::string month = options_.first_day.substr(0, 7);
  const std::string firm = ScenarioFirm::kId;
  result_.usage_report = RunDispatcher({"report", "usage", "--month", month, "--firm", firm},
                                       "report usage --month " + month + " --firm " + firm);
  result_.usage_report_json =
      RunDispatcher({"report", "usage", "--month", month, "--firm", firm, "--format", "json"},
                    "report usage --month " + month + " --firm " + firm + " --format json");
  result_.unreachable_report = RunDispatcher({"report", "unreachable", "--firm", firm},
                                             "report unreachable --firm " + firm);
}

const ScenarioResult& DemoScenario::Run() {
  result_ = {};
  sms_parts_seen_ = mails_seen_ = 0;
  StartServers();
  MakeOfficeDb(1);
  WriteAgentConfig();
  WriteDispatcherConfig();
  RunAgentOnce(ToInstant(LocalDay(options_.first_day), kZone));  // installed at midnight

  // The agent's schedule (05:30 and 12:00 local, as in its config) on every day
  // of the scenario; the office changes the database on day two at 11:30, so the
  // 12:00 export of day two is the second, different snapshot.
  const LocalTime first = LocalDay(options_.first_day);
  std::vector<Instant> agent_runs;
  for (int d = 0; d < options_.days; ++d)
    for (std::chrono::minutes at : {std::chrono::minutes(5 * 60 + 30), std::chrono::minutes(12 * 60)})
      agent_runs.push_back(ToInstant(first + std::chrono::days(d) + at, kZone));
  const Instant change_at =
      ToInstant(first + std::chrono::days(options_.second_export_day) + 11h + 30min, kZone);
  bool changed = false;
  size_t next_agent = 0;
  for (Instant t : PassInstants()) {
    for (; next_agent < agent_runs.size() && agent_runs[next_agent] <= t; ++next_agent) {
      if (!changed && agent_runs[next_agent] >= change_at) {
        Log(LocalMinute(change_at) + "  office changes the database: T-MOVE moved, T-CANCEL cancelled");
        MakeOfficeDb(2);
        changed = true;
      }
      RunAgentOnce(agent_runs[next_agent]);
    }
    const std::string now = FormatRfc3339(t, kZone);
    CommandRecord rec = RunDispatcher({"once", "--now", now, "--receipt-wait", "10"},
                                      "dispatcher once --now " + now);
    if (rec.exit_code != 0)
      throw std::runtime_error("kehrbote-dispatcher once --now " + now + " failed (" +
                               std::to_string(rec.exit_code) + "):\n" + Tail(rec.output));
    // "delivery: N message(s) claimed: ..." (failed sends count too).
    int sent = 0;
    if (size_t p = rec.output.find("\ndelivery: "); p != std::string::npos)
      sent = std::atoi(rec.output.c_str() + p + 11);
    result_.passes.push_back(rec);
    CollectArrivals(t, sent);
    if (sent > 0) Log(LocalMinute(t) + "  dispatcher pass: " + std::to_string(sent) + " sent");
  }
  CollectArrivals(PassInstants().back(), 0);
  CollectPlan();
  std::map<std::string, int> failures;
  for (const PlannedMessage& m : result_.messages)
    if (m.state == "failed" || m.state == "expired" || m.state == "held")
      ++failures[m.state + " " + m.channel + ": " + m.last_error];
  for (const auto& [what, n] : failures)
    result_.problems.push_back(std::to_string(n) + " message(s) " + what);
  CollectReports();
  return result_;
}

void ParsePlanJson(const std::string& json, std::vector<PlannedMessage>& messages,
                   std::vector<SkippedMessage>& skipped) {
  Poco::JSON::Parser parser;
  Poco::JSON::Object::Ptr root = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
  if (Poco::JSON::Array::Ptr ms = root->getArray("messages")) {
    for (size_t i = 0; i < ms->size(); ++i) {
      Poco::JSON::Object::Ptr o = ms->getObject(static_cast<unsigned>(i));
      PlannedMessage m;
      m.appointment_id = JsonString(o, "appointment_id");
      m.appointment_version = JsonInt(o, "appointment_version");
      m.rule = JsonString(o, "rule");
      m.purpose = JsonString(o, "purpose");
      m.channel = JsonString(o, "channel");
      m.contact = JsonString(o, "contact");
      m.due_at = JsonString(o, "due_at");
      m.state = JsonString(o, "state");
      m.reason = JsonString(o, "reason");
      m.last_error = JsonString(o, "last_error");
      m.segments = JsonInt(o, "segments");
      messages.push_back(std::move(m));
    }
  }
  if (Poco::JSON::Array::Ptr ss = root->getArray("skipped")) {
    for (size_t i = 0; i < ss->size(); ++i) {
      Poco::JSON::Object::Ptr o = ss->getObject(static_cast<unsigned>(i));
      SkippedMessage s;
      s.appointment_id = JsonString(o, "appointment_id");
      s.appointment_version = JsonInt(o, "appointment_version");
      s.rule = JsonString(o, "rule");
      s.channel = JsonString(o, "channel");
      s.contact = JsonString(o, "contact");
      s.kind = JsonString(o, "kind");
      s.reason = JsonString(o, "reason");
      skipped.push_back(std::move(s));
    }
  }
}

// The Subject as a mail reader shows it. Poco's MessageHeader::read decodes the
// encoded-words itself but keeps the white space of the fold between two of them
// (RFC 2047 6.2: not part of the text), so a long subject showed a double space
// ("Montag,  26. Oktober"). Read the raw header line instead: unfold, drop the
// white space between adjacent encoded-words, then decode.
std::string DecodedSubject(const std::string& raw) {
  std::istringstream in(raw);
  std::string line, value;
  bool in_subject = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;  // end of the header
    if (in_subject && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    in_subject = Poco::icompare(line.substr(0, 8), "subject:") == 0;
    if (in_subject) value = line.substr(8);
  }
  static const std::regex kBetweenWords(R"(\?=[ \t]+=\?)");
  const std::string joined = std::regex_replace(value, kBetweenWords, "?==?");
  return Poco::trim(Poco::Net::MessageHeader::decodeWord(joined));
}

ReceivedEmail ParseEmail(const std::string& raw) {
  ReceivedEmail mail;
  std::istringstream in(raw);
  Poco::Net::MessageHeader header;
  header.read(in);
  mail.subject = DecodedSubject(raw);
  WalkPart(header, in, mail);
  return mail;
}

}  // namespace kehrbote::e2e
