#include "dispatcher/web/web_command.h"

#include <exception>
#include <map>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/web/portal_routes.h"
#include "dispatcher/web/web_server.h"
#include "shared/env/env.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage =
    "kehrbote-dispatcher web [--listen ADDR] [--port N] [--cert FILE --key FILE] "
    "[--trust-proxy] [--bootstrap DIR]\n";

bool ParseWebArgs(const std::vector<std::string>& args, WebServerOptions& options,
                  std::string& bootstrap, std::string& error) {
  options.port = 8080;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--trust-proxy") {
      options.trust_proxy = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      error = "unexpected argument '" + a + "'";
      return false;
    }
    const std::string& v = args[++i];
    if (a == "--listen") options.address = v;
    else if (a == "--cert") options.cert_file = v;
    else if (a == "--key") options.key_file = v;
    else if (a == "--bootstrap") bootstrap = v;
    else if (a == "--port") {
      try {
        options.port = std::stoi(v);
      } catch (const std::exception&) {
        error = "--port needs a number";
        return false;
      }
    } else {
      error = "unexpected argument '" + a + "'";
      return false;
    }
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    error = "--cert and --key go together";
    return false;
  }
  return true;
}

}  // namespace

int RunWebCommand(const std::string& config_path, const std::vector<std::string>& args,
                  std::ostream& out, std::ostream& err) {
  WebServerOptions options;
  std::string bootstrap = kDebianBootstrapDir, error;
  if (!ParseWebArgs(args, options, bootstrap, error)) {
    err << "kehrbote-dispatcher web: " << error << "\n" << kUsage;
    return 2;
  }
  try {
    DispatcherConfig config = LoadDispatcherConfig(config_path);
    auto db = Database::Open(config.store_url);
    MigrateDispatcherStore(*db);
    SystemClock clock;
    AccountStore accounts(*db, clock);
    PortalContext portal{*db, clock, accounts, ConfiguredFirms(config), config.operator_timezone};
    portal.price_per_segment = config.delivery.price_per_segment;
    Sessions sessions(accounts, clock);
    StaticFiles files(bootstrap);
    Router router(sessions, [&portal](const std::string& firm) { return portal.Firms().Contains(firm); },
                  options.https());
    AddPortalRoutes(router, portal, sessions, files);
    WebServer server(options, router);
    server.Start();
    out << "web: listening on " << server.Url() << std::endl;
    while (Env::Default().WaitForTerminationSignal(std::chrono::milliseconds(1000)) == 0) {
    }
    server.Stop();
    out << "web: stopped" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher web: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace kehrbote
