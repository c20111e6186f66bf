// PreviewTemplates: the texts as sent, with encoding, segments, price and a
// German warning for each placeholder without a value and each character that
// is transliterated or dropped.
#include "dispatcher/preview/template_preview.h"

#include <gtest/gtest.h>

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

const TemplatePreview& Find(const std::vector<TemplatePreview>& all, const std::string& name) {
  for (const TemplatePreview& p : all)
    if (p.name == name) return p;
  throw std::runtime_error("no template " + name);
}

FirmPolicy Huber() {
  FirmPolicy p;
  p.firm_id = "huber";
  p.firm_name = "RFK Huber";
  p.firm_phone = "07252 12345";
  p.country = "AT";
  return p;
}

TEST(TemplatePreviewTest, SmsHasEncodingSegmentsAndPrice) {
  FirmPolicy firm = Huber();
  firm.templates["sms_reminder"] = "Kehrtermin <<Datum>> bei <<Nachname>>.";
  const Appointment a = SampleAppointment(*ParseLocalDate("2027-01-05"));
  std::vector<TemplatePreview> all = PreviewTemplates(firm, a, {0.09, "EUR"});
  const TemplatePreview& p = Find(all, "sms_reminder");
  EXPECT_TRUE(p.sms);
  EXPECT_TRUE(p.sendable);
  EXPECT_EQ(p.text, "Kehrtermin 5. Jänner 2027 bei Muster.");
  EXPECT_EQ(p.encoding, "gsm7");
  EXPECT_EQ(p.characters, 37u);
  EXPECT_EQ(p.segments, 1u);
  EXPECT_DOUBLE_EQ(p.price, 0.09);
  EXPECT_TRUE(p.warnings.empty());
  nlohmann::json j = ToJson(p, {0.09, "EUR"});
  EXPECT_EQ(j["price_text"], "0,09 \u20AC");
  EXPECT_EQ(j["channel"], "sms");
  EXPECT_FALSE(Find(all, "email_body").sms);
  EXPECT_FALSE(Find(all, "email_body").text.empty());

  // Longer than one SMS: two segments, twice the price.
  firm.templates["sms_reminder"] = std::string(200, 'x');
  const TemplatePreview two = Find(PreviewTemplates(firm, a, {0.09, "EUR"}), "sms_reminder");
  EXPECT_EQ(two.segments, 2u);
  EXPECT_DOUBLE_EQ(two.price, 0.18);
}

TEST(TemplatePreviewTest, WarnsOfTransliterationAndMissingValues) {
  FirmPolicy firm = Huber();
  firm.templates["sms_reminder"] = "Grüße \u2013 Termin <<Zeitfenster>>, <<Strasse>> \U0001F600";
  Appointment a = SampleAppointment(*ParseLocalDate("2027-01-05"));
  a.start.time.reset();
  std::vector<TemplatePreview> all = PreviewTemplates(firm, a, {0.09, "EUR"});
  const TemplatePreview& ok = Find(all, "sms_reminder");
  EXPECT_TRUE(ok.sendable);
  EXPECT_EQ(ok.missing, std::vector<std::string>{"Zeitfenster"});
  std::string warnings;
  for (const std::string& w : ok.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("<<Zeitfenster>> hat für diesen Termin keinen Wert: \u201Eim Laufe des "
                          "Tages\u201C wird eingesetzt."),
            std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("\u201E\u2013\u201C wird als \u201E-\u201C gesendet."), std::string::npos)
      << warnings;
  EXPECT_NE(warnings.find("\u201E\U0001F600\u201C ist im SMS-Zeichensatz nicht enthalten"),
            std::string::npos)
      << warnings;

  a.object.street.clear();
  const TemplatePreview bad = Find(PreviewTemplates(firm, a, {0.09, "EUR"}), "sms_reminder");
  EXPECT_FALSE(bad.sendable);
  ASSERT_FALSE(bad.warnings.empty());
  EXPECT_NE(bad.warnings.back().find("<<Strasse>>"), std::string::npos) << bad.warnings.back();
  EXPECT_NE(bad.warnings.back().find("nicht gesendet"), std::string::npos);
}

TEST(TemplatePreviewTest, Ucs2WhenTheFirmAllowsIt) {
  FirmPolicy firm = Huber();
  firm.sms_encoding = SmsEncodingPolicy::kUcs2;
  firm.templates["sms_reminder"] = "Termin \U0001F600";
  const TemplatePreview p = Find(
      PreviewTemplates(firm, SampleAppointment(*ParseLocalDate("2027-01-05")), {0.1, "CHF"}),
      "sms_reminder");
  EXPECT_EQ(p.encoding, "ucs2");
  EXPECT_EQ(p.units, 9u);  // 7 + a surrogate pair
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(FormatPrice(1.35, "CHF"), "1,35 CHF");
}

}  // namespace
}  // namespace kehrbote
