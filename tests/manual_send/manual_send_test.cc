// PlanManualSend: recipients by filter (dates, kind, place, main sweeps) or
// pasted numbers, consent respected unless explicitly included, each number
// once, each text rendered for its recipient, totals of what is sent.
#include "dispatcher/manual_send/manual_send.h"

#include <gtest/gtest.h>

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

StoredAppointment Appt(const std::string& id, const char* day, AppointmentKind kind,
                       const char* city, std::vector<Contact> contacts) {
  StoredAppointment s;
  s.firm_id = "huber";
  s.version = 1;
  Appointment& a = s.appointment;
  a.id = id;
  a.kind = kind;
  a.start.date = *ParseLocalDate(day);
  a.start.time = std::chrono::hours{9};
  a.object = {"O-" + id, "Hauptstraße 1", city == std::string("Steyr") ? "4400" : "4020", city};
  a.customer = {"Frau", "", "Maria", "Muster-" + id, ""};
  a.contacts = std::move(contacts);
  return s;
}

Contact Sms(const char* number, bool consent = true) {
  return Contact{ContactChannel::kSms, number, consent, false};
}

FirmPolicy Huber() {
  FirmPolicy p;
  p.firm_id = "huber";
  p.firm_name = "RFK Huber";
  p.firm_phone = "07252 12345";
  return p;
}

std::vector<StoredAppointment> Book() {
  return {Appt("A1", "2026-11-24", AppointmentKind::kMainSweep, "Steyr", {Sms("0664 1111111")}),
          Appt("A2", "2026-11-25", AppointmentKind::kSweep, "Steyr",
               {Sms("0664 2222222", false), Sms("07252 12345")}),
          Appt("A3", "2026-11-26", AppointmentKind::kMainSweep, "Linz", {Sms("0664 3333333")}),
          Appt("A4", "2026-12-10", AppointmentKind::kMainSweep, "Steyr", {Sms("0664 4444444")}),
          // The same number as A1: gets the message once.
          Appt("A5", "2026-11-27", AppointmentKind::kMainSweep, "Steyr", {Sms("+43 664 1111111")})};
}

std::vector<std::string> Ids(const ManualSendPlan& plan) {
  std::vector<std::string> out;
  for (const ManualRecipient& r : plan.recipients) out.push_back(r.appointment_id);
  return out;
}

TEST(ManualSendTest, FilterChoosesAppointmentsAndConsentedMobiles) {
  ManualSendRequest r;
  r.firm_id = "huber";
  r.text = "Wegen Schneefall verschiebt sich Ihr Termin am <<Datum>>, <<Nachname>>. <<Kehrbetrieb>>";
  RecipientFilter f;
  f.from = ParseLocalDate("2026-11-24");
  f.to = ParseLocalDate("2026-11-30");
  f.place = "4400";
  r.filter = f;
  ManualSendPlan plan = PlanManualSend(Huber(), r, Book(), {0.09, "EUR"});
  ASSERT_TRUE(plan.error.empty()) << plan.error;
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"A1"}));  // A3 Linz, A4 later, A5 same number
  ASSERT_EQ(plan.recipients.size(), 1u);
  EXPECT_EQ(plan.recipients[0].e164, "+436641111111");
  EXPECT_EQ(plan.recipients[0].customer, "Frau Maria Muster-A1");  // the page shows who
  EXPECT_EQ(plan.recipients[0].text.text,
            "Wegen Schneefall verschiebt sich Ihr Termin am 24. November 2026, Muster-A1. RFK Huber");
  EXPECT_EQ(plan.messages, 1);
  EXPECT_EQ(plan.segments, 1);
  std::map<std::string, std::string> skipped;
  for (const ManualSkip& s : plan.skipped) skipped[s.appointment_id + " " + s.kind] = s.masked;
  EXPECT_TRUE(skipped.count("A2 no_consent"));
  for (const ManualSkip& s : plan.skipped) {
    if (s.appointment_id == "A2") {
      EXPECT_EQ(s.customer, "Frau Maria Muster-A2");
    }
  }
  EXPECT_TRUE(skipped.count("A2 landline"));
  EXPECT_TRUE(skipped.count("A5 duplicate"));
  EXPECT_EQ(skipped["A2 no_consent"].find("2222222"), std::string::npos);  // masked

  // Explicitly including contacts without consent: A2's mobile, flagged.
  r.include_without_consent = true;
  ManualSendPlan all = PlanManualSend(Huber(), r, Book(), {0.09, "EUR"});
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"A1", "A2"}));
  EXPECT_TRUE(all.recipients[1].without_consent);
  EXPECT_FALSE(all.recipients[0].without_consent);
  EXPECT_DOUBLE_EQ(all.cost, 0.18);
}

TEST(ManualSendTest, KindAndMainSweepOnly) {
  ManualSendRequest r;
  r.firm_id = "huber";
  r.text = "Hallo";
  RecipientFilter f;
  f.main_sweep_only = true;
  r.filter = f;
  EXPECT_EQ(Ids(PlanManualSend(Huber(), r, Book(), {})),
            (std::vector<std::string>{"A1", "A3", "A4"}));
  f.main_sweep_only = false;
  f.kind = AppointmentKind::kSweep;
  f.place = "steyr";
  r.filter = f;
  r.include_without_consent = true;
  EXPECT_EQ(Ids(PlanManualSend(Huber(), r, Book(), {})), (std::vector<std::string>{"A2"}));
}

TEST(ManualSendTest, PastedNumbersHaveTheFirmsValuesOnly) {
  ManualSendRequest r;
  r.firm_id = "huber";
  r.text = "<<Kehrbetrieb>>: Termin <<Datum>>";
  r.numbers = {"0664 7777777", "07252 12345", "0664 7777777", "12"};
  ManualSendPlan plan = PlanManualSend(Huber(), r, {}, {0.09, "EUR"});
  ASSERT_EQ(plan.recipients.size(), 1u);
  EXPECT_FALSE(plan.recipients[0].text.sendable);  // <<Datum>> has no value
  EXPECT_EQ(plan.messages, 0);
  EXPECT_EQ(plan.skipped.size(), 3u);  // landline, duplicate, invalid

  r.text = "<<Kehrbetrieb>>: bitte rufen Sie uns an, <<KehrbetriebTelefon>>.";
  plan = PlanManualSend(Huber(), r, {}, {0.09, "EUR"});
  EXPECT_EQ(plan.recipients[0].text.text, "RFK Huber: bitte rufen Sie uns an, 07252 12345.");
  EXPECT_EQ(plan.messages, 1);
}

TEST(ManualSendTest, SendIdIsStableAndChecked) {
  ManualSendRequest r;
  r.firm_id = "huber";
  r.text = "Hallo";
  r.numbers = {"0664 7777777"};
  const std::string id = PlanManualSend(Huber(), r, {}, {}).send_id;
  EXPECT_EQ(PlanManualSend(Huber(), r, {}, {}).send_id, id);
  r.text = "Hallo!";
  EXPECT_NE(PlanManualSend(Huber(), r, {}, {}).send_id, id);
  r.send_id = "bad id";
  EXPECT_FALSE(PlanManualSend(Huber(), r, {}, {}).error.empty());
  r.send_id = "ok-1";
  r.text = "<<Unbekannt>>";
  EXPECT_NE(PlanManualSend(Huber(), r, {}, {}).error.find("Unbekannt"), std::string::npos);
}

}  // namespace
}  // namespace kehrbote
