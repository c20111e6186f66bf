#include "bench/bench_firms.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "shared/export/export_writer.h"
#include "shared/time/zoned_time.h"

namespace kehrbote::bench {

Instant BenchGenerated() { return *ParseRfc3339("2026-11-23T05:00:00+01:00"); }
Instant BenchNow() { return *ParseRfc3339("2026-11-23T07:30:00+01:00"); }

std::string Digits(int v, int n) {
  std::string s = std::to_string(v);
  return std::string(n > static_cast<int>(s.size()) ? n - s.size() : 0, '0') + s;
}

Appointment BenchAppointment(int f, int i) {
  Appointment a;
  a.id = "A" + Digits(i, 6);
  a.kind = i % 5 == 0 ? AppointmentKind::kMainSweep : AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate("2026-11-24") + std::chrono::days{i % 60};
  a.start.time = std::chrono::hours{7 + i % 10} + std::chrono::minutes{(i * 7) % 60};
  a.object = {"O" + Digits(i, 6), "Hauptstraße " + std::to_string(i), "1010", "Wien"};
  a.customer = {"Herr", "", "Karl", "Muster" + std::to_string(i), ""};
  a.contacts.push_back({ContactChannel::kSms, "0664 " + Digits(f * 1000 + i, 7), true, false});
  a.contacts.push_back(
      {ContactChannel::kEmail, "k" + std::to_string(i) + "@example.at", true, false});
  if (i % 10 == 0) a.contacts.push_back({ContactChannel::kSms, "01 5121234", true, false});
  return a;
}

DispatcherConfig BenchConfig(int firms, const std::string& dir) {
  DispatcherConfig config;
  config.firms_dir = dir;
  for (int f = 0; f < firms; ++f) {
    FirmConfig fc;
    fc.policy.firm_id = "firm-" + Digits(f, 4);
    fc.policy.sender_name = "RFK " + Digits(f, 4);
    ReminderRule sms;
    sms.name = "sms-1d";
    sms.lead = std::chrono::hours{24};
    sms.lead_days = std::chrono::days{1};
    ReminderRule mail;
    mail.name = "mail-2d";
    mail.channel = ContactChannel::kEmail;
    mail.lead = std::chrono::hours{48};
    mail.lead_days = std::chrono::days{2};
    mail.at = std::chrono::hours{18};
    fc.policy.rules = {sms, mail};
    fc.heartbeat_contacts = {{ContactChannel::kSms, "0664 9000" + Digits(f, 3)}};
    fc.inbox = "/inbox/" + fc.policy.firm_id;
    config.firms.push_back(std::move(fc));
  }
  return config;
}

std::string BenchExportPath(const std::string& dir, const std::string& firm_id) {
  return dir + "/inbox/" + firm_id + "-2026-11-23T05-00-00.json";
}

std::vector<std::string> WriteBenchExports(const DispatcherConfig& config, int firms, int per_firm,
                                           const std::string& dir) {
  std::filesystem::create_directories(dir + "/inbox");
  std::vector<std::string> files;
  for (int f = 0; f < firms; ++f) {
    ExportHeader h;
    h.firm.id = config.firms[f].id();
    h.firm.name = "Rauchfangkehrer " + Digits(f, 4);
    h.firm.timezone = "Europe/Vienna";
    h.firm.country = "AT";
    h.firm.phone = "01 " + Digits(4000000 + f, 7);
    h.generated_at = BenchGenerated();
    h.window_from = *ParseLocalDate("2026-11-23");
    h.window_to = *ParseLocalDate("2027-01-31");
    const std::string path = BenchExportPath(dir, h.firm.id);
    std::ofstream out(path, std::ios::binary);
    ExportWriter writer(out, h, path);
    for (int i = 0; i < per_firm; ++i) writer.Add(BenchAppointment(f, i));
    writer.Finish();
    files.push_back(path);
  }
  return files;
}

std::string LoadAverage() {
  std::ifstream l("/proc/loadavg");
  std::string s;
  std::getline(l, s);
  return s;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double TreeCpuSeconds(int root) {
  // Fields after the ')' of the name: state ppid ... utime(14) stime cutime cstime.
  struct Stat {
    int ppid = 0;
    double ticks = 0;  // utime + stime + cutime + cstime
  };
  std::map<int, Stat> all;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text;
    if (!std::getline(in, text)) continue;  // exited meanwhile
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string state;
    Stat st;
    fields >> state >> st.ppid;
    std::string skip;
    for (int i = 5; i < 14; ++i) fields >> skip;
    for (int i = 0; i < 4; ++i) {
      long long t = 0;
      fields >> t;
      st.ticks += static_cast<double>(t);
    }
    all[std::stoi(name)] = st;
  }
  // A process's cutime counts only children that are gone: no tick twice.
  std::set<int> tree = {root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, st] : all)
      if (tree.count(st.ppid) && tree.insert(pid).second) grew = true;
  }
  double ticks = 0;
  for (int pid : tree)
    if (auto it = all.find(pid); it != all.end()) ticks += it->second.ticks;
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double PeakRssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0)
      return static_cast<double>(std::stol(line.substr(6))) / 1024.0;
  return 0;
}

}  // namespace kehrbote::bench
