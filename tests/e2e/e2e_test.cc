// End to end on real servers: agent -> SFTP drop -> dispatcher -> Kannel/fakesmsc
// and SMTP, three days of virtual time (tests/e2e/demo_scenario.h). The scenario
// runs once per process; each test asserts one thing a person would check in
// the demo's output.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "shared/time/zoned_time.h"
#include "tests/e2e/demo_scenario.h"

namespace kehrbote::e2e {
namespace {

// The named hard cases of scripts/demo-data/make-office-db. The scenario's first
// day is the Friday before this year's October clock change (2026-10-23 in
// 2026), so T-DST always lands in the night of the change; comments use 2026.
constexpr const char* kHkMobile = "+4366615651324";     // T-HK, Tel.Nr.1
constexpr const char* kHkLandline = "+43725253131";     // T-HK, Tel.Nr.2 (07252 / 53131)
constexpr const char* kNoConsent = "+436761234567";     // T-NOCONSENT, no tick
constexpr const char* kNurHkDe = "+4915123456789";      // T-NURHK, Nur HK
constexpr const char* kNurHkAt = "+4369911223344";      // T-NURHK, Nur HK
constexpr const char* kCancelMobile = "+436604110501";  // T-CANCEL, Tel.Nr.1
constexpr const char* kMoveEmail = "office.4@example.at";  // T-MOVE (its phone is a landline)
constexpr const char* kDstMobile = "+491601064085";     // T-DST, German mobile

class ScenarioEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (scenario) scenario->Stop();
  }
  std::unique_ptr<DemoScenario> scenario;
  std::string error;
  bool ran = false;
};

ScenarioEnvironment* env = nullptr;

const ScenarioResult& Result() {
  if (!env->ran) {
    env->ran = true;
    ScenarioOptions options = DefaultScenarioOptions();
    env->scenario = std::make_unique<DemoScenario>(options);
    try {
      env->scenario->Run();
    } catch (const std::exception& e) {
      env->error = e.what();
    }
  }
  return env->scenario->result();
}

#define REQUIRE_SCENARIO()                                   \
  const ScenarioResult& r = Result();                        \
  ASSERT_TRUE(env->error.empty()) << env->error;             \
  (void)r

