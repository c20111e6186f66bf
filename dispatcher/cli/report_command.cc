#include "dispatcher/cli/report_command.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/report/unreachable_report.h"
#include "dispatcher/report/usage_report.h"
#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/settings/firm_settings_source.h"
#include "dispatcher/store/database.h"
#include "shared/phone/phone_number.h"

namespace kehrbote {
namespace {

// --key value pairs; false on a malformed list.
bool ParseOptions(const std::vector<std::string>& args, std::size_t from,
                  std::map<std::string, std::string>& opts, std::string& error) {
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      error = "unexpected argument '" + a + "'";
      return false;
    }
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      opts[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      opts[a.substr(2)] = args[++i];
    } else {
      error = a + " needs a value";
      return false;
    }
  }
  return true;
}

}  // namespace

int RunReportCommand(const std::string& config_path, const std::vector<std::string>& args,
                     std::ostream& out, std::ostream& err) {
  if (args.empty() || (args[0] != "usage" && args[0] != "protocol" && args[0] != "unreachable")) {
    err << "kehrbote-dispatcher report: usage --month YYYY-MM [--firm ID] [--format table|csv|json]\n"
           "                            protocol --firm ID [--to NUMBER-OR-ADDRESS] [--format ...]\n"
           "                            unreachable --firm ID [--format table|csv|json]\n";
    return 2;
  }
  std::map<std::string, std::string> opts;
  std::string error;
  if (!ParseOptions(args, 1, opts, error)) {
    err << "kehrbote-dispatcher report " << args[0] << ": " << error << "\n";
    return 2;
  }
  const std::string format = opts.count("format") ? opts["format"] : "table";
  if (format != "table" && format != "csv" && format != "json") {
    err << "kehrbote-dispatcher report: --format must be table, csv or json\n";
    return 2;
  }
  for (const auto& [k, v] : opts) {
    static const std::vector<std::string> known = {"format", "firm", "month", "to"};
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      err << "kehrbote-dispatcher report: unknown option --" << k << "\n";
      return 2;
    }
  }
  try {
    DispatcherConfig config = LoadDispatcherConfig(config_path);
    auto db = Database::Open(config.store_url);
    // A report may be the first command run against a new store: bring the
    // schema up to date (a no-op when once/run already did) instead of failing
    // on a missing table.
    MigrateDispatcherStore(*db);
    // The firms' settings are in the store; the files only until a first run imported them.
    if (FirmFiles stored = FirmSettingsSource(*db, "").Load({}, Instant{}); !stored.firms.empty())
      config.firms = std::move(stored.firms);
    auto zone_of = [&config](const std::string& firm) {
      const FirmConfig* f = config.FindFirm(firm);
      return f ? f->policy.timezone : std::string("Europe/Vienna");
    };
    if (args[0] == "usage") {
      UsageQuery q;
      const std::string month = opts["month"];
      if (month.size() != 7 || month[4] != '-' || !std::isdigit(static_cast<unsigned char>(month[0]))) {
        err << "kehrbote-dispatcher report usage: --month YYYY-MM is required, got '" << month << "'\n";
        return 2;
      }
      try {
        q.year = std::stoi(month.substr(0, 4));
        q.month = std::stoi(month.substr(5, 2));
      } catch (...) {
        q.month = 0;
      }
      if (q.month < 1 || q.month > 12) {
        err << "kehrbote-dispatcher report usage: bad month '" << month << "'\n";
        return 2;
      }
      if (opts.count("firm")) q.firm = opts["firm"];
      for (const FirmConfig& f : config.firms) q.known_firms.push_back(f.id());
      q.price_per_segment = config.delivery.price_per_segment;
      q.zone = zone_of;
      WriteUsage(QueryUsage(*db, q), format, config.delivery.currency, out);
      return 0;
    }
    if (!opts.count("firm")) {
      err << "kehrbote-dispatcher report " << args[0] << ": --firm ID is required\n";
      return 2;
    }
    const std::string firm = opts["firm"];
    if (args[0] == "unreachable") {
      WriteUnreachable(QueryUnreachable(*db, firm, zone_of(firm)), format, zone_of(firm), out);
      return 0;
    }
    std::optional<std::string> contact;
    if (opts.count("to")) {
      std::string to = opts["to"];
      if (to.find('@') != std::string::npos) {
        std::transform(to.begin(), to.end(), to.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        contact = to;
      } else {
        const FirmConfig* f = config.FindFirm(firm);
        PhoneNumber n = ParsePhoneNumber(to, f ? f->policy.country : "AT");
        if (!n.valid()) {
          err << "kehrbote-dispatcher report protocol: --to '" << to << "': " << n.reason << "\n";
          return 2;
        }
        contact = n.e164;
      }
    }
    std::vector<ProtocolEntry> rows = QueryProtocol(*db, firm, contact);
    // The appointments that get no message at all, so the protocol shows every
    // customer (they have no contact to filter by).
    if (!contact) {
      for (UnreachableAppointment& u : QueryUnreachable(*db, firm, zone_of(firm))) {
        ProtocolEntry e;
        e.time = u.start;
        e.channel = "-";
        e.recipient = u.customer;
        e.appointment_id = u.appointment_id;
        e.text = u.object;
        e.state = "unreachable";
        e.detail = u.reason + (u.detail.empty() ? "" : ": " + u.detail);
        rows.push_back(std::move(e));
      }
    }
    WriteProtocol(rows, format, zone_of(firm), out);
    return 0;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher report: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace kehrbote
