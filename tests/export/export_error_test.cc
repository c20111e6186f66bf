// Every way the reader refuses an export, each with its JSON pointer.
#include <gtest/gtest.h>

#include <sstream>

#include "shared/export/export_reader.h"
#include "shared/export/export_writer.h"
#include "tests/export/export_test_data.h"

namespace kehrbote {
namespace {

const char kSource[] = "export-rfk-gruber-graz-20261123T050000Z-1.json";

// The example with the first occurrence of `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to,
                 std::string text = testing::ExampleJson()) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in example: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

struct Refusal {
  std::string pointer;
  std::string reason;
  std::string what;
  size_t appointments_before = 0;  // handed over before the error
};

Refusal ReadRefused(const std::string& text) {
  std::istringstream in(text);
  ExportReader reader(in, kSource);
  Refusal r;
  try {
    reader.Read([](const ExportHeader&) {}, [&](Appointment&&) { ++r.appointments_before; });
    ADD_FAILURE() << "export accepted";
  } catch (const ExportError& e) {
    EXPECT_EQ(e.source(), kSource);
    r.pointer = e.pointer();
    r.reason = e.reason();
    r.what = e.what();
  }
  return r;
}

#define EXPECT_REFUSED(text, expected_pointer, reason_part)                          \
  do {                                                                               \
    Refusal r_ = ReadRefused(text);                                                  \
    EXPECT_EQ(r_.pointer, expected_pointer) << r_.what;                              \
    EXPECT_NE(r_.reason.find(reason_part), std::string::npos) << r_.what;            \
  } while (0)

// Refusals go to the journal and to rejected/*.error on the drop: phone numbers
// and names in them are masked as in the logs; the JSON pointer and the
// appointment id tell the office which row to fix.
TEST(ExportErrorTest, PersonalDataIsMaskedInRefusals) {
  Refusal number = ReadRefused(Edit("\"address\": \"0664 / 987 65 43\"", "\"address\": 436649876543"));
  EXPECT_EQ(number.pointer, "/appointments/0/contacts/0/address") << number.what;
  EXPECT_EQ(number.what.find("436649876543"), std::string::npos) << number.what;
  EXPECT_EQ(number.what.find("98765"), std::string::npos) << number.what;
  EXPECT_NE(number.what.find("**43"), std::string::npos) << number.what;
  EXPECT_NE(number.what.find("T-2026-004711"), std::string::npos) << number.what;

  Refusal name = ReadRefused(Edit("\"last_name\": \"Österreicher\"",
                                  "\"last_name\": \"Bärbel Tel 0664 9876543 " +
                                      std::string(1000, 'x') + "\""));
  EXPECT_EQ(name.pointer, "/appointments/0/customer/last_name") << name.what;
  EXPECT_EQ(name.what.find("Bärbel"), std::string::npos) << name.what;
  EXPECT_EQ(name.what.find("9876543"), std::string::npos) << name.what;
  EXPECT_NE(name.what.find("T-2026-004711"), std::string::npos) << name.what;

  Refusal street = ReadRefused(Edit("\"street\": \"Grieskai 5/3\"", "\"street\": [\"Grieskai 5/3\"]"));
  EXPECT_EQ(street.what.find("Grieskai"), std::string::npos) << street.what;
  EXPECT_NE(street.what.find("T-2026-004712"), std::string::npos) << street.what;
}

TEST(ExportErrorTest, MessageNamesFilePointerAndReason) {
  Refusal r = ReadRefused(Edit("\"date\": \"2026-11-26\"", "\"date\": \"2026-02-30\""));
  EXPECT_EQ(r.what, std::string(kSource) +
                        ": /appointments/2/start/date: not a calendar date \"2026-02-30\" "
                        "(appointment id \"T-2026-004713\")");
}

TEST(ExportErrorTest, SyntaxErrorWithLineAndPointer) {
  Refusal r = ReadRefused(Edit("\"consent\": true, \"main_sweep_only\": true}",
                               "\"consent\": true, \"main_sweep_only\": true,}"));
  EXPECT_EQ(r.pointer, "/appointments/1/contacts/0/main_sweep_only");
  EXPECT_NE(r.reason.find("line 38"), std::string::npos) << r.what;
}

TEST(ExportErrorTest, UnknownKind) {
  EXPECT_REFUSED(Edit("\"kind\": \"sweep\"", "\"kind\": \"Kehrung\""), "/appointments/1/kind",
                 "found \"Kehrung\"");
}

TEST(ExportErrorTest, MissingRequiredMember) {
  EXPECT_REFUSED(Edit("\"status\": \"cancelled\",", ""), "/appointments/2", "status");
}

TEST(ExportErrorTest, TypoInMemberNameIsCaught) {
  EXPECT_REFUSED(Edit("\"first_name\": \"Bärbel\"", "\"frist_name\": \"Bärbel\""),
                 "/appointments/0/customer/frist_name", "unknown member \"frist_name\"");
}

TEST(ExportErrorTest, WrongType) {
  EXPECT_REFUSED(Edit("\"consent\": false", "\"consent\": \"nein\""),
                 "/appointments/0/contacts/1/consent", "found \"nein\"");
}

TEST(ExportErrorTest, MalformedTime) {
  EXPECT_REFUSED(Edit("\"time\": \"08:30\"", "\"time\": \"8:30\""), "/appointments/0/start/time",
                 "pattern");
}

TEST(ExportErrorTest, ImpossibleCalendarDate) {
  EXPECT_REFUSED(Edit("\"to\": \"2026-12-06\"", "\"to\": \"2026-11-31\""), "/window/to",
                 "not a calendar date");
}

TEST(ExportErrorTest, BackwardTimeWindow) {
  EXPECT_REFUSED(Edit("{\"from\": \"08:00\", \"to\": \"12:00\"}", "{\"from\": \"12:00\", \"to\": \"08:00\"}"),
                 "/appointments/1/start/window", "does not end after it starts");
}

TEST(ExportErrorTest, TimeAndWindowTogether) {
  EXPECT_REFUSED(Edit("\"date\": \"2026-11-25\",", "\"date\": \"2026-11-25\", \"time\": \"09:00\","),
                 "/appointments/1/start", "both \"time\" and \"window\"");
}

TEST(ExportErrorTest, BackwardExportWindow) {
  EXPECT_REFUSED(Edit("\"from\": \"2026-11-23\"", "\"from\": \"2026-12-07\""), "/window",
                 "is after window.to");
}

TEST(ExportErrorTest, UnknownTimeZone) {
  EXPECT_REFUSED(Edit("Europe/Vienna", "Europe/Wien"), "/firm/timezone",
                 "unknown IANA time zone \"Europe/Wien\"");
}

TEST(ExportErrorTest, GeneratedAtNeedsAnOffset) {
  EXPECT_REFUSED(Edit("2026-11-23T06:00:00+01:00", "2026-11-23T06:00:00"), "/generated_at",
                 "pattern");
}

TEST(ExportErrorTest, LowerCaseCountry) {
  EXPECT_REFUSED(Edit("\"country\": \"AT\"", "\"country\": \"at\""), "/firm/country", "pattern");
}

TEST(ExportErrorTest, DuplicateAppointmentIdNamesTheFirst) {
  Refusal r = ReadRefused(Edit("T-2026-004713", "T-2026-004711"));
  EXPECT_EQ(r.pointer, "/appointments/2/id");
  EXPECT_NE(r.reason.find("duplicate appointment id \"T-2026-004711\" (first at /appointments/0)"),
            std::string::npos)
      << r.what;
  // Two were handed over before: the caller's transaction must roll them back.
  EXPECT_EQ(r.appointments_before, 2u);
}

TEST(ExportErrorTest, InvalidUtf8) {
  EXPECT_REFUSED(Edit("Weiß", "Wei\xDF"), "/appointments/2/customer/last_name", "invalid UTF-8");
}

TEST(ExportErrorTest, UnknownMajorVersionIsRefusedClearly) {
  Refusal r = ReadRefused(Edit("{\"major\": 1, \"minor\": 0}", "{\"major\": 2, \"minor\": 0}"));
  EXPECT_EQ(r.pointer, "/version/major");
  EXPECT_NE(r.reason.find("unsupported export format major version 2"), std::string::npos) << r.what;
  EXPECT_NE(r.reason.find("reads version 1.x only"), std::string::npos) << r.what;
}

TEST(ExportErrorTest, UnknownMajorVersionIsRefusedBeforeAnythingElse) {
  // A 2.0 file may look different in every other way; the version is what matters.
  std::string v2 = R"({"format": "kehrbote-export", "version": {"major": 2, "minor": 0},
                       "tenant": {"id": 7}, "jobs": []})";
  EXPECT_REFUSED(v2, "/version/major", "unsupported export format major version 2");
}

