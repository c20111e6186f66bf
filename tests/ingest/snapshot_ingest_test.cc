#include "dispatcher/ingest/snapshot_ingest.h"

#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/store_schema.h"
#include "tests/ingest/export_builder.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using test::MakeAppointment;
using test::MakeHeader;
using test::WriteExport;

class SnapshotIngestTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  SnapshotIngestTest() { MigrateStore(db()); }

  Database& db() { return fresh_.db(); }

  IngestResult Apply(const std::string& inbox, const std::string& name, const std::string& text) {
    std::istringstream in(text);
    return ingest_.ApplyStream(inbox, {name, "sha-" + name}, in);
  }

  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }

  test::FreshDatabase fresh_{GetParam()};
  ManualClock clock_{*ParseRfc3339("2026-11-23T06:00:00+01:00")};
  SnapshotIngest ingest_{db(), clock_};
  AppointmentStore store_{db()};
};

TEST_P(SnapshotIngestTest, NewAppointmentsBecomeVersionOneWithUtcStart) {
  auto r = Apply("huber", "e1.json",
                 WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"),
                             {MakeAppointment("A1", "2026-11-24", "08:30"), MakeAppointment("A2", "2026-11-25"),
                              MakeAppointment("A3", "2026-11-26")}));
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.appointments, 3);
  EXPECT_EQ(r.added, 3);
  EXPECT_EQ(r.changed_ids, (std::vector<std::string>{"A1", "A2", "A3"}));

  auto a1 = store_.Current("huber", "A1");
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->version, 1);
  EXPECT_EQ(a1->change, "new");
  EXPECT_EQ(a1->start_at, *ParseRfc3339("2026-11-24T07:30:00Z"));  // 08:30 CET
  EXPECT_EQ(a1->appointment, MakeAppointment("A1", "2026-11-24", "08:30"));

  auto firm = store_.GetFirm("huber");
  ASSERT_TRUE(firm);
  EXPECT_EQ(firm->firm.timezone, "Europe/Vienna");
  EXPECT_EQ(firm->last_export_name, "e1.json");
  EXPECT_EQ(firm->last_export_appointments, 3);
  EXPECT_EQ(firm->last_export_generated_at, *ParseRfc3339("2026-11-23T04:00:00Z"));
  EXPECT_EQ(firm->last_export_at, clock_.Now());
  ASSERT_EQ(firm->firm.heartbeat_contacts.size(), 1u);
  EXPECT_FALSE(firm->last_rejected_name);
}

TEST_P(SnapshotIngestTest, ChangesMakeNewVersionsAndKeepTheOldOnes) {
  std::vector<Appointment> first = {MakeAppointment("T", "2026-11-24"), MakeAppointment("W", "2026-11-24"),
                                    MakeAppointment("K", "2026-11-24"), MakeAppointment("C", "2026-11-24"),
                                    MakeAppointment("N", "2026-11-24"), MakeAppointment("U", "2026-11-24")};
  ASSERT_EQ(Apply("huber", "e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), first)).outcome,
            IngestOutcome::kApplied);

  auto second = first;
  second[0].start.time = std::chrono::hours(10);  // T: another time
  second[1].start.time.reset();                   // W: a time window instead
  second[1].start.window_from = std::chrono::hours(8);
  second[1].start.window_to = std::chrono::hours(12);
  second[2].kind = AppointmentKind::kMainSweep;   // K: kind
  second[3].contacts[0].consent = false;          // C: consent withdrawn
  second[4].customer.last_name = "Neumann";       // N: name only: no new version
  clock_.Advance(std::chrono::hours(24));
  auto r = Apply("huber", "e2.json", WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), second));
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.changed, 4);
  EXPECT_EQ(r.refreshed, 1);
  EXPECT_EQ(r.unchanged, 1);
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.changed_ids, (std::vector<std::string>{"C", "K", "T", "W"}));

  auto versions = store_.Versions("huber", "T");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].start_at, *ParseRfc3339("2026-11-24T07:30:00Z"));
  EXPECT_EQ(versions[1].start_at, *ParseRfc3339("2026-11-24T09:00:00Z"));
  EXPECT_EQ(versions[1].change, "changed");
  EXPECT_EQ(store_.Current("huber", "W")->appointment.start.window_to, std::chrono::hours(12));
  EXPECT_FALSE(store_.Current("huber", "C")->appointment.contacts[0].consent);
  auto n = store_.Current("huber", "N");
  EXPECT_EQ(n->version, 1);
  EXPECT_EQ(n->appointment.customer.last_name, "Neumann");
  EXPECT_EQ(store_.Versions("huber", "U").size(), 1u);

  // The same snapshot again (a new file): nothing to do.
  clock_.Advance(std::chrono::hours(1));
  auto again = Apply("huber", "e3.json", WriteExport(MakeHeader("huber", "2026-11-24T06:00:00+01:00"), second));
  ASSERT_EQ(again.outcome, IngestOutcome::kApplied);
  EXPECT_EQ(again.unchanged, 6);
  EXPECT_TRUE(again.changed_ids.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 10);
}

