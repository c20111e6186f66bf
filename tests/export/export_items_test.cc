// ExportReader::ReadItems: digests of every appointment's bytes, known ones
// handed over undecoded, and everything else read and reported as Read does.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "shared/export/export_reader.h"
#include "shared/export/export_writer.h"
#include "shared/export/raw_appointment_digest.h"
#include "tests/export/export_test_data.h"

namespace kehrbote {
namespace {

// 300 appointments (more than one of the reader's batches), ids "X-1".."X-300".
std::string ManyAppointments() {
  const ExportDocument example = testing::ExampleModel();
  std::ostringstream out;
  ExportWriter writer(out, example.header, "items.json");
  for (int i = 1; i <= 300; ++i) {
    Appointment a = example.appointments[static_cast<size_t>(i) % example.appointments.size()];
    a.id = "X-" + std::to_string(i);
    writer.Add(a);
  }
  writer.Finish();
  return out.str();
}

std::vector<ExportItem> ReadItems(const std::string& text, const KnownRawDigests* known) {
  std::istringstream in(text);
  std::vector<ExportItem> items;
  ExportReader(in, "items.json")
      .ReadItems([](const ExportHeader&) {},
                 [&](ExportItem&& item) { items.push_back(std::move(item)); }, known);
  return items;
}

// The error Read or ReadItems reports for `text`.
std::string ErrorOf(const std::string& text, const KnownRawDigests* known, bool items) {
  std::istringstream in(text);
  ExportReader reader(in, "items.json");
  try {
    if (items) {
      reader.ReadItems([](const ExportHeader&) {}, [](ExportItem&&) {}, known);
    } else {
      reader.Read([](const ExportHeader&) {}, [](Appointment&&) {});
    }
  } catch (const ExportError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ExportItemsTest, KnownAppointmentsAreHandedOverUndecoded) {
  const std::string text = ManyAppointments();
  std::istringstream in(text);
  const ExportDocument doc = ReadExportDocument(in, "items.json");

  const std::vector<ExportItem> all = ReadItems(text, nullptr);
  ASSERT_EQ(all.size(), 300u);
  std::set<std::string> digests;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_FALSE(all[i].known);
    EXPECT_EQ(all[i].appointment, doc.appointments[i]);
    EXPECT_EQ(all[i].raw_digest.size(), 32u);
    digests.insert(all[i].raw_digest);
  }
  EXPECT_EQ(digests.size(), 300u);

  KnownRawDigests known;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i != 7) known.emplace(all[i].raw_digest, all[i].appointment.id);
  }
  const std::vector<ExportItem> again = ReadItems(text, &known);
  ASSERT_EQ(again.size(), 300u);
  for (size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(again[i].known, i != 7) << i;
    EXPECT_EQ(again[i].raw_digest, all[i].raw_digest) << i;
    EXPECT_EQ(again[i].appointment.id, all[i].appointment.id) << i;
  }
  EXPECT_EQ(again[7].appointment, doc.appointments[7]);
}

TEST(ExportItemsTest, ErrorsAfterKnownAppointmentsAreReportedAsByRead) {
  const std::string good = ManyAppointments();
  KnownRawDigests known;
  for (const ExportItem& item : ReadItems(good, nullptr)) {
    known.emplace(item.raw_digest, item.appointment.id);
  }
  // A broken separator after the 250th appointment, a bad value in the 280th,
  // and the file cut short: each reported at the same place, known ones skipped or not.
  std::string separator = good;
  const size_t after_250 = separator.find("\"X-251\"");
  separator[separator.rfind(',', separator.rfind('{', after_250))] = ';';
  std::string value = good;
  const size_t at_280 = value.find("\"X-280\"");
  value.replace(value.find("\"sweep\"", at_280), 7, "\"chimney\"");
  for (const std::string& text : {separator, value, good.substr(0, good.size() / 2)}) {
    const std::string expected = ErrorOf(text, nullptr, false);
    EXPECT_NE(expected, "no error");
    EXPECT_EQ(ErrorOf(text, &known, true), expected);
    EXPECT_EQ(ErrorOf(text, nullptr, true), expected);
  }
}

TEST(ExportItemsTest, DigestCoversTheStrictness) {
  EXPECT_NE(RawAppointmentDigest("{}", SchemaStrictness::kStrict),
            RawAppointmentDigest("{}", SchemaStrictness::kLenient));
  EXPECT_EQ(RawAppointmentDigest("{\"id\":\"A\"}", SchemaStrictness::kStrict),
            RawAppointmentDigest("{\"id\":\"A\"}", SchemaStrictness::kStrict));
}

}  // namespace
}  // namespace kehrbote
