#include "dispatcher/heartbeat/heartbeat_text.h"

#include <gtest/gtest.h>

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using namespace std::chrono_literals;

Instant I(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

HeartbeatFacts Facts() {
  HeartbeatFacts f;
  f.firm_id = "huber";
  f.firm_name = "RFK Huber";
  f.now = I("2026-11-23T07:00:00+01:00");
  f.last_export_at = I("2026-11-22T23:05:00+01:00");
  f.last_export_appointments = 123;
  f.messages_today = 45;
  f.invalid_contacts = 3;
  return f;
}

TEST(HeartbeatTextTest, DailyHeartbeatStatesTheFacts) {
  HeartbeatFacts f = Facts();
  EXPECT_FALSE(IsAlarm(f));
  EXPECT_EQ(HeartbeatText(f),
            "Kehrbote Kontrolle RFK Huber 23.11.2026: Letzter Export 22.11.2026 23:05 mit 123 "
            "Terminen. Heute 45 Nachrichten. 3 ungültige Kontakte übersprungen.");
  f.invalid_contacts = 0;
  f.rejected_name = "huber-20261123.json";
  f.rejected_reason = "Schema: /appointments/3/start: fehlt";
  EXPECT_EQ(HeartbeatText(f),
            "Kehrbote Kontrolle RFK Huber 23.11.2026: Letzter Export 22.11.2026 23:05 mit 123 "
            "Terminen. Heute 45 Nachrichten. Abgelehnte Datei: huber-20261123.json (Schema: "
            "/appointments/3/start: fehlt). Der Dienstleister ist informiert.");
}

TEST(HeartbeatTextTest, MessagesWithAMissingValueAreReported) {
  HeartbeatFacts f = Facts();
  f.invalid_contacts = 0;
  f.missing_values = 2;
  f.missing_placeholders = "<<KehrbetriebTelefon>>";
  EXPECT_EQ(HeartbeatText(f),
            "Kehrbote Kontrolle RFK Huber 23.11.2026: Letzter Export 22.11.2026 23:05 mit 123 "
            "Terminen. Heute 45 Nachrichten. 2 Nachrichten nicht gesendet: fehlende Angaben "
            "(<<KehrbetriebTelefon>>).");
}

TEST(HeartbeatTextTest, AlarmAfter26Hours) {
  HeartbeatFacts f = Facts();
  f.now = I("2026-11-24T01:05:00+01:00");  // exactly 26 h: still fine
  EXPECT_FALSE(IsAlarm(f));
  f.now = I("2026-11-24T07:00:00+01:00");  // 31 h 55 min
  ASSERT_TRUE(IsAlarm(f));
  EXPECT_EQ(HeartbeatText(f).rfind("ALARM Kehrbote RFK Huber: Kein Export seit 22.11.2026 23:05 "
                                   "(31 Std.)",
                                   0),
            0u)
      << HeartbeatText(f);
  EXPECT_NE(HeartbeatSubject(f).find("Kein Export"), std::string::npos);
  f.alarm_after = 48h;
  EXPECT_FALSE(IsAlarm(f));
}

TEST(HeartbeatTextTest, OperatorAlarmListsFirmsAndNeverUploaded) {
  HeartbeatFacts a = Facts();
  a.now = I("2026-11-24T07:00:00+01:00");
  HeartbeatFacts never;
  never.firm_id = "maier";
  never.now = a.now;
  const std::string t = OperatorAlarmText({a, never}, a.now, "Europe/Vienna");
  EXPECT_EQ(t,
            "ALARM Kehrbote 24.11.2026 07:00: Kein Export seit mehr als 26 Std. bei 2 Betrieben:\n"
            "- RFK Huber (huber): Kein Export seit 22.11.2026 23:05\n"
            "- maier: noch nie ein Export");
}

TEST(HeartbeatTextTest, DeliveryBacklogIsReportedToFirmAndOperator) {
  HeartbeatFacts f = Facts();
  f.now = I("2026-11-23T07:00:00+01:00");
  f.retrying = 3;
  f.stalled_since = I("2026-11-23T05:30:00+01:00");
  f.delivery_error = "503 Service Unavailable";
  f.held = 2;
  ASSERT_FALSE(IsAlarm(f));
  EXPECT_TRUE(HasDeliveryProblem(f));
  const std::string text = HeartbeatText(f);
  EXPECT_NE(text.find("Zustellung gestört seit 23.11.2026 05:30: 3 Nachrichten warten "
                      "(503 Service Unavailable)."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("2 Nachrichten wegen SMS-Kontingent zurückgehalten."), std::string::npos) << text;

  const std::string op = OperatorAlarmText({f}, f.now, "Europe/Vienna");
  EXPECT_EQ(op.substr(0, op.find('\n')),
            "ALARM Kehrbote 23.11.2026 07:00: Zustellung gestört bei 1 Betrieb:");
  EXPECT_NE(op.find("- RFK Huber (huber): Zustellung gestört seit 23.11.2026 05:30"), std::string::npos)
      << op;
}

TEST(HeartbeatTextTest, ShortRetriesAreNoDeliveryProblem) {
  HeartbeatFacts f = Facts();
  f.now = I("2026-11-23T07:00:00+01:00");
  f.retrying = 1;
  f.stalled_since = f.now - std::chrono::minutes{20};
  EXPECT_FALSE(HasDeliveryProblem(f));
  // The firm still reads that a message waits.
  EXPECT_NE(HeartbeatText(f).find("1 Nachricht wartet"), std::string::npos);
}

// No "mit 1 Terminen", "1 ungültige Kontakte übersprungen". Every counted
// phrase of the heartbeat and the alarms agrees with its number.
TEST(HeartbeatTextTest, CountedPhrasesAgreeWithTheirNumber) {
  HeartbeatFacts f = Facts();
  f.last_export_appointments = 1;
  f.messages_today = 1;
  f.invalid_contacts = 1;
  f.missing_values = 1;
  f.retrying = 1;
  f.stalled_since = I("2026-11-23T05:30:00+01:00");
  f.held = 1;
  EXPECT_EQ(HeartbeatText(f),
            "Kehrbote Kontrolle RFK Huber 23.11.2026: Letzter Export 22.11.2026 23:05 mit 1 "
            "Termin. Heute 1 Nachricht. 1 ungültiger Kontakt übersprungen. 1 Nachricht nicht "
            "gesendet: fehlende Angaben. Zustellung gestört seit 23.11.2026 05:30: 1 Nachricht "
            "wartet. 1 Nachricht wegen SMS-Kontingent zurückgehalten.");
  f.last_export_appointments = 0;
  f.messages_today = 0;
  f.invalid_contacts = 2;
  f.missing_values = 2;
  f.retrying = 2;
  f.held = 2;
  EXPECT_EQ(HeartbeatText(f),
            "Kehrbote Kontrolle RFK Huber 23.11.2026: Letzter Export 22.11.2026 23:05 mit 0 "
            "Terminen. Heute 0 Nachrichten. 2 ungültige Kontakte übersprungen. 2 Nachrichten "
            "nicht gesendet: fehlende Angaben. Zustellung gestört seit 23.11.2026 05:30: 2 "
            "Nachrichten warten. 2 Nachrichten wegen SMS-Kontingent zurückgehalten.");

  HeartbeatFacts never;
  never.firm_id = "maier";
  never.now = f.now;
  never.alarm_after = 1h;
  EXPECT_EQ(OperatorAlarmText({never}, f.now, "Europe/Vienna"),
            "ALARM Kehrbote 23.11.2026 07:00: Kein Export seit mehr als 1 Std. bei 1 Betrieb:\n"
            "- maier: noch nie ein Export");
}

}  // namespace
}  // namespace kehrbote
