#include "dispatcher/app/commands.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <memory>
#include <optional>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/app/service_loop.h"
#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/delivery/delivery_runtime.h"
#include "dispatcher/ingest/inbox_poller.h"
#include "dispatcher/message/message_sql.h"
#include "dispatcher/metrics/dispatcher_metrics.h"
#include "dispatcher/planning/contact_selection.h"
#include "dispatcher/report/unreachable_report.h"
#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/settings/firm_settings_source.h"
#include "dispatcher/store/database.h"
#include "shared/env/env.h"
#include "shared/log/logger.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

// The dispatcher's own local files (the pull's work folder) live next to its
// store, where the installer's unit may write: the SQLite file's directory, or
// for PostgreSQL the platform's data directory for the dispatcher
// (/var/lib/kehrbote/dispatcher on Linux).
std::string LocalDataDirectory(const std::string& store_url) {
  const std::string kSqlite = "sqlite:";
  if (store_url.rfind(kSqlite, 0) != 0) return JoinPath(Env::Default().DataDirectory(), "dispatcher");
  const std::string file = store_url.substr(kSqlite.size());
  const size_t slash = file.find_last_of("/\\");
  if (slash == std::string::npos) return ".";
  return slash == 0 ? file.substr(0, 1) : file.substr(0, slash);
}

// Everything a command needs: config, store, app, and the inbox puller.
// The firms come from the store (FirmSettingsSource imports changed firm files
// first). The config's `log` section takes effect first. Throws ConfigError /
// DatabaseError / EnvError with their context.
struct Context {
  DispatcherConfig config;
  DispatcherMetrics metrics;  // GET /metrics; outlives the delivery's HTTP threads
  std::unique_ptr<Database> db;
  std::unique_ptr<DispatcherApp> app;
  std::unique_ptr<FirmSettingsSource> settings;
  std::unique_ptr<InboxPoller> poller;
  std::unique_ptr<DeliveryRuntime> delivery;
  const Clock& clock;
  Log log{"dispatcher"};

  Context(const std::string& config_path, const Clock& pass_clock, bool passes = true)
      : config(LoadConfigAndLog(config_path)),
        db(Database::Open(config.store_url)),
        clock(pass_clock) {
    MigrateDispatcherStore(*db);
    app = std::make_unique<DispatcherApp>(config, *db);
    settings = std::make_unique<FirmSettingsSource>(*db, config.firms_dir);
    FirmFiles firms = settings->Load({}, clock.Now());
    config.firms = std::move(firms.firms);
    config.firm_problems = std::move(firms.problems);
    if (!passes) return;  // listing only
    WirePuller();
    WireDelivery();
  }

  static DispatcherConfig LoadConfigAndLog(const std::string& config_path) {
    DispatcherConfig c = LoadDispatcherConfig(config_path);
    ApplyLogSettings(c.log);
    return c;
  }

  // Pulls the firms' SFTP inboxes (InboxPoller); no sftp section = no pull
  // (the store is filled by other means, e.g. tests).
  void WirePuller() {
    if (config.sftp.host.empty()) return;
    InboxPollerOptions options;
    options.processed = config.delete_processed ? ProcessedAction::kDelete : ProcessedAction::kMove;
    options.work_dir = JoinPath(LocalDataDirectory(config.store_url), "ingest");
    poller = std::make_unique<InboxPoller>(*db, clock, config.sftp, options);
    app->set_puller([this](Instant, const DispatcherApp::FirmDone& done) {
      // The firms of this pass: `run` may have read changed firm files.
      std::vector<FirmInbox> inboxes;
      for (const FirmConfig& f : config.firms)
        if (!f.inbox.empty()) inboxes.push_back({f.id(), f.inbox});
      PollPassResult pass = poller->PollOnce(
          inboxes, [&](const std::string& firm_id, const std::vector<std::string>&) { done(firm_id); });
      metrics.RecordIngest(pass.ingest_seconds);
      const Log pull("pull");
      if (!pass.connection_error.empty())
        pull.Error(config.sftp.Describe() + ": " + pass.connection_error);
      std::vector<IngestResult> out;
      for (FirmPollResult& f : pass.firms) {
        for (const std::string& e : f.errors) {
          pull.ForFirm(f.firm_id).Error(e);
          ReportPullError(f.firm_id, e);
        }
        for (IngestResult& r : f.files) out.push_back(std::move(r));
      }
      return out;
    });
  }

