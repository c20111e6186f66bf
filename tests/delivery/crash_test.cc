// Kills the send loop (a separate process) with SIGKILL at random points while
// 10,000 messages go through the real Kannel, restarts it, and counts what
// fakesmsc received: none lost, duplicates only for messages flagged as
// possibly in flight, at most one per crash with send window 1 and at most W
// per crash with send window W.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <random>
#include <thread>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/database.h"
#include "tests/support/child_process.h"
#include "tests/support/kannel_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

constexpr int kMessages = 10000;
constexpr int kKills = 20;

std::string Number(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+4366420%05d", i);
  return buf;
}

class OutboxCrashTest : public ::testing::TestWithParam<int> {};

TEST_P(OutboxCrashTest, SigkillDuringSendingLosesNothingAndDuplicatesAtMostWindowPerCrash) {
  const int window = GetParam();
  TempDir dir("kehrbote-crash-");
  std::string url = "sqlite:" + dir.Sub("store/dispatcher.db");
  auto db = Database::Open(url);
  PlanStore(*db).Migrate();
  SystemClock clock;
  {
    Outbox migrate(*db, clock, {});
    migrate.Migrate();
  }
  DeliveryStore store(*db);
  const Instant t0 = clock.Now();
  db->InTransaction([&](Poco::Data::Session& s) {
    for (int i = 0; i < kMessages; ++i) {
      Poco::Int64 due = t0.time_since_epoch().count() - 10, deadline = due + 86400;
      std::string to = Number(i), appt = "A-" + std::to_string(i),
                  body = "Kehrtermin " + std::to_string(i) + ": morgen 8:00 Uhr. Grüße";
      Poco::Data::Statement st(s);
      st << db->Sql("INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                    "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                    "due_at, deadline_at, state, attempts, next_attempt_at, created_at, "
                    "updated_at) VALUES ('huber', ?, 1, 'sms-1d', 'reminder', 'sms', ?, ?, "
                    "'HuberRFK', '', ?, 0, ?, ?, 'planned', 0, ?, ?, ?)"),
          bind(appt), bind(to), bind(to), bind(body), bind(due), bind(deadline), bind(due),
          bind(due), bind(due);
      st.execute();
    }
  });

  KannelOptions ko;
  KannelServer kannel(ko);
  kannel.Start();

  const std::string worker = std::string(KEHRBOTE_BINARY_DIR) + "/tests/delivery/kehrbote_outbox_worker";
  std::mt19937 rng(std::random_device{}());
  // A wide window sends 10,000 messages in a few seconds: shorter pauses, so
  // that all kKills kills land before the last message is out.
  std::uniform_int_distribution<int> pause_ms(20, window > 1 ? 200 : 400);
  int kills = 0;
  bool finished = false;
  auto overall = std::chrono::steady_clock::now() + std::chrono::seconds(150);
  while (!finished && std::chrono::steady_clock::now() < overall) {
    ChildOptions o;
    o.argv = {worker, url, kannel.SendsmsUrl(), ko.username, ko.password, std::to_string(window)};
    o.output_file = dir.Sub("worker.log");
    ChildProcess child = ChildProcess::Spawn(o);
    if (kills < kKills) {
      auto status = child.Wait(std::chrono::milliseconds(pause_ms(rng)));
      if (status) {
        ASSERT_EQ(*status, 0);
        finished = true;
      } else {
        child.Kill(SIGKILL);
        child.Wait(std::chrono::seconds(5));
        ++kills;
      }
    } else {
      auto status = child.Wait(std::chrono::seconds(100));
      ASSERT_TRUE(status.has_value()) << "worker did not finish";
      ASSERT_EQ(*status, 0);
      finished = true;
    }
  }
  ASSERT_TRUE(finished);
  ASSERT_GE(kills, 1) << "the worker finished before the first kill; nothing was tested";

  // Everything left the store as sent.
  Poco::Data::Session s = db->GetSession();
  int unsent = -1;
  s << "SELECT COUNT(*) FROM messages WHERE state NOT IN ('accepted', 'delivered')", into(unsent),
      now;
  EXPECT_EQ(unsent, 0);

  // Wait until fakesmsc got at least one copy of each.
  std::map<std::string, int> copies;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    copies.clear();
    for (const auto& m : kannel.Received()) ++copies[m.to];
    if (static_cast<int>(copies.size()) >= kMessages) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  copies.clear();
  for (const auto& m : kannel.Received()) ++copies[m.to];

  int lost = 0, duplicates = 0;
  std::set<std::string> duplicated;
  for (int i = 0; i < kMessages; ++i) {
    int n = copies.count(Number(i)) ? copies[Number(i)] : 0;
    if (n == 0) ++lost;
    if (n > 1) {
      duplicates += n - 1;
      duplicated.insert(Number(i));
    }
  }
  EXPECT_EQ(lost, 0);
  EXPECT_LE(duplicates, kills * window) << "more duplicates than crashes times the send window";
  // Every duplicate is one the recovery flagged and logged.
  Poco::Data::Statement q(s);
  q << "SELECT contact_key FROM messages WHERE possible_duplicate = 1";
  q.execute();
  Poco::Data::RecordSet rs(q);
  std::set<std::string> flagged;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) flagged.insert(rs.value(0, r).convert<std::string>());
  for (const auto& d : duplicated) EXPECT_TRUE(flagged.count(d)) << d << " duplicated but not flagged";
  // A claim can straddle a crash with the next one: flagged <= 2 W per crash.
  EXPECT_LE(static_cast<int>(flagged.size()), 2 * kills * window);
  std::cout << "crash test: " << kMessages << " messages, send window " << window << ", " << kills
            << " SIGKILLs, " << duplicates
            << " duplicates, " << flagged.size() << " flagged as possible duplicates\n";
}

// 1: the strict setting (at most one duplicate per crash); 16: the default.
INSTANTIATE_TEST_SUITE_P(SendWindow, OutboxCrashTest, ::testing::Values(1, 16),
                         [](const auto& info) { return "window" + std::to_string(info.param); });

}  // namespace
}  // namespace kehrbote::test