// "+43725*****31" names "+43725253131": same visible prefix and suffix.
bool MaskMatches(const std::string& masked, const std::string& e164) {
  size_t a = masked.find('*'), b = masked.rfind('*');
  if (a == std::string::npos) return masked == e164;
  std::string prefix = masked.substr(0, a), suffix = masked.substr(b + 1);
  return e164.size() >= prefix.size() + suffix.size() && e164.rfind(prefix, 0) == 0 &&
         e164.compare(e164.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Describe(const ScenarioResult& r, const std::string& id) {
  std::string out;
  for (const auto* m : r.MessagesFor(id))
    out += "  message " + m->rule + " " + m->channel + " " + m->contact + " due " + m->due_at +
           " " + m->state + " v" + std::to_string(m->appointment_version) + ": " + m->reason +
           "\n";
  for (const auto* s : r.SkipsFor(id))
    out += "  skipped " + s->rule + " " + s->channel + " " + s->contact + " v" +
           std::to_string(s->appointment_version) + " " + s->kind + ": " + s->reason + "\n";
  return out;
}

// Day n of the scenario (0 = the Friday before the clock change) as
// "YYYY-MM-DD", "25. Oktober 2026" and "YYYYMMDD".
std::string Day(int n) {
  return FormatLocalDate(*ParseLocalDate(DefaultScenarioOptions().first_day) +
                         std::chrono::days(n));
}
// Day n as the German long date of the texts: "25. Oktober 2026" (an Austrian
// firm: "Jänner" in January).
std::string LongDate(int n) {
  static const char* const kMonths[] = {"Jänner", "Februar", "März",     "April",
                                        "Mai",    "Juni",    "Juli",     "August",
                                        "September", "Oktober", "November", "Dezember"};
  const std::string d = Day(n);
  return std::to_string(std::stoi(d.substr(8, 2))) + ". " + kMonths[std::stoi(d.substr(5, 2)) - 1] +
         " " + d.substr(0, 4);
}
std::string Compact(int n) {
  const std::string d = Day(n);
  return d.substr(0, 4) + d.substr(5, 2) + d.substr(8, 2);
}

std::string LocalHm(Instant t) { return LocalMinute(t).substr(11); }
std::string LocalDate(Instant t) { return LocalMinute(t).substr(0, 10); }

TEST(EndToEnd, AgentUploadsAndEveryDispatcherPassSucceeds) {
  REQUIRE_SCENARIO();
  // Midnight of day one, then the agent's schedule 05:30 and 12:00 on 3 days.
  ASSERT_EQ(r.agent_runs.size(), 7u);
  for (const auto& a : r.agent_runs) EXPECT_EQ(a.exit_code, 0) << a.output;
  // 3 local days, one of them 25 hours long.
  EXPECT_EQ(r.passes.size(), 73u);
  int applied = 0;
  for (const auto& p : r.passes) {
    EXPECT_EQ(p.exit_code, 0) << p.label << "\n" << p.output;
    if (p.output.find(" 1 applied") != std::string::npos) ++applied;
  }
  EXPECT_EQ(applied, 7) << "every export applied, each once";
  EXPECT_TRUE(r.problems.empty()) << r.problems.front();
}

TEST(EndToEnd, FirmGetsAHeartbeatEachMorning) {
  REQUIRE_SCENARIO();
  auto beats = r.SmsTo(ScenarioFirm::kHeartbeatMobile);
  ASSERT_EQ(beats.size(), 3u) << "one heartbeat SMS per day";
  const std::string days[] = {Day(0), Day(1), Day(2)};
  for (size_t i = 0; i < beats.size(); ++i) {
    EXPECT_EQ(LocalDate(beats[i]->virtual_at), days[i]);
    EXPECT_EQ(LocalHm(beats[i]->virtual_at), "07:00") << "heartbeat time 07:00 local";
    EXPECT_FALSE(beats[i]->text.empty());
    // A heartbeat, not the alarm: an export arrived within the last 26 h.
    EXPECT_EQ(beats[i]->text.find("Kein Export"), std::string::npos) << beats[i]->text;
  }
  // The export header's heartbeat contact (e-mail) gets it too.
  int mails = 0;
  for (const auto& e : r.emails)
    if (e.to.find(ScenarioFirm::kHeartbeatEmail) != std::string::npos) ++mails;
  EXPECT_EQ(mails, 3);
}

TEST(EndToEnd, MainSweepReminderArrivesWithUmlautsIntact) {
  REQUIRE_SCENARIO();
  auto sms = r.SmsTo(kHkMobile);
  ASSERT_EQ(sms.size(), 2u) << "sms-2d and sms-1d for T-HK\n" << Describe(r, "T-HK");
  for (const auto* s : sms) {
    EXPECT_NE(s->text.find("Grüß Gott! Ihr Rauchfangkehrer kommt am Sonntag, " + LongDate(2) +
                           ", 09:00 Uhr: Redtenbachergasse 3."),
              std::string::npos)
        << s->text;
    EXPECT_NE(s->text.find("Redtenbachergasse 3"), std::string::npos) << s->text;
    EXPECT_EQ(s->text.find('?'), std::string::npos) << "no character lost: " << s->text;
    EXPECT_EQ(s->from, ScenarioFirm::kSenderName);
  }
}

TEST(EndToEnd, ReminderAcrossTheClockChangeKeepsItsLocalTime) {
  REQUIRE_SCENARIO();
  // T-HK is on Sunday 2026-10-25 09:00 CET; one day before is Saturday 09:00 CEST
  // (25 hours earlier on the UTC line), not 08:00 or 10:00.
  auto sms = r.SmsTo(kHkMobile);
  ASSERT_EQ(sms.size(), 2u) << Describe(r, "T-HK");
  EXPECT_EQ(LocalMinute(sms[0]->virtual_at), Day(0) + " 09:00");
  EXPECT_EQ(LocalMinute(sms[1]->virtual_at), Day(1) + " 09:00");
  bool found = false;
  for (const auto* m : r.MessagesFor("T-HK"))
    if (m->rule == "sms-1d" && m->channel == "sms") {
      EXPECT_EQ(m->due_at, Day(1) + "T09:00:00+02:00");
      found = true;
    }
  EXPECT_TRUE(found) << Describe(r, "T-HK");
}

TEST(EndToEnd, DstNightAppointmentIsRemindedBeforeTheQuietHours) {
  REQUIRE_SCENARIO();
  // T-DST: 2026-10-25 02:30, a time that happens twice; the earlier (CEST) is
  // taken. One day before is 2026-10-24 02:30, inside the quiet hours
  // 20:00-08:00, so the reminder moves earlier to 20:00 the evening before.
  bool found = false;
  for (const auto* m : r.MessagesFor("T-DST"))
    if (m->rule == "sms-1d") {
      EXPECT_EQ(m->due_at, Day(0) + "T20:00:00+02:00") << Describe(r, "T-DST");
      found = true;
    }
  EXPECT_TRUE(found) << Describe(r, "T-DST");
  auto sms = r.SmsTo(kDstMobile);
  ASSERT_FALSE(sms.empty()) << Describe(r, "T-DST");
  bool at_20 = false;
  for (const auto* s : sms) {
    // Nothing in the quiet hours except what the late policy sends at once.
    if (LocalMinute(s->virtual_at) == Day(0) + " 20:00") at_20 = true;
    EXPECT_LT(s->virtual_at, ToInstant(*ParseLocalDateTime(Day(2) + "T02:30:00"),
                                       ScenarioFirm::kTimezone))
        << "nothing after the appointment started";
  }
  EXPECT_TRUE(at_20) << Describe(r, "T-DST");
}

// 41 of 294 SMS used to repeat a text to the same number within 12 hours
// (a late "2 days before" at 08:00, then the "1 day before" at 09:00).
TEST(EndToEnd, NoCustomerGetsTheSameTextTwiceWithin12Hours) {
  REQUIRE_SCENARIO();
  const auto repeats = r.RepeatedTexts(std::chrono::hours{12});
  std::string list;
  for (const auto& [first, again] : repeats)
    list += LocalMinute(first->virtual_at) + " and " + LocalMinute(again->virtual_at) + " to " +
            again->to + "\n";
  EXPECT_TRUE(repeats.empty()) << repeats.size() << " of " << r.sms.size()
                               << " SMS repeat a text within 12 h:\n" << list;
}

TEST(EndToEnd, LandlineAndNoConsentGetNoSmsAndAreListedWithReasons) {
  REQUIRE_SCENARIO();
  EXPECT_TRUE(r.SmsTo(kHkLandline).empty());
  EXPECT_TRUE(r.SmsTo(kNoConsent).empty());
  bool landline = false;
  for (const auto* s : r.SkipsFor("T-HK"))
    if (MaskMatches(s->contact, kHkLandline) && !s->reason.empty()) landline = true;
  EXPECT_TRUE(landline) << Describe(r, "T-HK");
  bool no_consent = false;
  for (const auto* s : r.SkipsFor("T-NOCONSENT"))
    if (MaskMatches(s->contact, kNoConsent) && !s->reason.empty()) no_consent = true;
  EXPECT_TRUE(no_consent) << Describe(r, "T-NOCONSENT");
  EXPECT_TRUE(r.MessagesFor("T-NOCONSENT").empty()) << Describe(r, "T-NOCONSENT");
}

TEST(EndToEnd, MainSweepOnlyContactsAreNotUsedForASweep) {
  REQUIRE_SCENARIO();
  EXPECT_TRUE(r.SmsTo(kNurHkDe).empty());
  EXPECT_TRUE(r.SmsTo(kNurHkAt).empty());
  EXPECT_TRUE(r.MessagesFor("T-NURHK").empty()) << Describe(r, "T-NURHK");
  int skipped = 0;
  for (const auto* s : r.SkipsFor("T-NURHK"))
    if ((MaskMatches(s->contact, kNurHkDe) || MaskMatches(s->contact, kNurHkAt)) &&
        !s->reason.empty())
      ++skipped;
  EXPECT_GE(skipped, 2) << Describe(r, "T-NURHK");
}

TEST(EndToEnd, MovedAppointmentGetsAChangeNotice) {
  REQUIRE_SCENARIO();
  // T-MOVE (2026-10-26 08:00, contact by e-mail only) got its 2-day e-mail on
  // 2026-10-24 08:00; the second export (12:00) moves it to 2026-10-27 13:30.
  std::vector<const ReceivedEmail*> mails;
  for (const auto& e : r.emails)
    if (e.to.find(kMoveEmail) != std::string::npos) mails.push_back(&e);
  ASSERT_GE(mails.size(), 2u) << Describe(r, "T-MOVE");
  EXPECT_EQ(LocalMinute(mails[0]->virtual_at), Day(1) + " 08:00");
  EXPECT_EQ(mails[0]->subject.find("Terminänderung"), std::string::npos);
  EXPECT_EQ(LocalMinute(mails[1]->virtual_at), Day(1) + " 12:00");
  EXPECT_NE(mails[1]->subject.find("Terminänderung"), std::string::npos) << mails[1]->subject;
  EXPECT_NE(mails[1]->text.find(LongDate(4)), std::string::npos) << mails[1]->text;
  EXPECT_NE(mails[1]->text.find("13:30"), std::string::npos) << mails[1]->text;
  // The calendar file carries the new time in the firm's zone.
  EXPECT_NE(mails[1]->ics.find("DTSTART;TZID=Europe/Vienna:" + Compact(4) + "T133000"), std::string::npos)
      << mails[1]->ics;
  bool change = false;
  for (const auto* m : r.MessagesFor("T-MOVE"))
    if (m->rule == "change") change = true;
  EXPECT_TRUE(change) << Describe(r, "T-MOVE");
}

TEST(EndToEnd, CancelledAppointmentGetsACancellationNoticeAndNoMoreReminders) {
  REQUIRE_SCENARIO();
  // T-CANCEL (2026-10-26 11:00): the 2-day SMS went out 2026-10-24 11:00; the
  // cancellation arrives at 12:00, so that contact gets a cancellation notice
  // and the pending 1-day reminder (due 2026-10-25 11:00) is dropped.
  auto sms = r.SmsTo(kCancelMobile);
  ASSERT_EQ(sms.size(), 2u) << Describe(r, "T-CANCEL");
  EXPECT_EQ(LocalMinute(sms[0]->virtual_at), Day(1) + " 11:00");
  EXPECT_EQ(LocalMinute(sms[1]->virtual_at), Day(1) + " 12:00");
  EXPECT_NE(sms[1]->text.find("Terminabsage"), std::string::npos) << sms[1]->text;
  bool dropped = false;
  for (const auto* m : r.MessagesFor("T-CANCEL"))
    if (m->rule == "sms-1d") {
      EXPECT_EQ(m->state, "cancelled") << Describe(r, "T-CANCEL");
      dropped = true;
    }
  EXPECT_TRUE(dropped) << Describe(r, "T-CANCEL");
}

TEST(EndToEnd, EmailsCarryTextAndCalendarFile) {
  REQUIRE_SCENARIO();
  int reminders = 0;
  for (const auto& e : r.emails) {
    if (e.to.find(ScenarioFirm::kHeartbeatEmail) != std::string::npos) continue;
    EXPECT_FALSE(e.subject.empty());
    // Decoded as a mail reader shows it: no double space where the subject was folded.
    EXPECT_EQ(e.subject.find("  "), std::string::npos) << e.subject;
    EXPECT_FALSE(e.text.empty()) << e.subject;
    if (e.subject.rfind("Terminerinnerung:", 0) == 0) {
      ++reminders;
      EXPECT_NE(e.ics.find("BEGIN:VEVENT"), std::string::npos) << e.subject;
      EXPECT_TRUE(e.has_html) << e.subject;
    }
  }
  EXPECT_GT(reminders, 0);
  // T-HK's 2-day e-mail (office@winchim.example, 2026-10-23 09:00): the event
  // starts on Sunday 09:00 local, after the clock change.
  bool hk = false;
  for (const auto& e : r.emails) {
    if (e.to.find("office@winchim.example") == std::string::npos) continue;
    hk = true;
    EXPECT_EQ(LocalMinute(e.virtual_at), Day(0) + " 09:00");
    EXPECT_EQ(e.subject, "Terminerinnerung: Hauptkehrung am Sonntag, " + LongDate(2));
    EXPECT_NE(e.text.find("Sehr geehrter Herr Ing. Mustermann,"), std::string::npos) << e.text;
    EXPECT_NE(e.text.find("am Sonntag, " + LongDate(2) + ", 09:00 Uhr"), std::string::npos) << e.text;
    EXPECT_NE(e.text.find("  Redtenbachergasse 3, 4400 Steyr"), std::string::npos) << e.text;
    EXPECT_NE(e.ics.find("DTSTART;TZID=Europe/Vienna:" + Compact(2) + "T090000"), std::string::npos)
        << e.ics;
  }
  EXPECT_TRUE(hk) << "no e-mail for T-HK";
}

TEST(EndToEnd, UsageReportCountsWhatFakesmscReceived) {
  REQUIRE_SCENARIO();
  ASSERT_EQ(r.usage_report.exit_code, 0) << r.usage_report.output;
  ASSERT_EQ(r.usage_report_json.exit_code, 0) << r.usage_report_json.output;
  int parts = 0;
  for (const auto& s : r.sms) parts += s.parts;
  const std::string& json = r.usage_report_json.output;
  auto number_after = [&](const std::string& key) -> long {
    size_t p = json.find("\"" + key + "\"");
    if (p == std::string::npos) return -1;
    p = json.find(':', p);
    return std::strtol(json.c_str() + p + 1, nullptr, 10);
  };
  EXPECT_EQ(number_after("sms_sent"), static_cast<long>(r.sms.size())) << json;
  EXPECT_EQ(number_after("segments"), parts) << json;
  EXPECT_EQ(number_after("emails"), static_cast<long>(r.emails.size())) << json;
  // The fake SMSC delivers everything, and `once --receipt-wait` took the receipts:
  // every SMS is delivered, so billed.
  EXPECT_EQ(number_after("delivered"), static_cast<long>(r.sms.size())) << json;
  EXPECT_EQ(number_after("failed"), 0) << json;
}

}  // namespace
}  // namespace kehrbote::e2e

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  kehrbote::e2e::env = new kehrbote::e2e::ScenarioEnvironment;
  ::testing::AddGlobalTestEnvironment(kehrbote::e2e::env);
  return RUN_ALL_TESTS();
}
