#include "shared/template/template_values.h"

#include <chrono>

#include <gtest/gtest.h>

#include "shared/template/default_templates.h"

namespace kehrbote {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

LocalTime Day(int y, unsigned m, unsigned d) {
  return LocalTime(local_days{year{y} / month{m} / day{d}});
}

Firm MakeFirm(const std::string& country) {
  Firm f;
  f.id = "huber";
  f.name = "Rauchfangkehrermeister Huber";
  f.timezone = country == "AT" ? "Europe/Vienna" : "Europe/Berlin";
  f.country = country;
  f.phone = "07252 12345";
  return f;
}

// The seed's Winchim example: Herr Ing. Karl Mustermann, Redtenbachergasse 3, 4400 Steyr.
Appointment MakeAppointment() {
  Appointment a;
  a.id = "A110010-2026-11-24";
  a.kind = AppointmentKind::kMainSweep;
  a.start.date = Day(2026, 11, 24);  // a Tuesday
  a.start.window_from = 8h;
  a.start.window_to = 12h;
  a.object = {"A110010", "Redtenbachergasse 3", "4400", "Steyr"};
  a.customer = {"Herr", "Ing.", "Karl", "Mustermann", ""};
  a.contacts = {{ContactChannel::kSms, "0666 / 15651324", true, false}};
  return a;
}

std::string Render(std::string_view text, const TemplateValues& v) {
  RenderResult r = MessageTemplate::Parse(text).Render(v, MissingValuePolicy::FailMessage());
  EXPECT_TRUE(r.ok) << r.error;
  return r.text;
}

TEST(TemplateValuesTest, EveryPlaceholder) {
  Appointment a = MakeAppointment();
  a.customer.company = "Mustermann GmbH";
  a.start.window_from.reset();
  a.start.window_to.reset();
  a.start.time = 8h + 30min;
  TemplateValues v = BuildTemplateValues(a, MakeFirm("AT"));
  std::string text;
  for (auto name : KnownPlaceholders()) text += std::string(name) + "=<<" + std::string(name) + ">>\n";
  EXPECT_EQ(Render(text, v),
            "Anrede=Herr\n"
            "Titel=Ing.\n"
            "Vorname=Karl\n"
            "Nachname=Mustermann\n"
            "Name=Herr Ing. Karl Mustermann\n"
            "Briefanrede=Sehr geehrter Herr Ing. Mustermann\n"
            "Firma=Mustermann GmbH\n"
            "Datum=24. November 2026\n"
            "DatumKurz=24.11.2026\n"
            "Wochentag=Dienstag\n"
            "Uhrzeit=08:30\n"
            "Zeitfenster=08:30 Uhr\n"
            "Terminart=Hauptkehrung\n"
            "Strasse=Redtenbachergasse 3\n"
            "PLZ=4400\n"
            "Ort=Steyr\n"
            "Objekt=Redtenbachergasse 3, 4400 Steyr\n"
            "Kehrbetrieb=Rauchfangkehrermeister Huber\n"
            "KehrbetriebTelefon=07252 12345\n"
            "Beruf=Rauchfangkehrer\n");
  // Every known name has an entry, so "not in the map" never hides a forgotten one.
  for (auto name : KnownPlaceholders()) EXPECT_EQ(v.count(name), 1u) << name;
}

TEST(TemplateValuesTest, JaennerInAustriaJanuarInGermany) {
  Appointment a = MakeAppointment();
  a.start.date = Day(2027, 1, 5);
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("AT"))["Datum"], "5. Jänner 2027");
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("DE"))["Datum"], "5. Januar 2027");
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("at"))["Datum"], "5. Jänner 2027");
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("DE"))["Wochentag"], "Dienstag");
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("DE"))["DatumKurz"], "05.01.2027");
  // Other months are the same in both countries.
  EXPECT_EQ(GermanDate(Day(2026, 3, 1), "AT"), "1. März 2026");
  EXPECT_EQ(GermanDate(Day(2026, 3, 1), "DE"), "1. März 2026");
  EXPECT_EQ(GermanDate(Day(2026, 12, 31), "AT"), "31. Dezember 2026");
}

TEST(TemplateValuesTest, WeekdaysInGerman) {
  const char* expected[] = {"Montag", "Dienstag", "Mittwoch", "Donnerstag",
                            "Freitag", "Samstag", "Sonntag"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(GermanWeekday(Day(2026, 11, 23 + i)), expected[i]);
  }
}

TEST(TemplateValuesTest, TimeWindowVersusExactTime) {
  Appointment a = MakeAppointment();  // window 08:00-12:00
  TemplateValues window = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(*window["Zeitfenster"], "08:00\u201312:00 Uhr");
  EXPECT_EQ(window["Uhrzeit"], std::nullopt);  // no exact time: missing, not invented

  a.start.window_from.reset();
  a.start.window_to.reset();
  a.start.time = 14h + 15min;
  TemplateValues exact = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(*exact["Uhrzeit"], "14:15");
  EXPECT_EQ(*exact["Zeitfenster"], "14:15 Uhr");

  a.start.time.reset();
  TemplateValues none = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(none["Uhrzeit"], std::nullopt);
  EXPECT_EQ(none["Zeitfenster"], std::nullopt);

  a.start.window_from = 7h;
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("AT"))["Zeitfenster"], "ab 07:00 Uhr");
}

TEST(TemplateValuesTest, KindsInGerman) {
  Appointment a = MakeAppointment();
  const std::pair<AppointmentKind, const char*> kinds[] = {
      {AppointmentKind::kMainSweep, "Hauptkehrung"},
      {AppointmentKind::kSweep, "Kehrung"},
      {AppointmentKind::kInspection, "Überprüfung"},
      {AppointmentKind::kSpecial, "Sonderarbeit"}};
  for (const auto& [kind, name] : kinds) {
    a.kind = kind;
    EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("DE"))["Terminart"], name);
  }
}

