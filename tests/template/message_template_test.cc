#include "shared/template/message_template.h"

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

template <typename F>
TemplateError ErrorOf(F f) {
  try {
    f();
  } catch (const TemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a TemplateError";
  return TemplateError("", 0, 0, "none");
}

TEST(MessageTemplateTest, ReplacesPlaceholders) {
  auto t = MessageTemplate::Parse("Kehrung am <<Datum>> um <<Uhrzeit>>, <<Datum>>.");
  TemplateValues v{{"Datum", "24. November 2026"}, {"Uhrzeit", "08:30"}};
  RenderResult r = t.Render(v, MissingValuePolicy::FailMessage());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.text, "Kehrung am 24. November 2026 um 08:30, 24. November 2026.");
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(t.Placeholders(), (std::vector<std::string>{"Datum", "Uhrzeit"}));
}

TEST(MessageTemplateTest, NamesAreCaseInsensitiveAndMayBePadded) {
  auto t = MessageTemplate::Parse("<<datum>>|<< Ort >>|<<PLZ>>|<<plz>>|<<Straße>>");
  EXPECT_EQ(t.Placeholders(), (std::vector<std::string>{"Datum", "Ort", "PLZ", "Strasse"}));
  TemplateValues v{{"Datum", "D"}, {"Ort", "Steyr"}, {"PLZ", "4400"}, {"Strasse", "S 3"}};
  EXPECT_EQ(t.Render(v, {}).text, "D|Steyr|4400|4400|S 3");
}

TEST(MessageTemplateTest, TextWithoutPlaceholdersAndSingleBrackets) {
  auto t = MessageTemplate::Parse("a < b > c >> d");
  RenderResult r = t.Render({}, {});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.text, "a < b > c >> d");
  EXPECT_TRUE(MessageTemplate::Parse("").Render({}, {}).ok);
}

TEST(MessageTemplateTest, UnknownPlaceholderHasLineAndColumn) {
  auto e = ErrorOf([] {
    MessageTemplate::Parse("Sehr geehrte Kundin,\nam <<Datun>> kommen wir.", "templates.reminder");
  });
  EXPECT_EQ(e.source(), "templates.reminder");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 4);
  EXPECT_STREQ(e.what(),
               "templates.reminder:2:4: unknown placeholder <<Datun>> (did you mean <<Datum>>?)");
}

TEST(MessageTemplateTest, ColumnsCountCharactersNotBytes) {
  // "Grüße, " is 7 characters but 9 bytes.
  auto e = ErrorOf([] { MessageTemplate::Parse("Grüße, <<Geburtstag>>"); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 8);
  EXPECT_NE(std::string(e.what()).find("<<Geburtstag>>"), std::string::npos);
}

TEST(MessageTemplateTest, UnclosedPlaceholderIsAnError) {
  auto e = ErrorOf([] { MessageTemplate::Parse("Termin <<Datum am\nMontag >>"); });
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 8);
  EXPECT_NE(std::string(e.what()).find("without a closing"), std::string::npos);

  auto at_end = ErrorOf([] { MessageTemplate::Parse("a\nb\n   <<Ort"); });
  EXPECT_EQ(at_end.line(), 3);
  EXPECT_EQ(at_end.column(), 4);
}

TEST(MessageTemplateTest, EmptyPlaceholderIsAnError) {
  auto e = ErrorOf([] { MessageTemplate::Parse("x <<>> y"); });
  EXPECT_EQ(e.column(), 3);
  EXPECT_NE(std::string(e.what()).find("empty placeholder"), std::string::npos);
}

TEST(MessageTemplateTest, MissingValueFailsTheMessage) {
  auto t = MessageTemplate::Parse("<<Anrede>> <<Nachname>>, am <<Datum>> <<Uhrzeit>>");
  TemplateValues v{{"Anrede", std::nullopt}, {"Nachname", "Huber"}, {"Datum", "1. Mai 2026"}};
  RenderResult r = t.Render(v, MissingValuePolicy::FailMessage());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.missing, (std::vector<std::string>{"Anrede", "Uhrzeit"}));
  EXPECT_EQ(r.error, "no value for <<Anrede>>, <<Uhrzeit>>");
}

TEST(MessageTemplateTest, MissingValueUsesTheFallback) {
  auto t = MessageTemplate::Parse("<<Anrede>> <<Nachname>>, am <<Datum>> <<Uhrzeit>>");
  TemplateValues v{{"Nachname", "Huber"}, {"Datum", "1. Mai 2026"}, {"Uhrzeit", std::nullopt}};
  auto policy = MissingValuePolicy::UseFallback(
      {{"Anrede", "Kundin/Kunde"}, {"Uhrzeit", "ganztägig"}});
  RenderResult r = t.Render(v, policy);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.text, "Kundin/Kunde Huber, am 1. Mai 2026 ganztägig");
  // Still reported, so that the firm can fix its data.
  EXPECT_EQ(r.missing, (std::vector<std::string>{"Anrede", "Uhrzeit"}));
}

TEST(MessageTemplateTest, MissingValueWithoutFallbackStillFails) {
  auto t = MessageTemplate::Parse("<<Strasse>>, <<Ort>>");
  auto policy = MissingValuePolicy::UseFallback({{"Ort", "?"}});
  RenderResult r = t.Render({{"Strasse", "Hauptplatz 1"}}, policy);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.text, "Hauptplatz 1, ?");
  EXPECT_EQ(r.missing, (std::vector<std::string>{"Ort"}));
  RenderResult r2 = t.Render({}, policy);
  EXPECT_FALSE(r2.ok);
  EXPECT_EQ(r2.error, "no value and no fallback text for <<Strasse>>");
  EXPECT_EQ(r2.missing, (std::vector<std::string>{"Strasse", "Ort"}));
}

TEST(MessageTemplateTest, EmptyValueCollapsesTheDoubleSpace) {
  auto t = MessageTemplate::Parse("Sehr geehrter <<Anrede>> <<Titel>> <<Nachname>>!");
  TemplateValues v{{"Anrede", "Herr"}, {"Titel", ""}, {"Nachname", "Huber"}};
  EXPECT_EQ(t.Render(v, {}).text, "Sehr geehrter Herr Huber!");
  v["Titel"] = "Dipl.-Ing.";
  EXPECT_EQ(t.Render(v, {}).text, "Sehr geehrter Herr Dipl.-Ing. Huber!");
}

TEST(MessageTemplateTest, KnownPlaceholdersAllParse) {
  std::string text;
  for (auto name : KnownPlaceholders()) text += "<<" + std::string(name) + ">>\n";
  auto t = MessageTemplate::Parse(text);
  EXPECT_EQ(t.Placeholders().size(), KnownPlaceholders().size());
  for (const char* required :
       {"Anrede", "Titel", "Vorname", "Nachname", "Firma", "Datum", "Wochentag", "Uhrzeit",
        "Zeitfenster", "Terminart", "Strasse", "PLZ", "Ort", "Kehrbetrieb", "KehrbetriebTelefon"}) {
    EXPECT_NO_THROW(MessageTemplate::Parse(std::string("<<") + required + ">>")) << required;
  }
}

}  // namespace
}  // namespace kehrbote