TEST(ExportErrorTest, OtherFormatIsRefused) {
  EXPECT_REFUSED(Edit("\"format\": \"kehrbote-export\"", "\"format\": \"autoflex-export\""),
                 "/format", "not a Kehrbote export");
}

TEST(ExportErrorTest, MissingAppointments) {
  std::string text = testing::ExampleJson();
  text = text.substr(0, text.find(",\n  \"appointments\"")) + "\n}\n";
  EXPECT_REFUSED(text, "", "missing member \"appointments\"");
}

TEST(ExportErrorTest, HeaderMemberAfterAppointmentsIsRefused) {
  std::string text = testing::ExampleJson();
  std::string window = "\"window\": {\"from\": \"2026-11-23\", \"to\": \"2026-12-06\"},\n  ";
  text = Edit(window, "", text);
  text.replace(text.rfind('}'), 1, ",\n  \"window\": {\"from\": \"2026-11-23\", \"to\": \"2026-12-06\"}}");
  // Without "window" the header is incomplete when "appointments" begins.
  EXPECT_REFUSED(text, "", "window");
}

TEST(ExportErrorTest, MemberAfterAppointmentsIsRefused) {
  std::string text = testing::ExampleJson();
  text.replace(text.rfind('}'), 1, ", \"note\": \"x\"}");
  EXPECT_REFUSED(text, "/note", "must be the last member");
}