  // A firm's inbox that could not be read goes to the operator alarm and the
  // firm's heartbeat, not only to the log: one firm never stops another, and
  // none fails unseen. The poller prefixes most errors with the
  // firm's id; the connect error names neither firm nor drop.
  void ReportPullError(const std::string& firm_id, const std::string& error) {
    std::string brief = error;
    if (brief.rfind(firm_id + ": ", 0) == 0) brief.erase(0, firm_id.size() + 2);
    app->ReportProblem({firm_id, "", 0,
                        firm_id + ": pull from " + config.sftp.Describe() + " failed: " + brief,
                        FirmProblemKind::kPull, brief});
  }

  // The Outbox with its channels (DeliveryRuntime) is the app's sender.
  void WireDelivery() {
    delivery = std::make_unique<DeliveryRuntime>(config, *db, clock, Logger::Default(), &metrics);
    app->set_sender([this](Instant now) { return delivery->SendDue(now); });
  }

  // A pass's durations, for /metrics.
  void RecordPass(const PassResult& r) { metrics.RecordPass(r.seconds.Parts()); }

  // Reads the firms' settings again (before each pass of `run`): a changed
  // firm file is imported, and a new version in the store (the portal, another
  // dispatcher's import) takes effect at once; a bad file keeps the firm's
  // current version and is reported (the log here, the operator alarm and the
  // firm's heartbeat in the pass). Returns true if any firm or problem changed.
  bool ReloadFirms() {
    FirmFiles read;
    try {
      read = settings->Load(config.firms, clock.Now());
    } catch (const std::exception& e) {
      log.Error(std::string("firm settings: ") + e.what() + " (the firms read before stay in use)");
      return false;
    }
    auto stamps = [](const std::vector<FirmConfig>& firms) {
      std::vector<std::string> out;
      for (const FirmConfig& f : firms) out.push_back(f.id() + " " + f.file + " " + f.file_stamp);
      return out;
    };
    auto messages = [](const std::vector<FirmProblem>& problems) {
      std::vector<std::string> out;
      for (const FirmProblem& p : problems) out.push_back(p.message);
      return out;
    };
    if (stamps(read.firms) == stamps(config.firms) &&
        messages(read.problems) == messages(config.firm_problems))
      return false;
    const std::vector<std::string> before = messages(config.firm_problems);
    for (const FirmProblem& p : read.problems)
      if (std::find(before.begin(), before.end(), p.message) == before.end())
        log.ForFirm(p.firm_id).Error(
            "firm settings not used: " + p.message +
            (p.firm_id.empty() ? "" : " (firm " + p.firm_id + " keeps its last good config)"));
    log.Info("firm settings read again: " + std::to_string(read.firms.size()) + " firm(s), " +
             std::to_string(read.problems.size()) + " with errors");
    auto replace = [&] {
      config.firms = std::move(read.firms);
      config.firm_problems = std::move(read.problems);
    };
    if (delivery) {
      delivery->ReplaceFirms(replace);
    } else {
      replace();
    }
    return true;
  }
};

// Firm files that could not be used, for the log at start.
void LogFirmProblems(const DispatcherConfig& config) {
  const Log log("dispatcher");
  for (const FirmProblem& p : config.firm_problems)
    log.ForFirm(p.firm_id).Error("firm settings not used: " + p.message);
}

void PrintSummary(const PassResult& r, std::ostream& out) {
  int applied = 0, rejected = 0;
  for (const IngestResult& i : r.ingested) {
    if (i.outcome == IngestOutcome::kApplied) ++applied;
    if (i.outcome == IngestOutcome::kRejected) ++rejected;
  }
  out << "exports: " << r.ingested.size() << " file(s), " << applied << " applied, " << rejected
      << " refused\n"
      << "planning: " << r.plan.appointments << " appointment(s) of " << r.plan.firms
      << " firm(s); " << r.plan.planned << " message(s) planned, " << r.plan.cancelled
      << " cancelled, " << r.plan.skipped << " skipped\n"
      << "heartbeat: " << r.heartbeat.heartbeats << " firm message(s) (" << r.heartbeat.firm_alarms
      << " alarm(s)), " << r.heartbeat.operator_alarms << " operator alarm(s)\n"
      << "delivery: " << r.delivery.claimed << " message(s) claimed: " << r.delivery.accepted
      << " accepted, " << r.delivery.retried << " to retry, " << r.delivery.failed << " failed, "
      << r.delivery.expired << " expired, " << r.delivery.suppressed << " suppressed, "
      << r.delivery.held << " held, " << r.delivery.rerouted << " as e-mail\n";
  // Each distinct reason once, with the number of messages it stopped: the
  // operator sees at once that Kannel or the mail host is down, and which.
  for (const auto& [reason, n] : r.delivery.failure_reasons)
    out << "  not sent (" << n << "): " << reason << "\n";
  if (!r.failures.empty())
    out << "firms failed: " << r.failures.size() << " (the other firms were served)\n";
}

}  // namespace

