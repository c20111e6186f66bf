// Kills the send loop (a separate process) with SIGKILL at random points while
// thousands of messages go through the real Kannel, restarts it, and counts
// what fakesmsc received: none lost, every duplicate flagged as possibly in
// flight, and
//   - without receipts: at most one duplicate per crash with send window 1, at
//     most W per crash with send window W (every message possibly in flight is
//     sent again at once; the window adapts its width from 16 up to W);
//   - with receipts at a window of 16: at most one per crash (a message
//     possibly in flight waits for its receipt, which Kannel retries while the
//     worker is dead, and is sent again only without one); at the default
//     window of 256 at most W per crash (not all of up to 256 missed receipts
//     come back in time).
// The kill points are drawn from a seed, printed; KEHRBOTE_CRASH_SEED=N repeats
// them. KEHRBOTE_CRASH_MESSAGES and KEHRBOTE_CRASH_KILLS change the size of the
// receipts run (default 5,000 messages, 10 kills: the measurement).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "tests/support/child_process.h"
#include "tests/support/http_relay.h"
#include "tests/support/kannel_server.h"
#include "tests/support/tcp_port.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

std::string Number(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+4366420%05d", i);
  return buf;
}

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

struct CrashRun {
  int messages = 0;
  int kills = 0;
  int window = 1;
  bool receipts = false;
  int settle_seconds = 3;  // with receipts: the worker's settle_wait
};

struct CrashResult {
  int kills = 0, lost = 0, duplicates = 0, unsent = -1;
  std::set<std::string> duplicated, flagged;
  double seconds = 0;  // first start of the worker to its last exit
  int widest = 0;      // the send window's widest width after a pass
  std::string failures;  // the worker's "not sent: N reason" lines
};

std::string FailureLines(const std::string& log) {
  std::ifstream in(log);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("not sent: ", 0) == 0) out += line + "\n";
  return out;
}

// The widest the worker's send window got after a pass ("send width: N" lines).
int WidestWindow(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  int widest = 0;
  const std::string key = "send width: ";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) widest = std::max(widest, std::atoi(line.c_str() + key.size()));
  return widest;
}

void InsertMessages(Database& db, int count, Instant t0) {
  db.InTransaction([&](SqlConnection& c) {
    SqlStatement st(c,
                    "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                    "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                    "due_at, deadline_at, state, attempts, next_attempt_at, created_at, "
                    "updated_at) VALUES ('huber', ?, 1, 'sms-1d', 'reminder', 'sms', ?, ?, "
                    "'HuberRFK', '', ?, 1, ?, ?, 'planned', 0, ?, ?, ?)");
    for (int i = 0; i < count; ++i) {
      const int64_t due = t0.time_since_epoch().count() - 10, deadline = due + 86400;
      const std::string to = Number(i), appt = "A-" + std::to_string(i),
                        body = "Kehrtermin " + std::to_string(i) + ": morgen 8:00 Uhr. Grüße";
      st.BindAll(appt, to, to, body, due, deadline, due, due, due).Run();
    }
  });
}

int CountSent(Database& db) {
  return static_cast<int>(
      QueryInt(*db.Connect(),
               "SELECT COUNT(*) FROM messages WHERE sent_at IS NOT NULL OR state = 'sending'")
          .value_or(0));
}

// Messages fakesmsc received per number, once each number and then a sentinel
// arrived (bounded). The sentinel goes through Kannel after the worker ended:
// a duplicate the worker handed to Kannel before it died is queued ahead of it
// (one SMSC connection, first in first out), so the sentinel's arrival says the
// duplicates are in, without sleeping for them.
std::map<std::string, int> CopiesReceived(KannelServer& kannel, const KannelOptions& ko,
                                          int messages) {
  const std::string sentinel = "+436649999999";
  KannelSettings ks;
  ks.sendsms_url = kannel.SendsmsUrl();
  ks.username = ko.username;
  ks.password = ko.password;
  SystemClock clock;
  KannelChannel channel(ks, clock);
  OutgoingMessage m;
  m.channel = "sms";
  m.recipient = sentinel;
  m.sender = "Kehrbote";
  m.body = "Ende";
  m.deadline = clock.Now() + std::chrono::hours(1);
  const SendOutcome sent = channel.Send(m);
  EXPECT_EQ(sent.status, SendStatus::kAccepted) << "the sentinel SMS: " << sent.detail;
  std::map<std::string, int> copies;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    copies.clear();
    for (const auto& r : kannel.Received()) ++copies[r.to];
    // Every message once at least, and nothing more on its way.
    if (copies.count(sentinel) && static_cast<int>(copies.size()) > messages) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll interval, bounded
  }
  EXPECT_EQ(copies[sentinel], 1) << "the sentinel SMS did not arrive within 60 s";
  copies.erase(sentinel);
  return copies;
}

