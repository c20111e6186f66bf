#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "shared/export/export_reader.h"
#include "shared/export/export_schema.h"
#include "shared/export/export_writer.h"
#include "tests/export/export_test_data.h"

namespace kehrbote {
namespace {

using testing::Date;
using testing::ExampleModel;
using testing::Hm;

std::string Write(const ExportDocument& doc) {
  std::ostringstream out;
  ExportWriter writer(out, doc.header, "out.json");
  for (const Appointment& a : doc.appointments) writer.Add(a);
  writer.Finish();
  EXPECT_EQ(writer.appointment_count(), doc.appointments.size());
  return out.str();
}

ExportDocument Read(const std::string& text) {
  std::istringstream in(text);
  return ReadExportDocument(in, "in.json");
}

TEST(ExportRoundTripTest, ReaderReadsTheDocumentedExampleAsTheModel) {
  EXPECT_EQ(Read(testing::ExampleJson()), ExampleModel());
}

TEST(ExportRoundTripTest, WriterThenReaderGivesTheModelBack) {
  ExportDocument model = ExampleModel();
  std::string text = Write(model);
  EXPECT_EQ(Read(text), model);
  // Umlauts and typographic quotes are written as UTF-8, not as \u escapes.
  EXPECT_NE(text.find("Bäckerei „Zum goldenen Löwen“ GmbH"), std::string::npos);
}

TEST(ExportRoundTripTest, WriterOutputIsValidAgainstTheSchema) {
  std::string text = Write(ExampleModel());
  ExportSchema schema("out.json");
  EXPECT_NO_THROW(
      schema.ValidateDocument(nlohmann::json::parse(text), SchemaStrictness::kStrict));
}

TEST(ExportRoundTripTest, WriterPutsHeaderMembersBeforeAppointments) {
  std::string text = Write(ExampleModel());
  size_t appointments = text.find("\"appointments\"");
  ASSERT_NE(appointments, std::string::npos);
  for (const char* member : {"\"format\"", "\"version\"", "\"firm\"", "\"generated_at\"", "\"window\""}) {
    size_t at = text.find(member);
    ASSERT_NE(at, std::string::npos) << member;
    EXPECT_LT(at, appointments) << member;
  }
  // One appointment per line keeps diffs and greps of exports readable.
  EXPECT_NE(text.find("\n    {\"id\": \"T-2026-004712\""), std::string::npos);
}

TEST(ExportRoundTripTest, GeneratedAtCarriesTheFirmsOffset) {
  ExportDocument winter = ExampleModel();
  EXPECT_NE(Write(winter).find("\"generated_at\": \"2026-11-23T06:00:00+01:00\""), std::string::npos);
  ExportDocument summer = ExampleModel();
  summer.header.generated_at = *ParseRfc3339("2026-07-01T04:00:00Z");
  EXPECT_NE(Write(summer).find("\"generated_at\": \"2026-07-01T06:00:00+02:00\""), std::string::npos);
  summer.header.firm.timezone = "Europe/Berlin";
  summer.header.firm.country = "DE";
  EXPECT_EQ(Read(Write(summer)), summer);
}

TEST(ExportRoundTripTest, AwkwardTextSurvives) {
  ExportDocument model = ExampleModel();
  Appointment& a = model.appointments[0];
  a.customer.last_name = "O'Brien \"der Ältere\" \\ Backslash";
  a.customer.company = "Zeile 1\nZeile 2\tTab\x01\x1F Ende";
  a.customer.title = "„Dr.“ ‚h.c.‘ – … 😀";
  a.object.street = "</script> & {\"json\": [1]}";
  model.header.firm.name = "Rauchfangkehrer „Grüß Gott“ Weiß & Söhne";
  EXPECT_EQ(Read(Write(model)), model);
}

TEST(ExportRoundTripTest, EmptyExportRoundTrips) {
  ExportDocument model = ExampleModel();
  model.appointments.clear();
  model.header.firm.heartbeat_contacts.clear();
  std::string text = Write(model);
  EXPECT_EQ(Read(text), model);
}

TEST(ExportRoundTripTest, HeaderIsHandedOverOnceBeforeTheFirstAppointment) {
  std::istringstream in(testing::ExampleJson());
  ExportReader reader(in, "in.json");
  std::vector<std::string> events;
  size_t n = reader.Read([&](const ExportHeader& h) { events.push_back("header " + h.firm.id); },
                         [&](Appointment&& a) { events.push_back(a.id); });
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(events, (std::vector<std::string>{"header rfk-gruber-graz", "T-2026-004711",
                                              "T-2026-004712", "T-2026-004713", "T-2026-004714"}));
  EXPECT_FALSE(reader.lenient());
}

// --- The writer refuses what the reader would refuse, row by row. ---

class ExportWriterRefusalTest : public ::testing::Test {
 protected:
  // Adds `bad` between two good appointments; expects ExportError at `pointer`
  // and a valid export of the two good ones.
  void ExpectRefused(const Appointment& bad, const std::string& pointer, const std::string& reason) {
    ExportDocument model = ExampleModel();
    std::ostringstream out;
    ExportWriter writer(out, model.header, "out.json");
    writer.Add(model.appointments[0]);
    try {
      writer.Add(bad);
      ADD_FAILURE() << "accepted " << bad.id;
    } catch (const ExportError& e) {
      EXPECT_EQ(e.source(), "out.json");
      EXPECT_EQ(e.pointer(), pointer);
      EXPECT_NE(e.reason().find(reason), std::string::npos) << e.what();
    }
    writer.Add(model.appointments[1]);
    writer.Finish();
    EXPECT_EQ(writer.appointment_count(), 2u);
    ExportDocument back = Read(out.str());
    ASSERT_EQ(back.appointments.size(), 2u);
    EXPECT_EQ(back.appointments[1], model.appointments[1]);
  }

