// Export format v1: write and read N appointments through a file, with timings
// and peak RSS. Usage: export_bench [N=100000] [file=/tmp/kehrbote-export-bench.json]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "shared/export/export_reader.h"
#include "shared/export/export_writer.h"

namespace {

using namespace kehrbote;

long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

Appointment Generated(size_t i) {
  Appointment a;
  a.id = "T-" + std::to_string(1000000 + i);
  a.kind = i % 7 == 0 ? AppointmentKind::kMainSweep : AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate("2026-11-23") + std::chrono::days(i % 14);
  if (i % 3 == 0) {
    a.start.window_from = std::chrono::hours(8);
    a.start.window_to = std::chrono::hours(12);
  } else {
    a.start.time = std::chrono::hours(7) + std::chrono::minutes(15 * (i % 40));
  }
  a.object = {"OBJ-" + std::to_string(i), "Hauptstraße " + std::to_string(i % 200 + 1),
              std::to_string(8010 + i % 50), "Graz"};
  a.customer = {"Frau", "Mag.", "Bärbel", "Österreicher-" + std::to_string(i), ""};
  a.contacts = {{ContactChannel::kSms, "0664 / " + std::to_string(1000000 + i), true, false},
                {ContactChannel::kEmail, "kunde" + std::to_string(i) + "@example.at", true, false}};
  return a;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// CPU time of this process: meaningful even when the machine is shared.
double CpuSeconds(std::clock_t since) { return double(std::clock() - since) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  std::string path = argc > 2 ? argv[2] : "/tmp/kehrbote-export-bench.json";

  ExportHeader header;
  header.firm = {"rfk-bench", "Rauchfangkehrer Bench", "Europe/Vienna", "AT", "0316 123", {}};
  header.generated_at = *ParseRfc3339("2026-11-23T05:00:00Z");
  header.window_from = *ParseLocalDate("2026-11-23");
  header.window_to = *ParseLocalDate("2026-12-06");

  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    ExportWriter writer(out, header, path);
    for (size_t i = 0; i < n; ++i) writer.Add(Generated(i));
    writer.Finish();
  }
  double write_s = Seconds(t0);
  double write_cpu = CpuSeconds(c0);
  long size = 0;
  {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    size = static_cast<long>(f.tellg());
  }

  ResetPeakRss();
  long rss_before = PeakRssKiB();
  t0 = std::chrono::steady_clock::now();
  c0 = std::clock();
  size_t count = 0;
  {
    std::ifstream in(path, std::ios::binary);
    ExportReader reader(in, path);
    reader.Read([](const ExportHeader&) {}, [&](Appointment&& a) { count += a.contacts.size() > 0; });
  }
  double read_s = Seconds(t0);
  double read_cpu = CpuSeconds(c0);
  long rss_after = PeakRssKiB();

  std::printf("appointments      %zu\n", n);
  std::printf("file size         %.1f MB\n", size / 1e6);
  std::printf("write             %.3f s wall, %.3f s CPU (%.1f us/appointment)\n", write_s,
              write_cpu, write_cpu * 1e6 / n);
  std::printf("read+validate     %.3f s wall, %.3f s CPU (%.1f us/appointment)\n", read_s,
              read_cpu, read_cpu * 1e6 / n);
  std::printf("peak RSS read     %ld KiB (grew %ld KiB while reading)\n", rss_after,
              rss_after - rss_before);
  std::remove(path.c_str());
  return count == n ? 0 : 1;
}
