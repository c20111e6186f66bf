#include "dispatcher/web/user_command.h"

#include <exception>
#include <sstream>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/store/database.h"
#include "dispatcher/web/account_schema.h"
#include "dispatcher/web/account_store.h"
#include "shared/env/env.h"
#include "shared/time/clock.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage =
    "kehrbote-dispatcher user: add NAME --role partner_admin|firm_user [--firm ID]\n"
    "                          passwd NAME\n"
    "                          disable NAME\n"
    "  (the password is read from standard input)\n";

struct UserArgs {
  std::string verb, name, role, firm;
};

bool ParseUserArgs(const std::vector<std::string>& args, UserArgs& out, std::string& error) {
  if (args.size() < 2) {
    error = "needs a verb and a user name";
    return false;
  }
  out.verb = args[0];
  out.name = args[1];
  if (out.verb != "add" && out.verb != "passwd" && out.verb != "disable") {
    error = "unknown verb '" + out.verb + "'";
    return false;
  }
  for (std::size_t i = 2; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (out.verb == "add" && args[i] == "--role" && has_value) {
      out.role = args[++i];
    } else if (out.verb == "add" && args[i] == "--firm" && has_value) {
      out.firm = args[++i];
    } else {
      error = "unexpected argument '" + args[i] + "'";
      return false;
    }
  }
  if (out.verb == "add" && out.role.empty()) {
    error = "add needs --role";
    return false;
  }
  return true;
}

// The first line of `in`, without a trailing CR.
std::string ReadPassword(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int RunUserCommandOn(const std::string& store_url, const std::vector<std::string>& args,
                     std::istream& in, std::ostream& out, std::ostream& err, PasswordCost cost) {
  UserArgs a;
  std::string error;
  if (!ParseUserArgs(args, a, error)) {
    err << "kehrbote-dispatcher user: " << error << "\n" << kUsage;
    return 2;
  }
  try {
    auto db = Database::Open(store_url);
    MigrateWeb(*db);
    SystemClock clock;
    AccountStore accounts(*db, clock);
    if (a.verb == "disable") {
      accounts.Disable(a.name, "cli");
      out << "user " << a.name << " disabled\n";
      return 0;
    }
    std::string password = ReadPassword(in);
    if (password.size() < kMinPasswordLength) {
      err << "kehrbote-dispatcher user " << a.verb << " " << a.name
          << ": the password (standard input) needs at least " << kMinPasswordLength
          << " characters\n";
      return 1;
    }
    if (a.verb == "add") {
      accounts.AddUser(a.name, ParseRole(a.role), a.firm, HashPassword(password, cost), "cli");
      out << "user " << a.name << " added (" << a.role
          << (a.firm.empty() ? "" : ", firm " + a.firm) << ")\n";
    } else {
      accounts.SetPassword(a.name, HashPassword(password, cost), "cli");
      out << "user " << a.name << ": password set\n";
    }
    return 0;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher user " << a.verb << " " << a.name << ": " << e.what() << "\n";
    return 1;
  }
}

int RunUserCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::istream& in, std::ostream& out, std::ostream& err) {
  // On a terminal: ask, and do not show what is typed.
  std::istringstream password;
  bool needs_password = !args.empty() && (args[0] == "add" || args[0] == "passwd");
  if (needs_password && Env::Default().SetStdinEcho(false)) {
    err << "Password: " << std::flush;
    password.str(ReadPassword(in) + "\n");
    Env::Default().SetStdinEcho(true);
    err << "\n";
  } else {
    password.str(needs_password ? ReadPassword(in) + "\n" : "");
  }
  std::string store_url;
  try {
    store_url = LoadDispatcherConfig(config_path).store_url;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher user: " << e.what() << "\n";
    return 1;
  }
  return RunUserCommandOn(store_url, args, password, out, err);
}

}  // namespace kehrbote