  Appointment Good() {
    Appointment a = ExampleModel().appointments[3];
    a.id = "fresh";
    return a;
  }
};

TEST_F(ExportWriterRefusalTest, DuplicateId) {
  Appointment a = Good();
  a.id = "T-2026-004711";
  ExpectRefused(a, "/appointments/1/id", "duplicate appointment id");
}

TEST_F(ExportWriterRefusalTest, EmptyId) {
  Appointment a = Good();
  a.id = "";
  ExpectRefused(a, "/appointments/1/id", "must not be empty");
}

TEST_F(ExportWriterRefusalTest, TimeAndWindow) {
  Appointment a = Good();
  a.start.time = Hm("09:00");
  a.start.window_from = Hm("08:00");
  a.start.window_to = Hm("12:00");
  ExpectRefused(a, "/appointments/1/start", "both a time and a time window");
}

TEST_F(ExportWriterRefusalTest, BackwardWindow) {
  Appointment a = Good();
  a.start.window_from = Hm("12:00");
  a.start.window_to = Hm("12:00");
  ExpectRefused(a, "/appointments/1/start/window", "end after it starts");
}

TEST_F(ExportWriterRefusalTest, InvalidUtf8) {
  Appointment a = Good();
  a.customer.last_name = "Gr\xFC\xDF";  // Windows-1252, not converted
  ExpectRefused(a, "/appointments/1/customer/last_name", "not valid UTF-8");
}

TEST_F(ExportWriterRefusalTest, EmptyContactAddress) {
  Appointment a = Good();
  a.contacts.push_back({ContactChannel::kSms, "", true, false});
  ExpectRefused(a, "/appointments/1/contacts/0/address", "must not be empty");
}

TEST(ExportWriterTest, RefusesABadHeader) {
  auto refused = [](ExportHeader h, const std::string& pointer) {
    std::ostringstream out;
    try {
      ExportWriter writer(out, h, "out.json");
      ADD_FAILURE() << "accepted header, expected error at " << pointer;
    } catch (const ExportError& e) {
      EXPECT_EQ(e.pointer(), pointer) << e.what();
    }
  };
  ExportHeader h = ExampleModel().header;
  ExportHeader zone = h;
  zone.firm.timezone = "Europe/Wien";
  refused(zone, "/firm/timezone");
  ExportHeader id = h;
  id.firm.id = "Grüber GmbH";
  refused(id, "/firm/id");
  ExportHeader country = h;
  country.firm.country = "at";
  refused(country, "/firm/country");
  ExportHeader window = h;
  std::swap(window.window_from, window.window_to);
  refused(window, "/window");
}

TEST(ExportWriterTest, StreamFailureIsAnError) {
  std::ostringstream out;
  ExportWriter writer(out, ExampleModel().header, "out.json");
  out.setstate(std::ios::badbit);
  EXPECT_THROW(writer.Add(ExampleModel().appointments[0]), ExportError);
}

}  // namespace
}  // namespace kehrbote