TEST_P(SnapshotIngestTest, CancelledGoneRestoredAndOutsideTheWindow) {
  std::vector<Appointment> first = {MakeAppointment("X", "2026-11-24"), MakeAppointment("G", "2026-11-30"),
                                    MakeAppointment("P", "2026-11-23"), MakeAppointment("F", "2026-12-20")};
  ASSERT_EQ(Apply("huber", "e1.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), first)).outcome,
            IngestOutcome::kApplied);

  // Next day's export covers 2026-11-24..2026-12-10: X cancelled, G missing (inside
  // the window: gone), P (before the window) and F (after it) missing but untouched.
  auto x = first[0];
  x.status = AppointmentStatus::kCancelled;
  auto r = Apply("huber", "e2.json",
                 WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00", "2026-11-24", "2026-12-10"), {x}));
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(r.cancelled, 1);
  EXPECT_EQ(r.gone, 1);
  EXPECT_EQ(r.changed_ids, (std::vector<std::string>{"G", "X"}));

  auto cx = store_.Current("huber", "X");
  EXPECT_EQ(cx->version, 2);
  EXPECT_EQ(cx->change, "cancelled");
  EXPECT_EQ(cx->appointment.status, AppointmentStatus::kCancelled);
  auto g = store_.Current("huber", "G");
  EXPECT_EQ(g->version, 2);
  EXPECT_EQ(g->change, "gone");
  EXPECT_EQ(g->cancel_reason, "nicht mehr im Export");
  EXPECT_EQ(g->appointment.status, AppointmentStatus::kCancelled);
  EXPECT_EQ(g->appointment.contacts, first[1].contacts);  // kept from the last version
  EXPECT_EQ(store_.Current("huber", "P")->version, 1);
  EXPECT_EQ(store_.Current("huber", "F")->version, 1);

  // Gone twice is still one cancellation; G coming back is "restored".
  auto r3 = Apply("huber", "e3.json",
                  WriteExport(MakeHeader("huber", "2026-11-25T05:00:00+01:00", "2026-11-24", "2026-12-10"), {x}));
  EXPECT_EQ(r3.gone, 0);
  EXPECT_TRUE(r3.changed_ids.empty());
  auto r4 = Apply("huber", "e4.json",
                  WriteExport(MakeHeader("huber", "2026-11-26T05:00:00+01:00", "2026-11-24", "2026-12-10"),
                              {x, first[1]}));
  EXPECT_EQ(r4.restored, 1);
  EXPECT_EQ(r4.changed_ids, (std::vector<std::string>{"G"}));
  EXPECT_EQ(store_.Current("huber", "G")->version, 3);
  EXPECT_EQ(store_.Current("huber", "G")->appointment.status, AppointmentStatus::kScheduled);
}

std::vector<Appointment> Many(int n, const std::string& prefix = "A-") {
  std::vector<Appointment> out;
  for (int i = 1; i <= n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "%s%04d", prefix.c_str(), i);
    out.push_back(MakeAppointment(id, "2026-12-0" + std::to_string(1 + i % 9)));
  }
  return out;
}

TEST_P(SnapshotIngestTest, BadExportIsRefusedWholeEvenAtThe500thAppointment) {
  ASSERT_EQ(Apply("huber", "good.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), Many(10)))
                .outcome,
            IngestOutcome::kApplied);

  // 1000 appointments, all changed (new time), the 500th with a kind the schema
  // does not know: the first 499 are valid and must not stay in the store.
  auto changed = Many(1000);
  for (auto& a : changed) a.start.time = std::chrono::hours(11);
  std::string text = WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), changed);
  auto pos = text.find("\"A-0500\"");
  ASSERT_NE(pos, std::string::npos);
  auto kind = text.find("\"sweep\"", pos);
  text.replace(kind, 7, "\"chimney\"");
  clock_.Advance(std::chrono::hours(1));
  auto r = Apply("huber", "bad.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_NE(r.reason.find("bad.json"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("/appointments/499"), std::string::npos) << r.reason;
  EXPECT_TRUE(r.changed_ids.empty());

  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 10);
  EXPECT_EQ(Count("SELECT MAX(current_version) FROM appointments"), 1);
  auto firm = store_.GetFirm("huber");
  EXPECT_EQ(firm->last_export_name, "good.json");
  EXPECT_EQ(firm->last_rejected_name, "bad.json");
  EXPECT_EQ(firm->last_rejected_reason, r.reason);
  EXPECT_EQ(firm->last_rejected_at, clock_.Now());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files WHERE outcome = 'rejected' AND name = 'bad.json'"), 1);
}

