// CsvSource through the whole export path: CSV bytes in, export file out, read back
// with ExportReader (what the dispatcher will see).
#include "agent/source/csv_source.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent/app/export_file.h"
#include "agent/source/row_mapper.h"
#include "shared/env/env.h"
#include "shared/export/export_reader.h"
#include "shared/time/zoned_time.h"
#include "tests/agent/agent_test_util.h"
#include "tests/support/file_acl.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

using test::WriteFile;

// 2026-11-23 06:00 Vienna: the window is 2026-11-23 .. 2026-12-07.
const Instant kNow = *ParseRfc3339("2026-11-23T05:00:00Z");

class CsvSourceTest : public ::testing::Test {
 protected:
  AgentConfig Config(const std::string& encoding, const std::string& extra_columns = "") {
    std::string yaml = test::BaseConfig(dir_.path()) +
                       "source:\n"
                       "  type: csv\n"
                       "  path: " + dir_.Sub("termine*.csv") + "\n"
                       "  encoding: " + encoding + "\n"
                       "  columns:\n"
                       "    id: Nr\n"
                       "    kind: Art\n"
                       "    kind_values: {HK: main_sweep, K: sweep, UE: inspection}\n"
                       "    date: Datum\n"
                       "    window: Zeit\n"
                       "    street: Strasse\n"
                       "    city: Ort\n"
                       "    last_name: Name\n"
                       "    company: Firma\n"
                       "    phones:\n"
                       "      - {number: Tel1, consent: Tel1OK, main_sweep_only: NurHK}\n" +
                       extra_columns +
                       "  formats: {date: [\"%d.%m.%Y\"]}\n";
    return ParseAgentConfig(yaml, dir_.Sub("agent.yaml"));
  }

  ExportDocument Export(const AgentConfig& config, ExportRun* run = nullptr) {
    ManualClock clock(kNow);
    std::string out = dir_.Sub("export.json");
    ExportRun r = WriteExportFile(config, clock, out);
    if (run) *run = r;
    if (test::PlatformKeepsAccessRights()) {
      EXPECT_TRUE(Env::Default().IsPrivate(out));
    }
    std::ifstream in(out, std::ios::binary);
    return ReadExportDocument(in, out);
  }

  const Appointment* Find(const ExportDocument& d, const std::string& id) {
    for (const auto& a : d.appointments) {
      if (a.id == id) return &a;
    }
    return nullptr;
  }

  test::TempDir dir_{"kehrbote-agent-csv-"};
};

const char* kHeader = "Nr;Art;Datum;Zeit;Strasse;Ort;Name;Firma;Tel1;Tel1OK;NurHK\r\n";

TEST_F(CsvSourceTest, QuotedFieldsWithDelimitersQuotesAndLineBreaks) {
  WriteFile(dir_.Sub("termine.csv"),
            std::string("\xEF\xBB\xBF") + kHeader +
                "T1;HK;24.11.2026;08:00-12:00;\"Hauptplatz 1; Hof 2\";Steyr;Huber;"
                "\"Bau \"\"Haus & Hof\"\" GmbH\";0664 / 1234567;1;0\r\n"
                "T2;K;25.11.2026;;\"Am Tabor 3\r\n2. Stock\";Steyr;\"Mair\";;;;\r\n"
                "\r\n"
                "T3;UE;26.11.2026;13:00 - 17:00;Mühlweg 7;Steyr;Pröll;;0676 7654321;ja;x\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8-bom"), &run);
  ASSERT_EQ(d.appointments.size(), 3u);
  EXPECT_TRUE(run.report.skipped.empty());
  const Appointment* t1 = Find(d, "T1");  // the BOM did not end up in the first header
  ASSERT_NE(t1, nullptr);
  EXPECT_EQ(t1->kind, AppointmentKind::kMainSweep);
  EXPECT_EQ(t1->object.street, "Hauptplatz 1; Hof 2");
  EXPECT_EQ(t1->customer.company, "Bau \"Haus & Hof\" GmbH");
  EXPECT_EQ(t1->start.window_from, std::chrono::hours(8));
  EXPECT_EQ(t1->start.window_to, std::chrono::hours(12));
  ASSERT_EQ(t1->contacts.size(), 1u);
  EXPECT_EQ(t1->contacts[0].address, "0664 / 1234567");
  EXPECT_TRUE(t1->contacts[0].consent);
  EXPECT_FALSE(t1->contacts[0].main_sweep_only);
  const Appointment* t2 = Find(d, "T2");
  ASSERT_NE(t2, nullptr);
  EXPECT_EQ(t2->object.street, "Am Tabor 3\r\n2. Stock");
  EXPECT_TRUE(t2->contacts.empty());
  EXPECT_FALSE(t2->start.time || t2->start.window_from);
  const Appointment* t3 = Find(d, "T3");
  ASSERT_NE(t3, nullptr);
  EXPECT_EQ(t3->kind, AppointmentKind::kInspection);
  EXPECT_EQ(t3->start.window_from, std::chrono::hours(13));
  EXPECT_TRUE(t3->contacts[0].main_sweep_only);
  EXPECT_EQ(t3->customer.last_name, "Pröll");
}

