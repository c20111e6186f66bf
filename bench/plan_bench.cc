// plan_bench: one dispatcher pass over 1,000 firms of 100 appointments each.
//
//   plan_bench [--firms N] [--appointments N] [--store URL]
//
// Setup (not timed for the goal): a fresh SQLite store (or the given URL), N
// firm configs with an SMS rule (1d before) and an e-mail rule (2d before at
// 18:00), and one export per firm applied with SnapshotIngest. Each appointment
// has a mobile number, an e-mail address, and every 10th also a landline.
// Timed: DispatcherApp::RunPass(now, full) = planning every appointment of every
// firm (under each firm's lock) plus the heartbeat check, as `once` does.
// Goal (issue 4): under 10 s for 1,000 x 100.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "dispatcher/app/dispatcher_app.h"
#include "dispatcher/ingest/snapshot_ingest.h"
#include "shared/time/zoned_time.h"

using namespace kehrbote;
using Clock_ = std::chrono::steady_clock;

namespace {

double Seconds(Clock_::time_point since) {
  return std::chrono::duration<double>(Clock_::now() - since).count();
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

std::string Digits(int v, int n) {
  std::string s = std::to_string(v);
  return std::string(n > static_cast<int>(s.size()) ? n - s.size() : 0, '0') + s;
}

}  // namespace

int main(int argc, char** argv) {
  int firms = 1000, per_firm = 100;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--firms") firms = std::atoi(argv[i + 1]);
    else if (a == "--appointments") per_firm = std::atoi(argv[i + 1]);
    else if (a == "--store") url = argv[i + 1];
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("plan_bench-" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  if (url.empty()) url = "sqlite:" + dir + "/bench.db";

  DispatcherConfig config;
  config.store_url = url;
  config.firms_dir = dir;
  for (int f = 0; f < firms; ++f) {
    FirmConfig fc;
    fc.policy.firm_id = "firm-" + Digits(f, 4);
    fc.policy.sender_name = "RFK " + Digits(f, 4);
    ReminderRule sms;
    sms.name = "sms-1d";
    sms.lead = std::chrono::hours{24};
    ReminderRule mail;
    mail.name = "mail-2d";
    mail.channel = ContactChannel::kEmail;
    mail.lead = std::chrono::hours{48};
    mail.at = std::chrono::hours{18};
    fc.policy.rules = {sms, mail};
    fc.heartbeat_contacts = {{ContactChannel::kSms, "0664 9000" + Digits(f, 3)}};
    config.firms.push_back(std::move(fc));
  }

  auto db = Database::Open(url);
  DispatcherApp app(config, *db);
  app.Migrate();

  const Instant generated = *ParseRfc3339("2026-11-23T05:00:00+01:00");
  const Instant now = *ParseRfc3339("2026-11-23T07:30:00+01:00");
  auto t0 = Clock_::now();
  ManualClock clock(generated);
  SnapshotIngest ingest(*db, clock);
  for (int f = 0; f < firms; ++f) {
    ExportHeader h;
    h.firm.id = config.firms[f].id();
    h.firm.name = "Rauchfangkehrer " + Digits(f, 4);
    h.firm.timezone = "Europe/Vienna";
    h.firm.country = "AT";
    h.generated_at = generated;
    h.window_from = *ParseLocalDate("2026-11-23");
    h.window_to = *ParseLocalDate("2027-01-31");
    int i = 0;
    IngestResult r = ingest.Apply(h.firm.id, {h.firm.id + ".json", "sha-" + h.firm.id}, h,
                                  [&](Appointment& a) {
                                    if (i >= per_firm) return false;
                                    a = Appointment{};
                                    a.id = "A" + Digits(i, 6);
                                    a.kind = i % 5 == 0 ? AppointmentKind::kMainSweep
                                                        : AppointmentKind::kSweep;
                                    a.start.date = *ParseLocalDate("2026-11-24") +
                                                   std::chrono::days{i % 60};
                                    a.start.time = std::chrono::hours{7 + i % 10} +
                                                   std::chrono::minutes{(i * 7) % 60};
                                    a.object = {"O" + Digits(i, 6), "Hauptstraße " + std::to_string(i),
                                                "1010", "Wien"};
                                    a.customer = {"Herr", "", "Karl", "Muster" + std::to_string(i), ""};
                                    a.contacts.push_back({ContactChannel::kSms,
                                                          "0664 " + Digits(f * 1000 + i, 7), true,
                                                          false});
                                    a.contacts.push_back({ContactChannel::kEmail,
                                                          "k" + std::to_string(i) + "@example.at",
                                                          true, false});
                                    if (i % 10 == 0)
                                      a.contacts.push_back({ContactChannel::kSms, "01 5121234",
                                                            true, false});
                                    ++i;
                                    return true;
                                  });
    if (r.outcome != IngestOutcome::kApplied) {
      std::cerr << "ingest failed: " << r.reason << "\n";
      return 1;
    }
  }
  std::printf("setup: %d firms x %d appointments ingested in %.2f s (%s)\n", firms, per_firm,
              Seconds(t0), std::string(ToString(db->dialect())).c_str());

  t0 = Clock_::now();
  double cpu0 = CpuSeconds();
  PassResult r = app.RunPass(now, /*full=*/true);
  const double pass = Seconds(t0), cpu = CpuSeconds() - cpu0;
  std::printf("pass: %d appointments of %d firms planned in %.2f s wall, %.2f s CPU: %d messages, "
              "%d skipped, %d heartbeats (goal < 10 s: %s)\n",
              r.plan.appointments, r.plan.firms, pass, cpu, r.plan.planned, r.plan.skipped,
              r.heartbeat.heartbeats, pass < 10.0 ? "met" : "MISSED");

  t0 = Clock_::now();
  cpu0 = CpuSeconds();
  PassResult again = app.RunPass(now + std::chrono::minutes{1}, /*full=*/true);
  std::printf("second full pass (nothing new): %.2f s wall, %.2f s CPU, %d messages planned\n",
              Seconds(t0), CpuSeconds() - cpu0, again.plan.planned);
  std::printf("peak RSS: %ld MB\n", PeakRssMb());
  db.reset();
  std::filesystem::remove_all(dir);
  return pass < 10.0 ? 0 : 1;
}
