#include "agent/app/agent_application.h"

#include <algorithm>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include "agent/app/agent_runner.h"
#include "agent/app/agent_status.h"
#include "agent/app/daily_schedule.h"
#include "shared/env/env.h"
#include "shared/log/logger.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

// Options in the platform's form, as Poco parses them: --name VALUE on Unix, /name=VALUE
// on Windows (where /registerService is what administrators expect).
#if defined(POCO_OS_FAMILY_WINDOWS)
#define KEHRBOTE_CONFIG_OPTION "/config=FILE"
#define KEHRBOTE_OUTPUT_OPTION "/output=FILE"
#define KEHRBOTE_NOW_OPTION "/now=TIME"
#define KEHRBOTE_LOG_LEVEL_OPTION "/log-level=LEVEL"
#else
#define KEHRBOTE_CONFIG_OPTION "--config FILE"
#define KEHRBOTE_OUTPUT_OPTION "--output FILE"
#define KEHRBOTE_NOW_OPTION "--now TIME"
#define KEHRBOTE_LOG_LEVEL_OPTION "--log-level LEVEL"
#endif
constexpr const char* kUsage =
    KEHRBOTE_CONFIG_OPTION " (run | once | export " KEHRBOTE_OUTPUT_OPTION " | check)";

constexpr const char* kNowUsage = KEHRBOTE_NOW_OPTION
    " is for once, export and check and expects RFC 3339 such as 2026-11-23T06:00:00+01:00";

constexpr const char* kCommands =
    "Commands:\n"
    "  run                    export and upload daily at the scheduled times (service)\n"
    "  once                   export and upload now; the exit status tells the outcome\n"
    "  export " KEHRBOTE_OUTPUT_OPTION "   write the export only (a private file)\n"
    "  check                  source readable, host key, login, drop writable\n"
    "Exit status: 0 done, 65 export not written, 66 source unreadable, 69 host key or\n"
    "login refused, 75 drop unreachable (export spooled, sent later), 78 config error.\n";

}  // namespace

// Poco's default option style is the platform's: --name=value on Unix, /name=value on
// Windows (so that /registerService works there as Windows admins expect).
AgentApplication::AgentApplication() = default;

void AgentApplication::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Poco::Util::Option("config", "c", "configuration file (YAML)")
                        .required(false).repeatable(false).argument("FILE"));
  options.addOption(Poco::Util::Option("output", "o", "output file of the export command")
                        .required(false).repeatable(false).argument("FILE"));
  options.addOption(Poco::Util::Option("now", "", "once, export, check: as at TIME (RFC 3339)")
                        .required(false)
                        .repeatable(false)
                        .argument("TIME"));
  options.addOption(Poco::Util::Option("log-level", "",
                                       "error, warning, info or debug; wins "
                                       "over log.level in the config")
                        .required(false)
                        .repeatable(false)
                        .argument("LEVEL"));
  options.addOption(Poco::Util::Option("help", "h", "show this help").required(false));
}

void AgentApplication::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "config") config_path_ = value;
  if (name == "output") output_path_ = value;
  if (name == "now") now_ = value;
  if (name == "log-level") log_level_ = value;
  if (name == "help") {
    help_ = true;
    stopOptionsProcessing();
  }
}

void AgentApplication::SetUpLogging(const AgentConfig& config, bool as_service) {
  LogSettings settings = config.log;
  if (settings.file.empty() && as_service) {
    // No console to write to: the log goes where the status file is.
    const std::string& status = config.status_file;
    const size_t slash = status.find_last_of("/\\");
    settings.file =
        JoinPath(slash == std::string::npos ? "." : status.substr(0, slash), "agent.log");
  }
  ApplyLogSettings(settings);
}