TEST_P(SnapshotIngestTest, ExportRefusedAfterAThousandNewRowsLeavesNone) {
  // New rows are written 1,000 to a statement (MultiRowInsert on PostgreSQL):
  // 1,500 new appointments, then one of them again. The diff refuses the file
  // at the repeat, after the first thousand rows went to the store.
  auto appts = Many(1501);
  std::string text = WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), appts);
  const auto last = text.find("\"A-1501\"");  // the writer refuses a repeated id: edit it in
  ASSERT_NE(last, std::string::npos);
  text.replace(last, 8, "\"A-0003\"");
  auto r = Apply("huber", "repeat.json", text);
  ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_NE(r.reason.find("A-0003"), std::string::npos) << r.reason;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 0);

  // The same appointments without the repeat are applied whole.
  appts.pop_back();
  clock_.Advance(std::chrono::hours(1));
  r = Apply("huber", "good.json",
            WriteExport(MakeHeader("huber", "2026-11-23T06:00:00+01:00"), appts));
  ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 1500);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 1500);
}

TEST_P(SnapshotIngestTest, TruncatedExportIsRefused) {
  std::string text = WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), Many(50));
  text.resize(text.size() / 2);
  auto r = Apply("huber", "cut.json", text);
  EXPECT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 0);
}

TEST_P(SnapshotIngestTest, ExportOfAnotherFirmIsRefused) {
  auto r = Apply("huber", "maier.json",
                 WriteExport(MakeHeader("maier", "2026-11-23T05:00:00+01:00"), {MakeAppointment("M1", "2026-11-24")}));
  ASSERT_EQ(r.outcome, IngestOutcome::kRejected);
  EXPECT_NE(r.reason.find("'maier'"), std::string::npos) << r.reason;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 0);
  EXPECT_FALSE(store_.GetFirm("maier"));
  auto huber = store_.GetFirm("huber");
  ASSERT_TRUE(huber);
  EXPECT_EQ(huber->last_rejected_name, "maier.json");
  EXPECT_FALSE(huber->last_export_at);
}