TEST(TemplateValuesTest, TradeNameByCountry) {
  Appointment a = MakeAppointment();
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("AT"))["Beruf"], "Rauchfangkehrer");
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("DE"))["Beruf"], "Schornsteinfeger");
}

TEST(TemplateValuesTest, NamesAndLetterSalutations) {
  Appointment a = MakeAppointment();
  a.customer = {"Frau", "", "Anna", "Berger", ""};
  TemplateValues v = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(*v["Name"], "Frau Anna Berger");
  EXPECT_EQ(*v["Briefanrede"], "Sehr geehrte Frau Berger");
  EXPECT_EQ(*v["Titel"], "");
  EXPECT_EQ(v["Firma"], std::nullopt);
  EXPECT_EQ(Render("Liebe <<Anrede>> <<Titel>> <<Nachname>>", v), "Liebe Frau Berger");

  a.customer = {"Familie", "", "", "Gruber", ""};
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("AT"))["Briefanrede"], "Sehr geehrte Familie Gruber");

  // A company without a contact person.
  a.customer = {"Firma", "", "", "", "Hausverwaltung Steyr GmbH"};
  v = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(*v["Name"], "Hausverwaltung Steyr GmbH");
  EXPECT_EQ(*v["Briefanrede"], "Sehr geehrte Damen und Herren");
  EXPECT_EQ(v["Nachname"], std::nullopt);

  a.customer = {};
  v = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(v["Name"], std::nullopt);
  EXPECT_EQ(v["Anrede"], std::nullopt);
  RenderResult r =
      MessageTemplate::Parse("<<Anrede>> <<Nachname>>").Render(v, MissingValuePolicy::FailMessage());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.missing, (std::vector<std::string>{"Anrede", "Nachname"}));
}

TEST(TemplateValuesTest, EmptyAddressIsMissing) {
  Appointment a = MakeAppointment();
  a.object = {"X1", "", "", ""};
  TemplateValues v = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_EQ(v["Strasse"], std::nullopt);
  EXPECT_EQ(v["Objekt"], std::nullopt);
  a.object = {"X1", "", "4400", "Steyr"};
  EXPECT_EQ(*BuildTemplateValues(a, MakeFirm("AT"))["Objekt"], "4400 Steyr");
}

TEST(DefaultTemplatesTest, AllParseAndRenderForTheSeedExample) {
  const std::string_view all[] = {
      kDefaultSmsReminder,          kDefaultSmsChange,
      kDefaultSmsCancellation,      kDefaultEmailReminderSubject,
      kDefaultEmailReminderBody,    kDefaultEmailChangeSubject,
      kDefaultEmailChangeBody,      kDefaultEmailCancellationSubject,
      kDefaultEmailCancellationBody};
  TemplateValues v = BuildTemplateValues(MakeAppointment(), MakeFirm("AT"));
  for (std::string_view text : all) {
    RenderResult r = MessageTemplate::Parse(text, "default").Render(v, MissingValuePolicy::FailMessage());
    EXPECT_TRUE(r.ok) << text << ": " << r.error;
    EXPECT_EQ(r.text.find("<<"), std::string::npos);
  }
}

TEST(DefaultTemplatesTest, SmsReminderInAustriaAndGermany) {
  auto t = MessageTemplate::Parse(kDefaultSmsReminder);
  Appointment a = MakeAppointment();
  EXPECT_EQ(t.Render(BuildTemplateValues(a, MakeFirm("AT")), {}).text,
            "Ihr Rauchfangkehrer kommt zur Hauptkehrung am Dienstag, 24. November 2026, "
            "08:00\u201312:00 Uhr: Redtenbachergasse 3, Steyr. Verhindert? Bitte melden: "
            "07252 12345");
  a.start.date = Day(2027, 1, 12);
  std::string de = t.Render(BuildTemplateValues(a, MakeFirm("DE")), {}).text;
  EXPECT_NE(de.find("Ihr Schornsteinfeger kommt"), std::string::npos) << de;
  EXPECT_NE(de.find("12. Januar 2027"), std::string::npos) << de;
}

TEST(DefaultTemplatesTest, NoTimeUsesTheDefaultFallback) {
  Appointment a = MakeAppointment();
  a.start.window_from.reset();
  a.start.window_to.reset();
  auto t = MessageTemplate::Parse(kDefaultSmsReminder);
  TemplateValues v = BuildTemplateValues(a, MakeFirm("AT"));
  EXPECT_FALSE(t.Render(v, MissingValuePolicy::FailMessage()).ok);
  RenderResult r = t.Render(v, MissingValuePolicy::UseFallback(DefaultFallbacks()));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_NE(r.text.find("24. November 2026, im Laufe des Tages:"), std::string::npos) << r.text;
  EXPECT_EQ(r.missing, (std::vector<std::string>{"Zeitfenster"}));
}

TEST(DefaultTemplatesTest, EmailBodyGreetsByName) {
  auto t = MessageTemplate::Parse(kDefaultEmailReminderBody);
  std::string body = t.Render(BuildTemplateValues(MakeAppointment(), MakeFirm("AT")), {}).text;
  EXPECT_EQ(body.rfind("Sehr geehrter Herr Ing. Mustermann,\n", 0), 0u) << body;
  EXPECT_NE(body.find("  Redtenbachergasse 3, 4400 Steyr\n"), std::string::npos) << body;
}

}  // namespace
}  // namespace kehrbote