namespace {

// SMS handed to the gateway whose delivery receipt has not arrived yet.
int64_t SmsAwaitingReceipt(Database& db) {
  return QueryInt(*db.Connect(), "SELECT COUNT(*) FROM messages WHERE state = " +
                                     SqlLiteral(MessageState::kAccepted) +
                                     " AND channel = " + SqlLiteral(ContactChannel::kSms))
      .value_or(0);
}

}  // namespace

int RunOnceCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err) {
  std::optional<Instant> at;
  int receipt_wait = 0;  // seconds
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--receipt-wait" && i + 1 < args.size()) {
      const std::string& v = args[++i];
      if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos) {
        err << "kehrbote-dispatcher once: --receipt-wait expects seconds (0-999), got '" << v << "'\n";
        return 2;
      }
      receipt_wait = std::stoi(v);
      continue;
    }
    if (args[i] == "--now" && i + 1 < args.size()) {
      at = ParseRfc3339(args[++i]);
      if (!at) {
        err << "kehrbote-dispatcher once: --now expects RFC 3339 such as "
               "2026-11-23T06:00:00+01:00, got '"
            << args[i] << "'\n";
        return 2;
      }
    } else {
      err << "kehrbote-dispatcher once: unknown argument '" << args[i] << "'\n";
      return 2;
    }
  }
  SystemClock system_clock;
  ManualClock manual_clock(at.value_or(Instant{}));
  const Clock& clock = at ? static_cast<const Clock&>(manual_clock) : system_clock;
  try {
    Context ctx(config_path, clock);
    LogFirmProblems(ctx.config);
    // With --receipt-wait the HTTP listener runs during the pass, and afterwards
    // until the SMS sent have their delivery receipts (or the time is up).
    if (receipt_wait > 0 && ctx.delivery) ctx.delivery->StartHttp();
    const Instant now = clock.Now();
    PassResult r = ctx.app->RunPass(now, /*full=*/true);
    ctx.RecordPass(r);
    if (receipt_wait > 0 && ctx.delivery && r.delivery.accepted > 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(receipt_wait);
      while (SmsAwaitingReceipt(*ctx.db) > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    out << "pass at " << FormatRfc3339Utc(now) << "\n";
    PrintSummary(r, out);
    for (const IngestResult& i : r.ingested)
      if (i.outcome == IngestOutcome::kRejected)
        Log("ingest").ForFirm(i.firm_id).Error("refused " + i.firm_id + "/" + i.file_name + ": " +
                                               i.reason);
    for (const FirmProblem& f : r.failures) Log("dispatcher").ForFirm(f.firm_id).Error(f.message);
    return 0;
  } catch (const Poco::Exception& e) {
    // what() of a Poco exception is its class name alone ("Net Exception").
    err << "kehrbote-dispatcher once: " << e.displayText() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher once: " << e.what() << "\n";
    return 1;
  }
}

int RunPlanCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::ostream& out, std::ostream& err) {
  std::string firm_id;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--firm" && i + 1 < args.size()) {
      firm_id = args[++i];
    } else if (args[i] == "--json") {
      json = true;
    } else {
      err << "kehrbote-dispatcher plan: unknown argument '" << args[i] << "'\n";
      return 2;
    }
  }
  if (firm_id.empty()) {
    err << "kehrbote-dispatcher plan: --firm ID is required\n";
    return 2;
  }
  try {
    SystemClock clock;
    Context ctx(config_path, clock, /*passes=*/false);
    const FirmConfig* firm = ctx.config.FindFirm(firm_id);
    if (!firm) {
      err << "kehrbote-dispatcher plan: no firm '" << firm_id << "' in the store (firms list)\n";
      return 1;
    }
    const std::string zone = ctx.app->EffectivePolicy(*firm).timezone;
    std::vector<StoredMessage> messages = ctx.app->plan_store().ListMessages(firm_id);
    std::vector<SkipRow> skips = ctx.app->plan_store().ListSkips(firm_id);
    // Appointments that get no reminder at all (started, no contact, every
    // contact skipped): the office's list of data to fix.
    std::vector<UnreachableAppointment> unreachable = QueryUnreachable(*ctx.db, firm_id, zone);
    if (json) {
      Poco::JSON::Object root;
      root.set("firm", firm_id);
      root.set("timezone", zone);
      Poco::JSON::Array ms;
      for (const StoredMessage& m : messages) {
        Poco::JSON::Object o;
        o.set("id", m.id);
        o.set("appointment_id", m.appointment_id);
        o.set("appointment_version", m.appointment_version);
        o.set("rule", m.rule_id);
        o.set("purpose", std::string(ToString(m.purpose)));
        o.set("channel", std::string(ToString(m.channel)));
        o.set("contact", MaskContact(m.channel, m.contact_key));
        o.set("due_at", FormatRfc3339(m.due, zone));
        o.set("deadline_at", FormatRfc3339(m.deadline, zone));
        o.set("state", std::string(ToString(m.state)));
        o.set("segments", m.segments);
        o.set("reason", m.reason);
        if (!m.last_error.empty()) o.set("last_error", m.last_error);
        ms.add(o);
      }
      root.set("messages", ms);
      Poco::JSON::Array ss;
      for (const SkipRow& s : skips) {
        Poco::JSON::Object o;
        o.set("appointment_id", s.appointment_id);
        o.set("appointment_version", s.appointment_version);
        o.set("rule", s.rule_id);
        o.set("channel", s.channel);
        o.set("contact", s.contact);
        o.set("kind", s.kind);
        o.set("reason", s.reason);
        o.set("at", FormatRfc3339(s.created_at, zone));
        ss.add(o);
      }
      root.set("skipped", ss);
      Poco::JSON::Array us;
      for (const UnreachableAppointment& u : unreachable) {
        Poco::JSON::Object o;
        o.set("appointment_id", u.appointment_id);
        o.set("appointment_version", u.version);
        o.set("start", FormatRfc3339(u.start, zone));
        o.set("object", u.object);
        o.set("customer", u.customer);
        o.set("reason", u.reason);
        if (!u.detail.empty()) o.set("detail", u.detail);
        us.add(o);
      }
      root.set("unreachable", us);
      Poco::JSON::Stringifier::stringify(root, out, 2);
      out << "\n";
      return 0;
    }
    out << "Firm " << firm_id << " (" << zone << "): " << messages.size() << " message(s), "
        << skips.size() << " skipped\n";
    for (const StoredMessage& m : messages) {
      std::string due = FormatLocalDateTime(ToLocal(m.due, zone)).substr(0, 16);
      due[10] = ' ';
      out << due << "  " << std::left << std::setw(10) << ToString(m.state) << std::setw(6)
          << ToString(m.channel) << std::setw(18) << MaskContact(m.channel, m.contact_key)
          << std::setw(14) << m.rule_id << m.appointment_id << " v" << m.appointment_version << "  "
          << m.reason;
      // Why it was cancelled (superseded, withdrawn) or failed.
      if (!m.last_error.empty()) out << " [" << m.last_error << "]";
      out << "\n";
    }
    for (const SkipRow& s : skips) {
      out << "skipped           " << std::left << std::setw(6) << s.channel << std::setw(18)
          << s.contact << std::setw(14) << s.rule_id << s.appointment_id << " v"
          << s.appointment_version << "  " << s.kind << ": " << s.reason << "\n";
    }
    for (const UnreachableAppointment& u : unreachable) {
      out << "no reminder       " << std::left << std::setw(24) << u.reason << u.appointment_id
          << " v" << u.version << "  " << u.object << "  " << u.customer;
      if (!u.detail.empty()) out << "  (" << u.detail << ")";
      out << "\n";
    }
    return 0;
  } catch (const Poco::Exception& e) {
    // what() of a Poco exception is its class name alone ("Net Exception").
    err << "kehrbote-dispatcher plan: " << e.displayText() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher plan: " << e.what() << "\n";
    return 1;
  }
}

