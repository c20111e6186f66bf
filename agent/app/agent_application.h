// AgentApplication: the kehrbote-agent program (commands run, once, export, check).
//
// Built on Poco::Util::ServerApplication, which gives the Unix options --daemon,
// --pidfile=FILE, --umask and on Windows /registerService, /unregisterService,
// /displayName, /startup. Without --config the file is <config dir>/agent.yaml:
// /etc/kehrbote/agent.yaml on Linux, %ProgramData%\Kehrbote\agent.yaml on Windows (a
// service starts in system32 and, with Poco 1.11, gets no arguments, so a service
// always runs `run`).
//
// `run`: the daily schedule in the foreground (or as daemon/service). At start-up
// it exports once if the last scheduled time passed without a success (the
// machine was off); then it exports at each scheduled time and retries spooled
// exports every upload.resend_interval until they are sent. SIGTERM/SIGINT (or the
// service stop) end it after the current step.
//
// Logging: the shared logger (shared/log/logger.h), component "agent", the firm's
// id on every line. `--log-level` (Windows: /log-level=LEVEL) wins over log.level.
// A service or daemon has no console: without log.file it logs to agent.log next
// to its status file (rotated like every log file, 10 MiB, 5 archives).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Poco/Event.h>
#include <Poco/Util/ServerApplication.h>

#include "agent/config/agent_config.h"
#include "shared/time/clock.h"

namespace kehrbote {

// The file in Env::DataDirectory() that says why a service or daemon could not start
// (its config did not load, so there is no log yet).
inline constexpr const char* kStartErrorFile = "agent-start-error.txt";

class AgentApplication : public Poco::Util::ServerApplication {
 public:
  AgentApplication();

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void SetUpLogging(const AgentConfig& config, bool as_service);
  void RecordStartError(const std::string& message);
  int RunService(const AgentConfig& config);

  std::string config_path_;
  std::string output_path_;
  std::string log_level_;  // --log-level, checked in main()
  std::string now_;  // --now: once, export and check run in virtual time at this instant
  bool help_ = false;
  SystemClock clock_;
  Poco::Event stop_{Poco::Event::EVENT_MANUALRESET};
};

}  // namespace kehrbote