// Runs the worker, kills it at `run.kills` points (counts of messages sent,
// drawn from `seed`), restarts it each time, and counts the outcome.
CrashResult RunWithCrashes(const CrashRun& run, uint32_t seed) {
  CrashResult out;
  TempDir dir("kehrbote-crash-");
  std::string url = "sqlite:" + dir.Sub("store/dispatcher.db");
  auto db = Database::Open(url);
  PlanStore(*db).Migrate();
  SystemClock clock;
  {
    Outbox migrate(*db, clock, {});
    migrate.Migrate();
  }
  InsertMessages(*db, run.messages, clock.Now());

  KannelOptions ko;
  KannelServer kannel(ko);
  kannel.Start();

  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> point(1, run.messages - 1);
  std::vector<int> kill_at;
  for (int k = 0; k < run.kills; ++k) kill_at.push_back(point(rng));
  std::sort(kill_at.begin(), kill_at.end());

  const std::string worker =
      std::string(KEHRBOTE_BINARY_DIR) + "/tests/delivery/kehrbote_outbox_worker";
  // Kannel reaches the worker's listener through a relay, as through a
  // reverse proxy (see http_relay.h for why).
  const int listen_port = run.receipts ? FreeTcpPort() : 0;
  std::unique_ptr<HttpRelay> relay;
  if (run.receipts) relay = std::make_unique<HttpRelay>(listen_port);
  auto spawn = [&] {
    ChildOptions o;
    o.argv = {worker, url, kannel.SendsmsUrl(), ko.username, ko.password,
              std::to_string(run.window)};
    if (run.receipts) {
      o.argv.push_back(std::to_string(listen_port));
      o.argv.push_back("http://127.0.0.1:" + std::to_string(relay->port()) + "/dlr");
      o.argv.push_back(std::to_string(run.settle_seconds));
    }
    o.output_file = dir.Sub("worker.log");
    return ChildProcess::Spawn(o);
  };
  const auto started = std::chrono::steady_clock::now();
  const auto overall = started + std::chrono::seconds(240);
  bool finished = false;
  std::size_t next_kill = 0;
  while (!finished && std::chrono::steady_clock::now() < overall) {
    ChildProcess child = spawn();
    while (std::chrono::steady_clock::now() < overall) {
      if (auto status = child.Wait(std::chrono::milliseconds(20))) {
        EXPECT_EQ(*status, 0) << "worker failed";
        finished = true;
        break;
      }
      if (next_kill < kill_at.size() && CountSent(*db) >= kill_at[next_kill]) {
        child.Kill(SIGKILL);
        EXPECT_TRUE(child.Wait(std::chrono::seconds(5)).has_value());
        ++next_kill;
        ++out.kills;
        break;
      }
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.failures = FailureLines(dir.Sub("worker.log"));
  out.widest = WidestWindow(dir.Sub("worker.log"));
  EXPECT_TRUE(finished) << "the worker did not finish within 240 s";

  PooledConnection c = db->Connect();
  out.unsent = static_cast<int>(
      QueryInt(*c, "SELECT COUNT(*) FROM messages WHERE state NOT IN ('accepted', 'delivered')")
          .value_or(0));
  std::map<std::string, int> copies = CopiesReceived(kannel, ko, run.messages);
  for (int i = 0; i < run.messages; ++i) {
    int n = copies.count(Number(i)) ? copies[Number(i)] : 0;
    if (n == 0) ++out.lost;
    if (n > 1) {
      out.duplicates += n - 1;
      out.duplicated.insert(Number(i));
    }
  }
  SqlStatement q(*c, "SELECT contact_key FROM messages WHERE possible_duplicate = 1");
  while (q.Step()) out.flagged.insert(q.Text(0));
  return out;
}

uint32_t Seed() {
  const char* v = std::getenv("KEHRBOTE_CRASH_SEED");
  return v && *v ? static_cast<uint32_t>(std::strtoul(v, nullptr, 10)) : std::random_device{}();
}

void Report(const CrashRun& run, uint32_t seed, const CrashResult& r) {
  std::cout << "crash test: seed " << seed << " (KEHRBOTE_CRASH_SEED), " << run.messages
            << " messages, send window up to " << run.window << " (widest after a pass " << r.widest
            << "), receipts "
            << (run.receipts ? "on (settle " + std::to_string(run.settle_seconds) + " s)" : "off")
            << ", " << r.kills << " SIGKILLs, " << r.duplicates << " duplicates, "
            << r.flagged.size() << " flagged as possible duplicates, " << r.lost << " lost, "
            << r.seconds << " s, " << run.messages / r.seconds << " SMS/s\n"
            << r.failures;
}

void ExpectNoLossAndFlagged(const CrashResult& r) {
  EXPECT_EQ(r.unsent, 0);
  EXPECT_EQ(r.lost, 0);
  for (const auto& d : r.duplicated)
    EXPECT_TRUE(r.flagged.count(d)) << d << " duplicated but not flagged";
}

class OutboxCrashTest : public ::testing::TestWithParam<int> {};

TEST_P(OutboxCrashTest, SigkillDuringSendingLosesNothingAndDuplicatesAtMostWindowPerCrash) {
  CrashRun run;
  run.messages = 10000;
  run.kills = 20;
  run.window = GetParam();
  const uint32_t seed = Seed();
  CrashResult r = RunWithCrashes(run, seed);
  Report(run, seed, r);
  ASSERT_GE(r.kills, 1) << "the worker finished before the first kill; nothing was tested";
  ExpectNoLossAndFlagged(r);
  EXPECT_LE(r.duplicates, r.kills * run.window) << "more duplicates than crashes times the window";
  // A claim can straddle a crash with the next one: flagged <= 2 W per crash.
  // With W above the worker's claim batch (50) every row of every claim still
  // 'sending' counts as possibly in flight: up to W open and W - 1 + 50 claimed
  // ahead.
  const int per_crash = 2 * run.window + (run.window > 50 ? 50 : 0);
  EXPECT_LE(static_cast<int>(r.flagged.size()), r.kills * per_crash);
}

// 1: the strict setting (at most one duplicate per crash); 16: the default
// before 2026-12-07; 256: the default.
INSTANTIATE_TEST_SUITE_P(SendWindow, OutboxCrashTest, ::testing::Values(1, 16, 256),
                         [](const auto& p) { return "window" + std::to_string(p.param); });

// A receipts run at `window` (5,000 messages, 10 kills, settle_wait 3 s unless
// the environment says otherwise), checked for no loss and every duplicate
// flagged; returns what it found.
CrashResult RunWithReceipts(int window) {
  CrashRun run;
  run.messages = EnvInt("KEHRBOTE_CRASH_MESSAGES", 5000);
  run.kills = EnvInt("KEHRBOTE_CRASH_KILLS", 10);
  run.window = window;
  run.receipts = true;
  run.settle_seconds = EnvInt("KEHRBOTE_CRASH_SETTLE", 3);
  const uint32_t seed = Seed();
  CrashResult r = RunWithCrashes(run, seed);
  Report(run, seed, r);
  EXPECT_EQ(r.kills, run.kills);
  ExpectNoLossAndFlagged(r);
  return r;
}

// With receipts, messages possibly in flight at a crash wait for their receipt,
// which Kannel retries while the worker is dead, and are sent again only
// without one. At a window of 16 that leaves at most one duplicate per crash.
TEST(OutboxCrashReceiptsTest, SigkillAtWindow16WithReceiptsDuplicatesAtMostOnePerCrash) {
  CrashResult r = RunWithReceipts(16);
  EXPECT_LE(r.duplicates, r.kills) << "more than one duplicate per crash";
}

// The default window (256; Kannel with receipts answers slowly, so it stays
// wide): the receipts of up to 256 open requests are missed at each crash, and
// not all of them come back within settle_wait (2026-12-07: 15-100 duplicates
// per crash, with settle_wait 3 s to 30 s; docs/delivery.md). What holds is the
// bound: at most one duplicate per open request, each flagged.
TEST(OutboxCrashReceiptsTest,
     SigkillAtTheDefaultWindowWithReceiptsDuplicatesAtMostOnePerOpenRequest) {
  const int window = EnvInt("KEHRBOTE_CRASH_WINDOW", 256);
  CrashResult r = RunWithReceipts(window);
  EXPECT_LE(r.duplicates, r.kills * window) << "more duplicates than crashes times the window";
}

}  // namespace
}  // namespace kehrbote::test