TEST_F(CsvSourceTest, Windows1252UmlautsArriveIntact) {
  // "Müller", "Straße", "Jänner" and a typographic quote in Windows-1252 bytes.
  WriteFile(dir_.Sub("termine.csv"),
            std::string(kHeader) +
                "T1;K;24.11.2026;;Gro\xDF" "e Stra\xDF" "e 5;Steyr;M\xFCller;"
                "J\xE4nner \x84Kamin\x93 KG;0664 1;1;0\r\n");
  ExportDocument d = Export(Config("windows-1252"));
  ASSERT_EQ(d.appointments.size(), 1u);
  const Appointment& a = d.appointments[0];
  EXPECT_EQ(a.customer.last_name, "Müller");
  EXPECT_EQ(a.object.street, "Große Straße 5");
  EXPECT_EQ(a.customer.company, "Jänner „Kamin“ KG");
}

TEST_F(CsvSourceTest, Iso885915EuroSign) {
  WriteFile(dir_.Sub("termine.csv"), std::string(kHeader) +
                                         "T1;K;24.11.2026;;Gasse 1;Steyr;M\xFCller;\xA4 Bau;;;\n");
  ExportDocument d = Export(Config("iso-8859-15"));
  ASSERT_EQ(d.appointments.size(), 1u);
  EXPECT_EQ(d.appointments[0].customer.company, "€ Bau");
  EXPECT_EQ(d.appointments[0].customer.last_name, "Müller");
}

TEST_F(CsvSourceTest, BadRowsAreSkippedAndCountedWithReasons) {
  WriteFile(dir_.Sub("termine.csv"),
            std::string(kHeader) +
                "T1;K;24.11.2026;;Gasse 1;Steyr;A;;;;\n"          // line 2: good
                ";K;24.11.2026;;Gasse 2;Steyr;B;;;;\n"            // 3: missing id
                "T3;K;31.02.2026;;Gasse 3;Steyr;C;;;;\n"          // 4: no such date
                "T4;K;morgen;;Gasse 4;Steyr;D;;;;\n"              // 5: not a date
                "T1;K;25.11.2026;;Gasse 5;Steyr;E;;;;\n"          // 6: duplicate of line 2
                "T6;XY;25.11.2026;;Gasse 6;Steyr;F;;;;\n"         // 7: unknown kind
                "T7;K;25.11.2026;12:00-08:00;Gasse 7;Steyr;G;;;;\n"  // 8: window backwards
                "T8;K;25.11.2026;;Gasse 8;Steyr;H;;0664 1;vielleicht;\n"  // 9: consent?
                "T9;K;01.01.2027;;Gasse 9;Steyr;I;;;;\n"          // 10: outside the window
                "T10;K;07.12.2026;;Gasse 10;Steyr;J;;;;\n");      // 11: last day, good
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  ASSERT_EQ(d.appointments.size(), 2u);
  EXPECT_EQ(d.appointments[0].id, "T1");
  EXPECT_EQ(d.appointments[0].customer.last_name, "A");  // the first T1 wins
  EXPECT_EQ(d.appointments[1].id, "T10");
  EXPECT_EQ(run.report.rows_read, 10);
  EXPECT_EQ(run.report.appointments, 2);
  EXPECT_EQ(run.report.outside_window, 1);
  ASSERT_EQ(run.report.skipped.size(), 7u);
  auto expect = [&](size_t i, const std::string& where, const std::string& id,
                    const std::string& reason_part) {
    const SkippedRow& s = run.report.skipped[i];
    EXPECT_EQ(s.where, where);
    EXPECT_EQ(s.id, id);
    EXPECT_NE(s.reason.find(reason_part), std::string::npos) << s.reason;
  };
  expect(0, "termine.csv:3", "", "missing id");
  expect(1, "termine.csv:4", "T3", "unparseable date '31.02.2026'");
  expect(2, "termine.csv:5", "T4", "unparseable date 'morgen'");
  expect(3, "termine.csv:6", "T1", "duplicate id (first seen at termine.csv:2)");
  expect(4, "termine.csv:7", "T6", "unknown kind 'XY'");
  expect(5, "termine.csv:8", "T7", "ends before it starts");
  expect(6, "termine.csv:9", "T8", "unrecognised consent value 'vielleicht'");
  EXPECT_NE(run.Summary().find("7 skipped"), std::string::npos) << run.Summary();
}

