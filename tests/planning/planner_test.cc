#include "dispatcher/planning/planner.h"

#include <gtest/gtest.h>

#include "dispatcher/planning/contact_selection.h"
#include "dispatcher/planning/message_text.h"

namespace kehrbote {
namespace {

using namespace std::chrono_literals;

Instant I(const char* rfc3339) { return *ParseRfc3339(rfc3339); }
std::string At(Instant t) { return FormatRfc3339(t, "Europe/Vienna"); }

FirmPolicy Firm() {
  FirmPolicy f;
  f.firm_id = "huber";
  f.firm_name = "RFK Huber";
  f.firm_phone = "07252 / 12345";
  f.sender_name = "Huber RFK";
  ReminderRule sms;
  sms.name = "sms-1d";
  sms.channel = ContactChannel::kSms;
  sms.lead = 24h;
  sms.lead_days = std::chrono::days{1};  // "1d"
  ReminderRule mail;
  mail.name = "mail-2d";
  mail.channel = ContactChannel::kEmail;
  mail.lead = 48h;
  mail.lead_days = std::chrono::days{2};
  mail.at = 18h;
  f.rules = {sms, mail};
  return f;
}

Contact Sms(const char* number, bool consent = true, bool hk_only = false) {
  return Contact{ContactChannel::kSms, number, consent, hk_only};
}
Contact Mail(const char* address, bool consent = true) {
  return Contact{ContactChannel::kEmail, address, consent, false};
}

Appointment Appt(std::vector<Contact> contacts, const char* day = "2026-11-25",
                 std::chrono::minutes time = 8h) {
  Appointment a;
  a.id = "A1";
  a.kind = AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate(day);
  a.start.time = time;
  a.object = {"O1", "Redtenbachergasse 3", "4400", "Steyr"};
  a.customer = {"Herr", "Ing.", "Karl", "Mustermann", ""};
  a.contacts = std::move(contacts);
  return a;
}

const PlannedSkip* FindSkip(const AppointmentPlan& p, SkipKind kind) {
  for (const auto& s : p.skips)
    if (s.kind == kind) return &s;
  return nullptr;
}

const Instant kNow = I("2026-11-20T10:00:00+01:00");

TEST(ContactSelectionTest, ConsentNurHkMobileOnlyDuplicatesAndThreeNumbers) {
  FirmPolicy f = Firm();
  Appointment a = Appt({
      Sms("0664 1234567"),                     // mobile: used
      Sms("0664 2345678", /*consent=*/false),  // no consent
      Sms("0664 3456789", true, /*hk_only=*/true),  // Nur HK, appointment is a sweep
      Sms("07252 12345"),                      // Steyr landline
      Sms("12"),                               // invalid
      Sms("+43 664 1234567"),                  // same number again
      Sms("0660 1111111"), Sms("0676 2222222"),
      Sms("0699 3333333"),                     // fourth mobile number
      Mail("Office@Example.AT"), Mail("kein-at-zeichen"),
  });
  ContactSelection s = SelectContacts(a, f);
  std::vector<std::string> keys;
  for (const auto& c : s.contacts) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"+436641234567", "+436601111111", "+436762222222",
                                            "office@example.at"}));
  std::vector<SkipKind> kinds;
  for (const auto& k : s.skips) kinds.push_back(k.kind);
  EXPECT_EQ(kinds, (std::vector<SkipKind>{SkipKind::kNoConsent, SkipKind::kMainSweepOnly,
                                          SkipKind::kLandline, SkipKind::kInvalidNumber,
                                          SkipKind::kDuplicate, SkipKind::kTooManyNumbers,
                                          SkipKind::kInvalidEmail}));
  // Masked in skips, never the full number.
  EXPECT_EQ(s.skips[2].masked.find("12345"), std::string::npos) << s.skips[2].masked;
  EXPECT_NE(s.skips[2].reason.find("Festnetz"), std::string::npos) << s.skips[2].reason;
}

TEST(ContactSelectionTest, NurHkContactIsUsedForMainSweep) {
  Appointment a = Appt({Sms("0664 3456789", true, true)});
  a.kind = AppointmentKind::kMainSweep;
  EXPECT_EQ(SelectContacts(a, Firm()).contacts.size(), 1u);
}

TEST(ContactSelectionTest, GermanNumbersWithGermanFirm) {
  FirmPolicy f = Firm();
  f.country = "DE";
  Appointment a = Appt({Sms("0151 23456789"), Sms("030 1234567")});
  ContactSelection s = SelectContacts(a, f);
  ASSERT_EQ(s.contacts.size(), 1u);
  EXPECT_EQ(s.contacts[0].key, "+4915123456789");
  ASSERT_EQ(s.skips.size(), 1u);
  EXPECT_EQ(s.skips[0].kind, SkipKind::kLandline);
}

