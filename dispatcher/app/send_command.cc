#include "dispatcher/app/send_command.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <memory>

#include <Poco/Exception.h>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/manual_send/manual_send_service.h"
#include "dispatcher/settings/effective_policy.h"
#include "dispatcher/settings/firm_settings_source.h"
#include "dispatcher/store/database.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage =
    "usage: kehrbote-dispatcher --config FILE send --firm ID --text TEXT\n"
    "       [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--kind KIND] [--place PLZ-OR-ORT]\n"
    "       [--main-sweep-only] [--all] [--number NUMBER]... [--include-without-consent]\n"
    "       [--id ID] [--json] [--confirm]\n";

struct SendArgs {
  ManualSendRequest request;
  bool confirm = false, json = false;
};

// Parses the arguments into `a`; returns "" or the usage error.
std::string Parse(const std::vector<std::string>& args, SendArgs& a) {
  RecipientFilter filter;
  bool filtered = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& k = args[i];
    if (k == "--confirm") { a.confirm = true; continue; }
    if (k == "--json") { a.json = true; continue; }
    if (k == "--all") { filtered = true; continue; }
    if (k == "--main-sweep-only") { filter.main_sweep_only = filtered = true; continue; }
    if (k == "--include-without-consent") { a.request.include_without_consent = true; continue; }
    if (i + 1 >= args.size()) return "unknown argument or missing value: '" + k + "'";
    const std::string& v = args[++i];
    if (k == "--firm") {
      a.request.firm_id = v;
    } else if (k == "--text") {
      a.request.text = v;
    } else if (k == "--id") {
      a.request.send_id = v;
    } else if (k == "--number") {
      a.request.numbers.push_back(v);
    } else if (k == "--place") {
      filter.place = v;
      filtered = true;
    } else if (k == "--kind") {
      filter.kind = ParseAppointmentKind(v);
      if (!filter.kind) return "--kind expects main_sweep, sweep, inspection or special, got '" + v + "'";
      filtered = true;
    } else if (k == "--from" || k == "--to") {
      std::optional<LocalTime> d = ParseLocalDate(v);
      if (!d) return k + " expects a date YYYY-MM-DD, got '" + v + "'";
      (k == "--from" ? filter.from : filter.to) = d;
      filtered = true;
    } else {
      return "unknown argument '" + k + "'";
    }
  }
  if (filtered) a.request.filter = filter;
  if (a.request.firm_id.empty()) return "--firm ID is required";
  if (a.request.text.empty()) return "--text TEXT is required";
  if (!filtered && a.request.numbers.empty())
    return "choose recipients: a filter (--from, --to, --kind, --place, --main-sweep-only, --all) "
           "or --number";
  return "";
}

void PrintPlan(const ManualSendPlan& plan, const SmsPrice& price, std::ostream& out) {
  out << "send " << plan.send_id << ": " << plan.messages << " message(s), " << plan.segments
      << " segment(s), " << FormatPrice(plan.cost, price.currency) << "\n";
  for (const ManualRecipient& r : plan.recipients)
    out << "  " << std::left << std::setw(18) << r.masked << std::setw(12)
        << (r.appointment_id.empty() ? "-" : r.appointment_id) << " " << r.text.segments
        << " part(s)" << (r.without_consent ? ", without consent" : "")
        << (r.text.sendable ? "" : ", NOT SENT: a placeholder has no value") << "\n";
  for (const ManualSkip& s : plan.skipped)
    out << "  left out " << std::left << std::setw(18) << s.masked << std::setw(12)
        << (s.appointment_id.empty() ? "-" : s.appointment_id) << " " << s.kind << ": "
        << s.reason << "\n";
}

}  // namespace

int RunSendCommand(const std::string& config_path, const std::vector<std::string>& args,
                   const Clock& clock, std::ostream& out, std::ostream& err) {
  SendArgs a;
  if (std::string problem = Parse(args, a); !problem.empty()) {
    err << "kehrbote-dispatcher send: " << problem << "\n" << kUsage;
    return 2;
  }
  try {
    const DispatcherConfig config = LoadDispatcherConfig(config_path);
    std::unique_ptr<Database> db = Database::Open(config.store_url);
    ManualSendService service(*db);
    service.Migrate();
    FirmSettingsStore(*db).Migrate();
    const Instant now = clock.Now();
    FirmFiles firms = FirmSettingsSource(*db, config.firms_dir).Load({}, now);
    const auto firm = std::find_if(firms.firms.begin(), firms.firms.end(), [&](const FirmConfig& f) {
      return f.id() == a.request.firm_id;
    });
    if (firm == firms.firms.end()) {
      err << "kehrbote-dispatcher send: no firm '" << a.request.firm_id << "' in the store\n";
      return 1;
    }
    const FirmPolicy policy = EffectivePolicy(*firm, AppointmentStore(*db).GetFirm(firm->id()));
    const SmsPrice price{config.delivery.price_per_segment, config.delivery.currency};
    ManualSendResult r;
    if (a.confirm) {
      r = service.Confirm(policy, a.request, price, "command line", now);
    } else {
      r.plan = service.Prepare(policy, a.request, price, now);
    }
    if (!r.plan.error.empty()) {
      err << "kehrbote-dispatcher send: --text: " << r.plan.error << "\n";
      return 1;
    }
    if (a.json) {
      out << ToJson(r.plan, price).dump(2) << "\n";
    } else {
      PrintPlan(r.plan, price, out);
    }
    if (a.confirm)
      out << (r.already_confirmed ? "send " + r.plan.send_id + " was confirmed before: nothing enqueued\n"
                                  : "enqueued " + std::to_string(r.enqueued) +
                                        " message(s); the next pass sends them\n");
    return 0;
  } catch (const Poco::Exception& e) {
    err << "kehrbote-dispatcher send: " << e.displayText() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher send: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace kehrbote
