// send_bench: due SMS through a local Kannel (bearerbox + smsbox + fakesmsc)
// with every state change committed (SQLite, WAL, synchronous=FULL: each
// commit is fsynced), compared in the same run with `wrk` against Kannel's
// sendsms directly.
//   send_bench [--messages N] [--window W] [--start-window S] [--wrk-seconds S]
//              [--wrk-connections C] [--receipts on|off] [--immediate] [--postgres]
//              [--dlr-listener]
// --window: the most requests the outbox keeps open (delivery.send_window;
// default 256, the dispatcher's default). --start-window: the width the
// adaptive window starts from (default 0 = at --window, as the dispatcher does;
// e.g. 16 to watch it grow from there by its rate rule).
// --postgres: the store on a throwaway PostgreSQL 15 (tests/support; it runs
// with fsync=off, so a commit costs a round trip, not a disk flush) instead of
// SQLite.
// --wrk-connections: wrk's open connections (default 64, enough to saturate
// smsbox here). --receipts off (default): plain sendsms requests, the same
// in wrk and in the outbox. --receipts on asks for delivery receipts
// (dlr-mask=31 + dlr-url) as production does, in both; Kannel then does a
// receipt round per message (the fake SMSC acknowledges each at once), and
// since the fake SMSC never sends a final receipt, Kannel's in-memory receipt
// table only grows and each lookup scans it: the rate falls with every message,
// so use it with 10,000 messages or fewer. Each measurement gets a fresh Kannel.
// --immediate runs smsbox with immediate-sendsms-reply = true.
// --dlr-listener (with --receipts on): the outbox's dlr-url points at the
// dispatcher's own receipt listener (DeliveryHttpServer) on the same store, as
// in production, instead of a closed port: Kannel's receipts (here the fake
// SMSC's acks, one per SMS) are written while the outbox sends. Prints how many
// came and in how many transactions (ReceiptWriter's group commits). wrk's
// requests keep the closed port (their receipts would find no message).
// Prints the rates, the ratio, the dispatcher's CPU and bytes written to
// storage per message, and the peak RSS of this process.
//
// Latest, idle machine (2026-12-07 23:48-23:55 UTC, receipts on, the defaults, 10,000
// SMS; docs/delivery.md): ratio SQLite 0.94-0.96, PostgreSQL 0.81-1.02; with
// --dlr-listener SQLite 0.85, PostgreSQL 0.70-1.04 (3 runs).
// Figures (shared 2-core machine, 2026-11-24, load 2.8-4.1, 50,000 SMS, plain
// requests, 3 runs, median ratio; details in docs/delivery.md "Benchmark"):
//   W = 16 (default): 4,826 msg/s (4,260-4,826), wrk 7,650 req/s, ratio 0.63
//                     (0.55-0.73), 102 us CPU and 6.9 KB written per SMS, 22 MB RSS
//   W = 32:           5,016 msg/s (3,391-5,016), wrk 7,301 req/s, ratio 0.69
//                     (0.48-0.72), 89 us CPU and 4.6 KB written per SMS, 23 MB RSS
//   W = 1 (5,000 SMS): 1,455 msg/s, ratio 0.22
// Before (2026-11-23): W = 16 2,357 msg/s, ratio 0.34.
// With receipts (--receipts on, 10,000 SMS, the defaults W = 256 started at 256;
// 2026-12-07, load 7.5-14.2, 3 runs on SQLite, 5 on PostgreSQL; docs/delivery.md):
//   SQLite:     1,258-1,530 msg/s, wrk 1,473-1,760 req/s, ratio 0.84-1.00 (median 0.87)
//   PostgreSQL: 370-1,191 msg/s, wrk 1,449-1,919 req/s, ratio 0.21-0.82 (5 runs, median 0.36):
//               bound by ~2 round trips per SMS to the server, not by the window
// With the UPDATEs pipelined (SqlBatch: 4 round trips per group commit; 2026-12-07
// 15:00-15:05 UTC, load 8.0-12.1, 2 runs each, alternating; docs/delivery.md):
//   SQLite:     1,097-1,241 msg/s, wrk 1,016-1,036 req/s, ratio 1.08-1.20
//   PostgreSQL:   905-1,223 msg/s, wrk 1,123-1,141 req/s, ratio 0.81-1.07
// With connections to Kannel opened 8 at a time and 50 ms connect attempts (Kannel's
// listen backlog is 10; 256 connections at once lost SYNs for 1-7 s; 2026-12-07
// 17:41-18:07 UTC, load 15-20, 10,000 SMS with receipts, docs/delivery.md):
//   SQLite:     492-703 msg/s, wrk 350-637 req/s, ratio 1.04-1.66 (4 runs)
//   PostgreSQL: 543-637 msg/s, wrk 315-642 req/s, ratio 0.96-1.87 (3 runs)
//   1,000 SMS (SQLite): 1.7-1.8 s per pass, 0.84-1.41; the code before: 2.4-12.1 s, 0.19-0.77
//   At load 4.7-7.1 (18:45-18:48): SQLite 1,684 msg/s, wrk 2,457, 0.69 (goal not met);
//   PostgreSQL 1,495, wrk 1,609, 0.93
// SendWindow on the worker kit, receipts group-committed (2026-12-07 21:25-21:27, load
// 6.4-10.6, machine shared; docs/delivery.md "The send loop profiled"):
//   SQLite 1,571 msg/s (main's build 1,537), wrk 2,071 (1,124), 0.76 (1.37); PostgreSQL
//   1,421, wrk 1,953, 0.73; under nice -n 19 at load 14: SQLite 1.82, PostgreSQL 1.08.
//   The loop waits for Kannel's answers, not for the fsync.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <thread>