TEST(ContactSelectionTest, SkippedNumberNamesWhatWasTypedMasked) {
  // "12345" is a valid Vienna fixed-line number: its E.164 form alone
  // ("+43***45") would not let the office find the row.
  ContactSelection s = SelectContacts(Appt({Sms("12345"), Sms("0664 / 12")}), Firm());
  ASSERT_EQ(s.skips.size(), 2u);
  EXPECT_NE(s.skips[0].reason.find("(typed '***45')"), std::string::npos) << s.skips[0].reason;
  EXPECT_NE(s.skips[1].reason.find("(typed '**** / 12')"), std::string::npos) << s.skips[1].reason;
  EXPECT_EQ(MaskTypedNumber("0664 / 1234567"), "0664 / *****67");
  EXPECT_EQ(MaskTypedNumber("+43 664 1234567"), "+43 66* *****67");
  EXPECT_EQ(MaskTypedNumber("12"), "**");
}

TEST(ContactSelectionTest, ChannelPolicies) {
  FirmPolicy f = Firm();
  Appointment both = Appt({Sms("0664 1234567"), Mail("a@example.at")});
  Appointment mail_only = Appt({Sms("07252 12345"), Mail("a@example.at")});

  f.channel_policy = ChannelPolicy::kBoth;
  EXPECT_EQ(SelectContacts(both, f).contacts.size(), 2u);

  f.channel_policy = ChannelPolicy::kSmsFirst;
  ContactSelection s = SelectContacts(both, f);
  ASSERT_EQ(s.contacts.size(), 1u);
  EXPECT_EQ(s.contacts[0].channel, ContactChannel::kSms);
  EXPECT_EQ(s.skips.back().kind, SkipKind::kChannelPolicy);
  // No usable mobile (landline only): e-mail is used.
  s = SelectContacts(mail_only, f);
  ASSERT_EQ(s.contacts.size(), 1u);
  EXPECT_EQ(s.contacts[0].channel, ContactChannel::kEmail);

  f.channel_policy = ChannelPolicy::kEmailFirst;
  s = SelectContacts(both, f);
  ASSERT_EQ(s.contacts.size(), 1u);
  EXPECT_EQ(s.contacts[0].channel, ContactChannel::kEmail);
}

TEST(PlannerTest, PlansEachRuleForEachContactWithReasonAndText) {
  AppointmentPlan p = PlanAppointment(Firm(), Appt({Sms("0664 1234567"), Mail("a@example.at")}),
                                      1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 2u);
  const PlannedMessage& sms = p.messages[0];
  EXPECT_EQ(sms.rule_id, "sms-1d");
  EXPECT_EQ(sms.purpose, MessagePurpose::kReminder);
  EXPECT_EQ(sms.contact_key, "+436641234567");
  EXPECT_EQ(At(sms.due), "2026-11-24T08:00:00+01:00");
  EXPECT_EQ(At(sms.deadline), "2026-11-25T08:00:00+01:00");
  EXPECT_EQ(sms.sender, "Huber RFK");
  // The shared German default text, with the long date.
  EXPECT_NE(sms.body.find("Ihr Rauchfangkehrer kommt zur Kehrung am Mittwoch, 25. November 2026, "
                          "08:00 Uhr: Redtenbachergasse 3, Steyr."),
            std::string::npos)
      << sms.body;
  EXPECT_GE(sms.segments, 1);
  EXPECT_EQ(sms.reason, "sms-1d: 1d before");
  const PlannedMessage& mail = p.messages[1];
  EXPECT_EQ(mail.rule_id, "mail-2d");
  EXPECT_EQ(At(mail.due), "2026-11-23T18:00:00+01:00");
  EXPECT_FALSE(mail.subject.empty());
  EXPECT_NE(mail.body.find("Sehr geehrter Herr Ing. Mustermann"), std::string::npos) << mail.body;
  EXPECT_EQ(mail.subject, "Terminerinnerung: Kehrung am Mittwoch, 25. November 2026");
  // <<Objekt>> is the object's address, not its id.
  EXPECT_NE(mail.body.find("Redtenbachergasse 3, 4400 Steyr"), std::string::npos) << mail.body;
  EXPECT_EQ(mail.segments, 0);
  EXPECT_TRUE(p.cancel.empty());
}

TEST(PlannerTest, SkippedLandlineHasReason) {
  AppointmentPlan p = PlanAppointment(Firm(), Appt({Sms("07252 12345")}), 1, {}, kNow);
  EXPECT_TRUE(p.messages.empty());
  const PlannedSkip* s = FindSkip(p, SkipKind::kLandline);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->rule_id, "contact");
  EXPECT_NE(s->reason.find("not a mobile number"), std::string::npos);
}

