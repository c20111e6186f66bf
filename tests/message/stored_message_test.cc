// A store written by the code before the enums (strings in `state`, `purpose`,
// `channel`) reads unchanged through them, on SQLite and PostgreSQL; a stored
// name this build does not know is an error naming it, not a default.
#include <gtest/gtest.h>

#include <string>

#include "dispatcher/message/message_value_error.h"
#include "dispatcher/message/stored_message.h"
#include "dispatcher/plan_store/plan_store.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

class StoredMessageTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  StoredMessageTest() : fresh_(GetParam()), plans_(fresh_.db()) { plans_.Migrate(); }

  // A row as today's code writes it, with the given stored names.
  void Insert(int id, const std::string& purpose, const std::string& channel,
              const std::string& state) {
    fresh_.db().Connect()->Execute(
        "INSERT INTO messages (id, firm_id, appointment_id, appointment_version, rule_id, "
        "purpose, channel, contact_key, recipient, body, due_at, deadline_at, state, "
        "created_at, updated_at) VALUES (" +
        std::to_string(id) + ", 'huber', 'A1', 1, 'rule-" + std::to_string(id) + "', '" + purpose +
        "', '" + channel + "', 'k', 'k', 'text', 100, 200, '" + state + "', 1, 1)");
  }

  std::vector<ExistingMessage> Read() {
    PooledConnection c = fresh_.db().Connect();
    return plans_.ExistingMessagesOfFirm(*c, "huber")["A1"];
  }

  test::FreshDatabase fresh_;
  PlanStore plans_;
};

TEST_P(StoredMessageTest, TodaysStringsReadAsTheirEnums) {
  Insert(1, "reminder", "sms", "planned");
  Insert(2, "change", "email", "accepted");
  Insert(3, "cancellation", "sms", "held");
  Insert(4, "manual", "sms", "cancelled");
  std::vector<ExistingMessage> rows = Read();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].purpose, MessagePurpose::kReminder);
  EXPECT_EQ(rows[0].channel, ContactChannel::kSms);
  EXPECT_EQ(rows[0].state, MessageState::kPlanned);
  EXPECT_TRUE(rows[0].pending());
  EXPECT_EQ(rows[1].purpose, MessagePurpose::kChange);
  EXPECT_EQ(rows[1].channel, ContactChannel::kEmail);
  EXPECT_EQ(rows[1].state, MessageState::kAccepted);
  EXPECT_TRUE(rows[1].sent());
  EXPECT_EQ(rows[2].purpose, MessagePurpose::kCancellation);
  EXPECT_EQ(rows[2].state, MessageState::kHeld);
  EXPECT_EQ(rows[3].purpose, MessagePurpose::kManual);
  EXPECT_EQ(rows[3].state, MessageState::kCancelled);
  EXPECT_FALSE(rows[3].pending());
}

TEST_P(StoredMessageTest, AnUnknownStoredStateIsAnErrorNamingIt) {
  Insert(1, "reminder", "sms", "sent");
  try {
    Read();
    FAIL() << "read a state this build does not know";
  } catch (const MessageValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown message state 'sent'"), std::string::npos)
        << e.what();
  }
}

TEST_P(StoredMessageTest, AnUnknownStoredChannelIsAnErrorNamingIt) {
  Insert(1, "reminder", "fax", "planned");
  EXPECT_THROW(Read(), MessageValueError);
}

// The one mapping (stored_message.h): a subset of columns selects and reads
// only those, in the fixed order, and a query's own columns follow it.
TEST_P(StoredMessageTest, ASubsetOfColumnsReadsOnlyThoseAndWhatFollowsIt) {
  Insert(7, "heartbeat", "email", "delivered");
  constexpr MessageColumns kSome = {MessageColumn::kState, MessageColumn::kId,
                                    MessageColumn::kChannel, MessageColumn::kDlrToken};
  EXPECT_EQ(kSome.size(), 4);
  EXPECT_EQ(kSome.SelectList("m"), "m.id, m.channel, m.state, m.dlr_token");
  PooledConnection c = fresh_.db().Connect();
  SqlStatement q(*c, "SELECT " + kSome.SelectList("m") + ", 42 FROM messages m");
  ASSERT_TRUE(q.Step());
  StoredMessage m = ReadStoredMessage(q, kSome);
  EXPECT_EQ(m.id, 7);
  EXPECT_EQ(m.channel, ContactChannel::kEmail);
  EXPECT_EQ(m.state, MessageState::kDelivered);
  EXPECT_EQ(m.dlr_token, "");  // NULL before the first claim
  EXPECT_EQ(m.body, "");       // not selected: the default
  EXPECT_EQ(m.purpose, MessagePurpose::kReminder);
  EXPECT_EQ(q.Int(kSome.size()), 42);
}

TEST_P(StoredMessageTest, EveryColumnReadsWithItsConversion) {
  Insert(3, "alarm", "sms", "failed");
  PooledConnection c = fresh_.db().Connect();
  SqlStatement q(*c, "SELECT " + MessageColumns::All().SelectList() + " FROM messages");
  ASSERT_TRUE(q.Step());
  EXPECT_EQ(q.Columns(), MessageColumns::All().size());
  StoredMessage m = ReadStoredMessage(q, MessageColumns::All());
  EXPECT_EQ(m.id, 3);
  EXPECT_EQ(m.firm_id, "huber");
  EXPECT_EQ(m.appointment_id, "A1");
  EXPECT_EQ(m.appointment_version, 1);
  EXPECT_EQ(m.rule_id, "rule-3");
  EXPECT_EQ(m.purpose, MessagePurpose::kAlarm);
  EXPECT_EQ(m.channel, ContactChannel::kSms);
  EXPECT_EQ(m.body, "text");
  EXPECT_EQ(m.due, Instant(std::chrono::seconds(100)));
  EXPECT_EQ(m.deadline, Instant(std::chrono::seconds(200)));
  EXPECT_EQ(m.state, MessageState::kFailed);
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(m.sent_at, Instant{});  // NULL: never sent
  EXPECT_EQ(m.last_error, "");
}

INSTANTIATE_TEST_SUITE_P(Engines, StoredMessageTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
