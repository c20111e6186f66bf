// ReceiptWriter on a real SQLite store: receipts handed in together share one
// transaction, each caller gets ApplyReceipt's result in the order of arrival,
// and none returns before its receipt is committed. The store's writer turn is
// held by the test to make the callers queue (no sleep, no timing).
#include "dispatcher/outbox/receipt_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "dispatcher/outbox/delivery_store.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/sql_connection.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

std::string Token(int i) {
  char t[40];
  std::snprintf(t, sizeof t, "%016x%016x", i, 0xfeedface);
  return t;
}

class ReceiptWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("kehrbote-receipt-writer-");
    db_ = Database::Open("sqlite:" + dir_->Sub("store/dispatcher.db"));
    PlanStore(*db_).Migrate();
    Outbox(*db_, clock_, {}).Migrate();
  }

  // `n` SMS accepted by the gateway, the i-th with Token(i).
  void AcceptedMessages(int n) {
    DeliveryStore store(*db_);
    for (int i = 0; i < n; ++i) {
      DeliveryStore::NewMessage m;
      m.firm_id = "huber";
      m.appointment_id = "A-" + std::to_string(i);
      m.appointment_version = 1;
      m.rule_id = "sms-1d";
      m.purpose = MessagePurpose::kReminder;
      m.contact_key = m.recipient = "+43664123456" + std::to_string(i % 10);
      m.sender = "HuberRFK";
      m.body = "x";
      m.deadline = clock_.Now() + std::chrono::hours(1);
      ASSERT_TRUE(store.InsertMessage(m, clock_.Now()));
    }
    Execute(*db_->Connect(),
            "UPDATE messages SET state = 'accepted', sent_at = 1, "
            "dlr_token = printf('%016x%016x', "
            "CAST(substr(appointment_id, 3) AS INTEGER), 4277009102)");
  }

  // Holds the store's writer turn until the returned promise is set.
  std::thread HoldWriter(std::promise<void>& release) {
    std::promise<void> holding;
    std::future<void> released = release.get_future();
    std::thread t([this, &holding, released = std::move(released)]() mutable {
      db_->InTransaction([&](SqlConnection&) {
        holding.set_value();
        released.wait();
      });
    });
    holding.get_future().wait();
    return t;
  }

  // Polls the writer's own counts (no sleep): the callers are where the test
  // wants them before it lets the writer go on.
  void WaitQueued(const ReceiptWriter& w, std::size_t n) {
    while (w.queued() < n) std::this_thread::yield();
  }
  void WaitCommitting(const ReceiptWriter& w) {
    while (w.committing() == 0) std::this_thread::yield();
  }

  Receipt At(int i, int status) { return {Token(i), status, "", "", clock_.Now()}; }

  SystemClock clock_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Database> db_;
};

// The first caller commits alone (it found nobody queued); the 31 that came
// while it waited for the writer turn go into one transaction together.
TEST_F(ReceiptWriterTest, ReceiptsThatComeTogetherShareOneTransaction) {
  AcceptedMessages(32);
  ReceiptWriter writer(*db_);
  std::promise<void> release;
  std::thread holder = HoldWriter(release);
  std::vector<std::future<ReceiptResult>> results;
  results.push_back(std::async(std::launch::async, [&] { return writer.Apply(At(0, 1)); }));
  WaitCommitting(writer);  // the first leads, alone, and waits for the writer turn
  for (int i = 1; i < 32; ++i)
    results.push_back(std::async(std::launch::async, [&, i] { return writer.Apply(At(i, 1)); }));
  WaitQueued(writer, 31);
  EXPECT_EQ(writer.groups(), 0u) << "nobody returns before the commit";
  release.set_value();
  holder.join();
  for (auto& r : results) EXPECT_EQ(r.get(), ReceiptResult::kApplied);
  EXPECT_EQ(writer.groups(), 2u);
  EXPECT_EQ(QueryInt(*db_->Connect(), "SELECT COUNT(*) FROM messages WHERE state = 'delivered'"),
            32);
  EXPECT_EQ(QueryInt(*db_->Connect(), "SELECT COUNT(*) FROM receipts"), 32);
}

// In one group, receipts for the same message apply in the order they came:
// an SMSC ack is recorded, "delivered" moves the state, a later "failed" is a
// replay of a final message; an unknown token changes nothing.
TEST_F(ReceiptWriterTest, OneGroupAppliesItsReceiptsInTheOrderTheyCame) {
  AcceptedMessages(2);
  ReceiptWriter writer(*db_);
  std::promise<void> release;
  std::thread holder = HoldWriter(release);
  auto first = std::async(std::launch::async, [&] { return writer.Apply(At(1, 8)); });
  WaitCommitting(writer);
  std::vector<std::future<ReceiptResult>> group;
  const std::vector<Receipt> in_order = {At(0, 8), At(0, 1), At(0, 2), At(99, 1)};
  for (std::size_t i = 0; i < in_order.size(); ++i) {
    // Each one queued before the next is handed in: the order is known.
    if (i > 0) WaitQueued(writer, i);
    group.push_back(std::async(std::launch::async, [&, i] { return writer.Apply(in_order[i]); }));
  }
  WaitQueued(writer, in_order.size());
  release.set_value();
  holder.join();
  EXPECT_EQ(first.get(), ReceiptResult::kRecorded);
  EXPECT_EQ(group[0].get(), ReceiptResult::kRecorded);
  EXPECT_EQ(group[1].get(), ReceiptResult::kApplied);
  EXPECT_EQ(group[2].get(), ReceiptResult::kIgnored);
  EXPECT_EQ(group[3].get(), ReceiptResult::kUnknownToken);
  EXPECT_EQ(writer.groups(), 2u);
  EXPECT_EQ(QueryText(*db_->Connect(), "SELECT state FROM messages WHERE dlr_token = ?", Token(0)),
            "delivered");
}

// A group whose transaction fails is applied again one receipt at a time: the
// store error reaches every caller here (the table is gone), and the writer
// goes on working once the store is back.
TEST_F(ReceiptWriterTest, AStoreErrorReachesTheCallersAndTheWriterGoesOn) {
  AcceptedMessages(1);
  ReceiptWriter writer(*db_);
  Execute(*db_->Connect(), "ALTER TABLE receipts RENAME TO receipts_gone");
  EXPECT_THROW(writer.Apply(At(0, 8)), DatabaseError);
  Execute(*db_->Connect(), "ALTER TABLE receipts_gone RENAME TO receipts");
  EXPECT_EQ(writer.Apply(At(0, 1)), ReceiptResult::kApplied);
}

}  // namespace
}  // namespace kehrbote::test