TEST(PlannerTest, ContactWithoutRuleOfItsChannelIsSkipped) {
  FirmPolicy f = Firm();
  f.rules.pop_back();  // no e-mail rule
  AppointmentPlan p = PlanAppointment(f, Appt({Mail("a@example.at")}), 1, {}, kNow);
  EXPECT_TRUE(p.messages.empty());
  ASSERT_NE(FindSkip(p, SkipKind::kNoRule), nullptr);
}

TEST(PlannerTest, LateArrivalSendsAtOnceOrSkips) {
  // Arrives 2026-11-25 05:00 for an appointment at 10:00: 1d reminder is late.
  Appointment a = Appt({Sms("0664 1234567")}, "2026-11-25", 10h);
  FirmPolicy f = Firm();
  f.quiet_hours = QuietHours{0min, 0min};
  AppointmentPlan p = PlanAppointment(f, a, 1, {}, I("2026-11-25T05:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(At(p.messages[0].due), "2026-11-25T05:00:00+01:00");
  EXPECT_NE(p.messages[0].reason.find("late"), std::string::npos);
  p = PlanAppointment(f, a, 1, {}, I("2026-11-25T08:30:00+01:00"));
  EXPECT_TRUE(p.messages.empty());
  const PlannedSkip* s = FindSkip(p, SkipKind::kTiming);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->reason.find("only 1h30m remain"), std::string::npos) << s->reason;
}

TEST(PlannerTest, SeveralLateRulesSendOneMessageNotOneEach) {
  // 2d and 1d SMS rules; the appointment arrives the evening before: both times
  // have passed, the customer gets one reminder, not two identical ones.
  FirmPolicy f = Firm();
  ReminderRule sms2d = f.rules[0];
  sms2d.name = "sms-2d";
  sms2d.lead = 48h;
  sms2d.lead_days = std::chrono::days{2};
  f.rules = {sms2d, f.rules[0]};
  f.quiet_hours = QuietHours{0min, 0min};
  AppointmentPlan p = PlanAppointment(f, Appt({Sms("0664 1234567")}, "2026-11-25", 10h), 1, {},
                                      I("2026-11-24T17:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].rule_id, "sms-2d");
  EXPECT_EQ(At(p.messages[0].due), "2026-11-24T17:00:00+01:00");
  const PlannedSkip* s = FindSkip(p, SkipKind::kDuplicate);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->rule_id, "sms-1d");
  EXPECT_NE(s->reason.find("sms-2d already goes out at once"), std::string::npos) << s->reason;

  // Only the 2d time has passed: it goes out at once, the 1d reminder stays planned.
  p = PlanAppointment(f, Appt({Sms("0664 1234567")}, "2026-11-25", 10h), 1, {},
                      I("2026-11-23T17:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(At(p.messages[1].due), "2026-11-24T10:00:00+01:00");
}

// A late reminder and the next rule's identical text an hour later.
// A reminder that goes out late takes the place of every later reminder of the
// same contact whose time lies within late_policy.replaces_within (12 h).
TEST(PlannerTest, LateReminderTakesThePlaceOfLaterRulesWithinTheGap) {
  FirmPolicy f = Firm();
  ReminderRule sms2d = f.rules[0];
  sms2d.name = "sms-2d";
  sms2d.lead = 48h;
  sms2d.lead_days = std::chrono::days{2};
  f.rules = {sms2d, f.rules[0], f.rules[1]};
  const char* number = "0664 1234567";
  const std::string key = "+436641234567";

  // Quiet hours 20:00-08:00: the appointment (Wednesday 09:00) arrives Tuesday
  // 07:00; the 2-day reminder (Monday 09:00) is late and waits for 08:00; the
  // 1-day reminder (Tuesday 09:00) would repeat the text an hour later.
  AppointmentPlan p = PlanAppointment(f, Appt({Sms(number)}, "2026-11-25", 9h), 1, {},
                                      I("2026-11-24T07:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].rule_id, "sms-2d");
  EXPECT_EQ(At(p.messages[0].due), "2026-11-24T08:00:00+01:00");
  const PlannedSkip* s = FindSkip(p, SkipKind::kDuplicate);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->rule_id, "sms-1d");
  EXPECT_NE(s->reason.find("late reminder of rule sms-2d"), std::string::npos) << s->reason;
  EXPECT_NE(s->reason.find("12h"), std::string::npos) << s->reason;

  // Without quiet hours: late at 07:00, the 1-day reminder at 18:00 is 11 h later.
  f.quiet_hours = QuietHours{0min, 0min};
  p = PlanAppointment(f, Appt({Sms(number)}, "2026-11-25", 18h), 1, {},
                      I("2026-11-24T07:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].rule_id, "sms-2d");
  ASSERT_NE(FindSkip(p, SkipKind::kDuplicate), nullptr);
  // 13 h later is a reminder of its own.
  p = PlanAppointment(f, Appt({Sms(number)}, "2026-11-25", 20h), 1, {},
                      I("2026-11-24T07:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(At(p.messages[1].due), "2026-11-24T20:00:00+01:00");
  f.quiet_hours = QuietHours{};

  // A repeated pass (the firm's policy changed) after the late reminder went out:
  // the stored 1-day reminder is withdrawn, not sent an hour later.
  const Instant deadline = I("2026-11-25T09:00:00+01:00");
  std::vector<ExistingMessage> stored = {
      {7, 1, "sms-2d", MessagePurpose::kReminder, ContactChannel::kSms, key, key,
       MessageState::kAccepted, deadline, I("2026-11-24T08:00:00+01:00")},
      {8, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, key, key,
       MessageState::kPlanned, deadline, I("2026-11-24T09:00:00+01:00")}};
  p = PlanAppointment(f, Appt({Sms(number)}, "2026-11-25", 9h), 1, stored,
                      I("2026-11-24T08:05:00+01:00"));
  EXPECT_TRUE(p.messages.empty());
  EXPECT_TRUE(p.replan.empty());
  ASSERT_EQ(p.withdraw.size(), 1u);
  EXPECT_EQ(p.withdraw[0].first, 8);
  EXPECT_NE(p.withdraw[0].second.find("late reminder of rule sms-2d"), std::string::npos)
      << p.withdraw[0].second;

  // A new version with the same start (a contact added): the late reminder of
  // version 1 still takes the place of the 1-day reminder.
  stored.pop_back();
  p = PlanAppointment(f, Appt({Sms(number)}, "2026-11-25", 9h), 2, stored,
                      I("2026-11-24T08:30:00+01:00"));
  EXPECT_TRUE(p.messages.empty());
  bool replaced = false;
  for (const PlannedSkip& k : p.skips)
    replaced |= k.rule_id == "sms-1d" && k.reason.find("late reminder of rule sms-2d") != std::string::npos;
  EXPECT_TRUE(replaced);
}

TEST(PlannerTest, DateOnlyAppointmentIsRemindedTheDayBeforeAtDaytime) {
  // Wednesday 2026-11-25 without a time, rule "SMS 1 day before": Tuesday 10:00
  // (the firm's date_only_time), not Monday 20:00.
  FirmPolicy f = Firm();
  Appointment a = Appt({Sms("0664 1234567")});
  a.start.time.reset();
  AppointmentPlan p = PlanAppointment(f, a, 1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(At(p.messages[0].due), "2026-11-24T10:00:00+01:00");
  EXPECT_EQ(p.messages[0].reason, "sms-1d: 1d before (date only: at 10:00)");
  // Nothing on the day itself: the appointment may begin at any hour.
  EXPECT_EQ(At(p.messages[0].deadline), "2026-11-25T00:00:00+01:00");
  f.date_only_time = 15h;
  p = PlanAppointment(f, a, 1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(At(p.messages[0].due), "2026-11-24T15:00:00+01:00");
  // Across the spring clock change (Monday 2026-03-30, planned a week before).
  a.start.date = *ParseLocalDate("2026-03-30");
  p = PlanAppointment(Firm(), a, 1, {}, I("2026-03-23T10:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(At(p.messages[0].due), "2026-03-29T10:00:00+02:00");
}

TEST(PlannerTest, AlreadyPlannedRowsAreNotPlannedAgain) {
  Appointment a = Appt({Sms("0664 1234567")});
  FirmPolicy f = Firm();
  std::vector<ExistingMessage> existing = {
      {7, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436641234567",
       "+436641234567", MessageState::kPlanned, I("2026-11-25T08:00:00+01:00")}};
  // Even planned again after the reminder time (late), nothing new, no skip.
  AppointmentPlan p = PlanAppointment(f, a, 1, existing, I("2026-11-24T09:00:00+01:00"));
  EXPECT_TRUE(p.messages.empty());
  EXPECT_TRUE(p.skips.empty());
  EXPECT_TRUE(p.cancel.empty());
}

// The firm's YAML changed and a full pass plans version 1 again.
std::vector<ExistingMessage> StoredVersion1() {
  return {
      {7, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436641234567",
       "+436641234567", MessageState::kPlanned, I("2026-11-25T08:00:00+01:00"),
       I("2026-11-24T08:00:00+01:00")},
      {8, 1, "mail-2d", MessagePurpose::kReminder, ContactChannel::kEmail, "a@example.at",
       "a@example.at", MessageState::kPlanned, I("2026-11-25T08:00:00+01:00"),
       I("2026-11-23T18:00:00+01:00")},
  };
}

TEST(PlannerTest, PendingMessagesOfARemovedRuleAreWithdrawn) {
  FirmPolicy f = Firm();
  f.rules.pop_back();  // mail-2d removed from the YAML
  Appointment a = Appt({Sms("0664 1234567"), Mail("a@example.at")});
  AppointmentPlan p = PlanAppointment(f, a, 1, StoredVersion1(), kNow);
  ASSERT_EQ(p.withdraw.size(), 1u);
  EXPECT_EQ(p.withdraw[0].first, 8);
  EXPECT_EQ(p.withdraw[0].second,
            "withdrawn: rule mail-2d is no longer in the firm's configuration");
  EXPECT_TRUE(p.messages.empty());
  EXPECT_TRUE(p.cancel.empty());
  // The SMS rule is unchanged: its row is written again as it was.
  ASSERT_EQ(p.replan.size(), 1u);
  EXPECT_EQ(p.replan[0].id, 7);
  EXPECT_EQ(At(p.replan[0].due), "2026-11-24T08:00:00+01:00");

  // A row that was sent (or is due now) is history, not withdrawn.
  std::vector<ExistingMessage> sent = StoredVersion1();
  sent[1].state = MessageState::kDelivered;
  p = PlanAppointment(f, a, 1, sent, kNow);
  EXPECT_TRUE(p.withdraw.empty());
  p = PlanAppointment(f, a, 1, StoredVersion1(), I("2026-11-23T18:00:00+01:00"));
  ASSERT_EQ(p.withdraw.size(), 1u);  // removed rule: withdrawn even when due
}

TEST(PlannerTest, ChangedRuleIsPlannedAgain) {
  FirmPolicy f = Firm();
  f.rules[0].lead = 48h;  // sms-1d now 2 days before
  f.rules[0].lead_days = std::chrono::days{2};
  f.rules[1].channel = ContactChannel::kSms;  // mail-2d now an SMS rule
  Appointment a = Appt({Sms("0664 1234567"), Mail("a@example.at")});
  AppointmentPlan p = PlanAppointment(f, a, 1, StoredVersion1(), kNow);
  ASSERT_EQ(p.replan.size(), 1u);
  EXPECT_EQ(p.replan[0].id, 7);
  EXPECT_EQ(At(p.replan[0].due), "2026-11-23T08:00:00+01:00");
  EXPECT_EQ(p.replan[0].reason, "sms-1d: 2d before");
  EXPECT_FALSE(p.replan[0].body.empty());
  ASSERT_EQ(p.withdraw.size(), 1u);
  EXPECT_EQ(p.withdraw[0].first, 8);
  EXPECT_EQ(p.withdraw[0].second, "withdrawn: rule mail-2d now sends by sms");
  // The SMS contact gets the (new) SMS rule mail-2d as a new row.
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].rule_id, "mail-2d");
  EXPECT_EQ(p.messages[0].contact_key, "+436641234567");

  // A changed rule whose new time is after the start: the row is withdrawn.
  f = Firm();
  f.rules[0].lead = 0s;
  f.rules[0].lead_days = std::chrono::days{0};
  f.rules[0].at = 9h;  // "0 days before at 09:00": after the 08:00 start
  p = PlanAppointment(f, a, 1, StoredVersion1(), kNow);
  ASSERT_EQ(p.withdraw.size(), 1u);
  EXPECT_EQ(p.withdraw[0].first, 7);
  EXPECT_NE(p.withdraw[0].second.find("is not before the appointment"), std::string::npos)
      << p.withdraw[0].second;
}

TEST(PlannerTest, RescheduleCancelsPendingAndSendsChangeNoticeToReminded) {
  FirmPolicy f = Firm();
  const Instant old_start = I("2026-11-25T08:00:00+01:00");
  std::vector<ExistingMessage> existing = {
      // Contact 1 already got its SMS reminder for version 1.
      {1, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436641234567",
       "+436641234567", MessageState::kDelivered, old_start},
      // Contact 2's reminder is still pending.
      {2, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436601111111",
       "+436601111111", MessageState::kPlanned, old_start},
  };
  // Version 2: moved to 2026-11-27 08:00; planned on 2026-11-24 at 12:00.
  Appointment a = Appt({Sms("0664 1234567"), Sms("0660 1111111")}, "2026-11-27", 8h);
  AppointmentPlan p = PlanAppointment(f, a, 2, existing, I("2026-11-24T12:00:00+01:00"));
  EXPECT_EQ(p.cancel, (std::vector<int64_t>{2}));
  EXPECT_NE(p.cancel_reason.find("version 2"), std::string::npos);
  int change = 0, reminders = 0;
  for (const PlannedMessage& m : p.messages) {
    EXPECT_EQ(m.appointment_version, 2);
    if (m.purpose == MessagePurpose::kChange) {
      ++change;
      EXPECT_EQ(m.contact_key, "+436641234567");
      EXPECT_EQ(At(m.due), "2026-11-24T12:00:00+01:00");
      EXPECT_NE(m.body.find("Freitag, 27. November 2026"), std::string::npos) << m.body;
      EXPECT_NE(m.body.find("Terminänderung"), std::string::npos) << m.body;
    } else {
      ++reminders;
      EXPECT_EQ(At(m.due), "2026-11-26T08:00:00+01:00");
    }
  }
  EXPECT_EQ(change, 1);
  EXPECT_EQ(reminders, 2);  // both contacts get the reminder for the new date
}

TEST(PlannerTest, NewVersionWithSameStartDoesNotRemindTwice) {
  FirmPolicy f = Firm();
  const Instant start = I("2026-11-25T08:00:00+01:00");
  std::vector<ExistingMessage> existing = {{1, 1, "sms-1d", MessagePurpose::kReminder,
                                            ContactChannel::kSms, "+436641234567", "+436641234567",
                                            MessageState::kDelivered, start}};
  // Version 2 only added a contact; same start. Planned after the reminder went out.
  Appointment a = Appt({Sms("0664 1234567"), Sms("0660 1111111")});
  AppointmentPlan p = PlanAppointment(f, a, 2, existing, I("2026-11-24T09:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].contact_key, "+436601111111");  // the new contact, late but 23h remain
  EXPECT_EQ(p.messages[0].purpose, MessagePurpose::kReminder);
  ASSERT_NE(FindSkip(p, SkipKind::kDuplicate), nullptr);
}

TEST(PlannerTest, CancellationDropsPendingAndNotifiesReminded) {
  FirmPolicy f = Firm();
  const Instant start = I("2026-11-25T08:00:00+01:00");
  std::vector<ExistingMessage> existing = {
      {1, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436641234567",
       "+436641234567", MessageState::kAccepted, start},
      {2, 1, "mail-2d", MessagePurpose::kReminder, ContactChannel::kEmail, "a@example.at",
       "a@example.at", MessageState::kPlanned, start},
  };
  Appointment a = Appt({Sms("0664 1234567"), Mail("a@example.at")});
  a.status = AppointmentStatus::kCancelled;
  AppointmentPlan p = PlanAppointment(f, a, 2, existing, I("2026-11-24T21:00:00+01:00"));
  EXPECT_EQ(p.cancel, (std::vector<int64_t>{2}));
  ASSERT_EQ(p.messages.size(), 1u);
  const PlannedMessage& m = p.messages[0];
  EXPECT_EQ(m.rule_id, "cancellation");
  EXPECT_EQ(m.purpose, MessagePurpose::kCancellation);
  EXPECT_EQ(m.contact_key, "+436641234567");
  // 21:00 is inside quiet hours, but they end only at the start (08:00): a
  // notice the contact needs beats quiet hours and goes at once.
  EXPECT_EQ(At(m.due), "2026-11-24T21:00:00+01:00");
  EXPECT_NE(m.reason.find("despite quiet hours"), std::string::npos) << m.reason;
}

TEST(PlannerTest, CancellationAfterQuietHoursWaitsUntilMorning) {
  FirmPolicy f = Firm();
  const Instant start = I("2026-11-25T10:00:00+01:00");
  std::vector<ExistingMessage> existing = {{1, 1, "sms-1d", MessagePurpose::kReminder,
                                            ContactChannel::kSms, "+436641234567", "+436641234567",
                                            MessageState::kDelivered, start}};
  Appointment a = Appt({Sms("0664 1234567")}, "2026-11-25", 10h);
  a.status = AppointmentStatus::kCancelled;
  AppointmentPlan p = PlanAppointment(f, a, 2, existing, I("2026-11-24T22:00:00+01:00"));
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(At(p.messages[0].due), "2026-11-25T08:00:00+01:00");
  EXPECT_NE(p.messages[0].body.find("entf"), std::string::npos) << p.messages[0].body;
}

TEST(PlannerTest, CancellationWithoutAnythingSentIsSilent) {
  Appointment a = Appt({Sms("0664 1234567")});
  a.status = AppointmentStatus::kCancelled;
  std::vector<ExistingMessage> existing = {
      {5, 1, "sms-1d", MessagePurpose::kReminder, ContactChannel::kSms, "+436641234567",
       "+436641234567", MessageState::kPlanned, I("2026-11-25T08:00:00+01:00")}};
  AppointmentPlan p = PlanAppointment(Firm(), a, 2, existing, kNow);
  EXPECT_EQ(p.cancel, (std::vector<int64_t>{5}));
  EXPECT_TRUE(p.messages.empty());
}

TEST(MessageTextTest, SmsEncodingPolicy) {
  FirmPolicy f = Firm();
  f.templates["sms_reminder"] = "Termin am <<Datum>> – „pünktlich“ 🙂";
  Appointment a = Appt({});
  RenderedText gsm =
      RenderAppointmentMessage(f, MessagePurpose::kReminder, ContactChannel::kSms, a);
  EXPECT_EQ(gsm.body.find("„"), std::string::npos) << gsm.body;  // transliterated
  EXPECT_NE(gsm.body.find("pünktlich"), std::string::npos) << gsm.body;
  f.sms_encoding = SmsEncodingPolicy::kUcs2;
  RenderedText ucs =
      RenderAppointmentMessage(f, MessagePurpose::kReminder, ContactChannel::kSms, a);
  EXPECT_NE(ucs.body.find("🙂"), std::string::npos) << ucs.body;
}

TEST(MessageTextTest, LongGermanDateWithJaennerForAustrianFirms) {
  Appointment a = Appt({}, "2027-01-05", 8h);
  FirmPolicy at = Firm();
  RenderedText t = RenderAppointmentMessage(at, MessagePurpose::kReminder, ContactChannel::kSms, a);
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_NE(t.body.find("Ihr Rauchfangkehrer kommt zur Kehrung am Dienstag, 5. Jänner 2027, 08:00 Uhr"),
            std::string::npos)
      << t.body;
  EXPECT_NE(t.body.find("Bitte melden: 07252 / 12345"), std::string::npos) << t.body;
  FirmPolicy de = Firm();
  de.country = "DE";
  de.timezone = "Europe/Berlin";
  t = RenderAppointmentMessage(de, MessagePurpose::kReminder, ContactChannel::kSms, a);
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_NE(t.body.find("Ihr Schornsteinfeger kommt zur Kehrung am Dienstag, 5. Januar 2027"),
            std::string::npos)
      << t.body;
}

TEST(MessageTextTest, WindowAndDateOnlyAppointmentsReadNaturally) {
  Appointment window = Appt({});
  window.start.time.reset();
  window.start.window_from = 8h;
  window.start.window_to = 12h;
  RenderedText t =
      RenderAppointmentMessage(Firm(), MessagePurpose::kReminder, ContactChannel::kSms, window);
  ASSERT_TRUE(t.ok) << t.error;
  // The en dash of the shared value is transliterated for GSM 7-bit.
  EXPECT_NE(t.body.find("Mittwoch, 25. November 2026, 08:00-12:00 Uhr:"), std::string::npos)
      << t.body;
  Appointment date_only = Appt({});
  date_only.start.time.reset();
  t = RenderAppointmentMessage(Firm(), MessagePurpose::kReminder, ContactChannel::kSms, date_only);
  ASSERT_TRUE(t.ok) << t.error;
  // shared/template's fallback for <<Zeitfenster>> without a time.
  EXPECT_NE(t.body.find("Mittwoch, 25. November 2026, im Laufe des Tages:"), std::string::npos)
      << t.body;
}

TEST(MessageTextTest, DefaultSmsTextsFitOneSegmentTypicallyTwoAtMost) {
  // A typical address and a time window: one part each (firms pay per part).
  FirmPolicy typical = Firm();
  typical.firm_phone = "07252 12345";
  Appointment usual = Appt({}, "2026-11-24", 8h);
  usual.kind = AppointmentKind::kMainSweep;
  usual.start.time.reset();
  usual.start.window_from = 8h;
  usual.start.window_to = 12h;
  usual.object = {"O1", "Redtenbachergasse 3", "4400", "Steyr"};
  for (MessagePurpose purpose :
       {MessagePurpose::kReminder, MessagePurpose::kChange, MessagePurpose::kCancellation}) {
    RenderedText t = RenderAppointmentMessage(typical, purpose, ContactChannel::kSms, usual);
    ASSERT_TRUE(t.ok) << ToString(purpose) << ": " << t.error;
    EXPECT_EQ(t.segments, 1) << ToString(purpose) << ": " << t.body;
  }
  // A long street and place: still two parts at most, and plain GSM 7-bit
  // (umlauts kept, no UCS-2).
  FirmPolicy f = Firm();
  f.firm_name = "Rauchfangkehrermeister Jürgen Grüber";
  f.firm_phone = "0316 / 82 34 56";
  Appointment a = Appt({}, "2026-12-02", 8h);
  a.kind = AppointmentKind::kMainSweep;
  a.start.time.reset();
  a.start.window_from = 8h;
  a.start.window_to = 12h;
  a.object = {"O1", "Erzherzog-Johann-Straße 127a", "8010", "Graz-St. Leonhard"};
  for (MessagePurpose purpose :
       {MessagePurpose::kReminder, MessagePurpose::kChange, MessagePurpose::kCancellation}) {
    RenderedText t = RenderAppointmentMessage(f, purpose, ContactChannel::kSms, a);
    ASSERT_TRUE(t.ok) << ToString(purpose) << ": " << t.error;
    EXPECT_LE(t.segments, 2) << ToString(purpose) << ": " << t.body;
    EXPECT_NE(t.body.find("Graz-St. Leonhard"), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("0316 / 82 34 56"), std::string::npos) << t.body;
  }
}

TEST(PlannerTest, MissingValueSkipsTheMessageWithTheReason) {
  // No street: the default SMS needs <<Strasse>>; no gap is sent, the skip says why.
  Appointment a = Appt({Sms("0664 1234567"), Mail("a@example.at")});
  a.object.street.clear();
  AppointmentPlan p = PlanAppointment(Firm(), a, 1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 1u);  // the e-mail uses <<Objekt>>: "4400 Steyr"
  EXPECT_EQ(p.messages[0].channel, ContactChannel::kEmail);
  EXPECT_NE(p.messages[0].body.find("  4400 Steyr\n"), std::string::npos) << p.messages[0].body;
  const PlannedSkip* s = FindSkip(p, SkipKind::kMissingValue);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->rule_id, "sms-1d");
  EXPECT_NE(s->reason.find("sms_reminder"), std::string::npos) << s->reason;
  EXPECT_NE(s->reason.find("<<Strasse>>"), std::string::npos) << s->reason;
  EXPECT_EQ(ToString(s->kind), "missing_value");

  // A firm template with <<Uhrzeit>> and an appointment with a time window only.
  FirmPolicy f = Firm();
  f.templates["sms_reminder"] = "Termin <<Datum>> um <<Uhrzeit>>. <<Kehrbetrieb>>";
  Appointment w = Appt({Sms("0664 1234567")});
  w.start.time.reset();
  w.start.window_from = 8h;
  w.start.window_to = 12h;
  p = PlanAppointment(f, w, 1, {}, kNow);
  EXPECT_TRUE(p.messages.empty());
  s = FindSkip(p, SkipKind::kMissingValue);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->reason.find("<<Uhrzeit>>"), std::string::npos) << s->reason;
  // With an exact time the same template works.
  p = PlanAppointment(f, Appt({Sms("0664 1234567")}), 1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].body, "Termin 25. November 2026 um 08:00. RFK Huber");
}

TEST(MessageTextTest, UnknownPlaceholderIsReportedWithPosition) {
  std::string err = ValidateTemplateText("sms_reminder", "Termin <<Datumm>>");
  EXPECT_NE(err.find("sms_reminder:1:8"), std::string::npos) << err;
  EXPECT_EQ(ValidateTemplateText("sms_reminder", "Termin <<Datum>>"), "");
}

}  // namespace
}  // namespace kehrbote

namespace kehrbote {
namespace {

// A firm whose phone is unknown (not in its YAML, not in its exports) still
// reminds its customers: the default texts drop the "call us at" sentence
// rather than the message. A firm's own template keeps the missing-value rule.
TEST(PlannerTest, FirmWithoutPhoneGetsTheDefaultTextsWithoutIt) {
  FirmPolicy f = Firm();
  f.firm_phone.clear();
  AppointmentPlan p = PlanAppointment(f, Appt({Sms("0664 1234567"), Mail("a@example.at")}), 1, {}, kNow);
  ASSERT_EQ(p.messages.size(), 2u);
  EXPECT_EQ(FindSkip(p, SkipKind::kMissingValue), nullptr);
  for (const PlannedMessage& m : p.messages) {
    EXPECT_EQ(m.body.find("<<"), std::string::npos) << m.body;
    EXPECT_NE(m.body.find("melden Sie sich"), std::string::npos) << m.body;
    EXPECT_NE(m.body.find("Redtenbachergasse 3"), std::string::npos) << m.body;
    if (m.channel == ContactChannel::kSms) {
      EXPECT_EQ(m.segments, 1) << m.body;
    }
  }

  f.templates["sms_reminder"] = "Termin <<Datum>>. Absagen: <<KehrbetriebTelefon>>";
  p = PlanAppointment(f, Appt({Sms("0664 1234567")}), 1, {}, kNow);
  EXPECT_TRUE(p.messages.empty());
  const PlannedSkip* s = FindSkip(p, SkipKind::kMissingValue);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->reason.find("<<KehrbetriebTelefon>>"), std::string::npos) << s->reason;
}

}  // namespace
}  // namespace kehrbote
