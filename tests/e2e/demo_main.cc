// kehrbote-demo: runs the end-to-end scenario (tests/e2e/demo_scenario.h) on
// loopback and prints what a person wants to see. scripts/demo runs it through
// scripts/demo-chain.
//
//   kehrbote-demo [--quiet] [--objects N] [--plan] [--keep]
//
// --quiet hides the progress lines; --plan adds the dispatcher's full plan
// listing (every message with its due time, state and reason); --keep leaves the work dir (configs,
// databases, logs) in place and prints where it is. Exit status 0 when the
// chain ran; 1 with the failing step's output otherwise.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "shared/time/zoned_time.h"
#include "tests/e2e/demo_scenario.h"

namespace {

using kehrbote::e2e::LocalMinute;
using kehrbote::e2e::ScenarioFirm;
using kehrbote::e2e::ScenarioResult;

void Section(const std::string& title) {
  std::cout << "\n== " << title << "\n";
}

std::string Indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += pad;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// The event's start and summary (not the VTIMEZONE's DTSTART lines).
std::string IcsSummary(const std::string& ics) {
  const size_t event = ics.find("BEGIN:VEVENT");
  if (event == std::string::npos) return "no VEVENT";
  std::string out;
  for (const char* key : {"DTSTART", "SUMMARY"}) {
    size_t p = ics.find(std::string("\n") + key, event);
    if (p == std::string::npos) continue;
    size_t e = ics.find('\n', p + 1);
    std::string line = ics.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

void Print(const ScenarioResult& r) {
  Section("Heartbeat: what the firm got each morning");
  int heartbeats = 0;
  for (const auto* s : r.SmsTo(ScenarioFirm::kHeartbeatMobile)) {
    std::cout << LocalMinute(s->virtual_at) << "  SMS to " << s->to << ":\n"
              << Indent(s->text, "    ");
    ++heartbeats;
  }
  for (const auto& e : r.emails) {
    if (e.to.find(ScenarioFirm::kHeartbeatEmail) == std::string::npos) continue;
    std::cout << LocalMinute(e.virtual_at) << "  e-mail to " << e.to << ": " << e.subject << "\n";
    ++heartbeats;
  }
  if (heartbeats == 0) {
    // Nothing arrived: show what the dispatcher planned instead.
    for (const auto& m : r.messages)
      if (m.rule == "heartbeat" || m.rule == "alarm")
        std::cout << m.due_at << "  " << m.channel << " to " << m.contact << " (" << m.state
                  << ", not received)\n";
  }

  Section("SMS as the handsets received them (fakesmsc)");
  int customer_sms = 0;
  for (const auto& s : r.sms) {
    std::cout << LocalMinute(s.virtual_at) << "  to " << s.to << " from " << s.from << " ("
              << s.parts << " part" << (s.parts == 1 ? "" : "s") << ", " << s.coding << ")\n"
              << Indent(s.text, "    ");
    ++customer_sms;
  }
  std::cout << customer_sms << " SMS received\n";
  const auto repeats = r.RepeatedTexts(std::chrono::hours{12});
  std::cout << repeats.size() << " of " << customer_sms
            << " SMS repeat a text to the same number within 12 h\n";
  for (const auto& [first, again] : repeats)
    std::cout << "    " << again->to << ": " << LocalMinute(first->virtual_at) << " and "
              << LocalMinute(again->virtual_at) << "\n";

  Section("E-mails as the mail host received them (aiosmtpd)");
  for (const auto& e : r.emails) {
    std::cout << LocalMinute(e.virtual_at) << "  to " << e.to << "\n"
              << "    Subject: " << e.subject << "\n"
              << Indent(e.text, "    | ")
              << "    " << (e.has_html ? "HTML part, " : "no HTML part, ")
              << (e.ics.empty() ? "no .ics" : ".ics attached: " + IcsSummary(e.ics)) << "\n";
  }
  std::cout << r.emails.size() << " e-mail(s) received\n";

  Section("Skipped contacts and their reasons (plan --firm huber)");
  // The named hard cases in full, then every other skip grouped by its kind.
  std::map<std::string, std::vector<const kehrbote::e2e::SkippedMessage*>> by_kind;
  for (const auto& s : r.skipped) {
    if (s.appointment_id.rfind("T-", 0) == 0) {
      std::cout << s.appointment_id << " v" << s.appointment_version << "  " << s.channel
                << "  " << s.contact << "  " << s.kind << ": " << s.reason << "\n";
    } else {
      by_kind[s.kind].push_back(&s);
    }
  }
  for (const auto& [kind, list] : by_kind) {
    std::cout << kind << ": " << list.size() << " more, e.g.\n";
    for (size_t i = 0; i < list.size() && i < 3; ++i)
      std::cout << "    " << list[i]->appointment_id << " " << list[i]->channel << " "
                << list[i]->contact << ": " << list[i]->reason << "\n";
  }
  std::cout << r.skipped.size() << " skipped in all\n";

  Section("Unreachable customers: appointments without any reminder (" +
          r.unreachable_report.label + ")");
  std::cout << r.unreachable_report.output;
  if (r.unreachable_report.exit_code != 0)
    std::cout << "(exit status " << r.unreachable_report.exit_code << ")\n";

  Section("Usage report (" + r.usage_report.label + ")");
  std::cout << r.usage_report.output;
  if (r.usage_report.exit_code != 0)
    std::cout << "(exit status " << r.usage_report.exit_code << ")\n";

  if (!r.problems.empty()) {
    Section("Problems");
    for (const auto& p : r.problems) std::cout << p << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  kehrbote::e2e::ScenarioOptions options = kehrbote::e2e::DefaultScenarioOptions();
  bool quiet = false, keep = false, plan = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quiet") {
      quiet = true;
    } else if (a == "--plan") {
      plan = true;
    } else if (a == "--keep") {
      keep = true;
    } else if (a == "--objects" && i + 1 < argc) {
      options.objects = std::atoi(argv[++i]);
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: kehrbote-demo [--quiet] [--objects N] [--plan] [--keep]\n";
      return 0;
    } else {
      std::cerr << "kehrbote-demo: unknown argument '" << a << "'\n";
      return 2;
    }
  }
  if (const char* env = std::getenv("KEHRBOTE_BUILD_DIR"); env && *env) {
    options.agent = std::string(env) + "/agent/kehrbote-agent";
    options.dispatcher = std::string(env) + "/dispatcher/kehrbote-dispatcher";
  }
  if (!quiet) options.progress = &std::cerr;
  kehrbote::e2e::DemoScenario scenario(options);
  try {
    const ScenarioResult& r = scenario.Run();
    Print(r);
    if (plan) {
      Section("Every planned and skipped message (plan --firm huber)");
      std::cout << r.plan_text;
    }
    if (keep) {
      std::string copy = std::filesystem::temp_directory_path() / "kehrbote-demo-last";
      std::filesystem::remove_all(copy);
      std::filesystem::copy(scenario.work_dir(), copy, std::filesystem::copy_options::recursive);
      std::cout << "\nconfigs, databases and logs copied to " << copy << "\n";
    }
    scenario.Stop();
    std::cout << "\nservers stopped.\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "kehrbote-demo: " << e.what() << "\n";
    scenario.Stop();
    return 1;
  }
}