TEST(ExportErrorTest, DuplicateHeaderMember) {
  EXPECT_REFUSED(Edit("\"generated_at\"", "\"firm\": {}, \"generated_at\""), "/firm",
                 "duplicate member \"firm\"");
}

TEST(ExportErrorTest, NotAnObjectAtAll) {
  EXPECT_REFUSED("[1, 2]", "", "expected '{'");
  EXPECT_REFUSED("", "", "end of input");
}

TEST(ExportErrorTest, TruncatedFileIsRefused) {
  std::string text = testing::ExampleJson();
  Refusal r = ReadRefused(text.substr(0, text.size() / 2));
  EXPECT_NE(r.reason.find("end of input"), std::string::npos) << r.what;
}

TEST(ExportErrorTest, PointerOfTheThousandsAppointment) {
  // An error deep in a big file names its exact place.
  ExportDocument model = testing::ExampleModel();
  std::ostringstream out;
  ExportWriter writer(out, model.header);
  Appointment a = model.appointments[0];
  for (int i = 0; i < 2000; ++i) {
    a.id = "A" + std::to_string(i);
    writer.Add(a);
  }
  writer.Finish();
  std::string text = out.str();
  size_t at = text.find("\"id\": \"A1234\"");
  ASSERT_NE(at, std::string::npos);
  size_t date = text.find("2026-11-24", at);
  text.replace(date, 10, "2026-13-01");
  Refusal r = ReadRefused(text);
  EXPECT_EQ(r.pointer, "/appointments/1234/start/date");
  EXPECT_EQ(r.appointments_before, 1234u);
}

// Found by fuzzing (csv_source): a contact address of NUL bytes was written, and the
// reader refused the whole export for it. The writer refuses the appointment alone.
TEST(ExportErrorTest, WriterRefusesTextWithANulThatTheReaderWouldRefuseTheFileFor) {
  ExportDocument model = testing::ExampleModel();
  std::ostringstream out;
  ExportWriter writer(out, model.header);
  Appointment bad = model.appointments[0];
  ASSERT_FALSE(bad.contacts.empty());
  bad.contacts[0].address = std::string("\0", 1);
  try {
    writer.Add(bad);
    FAIL() << "an address of a NUL byte was written";
  } catch (const ExportError& e) {
    EXPECT_EQ(e.pointer(), "/appointments/0/contacts/0/address");
    EXPECT_NE(e.reason().find("NUL"), std::string::npos) << e.what();
  }
  bad.contacts[0].address = std::string("0664\0 123", 9);
  EXPECT_THROW(writer.Add(bad), ExportError);
  writer.Add(model.appointments[0]);  // the next row still goes in
  writer.Finish();
  std::istringstream in(out.str());
  EXPECT_EQ(ReadExportDocument(in, "nul.json").appointments.size(), 1u);
}

// --- Forward compatibility: minor versions add optional members. ---

std::string WithUnknownMembers(int minor) {
  std::string text = Edit("{\"major\": 1, \"minor\": 0}",
                          "{\"major\": 1, \"minor\": " + std::to_string(minor) + "}");
  text = Edit("\"generated_at\"", "\"agent\": {\"version\": \"1.4.2\"},\n  \"generated_at\"", text);
  text = Edit("\"country\": \"AT\",", "\"country\": \"AT\", \"vat_id\": \"ATU12345678\",", text);
  text = Edit("\"status\": \"cancelled\",",
              "\"status\": \"cancelled\", \"cancel_reason\": \"Kunde verreist\",", text);
  text = Edit("\"main_sweep_only\": true}", "\"main_sweep_only\": true, \"preferred\": true}", text);
  return text;
}

TEST(ExportForwardCompatibilityTest, HigherMinorWithUnknownOptionalMembersIsAccepted) {
  std::istringstream in(WithUnknownMembers(kExportMinorVersion + 1));
  ExportReader reader(in, kSource);
  ExportDocument got;
  reader.Read([&](const ExportHeader& h) { got.header = h; },
              [&](Appointment&& a) { got.appointments.push_back(std::move(a)); });
  EXPECT_TRUE(reader.lenient());
  ExportDocument expected = testing::ExampleModel();
  expected.header.version_minor = kExportMinorVersion + 1;
  EXPECT_EQ(got, expected);
}

TEST(ExportForwardCompatibilityTest, SameMinorWithUnknownMemberIsATypo) {
  EXPECT_REFUSED(WithUnknownMembers(kExportMinorVersion), "/firm/vat_id", "unknown member");
}

TEST(ExportForwardCompatibilityTest, HigherMinorStillChecksKnownMembers) {
  std::string text = Edit("\"kind\": \"sweep\"", "\"kind\": \"chimney\"",
                          WithUnknownMembers(kExportMinorVersion + 1));
  EXPECT_REFUSED(text, "/appointments/1/kind", "found \"chimney\"");
}

}  // namespace
}  // namespace kehrbote