#include "dispatcher/http/delivery_http_server.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/sms/url_encoding.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "tests/support/child_process.h"
#include "tests/support/kannel_server.h"
#ifdef KEHRBOTE_BENCH_POSTGRES
#include "tests/support/postgres_server.h"
#endif
#include "tests/support/temp_dir.h"

using namespace kehrbote;

namespace {

struct Args {
  int messages = 50000, window = 256, start_window = 0, wrk_seconds = 10, wrk_connections = 64;
  bool receipts = false, immediate = false, postgres = false, dlr_listener = false;
};

constexpr const char* kText = "Grüß Gott! Ihr Rauchfangkehrer kommt am Montag, 23.11. um 08:00 Uhr.";
constexpr const char* kDlrUrl = "http://127.0.0.1:9/dlr";  // nobody listens: refused at once

test::KannelOptions KannelFor(const Args& a) {
  test::KannelOptions ko;
  ko.log_level = 2;  // warnings only: logging every message would measure the log
  ko.immediate_sendsms_reply = a.immediate;
  return ko;
}

// wrk against a fresh Kannel's sendsms with the request the outbox would send.
double WrkRate(const Args& a, bool receipts) {
  test::KannelOptions ko = KannelFor(a);
  test::KannelServer kannel(ko);
  kannel.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string target = kannel.SendsmsUrl() + "?username=" + ko.username + "&password=" +
                       PercentEncode(ko.password) +
                       "&from=HuberRFK&to=%2B436643000001&charset=UTF-8&coding=0&text=" +
                       PercentEncode(kText);
  if (receipts)
    target += "&dlr-mask=31&dlr-url=" + PercentEncode(std::string(kDlrUrl) + "?token=x");
  auto wrk = test::RunCommand({"wrk", "-t2", "-c" + std::to_string(a.wrk_connections),
                               "-d" + std::to_string(a.wrk_seconds) + "s", target},
                              std::chrono::seconds(a.wrk_seconds + 60));
  std::smatch m;
  if (std::regex_search(wrk.output, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    return std::stod(m[1]);
  std::cerr << "wrk output:\n" << wrk.output << "\n";
  return 0;
}

// Where the send loop's time went: waiting for answers, committing, handing out.
std::string LoopTimesLine(const SendLoopTimes& t, double send_s) {
  char line[256];
  std::snprintf(line, sizeof line,
                "waiting for answers %.2f s, committing %.2f s (%lld commits, %.1f/s, "
                "%.2f ms and %.1f outcomes each), claiming and handing out %.2f s",
                t.waiting.count(), t.committing.count(), static_cast<long long>(t.commits),
                static_cast<double>(t.commits) / std::max(send_s, 1e-9),
                t.commits ? 1e3 * t.committing.count() / static_cast<double>(t.commits) : 0.0,
                t.commits ? static_cast<double>(t.outcomes) / static_cast<double>(t.commits) : 0.0,
                t.filling.count());
  return line;
}

// With --dlr-listener: the receipts written during the send, and in how many transactions.
std::string ReceiptsLine(const DeliveryHttpServer* listener) {
  if (listener == nullptr) return "";
  const HttpCounters& c = listener->counters();
  const std::size_t groups = listener->receipts().groups();
  const int receipts = c.receipts_applied + c.receipts_ignored;
  return "receipts written meanwhile: " + std::to_string(receipts) + " (" +
         std::to_string(c.receipts_applied.load()) + " moved a state) in " +
         std::to_string(groups) + " transactions\n";
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    std::string arg = argv[i];
    if (arg == "--messages") a.messages = std::stoi(value("--messages"));
    else if (arg == "--window") a.window = std::stoi(value("--window"));
    else if (arg == "--start-window")
      a.start_window = std::stoi(value("--start-window"));
    else if (arg == "--postgres")
      a.postgres = true;
    else if (arg == "--wrk-seconds") a.wrk_seconds = std::stoi(value("--wrk-seconds"));
    else if (arg == "--wrk-connections") a.wrk_connections = std::stoi(value("--wrk-connections"));
    else if (arg == "--receipts") a.receipts = value("--receipts") != "off";
    else if (arg == "--immediate") a.immediate = true;
    else if (arg == "--dlr-listener")
      a.dlr_listener = true;
    else {
      std::cerr << "unknown argument " << arg << "\n";
      return 2;
    }
  }
  const double wrk_same = WrkRate(a, a.receipts);
  const double wrk_plain = a.receipts ? WrkRate(a, false) : wrk_same;

  test::TempDir dir("kehrbote-send-bench-");
  test::KannelOptions ko = KannelFor(a);
  test::KannelServer kannel(ko);
  kannel.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string url = "sqlite:" + dir.Sub("store/dispatcher.db");
#ifdef KEHRBOTE_BENCH_POSTGRES
  std::unique_ptr<test::PostgresServer> pg;
  if (a.postgres) {
    pg = std::make_unique<test::PostgresServer>();
    pg->Start();
    url = pg->CreateDatabase("send_bench");
  }
#else
  if (a.postgres) {
    std::cerr << "send_bench: built without tests/support's PostgreSQL\n";
    return 2;
  }
#endif
  auto db = Database::Open(url);
  PlanStore(*db).Migrate();
  SystemClock clock;
  KannelSettings ks;
  ks.sendsms_url = kannel.SendsmsUrl();
  ks.username = ko.username;
  ks.password = ko.password;
  if (a.receipts) ks.dlr_url = kDlrUrl;
  std::unique_ptr<DeliveryHttpServer> listener;
  if (a.receipts && a.dlr_listener) {
    listener =
        std::make_unique<DeliveryHttpServer>(*db, clock, HttpListenerSettings{}, ReplyRouting{});
    listener->Start();
    ks.dlr_url = "http://127.0.0.1:" + std::to_string(listener->port()) + "/dlr";
  }
  KannelChannel sms(ks, clock);
  OutboxOptions oo;
  oo.instance = "bench";
  oo.claim_batch = 200;
  oo.send_window = static_cast<std::size_t>(a.window);
  oo.send_window_start = static_cast<std::size_t>(a.start_window);
  Outbox outbox(*db, clock, {{"sms", &sms}}, oo);
  outbox.Migrate();

  const Instant now = clock.Now();
  auto t_insert = std::chrono::steady_clock::now();
  db->InTransaction([&](SqlConnection& c) {
    SqlStatement ins(
        c,
        "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
        "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
        "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at) "
        "VALUES ('huber', ?, 1, 'sms-1d', 'reminder', 'sms', ?, ?, 'HuberRFK', '', ?, "
        "0, ?, ?, 'planned', 0, ?, ?, ?)");
    SqlBatch batch(c);
    for (int i = 0; i < a.messages; ++i) {
      char to[32];
      std::snprintf(to, sizeof to, "+4366430%06d", i);
      const std::string t = to, appt = "A-" + std::to_string(i),
                        body = std::string(kText) + " Nr " + std::to_string(i);
      const int64_t due = now.time_since_epoch().count() - 60, deadline = due + 86400;
      ins.BindAll(appt, t, t, body, due, deadline, due, due, due).Run();
    }
    batch.Finish();
  });
  double insert_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_insert).count();

  auto cpu = [] {
    struct rusage r {};
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  };
  // Bytes this process caused to be written to storage (WAL, checkpoints).
  auto written = [] {
    std::ifstream io("/proc/self/io");
    std::string key;
    long long value = 0;
    while (io >> key >> value)
      if (key == "write_bytes:") return value;
    return 0LL;
  };
  const long long written0 = written();
  const double cpu0 = cpu();
  auto t0 = std::chrono::steady_clock::now();
  SendCounts total;
  std::size_t widest = 0;
  while (true) {
    SendCounts c = outbox.SendDue(clock.Now(), 10000);
    widest = std::max(widest, outbox.send_width());
    total.claimed += c.claimed;
    total.accepted += c.accepted;
    total.retried += c.retried;
    total.failed += c.failed;
    if (c.claimed == 0) break;
  }
  double send_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double outbox_rate = total.accepted / send_s;
  const double send_cpu = cpu() - cpu0;
  const long long send_written = written() - written0;
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::cout << "kannel immediate-sendsms-reply: " << (a.immediate ? "true" : "false")
            << ", receipts requested: " << (a.receipts ? "yes (dlr-mask=31)" : "no") << "\n"
            << "messages inserted: " << a.messages << " in " << insert_s << " s\n"
            << "outbox: " << total.accepted << " accepted, " << total.retried << " retried, "
            << total.failed << " failed in " << send_s << " s = " << outbox_rate << " msg/s"
            << " (send window up to " << a.window << ", started at "
            << (a.start_window > 0 ? std::min(a.start_window, a.window) : a.window)
            << ", width after each pass up to " << widest << ", at the end " << outbox.send_width()
            << "; every outcome committed" << (a.postgres ? " to PostgreSQL" : " to SQLite")
            << "), dispatcher CPU " << send_cpu
            << " s = " << 1e6 * send_cpu / std::max(1, total.accepted) << " us/msg, "
            << send_written / std::max(1, total.accepted) << " bytes written to storage/msg\n"
            << "send loop: " << LoopTimesLine(outbox.loop_times(), send_s) << "\n"
            << ReceiptsLine(listener.get()) << "wrk -t2 -c" << a.wrk_connections
            << ", same request: " << wrk_same << " req/s\n"
            << "wrk -t2 -c" << a.wrk_connections << ", plain request (no receipts): " << wrk_plain
            << " req/s\n"
            << "ratio outbox / wrk same request: " << (wrk_same > 0 ? outbox_rate / wrk_same : 0)
            << "\n"
            << "ratio outbox / wrk plain request: " << (wrk_plain > 0 ? outbox_rate / wrk_plain : 0)
            << "\n"
            << "peak RSS: " << ru.ru_maxrss / 1024 << " MB\n";
  return 0;
}
