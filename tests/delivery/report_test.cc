// Usage report and SMS-Protokoll over messages that really went through Kannel.
#include <date/tz.h>

#include <sstream>

#include "dispatcher/report/usage_report.h"
#include "tests/delivery/delivery_fixture.h"

namespace kehrbote::test {
namespace {

using std::chrono::seconds;

class ReportTest : public DeliveryFixture {};

TEST_F(ReportTest, UsageCountsOnlyDeliveredForCost) {
  std::string two_parts(200, 'x');
  int64_t a = Plan("+436641000050", "Eins");
  int64_t b = Plan("+436641000051", two_parts);
  int64_t c = Plan("+12025550123", "nicht zustellbar");  // 403 not routable
  outbox_->SendDue(clock_.Now(), 10);
  ASSERT_TRUE(WaitForState(a, "delivered", seconds(15)));
  ASSERT_TRUE(WaitForState(b, "delivered", seconds(15)));
  ASSERT_EQ(State(c), "failed");
  // One more SMS accepted but without receipt (yet): sent, not billed.
  kannel_->StopBearerbox();
  int64_t d = Plan("+436641000052", "Drei");
  outbox_->SendDue(clock_.Now(), 10);
  kannel_->StartBearerbox();
  // An e-mail accepted by the mail host.
  Execute(*db_->Connect(),
          "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, purpose, "
          "channel, contact_key, recipient, body, due_at, deadline_at, state, created_at, "
          "updated_at, sent_at) VALUES ('huber', 'A-9', 1, 'mail-2d', 'reminder', 'email', "
          "'k@example.at', 'k@example.at', 'x', 1, 2, 'accepted', 1, 1, ?)",
          static_cast<int64_t>(clock_.Now().time_since_epoch().count()));
  const std::string d_state = State(d);
  auto ymd = date::year_month_day(date::floor<date::days>(
      date::make_zoned("Europe/Vienna", std::chrono::system_clock::now()).get_local_time()));
  UsageQuery q;
  q.year = int(ymd.year());
  q.month = int(unsigned(ymd.month()));
  q.price_per_segment = 0.09;
  auto rows = QueryUsage(*db_, q);
  ASSERT_EQ(rows.size(), 1u);
  const FirmUsage& u = rows[0];
  EXPECT_EQ(u.firm_id, "huber");
  EXPECT_EQ(u.sms_sent, d_state == "planned" ? 2 : 3);  // a, b (+ d if smsbox queued it)
  EXPECT_EQ(u.delivered, 2);
  EXPECT_EQ(u.delivered_segments, 3);                  // 1 + 2 parts
  EXPECT_EQ(u.failed, 1);
  EXPECT_EQ(u.emails, 1);
  EXPECT_DOUBLE_EQ(u.cost, 0.27);                      // only delivered parts billed
  std::ostringstream csv;
  WriteUsage(rows, "csv", "EUR", csv);
  EXPECT_NE(csv.str().find("huber,"), std::string::npos);
  EXPECT_NE(csv.str().find(",3,1,1,0.27,EUR"), std::string::npos) << csv.str();
  // Another month is empty.
  q.month = q.month == 12 ? 1 : q.month + 1;
  EXPECT_EQ(QueryUsage(*db_, q)[0].sms_sent, 0);

  // The protocol of one contact: time, text, parts, state.
  auto proto = QueryProtocol(*db_, "huber", std::string("+436641000051"));
  ASSERT_EQ(proto.size(), 1u);
  EXPECT_EQ(proto[0].text, two_parts);
  EXPECT_EQ(proto[0].segments, 2);
  EXPECT_EQ(proto[0].state, "delivered");
  std::ostringstream table;
  WriteProtocol(QueryProtocol(*db_, "huber", std::nullopt), "table", "Europe/Vienna", table);
  EXPECT_NE(table.str().find("+12025550123"), std::string::npos);
  EXPECT_NE(table.str().find("routable"), std::string::npos) << table.str();
}

// A message resent after a crash is marked in every form of the protocol.
TEST(ProtocolFormatTest, EveryFormatMarksPossibleDuplicates) {
  ProtocolEntry dup;
  dup.id = 7;
  dup.channel = "sms";
  dup.recipient = "+436641000060";
  dup.appointment_id = "A-7";
  dup.rule_id = "sms-1d";
  dup.text = "Kehrtermin morgen";
  dup.state = "accepted";
  dup.segments = 1;
  dup.possible_duplicate = true;
  ProtocolEntry plain = dup;
  plain.id = 8;
  plain.appointment_id = "A-8";
  plain.possible_duplicate = false;
  for (const char* format : {"table", "json", "csv"}) {
    std::ostringstream out;
    WriteProtocol({dup, plain}, format, "Europe/Vienna", out);
    std::string text = out.str();
    std::string first = text.substr(0, text.find("A-8"));
    EXPECT_NE(first.find("duplicate"), std::string::npos) << format << ":\n" << text;
    // From the line that names A-8 to the end: all of the second entry.
    std::string second = text.substr(text.rfind('\n', text.find("A-8")) + 1);
    EXPECT_EQ(second.find("duplicate"), std::string::npos) << format << ":\n" << text;
  }
  std::ostringstream csv;
  WriteProtocol({dup, plain}, "csv", "Europe/Vienna", csv);
  std::istringstream lines(csv.str());
  std::string header, a, b;
  std::getline(lines, header);
  std::getline(lines, a);
  std::getline(lines, b);
  EXPECT_EQ(header.substr(header.rfind(',') + 1), "possible_duplicate");
  EXPECT_EQ(a.substr(a.rfind(',') + 1), "yes");
  EXPECT_EQ(b.substr(b.rfind(',') + 1), "");
}

}  // namespace
}  // namespace kehrbote::test