TEST_F(CsvSourceTest, PhoneNumbersInMisalignedRowsAreMaskedInReasons) {
  // Shifted by one field: a phone number lands in the consent column.
  WriteFile(dir_.Sub("termine.csv"), std::string(kHeader) +
                                         "T1;K;24.11.2026;;Gasse 1;Steyr;A;x;0664 1;0664 / 1234567;\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  EXPECT_TRUE(d.appointments.empty());
  ASSERT_EQ(run.report.skipped.size(), 1u);
  const std::string& reason = run.report.skipped[0].reason;
  EXPECT_NE(reason.find("unrecognised consent value"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("1234567"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'0664 / 1****67'"), std::string::npos) << reason;
}

TEST(MaskPhoneLikeTest, MasksPhoneNumbersOnly) {
  EXPECT_EQ(MaskPhoneLike("+43 664 1234567"), "+43 664 *****67");
  EXPECT_EQ(MaskPhoneLike("31.02.2026"), "31.02.2026");
  EXPECT_EQ(MaskPhoneLike("2026-02-31"), "2026-02-31");
  EXPECT_EQ(MaskPhoneLike("08:00-12:00"), "08:00-12:00");
  EXPECT_EQ(MaskPhoneLike("vielleicht"), "vielleicht");
}

TEST_F(CsvSourceTest, WrongEncodingSkipsTheRowInsteadOfWritingGarbage) {
  WriteFile(dir_.Sub("termine.csv"), std::string(kHeader) +
                                         "T1;K;24.11.2026;;Gasse 1;Steyr;M\xFCller;;;;\n"
                                         "T2;K;24.11.2026;;Gasse 2;Steyr;Maier;;;;\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  ASSERT_EQ(d.appointments.size(), 1u);
  EXPECT_EQ(d.appointments[0].id, "T2");
  ASSERT_EQ(run.report.skipped.size(), 1u);
  EXPECT_EQ(run.report.skipped[0].where, "termine.csv:2");
  EXPECT_NE(run.report.skipped[0].reason.find("encoding"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/csv_source.cc): a time whose seconds field has no
// digit ("08:00:") made date.h convert an uninitialised value (undefined behaviour,
// UBSan halts scripts/test-sanitizers). The row is skipped as unparseable; seconds
// that are there still parse.
TEST_F(CsvSourceTest, TimeWithEmptySecondsFieldIsSkippedAsUnparseable) {
  WriteFile(dir_.Sub("termine.csv"), std::string(kHeader) +
                                         "T1;K;24.11.2026;08:00:-12:00;Gasse 1;Steyr;A;;;;\n"
                                         "T2;K;24.11.2026;08:00:00-12:00:30;Gasse 2;Steyr;B;;;;\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  ASSERT_EQ(d.appointments.size(), 1u);
  EXPECT_EQ(d.appointments[0].id, "T2");
  EXPECT_EQ(d.appointments[0].start.window_from, std::chrono::hours(8));
  EXPECT_EQ(d.appointments[0].start.window_to, std::chrono::hours(12));
  ASSERT_EQ(run.report.skipped.size(), 1u);
  EXPECT_NE(run.report.skipped[0].reason.find("unparseable time window '08:00:-12:00'"),
            std::string::npos)
      << run.report.skipped[0].reason;
}

TEST(RowMapperFormat, SecondsFieldWithoutDigitIsRefusedBeforeTheDateLibrary) {
  EXPECT_FALSE(ParseWithFormat("2026-11-24 08:00:", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(ParseWithFormat("2026-11-24 08:00:x5", "%Y-%m-%d %H:%M:%S"));
  EXPECT_EQ(ParseWithFormat("2026-11-24 08:00:05", "%Y-%m-%d %H:%M:%S"),
            *ParseLocalDateTime("2026-11-24T08:00:05"));
  EXPECT_EQ(ParseWithFormat("24.11.2026", "%d.%m.%Y"), *ParseLocalDate("2026-11-24"));
}

TEST_F(CsvSourceTest, UnclosedQuoteSkipsTheLastRow) {
  WriteFile(dir_.Sub("termine.csv"), std::string(kHeader) +
                                         "T1;K;24.11.2026;;Gasse 1;Steyr;A;;;;\n"
                                         "T2;K;24.11.2026;;\"Gasse 2;Steyr;B;;;;\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  ASSERT_EQ(d.appointments.size(), 1u);
  ASSERT_EQ(run.report.skipped.size(), 1u);
  EXPECT_NE(run.report.skipped[0].reason.find("not closed"), std::string::npos);
}

TEST_F(CsvSourceTest, GlobReadsEveryFileAndFindsDuplicatesAcrossThem) {
  WriteFile(dir_.Sub("termine-1.csv"), std::string(kHeader) + "T1;K;24.11.2026;;G 1;S;A;;;;\n");
  WriteFile(dir_.Sub("termine-2.csv"), std::string(kHeader) + "T2;K;24.11.2026;;G 2;S;B;;;;\n"
                                                              "T1;K;24.11.2026;;G 3;S;C;;;;\n");
  ExportRun run;
  ExportDocument d = Export(Config("utf-8"), &run);
  ASSERT_EQ(d.appointments.size(), 2u);
  ASSERT_EQ(run.report.skipped.size(), 1u);
  EXPECT_EQ(run.report.skipped[0].where, "termine-2.csv:3");
}

TEST_F(CsvSourceTest, FailureMidwayLeavesNoExport) {
  // The second file of the glob has another header: found only after the first
  // file's rows went into the export (on the reader thread).
  std::string rows;
  for (int i = 0; i < 2000; ++i) rows += "T" + std::to_string(i) + ";K;24.11.2026;;G;S;A;;;;\n";
  WriteFile(dir_.Sub("termine-1.csv"), std::string(kHeader) + rows);
  WriteFile(dir_.Sub("termine-2.csv"), "Nummer;Art\nX;K\n");
  ManualClock clock(kNow);
  try {
    WriteExportFile(Config("utf-8"), clock, dir_.Sub("export.json"));
    FAIL() << "no SourceError";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("termine-2.csv: header differs"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(Env::Default().FileExists(dir_.Sub("export.json")));
  EXPECT_FALSE(Env::Default().FileExists(dir_.Sub("export.json.tmp")));
}

TEST_F(CsvSourceTest, UnreadableSourceFailsWithFileAndReason) {
  AgentConfig config = Config("utf-8");
  ManualClock clock(kNow);
  try {
    WriteExportFile(config, clock, dir_.Sub("export.json"));
    FAIL() << "no SourceError";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("termine*.csv: no file matches"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(Env::Default().FileExists(dir_.Sub("export.json")));
  EXPECT_FALSE(Env::Default().FileExists(dir_.Sub("export.json.tmp")));

  WriteFile(dir_.Sub("termine.csv"), "Nr;Art;Datum\nT1;K;24.11.2026\n");
  try {
    WriteExportFile(config, clock, dir_.Sub("export.json"));
    FAIL() << "no SourceError";
  } catch (const SourceError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("column 'Zeit' (source.columns.window)"), std::string::npos) << m;
    EXPECT_NE(m.find("Nr, Art, Datum"), std::string::npos) << m;
  }
}

TEST_F(CsvSourceTest, StartWithoutEndIsAnExactTimePerRow) {
  // The usual office export: a start and an end column, the end empty for the
  // appointments agreed at an exact time.
  std::string yaml = test::BaseConfig(dir_.path()) +
                     "source:\n"
                     "  type: csv\n"
                     "  path: " + dir_.Sub("t.csv") + "\n"
                     "  columns: {id: Nr, date: Datum, window_from: Beginn, window_to: Ende,"
                     " last_name: Name}\n"
                     "  formats: {date: [\"%d.%m.%Y\"]}\n";
  WriteFile(dir_.Sub("t.csv"), "Nr;Datum;Beginn;Ende;Name\n"
                               "T1;24.11.2026;09:00;;A\n"         // exact time
                               "T2;24.11.2026;08:00;12:00;B\n"    // window
                               "T3;24.11.2026;;;C\n"              // some time that day
                               "T4;24.11.2026;;12:00;D\n"         // an end alone: skipped
                               "T5;24.11.2026;neun;;E\n");        // unparseable start
  ExportRun run;
  ExportDocument d = Export(ParseAgentConfig(yaml, dir_.Sub("agent.yaml")), &run);
  ASSERT_EQ(d.appointments.size(), 3u);
  const Appointment* t1 = Find(d, "T1");
  ASSERT_NE(t1, nullptr);
  EXPECT_EQ(t1->start.time, std::chrono::hours(9));
  EXPECT_FALSE(t1->start.window_from || t1->start.window_to);
  const Appointment* t2 = Find(d, "T2");
  ASSERT_NE(t2, nullptr);
  EXPECT_FALSE(t2->start.time);
  EXPECT_EQ(t2->start.window_from, std::chrono::hours(8));
  EXPECT_EQ(t2->start.window_to, std::chrono::hours(12));
  const Appointment* t3 = Find(d, "T3");
  ASSERT_NE(t3, nullptr);
  EXPECT_FALSE(t3->start.time || t3->start.window_from);
  ASSERT_EQ(run.report.skipped.size(), 2u);
  EXPECT_EQ(run.report.skipped[0].id, "T4");
  EXPECT_NE(run.report.skipped[0].reason.find("end without a start"), std::string::npos)
      << run.report.skipped[0].reason;
  EXPECT_EQ(run.report.skipped[1].id, "T5");
  EXPECT_NE(run.report.skipped[1].reason.find("unparseable time 'neun'"), std::string::npos)
      << run.report.skipped[1].reason;
}

TEST_F(CsvSourceTest, FileWithoutHeaderUsesColumnNumbers) {
  std::string yaml = test::BaseConfig(dir_.path()) +
                     "source:\n"
                     "  type: csv\n"
                     "  path: " + dir_.Sub("t.csv") + "\n"
                     "  delimiter: \",\"\n"
                     "  header: false\n"
                     "  columns: {id: \"2\", date: \"1\", time: \"3\", last_name: \"4\"}\n";
  WriteFile(dir_.Sub("t.csv"), "2026-11-24,A1,07:30,Huber\n2026-11-25,A2,,\"Maier, Franz\"\n");
  ExportDocument d = Export(ParseAgentConfig(yaml, dir_.Sub("agent.yaml")));
  ASSERT_EQ(d.appointments.size(), 2u);
  EXPECT_EQ(d.appointments[0].start.time, std::chrono::minutes(7 * 60 + 30));
  EXPECT_EQ(d.appointments[1].customer.last_name, "Maier, Franz");
}

}  // namespace
}  // namespace kehrbote