int AgentApplication::main(const std::vector<std::string>& args) {
  // --daemon sets umask 027 while detaching; the log and every file stay private.
  Env::Default().RestrictNewFilePermissions();
  if (help_) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage(kUsage);
    help.setHeader("kehrbote-agent: exports the firm's due sweep appointments to the SFTP drop.");
    help.format(std::cout);
    std::cout << kCommands;
    return kExitOk;
  }
  bool as_service = config().getBool("application.runAsService", false) ||
                    config().getBool("application.runAsDaemon", false);
  std::string command = args.empty() ? (as_service ? "run" : "") : args[0];
  if (command.empty() || args.size() > 1 ||
      (command != "run" && command != "once" && command != "export" && command != "check")) {
    std::cerr << "usage: kehrbote-agent " << kUsage << "\n"
              << kCommands;
    return EXIT_USAGE;
  }
  if (!log_level_.empty()) {
    const std::optional<LogLevel> level = ParseLogLevel(log_level_);
    if (!level) {
      std::cerr << "kehrbote-agent: " KEHRBOTE_LOG_LEVEL_OPTION " expects " << kLogLevelNames
                << ", got '" << log_level_ << "'\n";
      return EXIT_USAGE;
    }
    Logger::Default().PinLevel(*level);
  }
  if (!now_.empty() && (command == "run" || !ParseRfc3339(now_))) {
    std::cerr << "kehrbote-agent: " << kNowUsage << ", got '" << now_ << "'\n";
    return EXIT_USAGE;
  }
  if (command == "export" && output_path_.empty()) {
    std::cerr << "kehrbote-agent export: " KEHRBOTE_OUTPUT_OPTION " is required\n";
    return EXIT_USAGE;
  }
  Env& env = Env::Default();
  std::string path = config_path_.empty() ? JoinPath(env.ConfigDirectory(), "agent.yaml")
                                          : config_path_;
  std::unique_ptr<AgentConfig> cfg;
  try {
    cfg = std::make_unique<AgentConfig>(LoadAgentConfig(path));
  } catch (const std::exception& e) {
    std::cerr << "kehrbote-agent: " << e.what() << "\n";
    if (as_service) RecordStartError(e.what());
    return kExitConfig;
  }
  try {
    SetUpLogging(*cfg, as_service);
  } catch (const std::exception& e) {
    std::cerr << "kehrbote-agent: " << e.what() << "\n";
    if (as_service) RecordStartError(e.what());
    return kExitConfig;
  }
  const Log log = Log("agent").ForFirm(cfg->firm.id);

  if (command == "run") return RunService(*cfg);
  // --now: a fixed virtual instant (tests; the service's schedule needs the real clock).
  std::optional<ManualClock> virtual_clock;
  if (!now_.empty()) virtual_clock.emplace(*ParseRfc3339(now_));
  AgentRunner runner(*cfg, virtual_clock ? static_cast<const Clock&>(*virtual_clock) : clock_, log);
  if (command == "once") return runner.ExportAndUpload();
  if (command == "export") return runner.ExportOnly(output_path_);
  return runner.Check(std::cout);
}

// A service or daemon has no console, and without a loaded config there is no log: the
// reason it could not start goes to a file in the data directory, where the firm guide
// tells the technician to look.
void AgentApplication::RecordStartError(const std::string& message) {
  Env& env = Env::Default();
  try {
    env.CreatePrivateDirectory(env.DataDirectory());
    env.WritePrivateFileAtomically(JoinPath(env.DataDirectory(), kStartErrorFile),
                                   FormatRfc3339Utc(clock_.Now()) + " kehrbote-agent could not start: " +
                                       message + "\n");
  } catch (const std::exception&) {
    // Nowhere left to report to; the service manager shows the exit code (78).
  }
}

int AgentApplication::RunService(const AgentConfig& config) {
  const Log log = Log("agent").ForFirm(config.firm.id);
  auto sleep = [this](std::chrono::milliseconds d) {
    stop_.tryWait(static_cast<long>(std::max<int64_t>(d.count(), 1)));
  };
  AgentRunner runner(config, clock_, log, sleep);
  DailySchedule schedule(config.schedule, config.firm.timezone);

  // Each step catches what it can; this is the last line of defence, so that an
  // unexpected error is logged and the service keeps its schedule.
  auto guarded = [&log](const char* what, const std::function<void()>& step) {
    try {
      step();
    } catch (const std::exception& e) {
      log.Error(std::string(what) + " failed: " + e.what());
    } catch (...) {
      log.Error(std::string(what) + " failed with an unknown error");
    }
  };
  std::thread worker([&] {
    std::string warning;
    AgentStatus status = AgentStatus::Load(config.status_file, &warning);
    if (!warning.empty()) log.Warning(warning);
    std::optional<Instant> last_ok;
    if (status.last_success) last_ok = status.last_success->time;
    if (schedule.Missed(clock_.Now(), last_ok)) {
      log.Info("the last scheduled export (" +
               FormatRfc3339(schedule.LastAtOrBefore(clock_.Now()), config.firm.timezone) +
               ") did not succeed; exporting now");
      guarded("export", [&] { runner.ExportAndUpload(); });
    }
    while (!stop_.tryWait(0)) {
      Instant now = clock_.Now();
      Instant next = schedule.NextAfter(now);
      bool pending = runner.HasPending();
      Instant wake = next;
      if (pending) wake = std::min(next, now + config.upload.resend_interval);
      log.Info(
          "next export at " + FormatRfc3339(next, config.firm.timezone) +
          (pending ? "; spooled exports are retried at " + FormatRfc3339(wake, config.firm.timezone)
                   : ""));
      // Wait in slices: the wall clock may jump (suspend, time sync).
      bool stopped = false;
      while (clock_.Now() < wake) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake - clock_.Now());
        long slice = static_cast<long>(std::clamp<int64_t>(left.count(), 1, 60'000));
        if (stop_.tryWait(slice)) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      if (clock_.Now() >= next) {
        guarded("export", [&] { runner.ExportAndUpload(); });
      } else {
        guarded("resend", [&] { runner.SendPending(); });
      }
    }
  });
  log.Info("kehrbote-agent started for firm " + config.firm.id);
  waitForTerminationRequest();
  log.Info("stopping");
  stop_.set();
  worker.join();
  log.Info("stopped");
  return kExitOk;
}

}  // namespace kehrbote
