// The benchmarks' partner: N firms with the same two reminder rules and one
// export each, as plan_bench and scale_bench pass them through the dispatcher.
//
// Firm f is "firm-ffff" with an SMS rule (1 day before) and an e-mail rule (2
// days before at 18:00), a heartbeat contact, and inbox "/inbox/<id>". Its
// export (generated kBenchGenerated) holds `per_firm` appointments from
// 2026-11-24 on, each with a mobile number and an e-mail address, every 10th
// also a landline (skipped as such).
#pragma once

#include <string>
#include <vector>

#include "dispatcher/config/dispatcher_config.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote::bench {

// The instant the exports were generated, and the instant of the bench's pass.
Instant BenchGenerated();
Instant BenchNow();

std::string Digits(int v, int n);  // v with leading zeros to n digits
Appointment BenchAppointment(int firm, int i);
// The firm configs of `firms` firms; firms_dir = `dir`.
DispatcherConfig BenchConfig(int firms, const std::string& dir);
// Where WriteBenchExports puts the export of `firm_id`.
std::string BenchExportPath(const std::string& dir, const std::string& firm_id);
// Writes the first `firms` firms' exports into <dir>/inbox with the real
// ExportWriter; returns their paths in firm order.
std::vector<std::string> WriteBenchExports(const DispatcherConfig& config, int firms, int per_firm,
                                           const std::string& dir);

// Machine figures for the benches' output.
std::string LoadAverage();  // /proc/loadavg
double CpuSeconds();        // user + system of this process
// User + system CPU of the process `root` and all its descendants, the living
// and the exited ones their parents waited for (/proc): a PostgreSQL server's
// work for a benchmark, its backends included.
double TreeCpuSeconds(int root);
double PeakRssMb();         // VmHWM

}  // namespace kehrbote::bench
