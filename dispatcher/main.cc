// kehrbote-dispatcher: command-line entry point.
#include <iostream>
#include <string>
#include <vector>

#include "dispatcher/app/commands.h"
#include "dispatcher/app/firms_command.h"
#include "dispatcher/app/send_command.h"
#include "dispatcher/cli/report_command.h"  // DELIVERY
#include "dispatcher/cli/sms_info_command.h"
#include "dispatcher/store_copy/store_copy_command.h"
#include "dispatcher/web/user_command.h"
#include "dispatcher/web/web_command.h"
#include "shared/env/env.h"
#include "shared/log/logger.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: kehrbote-dispatcher --config FILE [--log-level LEVEL] COMMAND [ARGS]\n"
         "       kehrbote-dispatcher sms-info [--unicode] TEXT\n"
         "commands:\n"
         "  once [--now RFC3339]     one full pass (pull, ingest, plan, send what is due,\n"
         "                           heartbeat if due) as of that instant, then exit\n"
         "       [--receipt-wait S]  also run the HTTP listener and wait up to S seconds\n"
         "                           for the delivery receipts of the SMS sent\n"
         "  plan --firm ID [--json]  list every planned and skipped message of a firm\n"
         "                           with its reason\n"
         "  run                      the service: poll, plan and send until SIGINT/SIGTERM\n"
         "  report usage --month YYYY-MM [--firm ID] [--format table|csv|json]\n"
         "                           per firm: SMS sent, parts, delivered, failed, e-mails, cost\n"
         "  report protocol --firm ID [--to NUMBER-OR-ADDRESS] [--format ...]\n"
         "                           every message to a contact (SMS-Protokoll)\n"
         "  firms import DIR | export DIR | list | history ID | show ID | remove ID\n"
         "                           the firms' settings in the store; firm YAML files as\n"
         "                           import and export\n"
         "  send --firm ID --text TEXT [filter | --number N]... [--confirm]\n"
         "                           a manual SMS to the firm's customers (plan, then send)\n"
         "  web [--listen ADDR] [--port N] [--cert FILE --key FILE] [--trust-proxy]\n"
         "                           the web portal (HTTPS, or HTTP on loopback behind a proxy)\n"
         "  user add NAME --role partner_admin|firm_user [--firm ID]\n"
         "  user passwd NAME | user disable NAME\n"
         "                           web portal accounts (password from standard input)\n"
         "  sms-info                 show how a text is encoded and split into SMS parts (JSON)\n"
         "  store copy --from sqlite:FILE --to postgresql:... [--migrate-source] [--batch ROWS]\n"
         "                           copy a SQLite store into an empty PostgreSQL store (no\n"
         "                           --config; stop the dispatcher first)\n"
         "options:\n"
         "  --config FILE            the dispatcher's YAML (firms in its firms_dir)\n"
         "  --log-level LEVEL        error|warning|info|debug; wins over the key log.level\n"
         "  --help                   this text\n";
}

// --log-level LEVEL or --log-level=LEVEL at args[*i] (moves *i past it). Returns
// false with the reason in `error` for a missing or unknown level.
bool TakeLogLevel(const std::vector<std::string>& args, size_t* i, std::string* error) {
  std::string value;
  if (args[*i] == "--log-level") {
    if (*i + 1 >= args.size()) {
      *error = "--log-level needs a level (" + std::string(kehrbote::kLogLevelNames) + ")";
      return false;
    }
    value = args[++*i];
  } else {
    value = args[*i].substr(std::string("--log-level=").size());
  }
  const auto level = kehrbote::ParseLogLevel(value);
  if (!level) {
    *error =
        "--log-level expects " + std::string(kehrbote::kLogLevelNames) + ", got '" + value + "'";
    return false;
  }
  kehrbote::Logger::Default().PinLevel(*level);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts, so that only the service loop's signal thread sees them.
  kehrbote::Env::Default().BlockTerminationSignals();
  kehrbote::Env::Default().RestrictNewFilePermissions();
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string config_path;
  std::string command;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (command.empty() && (args[i] == "--help" || args[i] == "-h")) {
      PrintUsage(std::cout);
      return 0;
    }
    if (command.empty() && args[i] == "--config") {
      if (i + 1 >= args.size()) {
        std::cerr << "kehrbote-dispatcher: --config needs a file\n";
        return 2;
      }
      config_path = args[++i];
    } else if (command.empty() &&
               (args[i] == "--log-level" || args[i].rfind("--log-level=", 0) == 0)) {
      std::string error;
      if (!TakeLogLevel(args, &i, &error)) {
        std::cerr << "kehrbote-dispatcher: " << error << "\n";
        return 2;
      }
    } else if (command.empty() && args[i].rfind("--config=", 0) == 0) {
      config_path = args[i].substr(9);
    } else if (command.empty()) {
      command = args[i];
    } else {
      rest.push_back(args[i]);
    }
  }
  if (command.empty()) {
    PrintUsage(std::cerr);
    return 2;
  }
  if (command == "sms-info") return kehrbote::RunSmsInfoCommand(rest, std::cout, std::cerr);
  if (command == "store") return kehrbote::RunStoreCommand(rest, std::cout, std::cerr);
  // DELIVERY: reports.
  if (command == "report") {
    if (config_path.empty()) {
      std::cerr << "kehrbote-dispatcher report: --config FILE is required\n";
      return 2;
    }
    return kehrbote::RunReportCommand(config_path, rest, std::cout, std::cerr);
  }
  if (command == "firms" || command == "send" || command == "user" || command == "web") {
    if (config_path.empty()) {
      std::cerr << "kehrbote-dispatcher " << command << ": --config FILE is required\n";
      return 2;
    }
    if (command == "web") return kehrbote::RunWebCommand(config_path, rest, std::cout, std::cerr);
    if (command == "user")
      return kehrbote::RunUserCommand(config_path, rest, std::cin, std::cout, std::cerr);
    kehrbote::SystemClock clock;
    if (command == "send")
      return kehrbote::RunSendCommand(config_path, rest, clock, std::cout, std::cerr);
    return kehrbote::RunFirmsCommand(config_path, rest, clock, std::cout, std::cerr);
  }
  if (command == "once" || command == "plan" || command == "run") {
    if (config_path.empty()) {
      std::cerr << "kehrbote-dispatcher " << command << ": --config FILE is required\n";
      return 2;
    }
    if (command == "once") return kehrbote::RunOnceCommand(config_path, rest, std::cout, std::cerr);
    if (command == "plan") return kehrbote::RunPlanCommand(config_path, rest, std::cout, std::cerr);
    return kehrbote::RunServiceCommand(config_path, rest, std::cout, std::cerr);
  }
  std::cerr << "kehrbote-dispatcher: unknown command '" << command << "'\n";
  PrintUsage(std::cerr);
  return 2;
}