int RunServiceCommand(const std::string& config_path, const std::vector<std::string>& args,
                      std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "kehrbote-dispatcher run: unknown argument '" << args[0] << "'\n";
    return 2;
  }
  try {
    SystemClock clock;
    Context ctx(config_path, clock);
    // DELIVERY: start the HTTP listener (delivery receipts, replies) here.
    ctx.delivery->StartHttp();
    out << "kehrbote-dispatcher: running with " << ctx.config.firms.size() << " firm(s), store "
        << ctx.db->description() << "\n"
        << std::flush;
    LogFirmProblems(ctx.config);
    ServiceLoop loop(*ctx.app, clock);
    loop.set_before_pass([&] { return ctx.ReloadFirms(); });
    loop.set_after_pass([&](const PassResult& r) { ctx.RecordPass(r); });
    const int status = loop.Run(/*handle_signals=*/true);
    out << "kehrbote-dispatcher: stopped after " << loop.passes() << " pass(es)\n";
    return status;
  } catch (const Poco::Exception& e) {
    // what() of a Poco exception is its class name alone ("Net Exception").
    Log("dispatcher").Error("run: " + e.displayText());
    return 1;
  } catch (const std::exception& e) {
    Log("dispatcher").Error(std::string("run: ") + e.what());
    return 1;
  }
}

}  // namespace kehrbote
