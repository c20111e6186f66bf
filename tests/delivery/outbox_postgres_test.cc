// Two senders (two Outbox instances, as two dispatcher processes would run) on
// one PostgreSQL claim concurrently with FOR UPDATE SKIP LOCKED: every message
// reaches the real Kannel exactly once. Plus the receipt round trip and the
// quota/suppression queries on PostgreSQL.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "tests/support/kannel_server.h"
#include "tests/support/postgres_server.h"

namespace kehrbote::test {
namespace {

TEST(OutboxPostgresTest, TwoSendersNeverSendOneMessageTwice) {
  PostgresServer& pg = SharedPostgresServer();
  auto db = Database::Open(pg.CreateDatabase("delivery_two_senders"));
  PlanStore(*db).Migrate();
  SystemClock clock;
  {
    Outbox o(*db, clock, {});
    o.Migrate();
  }
  KannelServer kannel;
  kannel.Start();
  constexpr int kMessages = 300;
  DeliveryStore store(*db);
  for (int i = 0; i < kMessages; ++i) {
    DeliveryStore::NewMessage m;
    m.firm_id = "huber";
    m.appointment_id = "A-" + std::to_string(i);
    m.appointment_version = 1;
    m.rule_id = "sms-1d";
    m.purpose = MessagePurpose::kReminder;
    m.channel = ContactChannel::kSms;
    char to[32];
    std::snprintf(to, sizeof to, "+4366450%05d", i);
    m.contact_key = m.recipient = to;
    m.sender = "HuberRFK";
    m.body = "Termin " + std::to_string(i);
    m.deadline = clock.Now() + std::chrono::hours(10);
    ASSERT_TRUE(store.InsertMessage(m, clock.Now()));
  }
  SmsQuota unlimited;
  auto sender = [&](const std::string& instance, int* accepted) {
    KannelSettings ks;
    ks.sendsms_url = kannel.SendsmsUrl();
    ks.username = kannel.options().username;
    ks.password = kannel.options().password;
    KannelChannel sms(ks, clock);
    OutboxOptions oo;
    oo.instance = instance;
    oo.claim_batch = 10;
    oo.quota = [&](const std::string&) { return SmsQuota{100000, 100000}; };
    Outbox outbox(*db, clock, {{"sms", &sms}}, oo);
    while (true) {
      SendCounts c = outbox.SendDue(clock.Now(), 20);
      *accepted += c.accepted;
      if (c.claimed == 0) break;
    }
  };
  int a = 0, b = 0;
  std::thread t1(sender, "one", &a);
  std::thread t2(sender, "two", &b);
  t1.join();
  t2.join();
  EXPECT_EQ(a + b, kMessages);
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
  auto got = kannel.WaitForReceived(kMessages, std::chrono::seconds(30));
  std::map<std::string, int> copies;
  for (const auto& m : got) ++copies[m.to];
  EXPECT_EQ(static_cast<int>(copies.size()), kMessages);
  for (const auto& [to, n] : copies) EXPECT_EQ(n, 1) << to;
  EXPECT_EQ(QueryInt(*db->Connect(),
                     "SELECT COUNT(*) FROM messages WHERE state NOT IN ('accepted', 'delivered')")
                .value_or(-1),
            0);
  (void)unlimited;
}

TEST(OutboxPostgresTest, ReceiptsSuppressionAndRecoveryOnPostgres) {
  PostgresServer& pg = SharedPostgresServer();
  auto db = Database::Open(pg.CreateDatabase("delivery_receipts"));
  PlanStore(*db).Migrate();
  SystemClock clock;
  Outbox outbox(*db, clock, {});
  outbox.Migrate();
  DeliveryStore store(*db);
  DeliveryStore::NewMessage m;
  m.firm_id = "huber";
  m.appointment_id = "A-1";
  m.appointment_version = 1;
  m.rule_id = "sms-1d";
  m.purpose = MessagePurpose::kReminder;
  m.channel = ContactChannel::kSms;
  m.contact_key = m.recipient = "+436641234567";
  m.sender = "HuberRFK";
  m.body = "x";
  m.deadline = clock.Now() + std::chrono::hours(1);
  ASSERT_TRUE(store.InsertMessage(m, clock.Now()));
  ASSERT_FALSE(store.InsertMessage(m, clock.Now()));  // one per (version, contact, rule)
  // No channel configured: transient, back to planned with a reason.
  SendCounts c = outbox.SendDue(clock.Now(), 10);
  EXPECT_EQ(c.retried, 1);
  Execute(*db->Connect(),
          "UPDATE messages SET state = 'accepted', dlr_token = 'feedfacefeedfacefeedfacefeedface', "
          "sent_at = 1");
  EXPECT_EQ(store.ApplyReceipt("feedfacefeedfacefeedfacefeedface", 8, "ACK", "", clock.Now()),
            ReceiptResult::kRecorded);
  EXPECT_EQ(store.ApplyReceipt("feedfacefeedfacefeedfacefeedface", 1, "", "id-1", clock.Now()),
            ReceiptResult::kApplied);
  EXPECT_EQ(store.ApplyReceipt("feedfacefeedfacefeedfacefeedface", 2, "", "", clock.Now()),
            ReceiptResult::kIgnored);
  EXPECT_EQ(store.ApplyReceipt("0000000000000000deadbeef00000000", 1, "", "", clock.Now()),
            ReceiptResult::kUnknownToken);
  EXPECT_TRUE(store.AddSuppression("huber", "+436641234567", "STOP", clock.Now()));
  EXPECT_FALSE(store.AddSuppression("huber", "+436641234567", "STOP", clock.Now()));
  EXPECT_TRUE(store.IsSuppressed("huber", "+436641234567"));
  auto last = store.LastSmsTo("+436641234567");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->state, "delivered");
  RecoveryCounts r = outbox.RecoverInterrupted(clock.Now());
  EXPECT_EQ(r.resent, 0);
}

}  // namespace
}  // namespace kehrbote::test