TEST_P(SnapshotIngestTest, OlderExportIsIgnoredAndRecorded) {
  auto newer = MakeAppointment("A", "2026-11-24", "10:00");
  auto older = MakeAppointment("A", "2026-11-24", "08:00");
  ASSERT_EQ(Apply("huber", "new.json", WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"), {newer})).outcome,
            IngestOutcome::kApplied);
  auto r = Apply("huber", "old.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {older}));
  EXPECT_EQ(r.outcome, IngestOutcome::kIgnored);
  EXPECT_NE(r.reason.find("old.json"), std::string::npos);
  EXPECT_EQ(store_.Current("huber", "A")->appointment.start.time, std::chrono::hours(10));
  EXPECT_EQ(store_.Current("huber", "A")->version, 1);
  EXPECT_EQ(store_.GetFirm("huber")->last_export_name, "new.json");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files WHERE outcome = 'ignored' AND name = 'old.json'"), 1);
}

TEST_P(SnapshotIngestTest, SameFileIsProcessedOnce) {
  std::string text = WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24")});
  std::istringstream in1(text), in2(text), in3(text);
  EXPECT_EQ(ingest_.ApplyStream("huber", {"e1.json", "abc"}, in1).outcome, IngestOutcome::kApplied);
  // Uploaded again under the same name, and under another name with the same content.
  EXPECT_EQ(ingest_.ApplyStream("huber", {"e1.json", "abc"}, in2).outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(ingest_.ApplyStream("huber", {"e1-copy.json", "abc"}, in3).outcome, IngestOutcome::kDuplicate);
  EXPECT_TRUE(ingest_.AlreadyProcessed("huber", {"other.json", "abc"}));
  EXPECT_FALSE(ingest_.AlreadyProcessed("maier", {"e1.json", "abc"}));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files"), 1);
}

// Two dispatchers (two Database objects = two connection pools, as two
// processes would have) ingest the same firm at once: the firm lock serializes
// them, so every export is applied, ignored or a duplicate exactly once and the
// versions stay 1, 2, 3, ... without a gap or a repeat.
TEST_P(SnapshotIngestTest, ConcurrentIngestOfOneFirmSerializes) {
  auto second = fresh_.OpenAgain();
  SnapshotIngest ingest2(*second, clock_);
  constexpr int kExports = 12;
  std::vector<std::string> texts;
  for (int i = 0; i < kExports; ++i) {
    auto apps = Many(40);
    for (auto& a : apps) a.start.time = std::chrono::minutes(8 * 60 + 5 * i);
    char gen[64];
    std::snprintf(gen, sizeof gen, "2026-11-23T05:%02d:00+01:00", i);
    texts.push_back(WriteExport(MakeHeader("huber", gen), apps));
  }
  std::vector<IngestResult> results(2 * kExports);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        SnapshotIngest& in = t % 2 ? ingest2 : ingest_;
        // Threads 0/1 take the even exports, 2/3 the odd; each export is applied by two
        // threads (a file both dispatchers downloaded), in opposite orders.
        for (int k = 0; k < kExports / 2; ++k) {
          int i = (t < 2 ? 0 : 1) + 2 * (t % 2 ? kExports / 2 - 1 - k : k);
          std::istringstream s(texts[i]);
          results[t % 2 * kExports + i] = in.ApplyStream("huber", {"e" + std::to_string(i) + ".json",
                                                                   "sha" + std::to_string(i)}, s);
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) EXPECT_EQ(e, "");
  int applied = 0, duplicates = 0;
  for (const auto& r : results) {
    if (r.outcome == IngestOutcome::kApplied) ++applied;
    if (r.outcome == IngestOutcome::kDuplicate) ++duplicates;
    EXPECT_NE(r.outcome, IngestOutcome::kRejected) << r.reason;
  }
  EXPECT_EQ(duplicates, kExports) << "each file processed by exactly one of the two";
  EXPECT_GE(applied, 1);
  // Versions of every appointment: 1..current, each once.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions v JOIN appointments a ON a.firm_id = v.firm_id "
                  "AND a.appointment_id = v.appointment_id WHERE v.version > a.current_version"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), Count("SELECT SUM(current_version) FROM appointments"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 40 * applied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files"), kExports);
}

TEST_P(SnapshotIngestTest, StoreReadsCurrentVersionsByStartAndListsFirms) {
  auto late = MakeAppointment("L", "2026-11-25", "16:00");
  auto early = MakeAppointment("E", "2026-11-25", "07:00");
  auto other_day = MakeAppointment("O", "2026-11-27");
  ASSERT_EQ(Apply("huber", "h.json", WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"),
                                                 {late, early, other_day}))
                .outcome,
            IngestOutcome::kApplied);
  ASSERT_EQ(Apply("maier", "m.json", WriteExport(MakeHeader("maier", "2026-11-23T05:00:00+01:00"),
                                                 {MakeAppointment("M", "2026-11-25")}))
                .outcome,
            IngestOutcome::kApplied);
  late.start.time = std::chrono::hours(17);
  ASSERT_EQ(Apply("huber", "h2.json", WriteExport(MakeHeader("huber", "2026-11-24T05:00:00+01:00"),
                                                  {late, early, other_day}))
                .outcome,
            IngestOutcome::kApplied);

  // 2026-11-25 local day in Vienna = [2026-11-24T23:00Z, 2026-11-25T23:00Z).
  auto day = store_.CurrentInRange("huber", *ParseRfc3339("2026-11-24T23:00:00Z"),
                                   *ParseRfc3339("2026-11-25T23:00:00Z"));
  ASSERT_EQ(day.size(), 2u);
  EXPECT_EQ(day[0].appointment.id, "E");
  EXPECT_EQ(day[1].appointment.id, "L");
  EXPECT_EQ(day[1].version, 2);
  EXPECT_EQ(day[1].appointment.start.time, std::chrono::hours(17));
  EXPECT_EQ(day[1].export_name, "h2.json");
  EXPECT_EQ(store_.Version("huber", "L", 1)->appointment.start.time, std::chrono::hours(16));
  EXPECT_FALSE(store_.Version("huber", "L", 3));
  EXPECT_FALSE(store_.Current("huber", "M"));
  EXPECT_EQ(store_.CountAppointments("huber"), 3);

  auto firms = store_.ListFirms();
  ASSERT_EQ(firms.size(), 2u);
  EXPECT_EQ(firms[0].firm.id, "huber");
  EXPECT_EQ(firms[0].last_export_name, "h2.json");
  EXPECT_EQ(firms[0].last_window_to, ParseLocalDate("2026-12-31"));
  EXPECT_EQ(firms[1].firm.id, "maier");
}

TEST_P(SnapshotIngestTest, ReadHeaderOnly) {
  std::istringstream in(WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), Many(3)));
  auto h = ReadExportHeader(in, "x.json");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->firm.id, "huber");
  std::istringstream bad("{\"format\": 1");
  EXPECT_FALSE(ReadExportHeader(bad, "bad.json"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, SnapshotIngestTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql), test::DialectName);

}  // namespace
}  // namespace kehrbote
