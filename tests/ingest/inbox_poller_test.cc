#include "dispatcher/ingest/inbox_poller.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/store_schema.h"
#include "shared/env/env.h"
#include "tests/ingest/export_builder.h"
#include "tests/store/store_test_env.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

namespace fs = std::filesystem;
using test::MakeAppointment;
using test::MakeHeader;
using test::WriteExport;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::vector<std::string> Names(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class InboxPollerTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  static void SetUpTestSuite() {
    sshd_ = new test::SshdServer();
    sshd_->Start();
  }
  static void TearDownTestSuite() {
    delete sshd_;
    sshd_ = nullptr;
  }

  InboxPollerTest() {
    MigrateStore(db());
    fs::remove_all(Inbox("huber"));
    fs::remove_all(Inbox("maier"));
    fs::create_directories(Inbox("huber"));
    fs::create_directories(Inbox("maier"));
  }

  Database& db() { return fresh_.db(); }
  fs::path Inbox(const std::string& firm) { return fs::path(sshd_->data_root()) / "inbox" / firm; }
  FirmInbox Firm(const std::string& firm) { return {firm, sshd_->RemotePath("inbox/" + firm)}; }

  InboxPoller Poller(ProcessedAction action = ProcessedAction::kMove) {
    InboxPollerOptions options;
    options.processed = action;
    options.work_dir = work_.Sub("spool");
    return InboxPoller(db(), clock_, sshd_->Endpoint(), options);
  }

  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }

  static test::SshdServer* sshd_;
  test::FreshDatabase fresh_{GetParam()};
  test::TempDir work_{"kehrbote-poller-"};
  ManualClock clock_{*ParseRfc3339("2026-11-23T06:00:00+01:00")};
  AppointmentStore store_{db()};
};

test::SshdServer* InboxPollerTest::sshd_ = nullptr;

TEST_P(InboxPollerTest, TakesFinalJsonInGeneratedAtOrderAndMovesToProcessed) {
  // The newer export sorts first by name: applying by name would ignore the older
  // one afterwards and lose nothing, but the versions show the order.
  WriteFile(Inbox("huber") / "b-older.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24", "08:00")}));
  WriteFile(Inbox("huber") / "a-newer.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:30:00+01:00"), {MakeAppointment("A", "2026-11-24", "10:00")}));
  // Still being uploaded, and hidden: never touched.
  WriteFile(Inbox("huber") / "c.json.part", "{\"format\": \"kehrbote-exp");
  WriteFile(Inbox("huber") / ".d.json", "{}");

  std::vector<std::pair<std::string, std::vector<std::string>>> callbacks;
  auto poller = Poller();
  auto pass = poller.PollOnce({Firm("huber")}, [&](const std::string& firm, const std::vector<std::string>& ids) {
    callbacks.emplace_back(firm, ids);
  });
  ASSERT_TRUE(pass.connection_error.empty()) << pass.connection_error;
  ASSERT_EQ(pass.firms.size(), 1u);
  const auto& r = pass.firms[0];
  EXPECT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].file_name, "b-older.json");
  EXPECT_EQ(r.files[1].file_name, "a-newer.json");
  EXPECT_EQ(r.files[0].outcome, IngestOutcome::kApplied);
  EXPECT_EQ(r.files[1].outcome, IngestOutcome::kApplied);
  EXPECT_EQ(r.changed_ids, (std::vector<std::string>{"A"}));
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].first, "huber");

  auto versions = store_.Versions("huber", "A");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].appointment.start.time, std::chrono::hours(10));

  EXPECT_EQ(Names(Inbox("huber")), (std::vector<std::string>{".d.json", "c.json.part", "processed", "rejected"}));
  EXPECT_EQ(Names(Inbox("huber") / "processed"), (std::vector<std::string>{"a-newer.json", "b-older.json"}));
  EXPECT_EQ(Names(work_.Sub("spool")), std::vector<std::string>{"LOCK"}) << "downloads are removed";

  // A second pass finds nothing to do.
  auto again = poller.PollOnce({Firm("huber")});
  EXPECT_TRUE(again.firms[0].files.empty());
}

TEST_P(InboxPollerTest, BadFileGoesToRejectedWithItsReasonAndTheFirmKnows) {
  WriteFile(Inbox("huber") / "good.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24")}));
  WriteFile(Inbox("huber") / "broken.json", "{\"format\": \"kehrbote-export\", \"version\": ");
  // Another firm's export in huber's inbox.
  WriteFile(Inbox("huber") / "stray.json",
            WriteExport(MakeHeader("maier", "2026-11-23T05:10:00+01:00"), {MakeAppointment("M", "2026-11-24")}));

  auto pass = Poller().PollOnce({Firm("huber")});
  const auto& r = pass.firms[0];
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0].file_name, "good.json");
  EXPECT_EQ(r.files[0].outcome, IngestOutcome::kApplied);
  EXPECT_EQ(r.files[1].file_name, "stray.json");
  EXPECT_EQ(r.files[1].outcome, IngestOutcome::kRejected);
  EXPECT_EQ(r.files[2].file_name, "broken.json");  // unreadable header: last
  EXPECT_EQ(r.files[2].outcome, IngestOutcome::kRejected);

  EXPECT_EQ(Names(Inbox("huber") / "rejected"),
            (std::vector<std::string>{"broken.json", "broken.json.error", "stray.json", "stray.json.error"}));
  EXPECT_EQ(Names(Inbox("huber") / "processed"), (std::vector<std::string>{"good.json"}));
  std::string error = ReadAll(Inbox("huber") / "rejected" / "stray.json.error");
  EXPECT_NE(error.find("'maier'"), std::string::npos) << error;
  EXPECT_NE(ReadAll(Inbox("huber") / "rejected" / "broken.json.error").find("broken.json"), std::string::npos);

  auto firm = store_.GetFirm("huber");
  ASSERT_TRUE(firm);
  EXPECT_EQ(firm->last_rejected_name, "broken.json");
  EXPECT_EQ(firm->last_export_name, "good.json");
  EXPECT_EQ(store_.CountAppointments("huber"), 1);
  EXPECT_EQ(store_.CountAppointments("maier"), 0);
}

TEST_P(InboxPollerTest, SameFileUploadedTwiceIsAppliedOnce) {
  std::string text =
      WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24")});
  WriteFile(Inbox("huber") / "e1.json", text);
  auto poller = Poller(ProcessedAction::kDelete);
  auto first = poller.PollOnce({Firm("huber")});
  ASSERT_EQ(first.firms[0].files.size(), 1u);
  EXPECT_EQ(first.firms[0].files[0].outcome, IngestOutcome::kApplied);
  EXPECT_EQ(Names(Inbox("huber") / "processed"), std::vector<std::string>{}) << "deleted, not moved";

  // The agent uploads the same file again, once under its name and once renamed.
  WriteFile(Inbox("huber") / "e1.json", text);
  WriteFile(Inbox("huber") / "e1-again.json", text);
  auto second = poller.PollOnce({Firm("huber")});
  ASSERT_EQ(second.firms[0].files.size(), 2u);
  for (const auto& f : second.firms[0].files) EXPECT_EQ(f.outcome, IngestOutcome::kDuplicate) << f.file_name;
  EXPECT_TRUE(second.firms[0].changed_ids.empty());
  // Both copies are gone from the inbox (deleted: processed/ and rejected/ are
  // made only when a file has to go there).
  EXPECT_TRUE(Names(Inbox("huber")).empty()) << Names(Inbox("huber")).front();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 1);
}

TEST_P(InboxPollerTest, FirmsShareThePassAndOneBrokenInboxDoesNotStopTheOthers) {
  WriteFile(Inbox("maier") / "m.json",
            WriteExport(MakeHeader("maier", "2026-11-23T05:00:00+01:00"), {MakeAppointment("M", "2026-11-24")}));
  WriteFile(Inbox("huber") / "h.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("H", "2026-11-24")}));
  auto pass = Poller().PollOnce({Firm("huber"), {"gruber", sshd_->RemotePath("inbox/gruber")}, Firm("maier")});
  ASSERT_EQ(pass.firms.size(), 3u);
  EXPECT_TRUE(pass.connection_error.empty());
  EXPECT_EQ(pass.firms[0].changed_ids, std::vector<std::string>{"H"});
  ASSERT_EQ(pass.firms[1].errors.size(), 1u);
  EXPECT_NE(pass.firms[1].errors[0].find("gruber"), std::string::npos) << pass.firms[1].errors[0];
  EXPECT_EQ(pass.firms[2].changed_ids, std::vector<std::string>{"M"});
}

TEST_P(InboxPollerTest, ServerDownLosesNothing) {
  WriteFile(Inbox("huber") / "h.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("H", "2026-11-24")}));
  sshd_->Stop();
  auto pass = Poller().PollOnce({Firm("huber"), Firm("maier")});
  sshd_->Start();
  EXPECT_FALSE(pass.connection_error.empty());
  ASSERT_EQ(pass.firms.size(), 2u);
  EXPECT_EQ(pass.firms[1].errors, std::vector<std::string>{pass.connection_error});
  EXPECT_EQ(store_.CountAppointments("huber"), 0);
  EXPECT_EQ(Names(Inbox("huber")), std::vector<std::string>{"h.json"});
  auto later = Poller().PollOnce({Firm("huber")});
  EXPECT_EQ(later.firms[0].changed_ids, std::vector<std::string>{"H"});
}

TEST_P(InboxPollerTest, AFileOfTheSameNameInProcessedIsReplaced) {
  // processed/ and rejected/ exist from an earlier pass, with an old copy of the name.
  WriteFile(Inbox("huber") / "processed" / "e.json", "old copy");
  fs::create_directories(Inbox("huber") / "rejected");
  const std::string text =
      WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24")});
  WriteFile(Inbox("huber") / "e.json", text);
  auto pass = Poller().PollOnce({Firm("huber")});
  ASSERT_EQ(pass.firms[0].files.size(), 1u);
  EXPECT_TRUE(pass.firms[0].errors.empty()) << pass.firms[0].errors[0];
  EXPECT_EQ(ReadAll(Inbox("huber") / "processed" / "e.json"), text);
  EXPECT_EQ(Names(Inbox("huber")), (std::vector<std::string>{"processed", "rejected"}));
}

TEST_P(InboxPollerTest, ManyFirmsAreAppliedInGroupsAndReportedInOrder) {
  // More firms than one commit group takes, so several groups follow each other.
  std::vector<FirmInbox> firms;
  for (size_t i = 0; i < 2 * InboxPoller::kFirmsPerCommit + 3; ++i) {
    const std::string id = "firm" + std::to_string(i);
    fs::remove_all(Inbox(id));
    WriteFile(Inbox(id) / "e.json", WriteExport(MakeHeader(id, "2026-11-23T05:00:00+01:00"),
                                               {MakeAppointment("A" + std::to_string(i), "2026-11-24")}));
    firms.push_back(Firm(id));
  }
  std::vector<std::string> done;
  auto pass = Poller().PollOnce(firms, [&](const std::string& firm, const std::vector<std::string>& ids) {
    // Reported only once the firm's group has committed: the store has it.
    EXPECT_EQ(store_.CountAppointments(firm), 1) << firm;
    EXPECT_EQ(ids.size(), 1u) << firm;
    done.push_back(firm);
  });
  ASSERT_EQ(pass.firms.size(), firms.size());
  ASSERT_EQ(done.size(), firms.size());
  for (size_t i = 0; i < firms.size(); ++i) {
    EXPECT_EQ(done[i], firms[i].firm_id);
    EXPECT_TRUE(pass.firms[i].errors.empty()) << pass.firms[i].errors[0];
    EXPECT_EQ(Names(Inbox(firms[i].firm_id) / "processed"), std::vector<std::string>{"e.json"});
  }
}

TEST_P(InboxPollerTest, FailedGroupCommitMovesNoFileAndTheNextPassAppliesThemAll) {
  if (GetParam() != SqlDialect::kSqlite) GTEST_SKIP() << "PostgreSQL commits each firm on its own";
  WriteFile(Inbox("huber") / "h.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("H", "2026-11-24")}));
  WriteFile(Inbox("maier") / "m.json",
            WriteExport(MakeHeader("maier", "2026-11-23T05:00:00+01:00"), {MakeAppointment("M", "2026-11-24")}));
  // maier's processed_files row breaks a foreign key that SQLite checks only at
  // COMMIT: the commit of the group that holds huber and maier fails.
  {
    PooledConnection c = db().Connect();
    c->Execute("CREATE TABLE commit_guard (id TEXT PRIMARY KEY)");
    c->Execute(
        "CREATE TABLE guarded (ref TEXT REFERENCES commit_guard (id) DEFERRABLE INITIALLY "
        "DEFERRED)");
    c->Execute(
        "CREATE TRIGGER fail_commit AFTER INSERT ON processed_files WHEN NEW.firm_id = 'maier' "
        "BEGIN INSERT INTO guarded VALUES ('missing'); END");
  }
  std::vector<std::string> done;
  auto pass = Poller().PollOnce({Firm("huber"), Firm("maier")},
                                [&](const std::string& firm, const std::vector<std::string>&) { done.push_back(firm); });
  ASSERT_EQ(pass.firms.size(), 2u);
  for (const FirmPollResult& r : pass.firms) {
    EXPECT_TRUE(r.files.empty()) << r.firm_id;
    EXPECT_TRUE(r.changed_ids.empty()) << r.firm_id;
    ASSERT_EQ(r.errors.size(), 1u) << r.firm_id;
    EXPECT_NE(r.errors[0].find("committing the writes of 2 firms failed"), std::string::npos) << r.errors[0];
  }
  EXPECT_EQ(done, (std::vector<std::string>{"huber", "maier"}));
  EXPECT_EQ(store_.CountAppointments("huber"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files"), 0);
  EXPECT_EQ(Names(Inbox("huber")), (std::vector<std::string>{"h.json"}));
  EXPECT_EQ(Names(Inbox("maier")), (std::vector<std::string>{"m.json"}));
  EXPECT_EQ(Names(work_.Sub("spool")), std::vector<std::string>{"LOCK"}) << "downloads are removed";

  db().Connect()->Execute("DROP TRIGGER fail_commit");
  auto again = Poller().PollOnce({Firm("huber"), Firm("maier")});
  EXPECT_EQ(again.firms[0].changed_ids, std::vector<std::string>{"H"});
  EXPECT_EQ(again.firms[1].changed_ids, std::vector<std::string>{"M"});
  EXPECT_EQ(Names(Inbox("maier") / "processed"), std::vector<std::string>{"m.json"});
}

// A run that was killed (or lost power) left downloads in the work folder: the
// next poller takes the same folder and starts with it empty.
TEST_P(InboxPollerTest, LeftoversOfAKilledRunAreRemovedWhenThePollerStarts) {
  WriteFile(fs::path(work_.Sub("spool")) / "huber--left.json", "{\"format\": \"kehrbote-exp");
  WriteFile(fs::path(work_.Sub("spool")) / "stray" / "file", "x");
  auto poller = Poller();
  EXPECT_EQ(poller.work_dir(), work_.Sub("spool"));
  EXPECT_EQ(Names(work_.Sub("spool")), std::vector<std::string>{"LOCK"});
  EXPECT_TRUE(Env::Default().IsPrivate(work_.Sub("spool")));
}

TEST_P(InboxPollerTest, TwoPollersNeverShareAWorkFolder) {
  auto first = Poller();
  WriteFile(fs::path(work_.Sub("spool")) / "huber--busy.json", "{}");  // first's download
  auto second = Poller();
  EXPECT_EQ(second.work_dir(), work_.Sub("spool") + "-2");
  EXPECT_EQ(Names(work_.Sub("spool")), (std::vector<std::string>{"LOCK", "huber--busy.json"}))
      << "the second poller left the first one's folder alone";
  WriteFile(Inbox("huber") / "a.json",
            WriteExport(MakeHeader("huber", "2026-11-23T05:00:00+01:00"), {MakeAppointment("A", "2026-11-24", "08:00")}));
  auto pass = second.PollOnce({Firm("huber")});
  ASSERT_EQ(pass.firms[0].files.size(), 1u);
  EXPECT_EQ(pass.firms[0].files[0].outcome, IngestOutcome::kApplied);
}

TEST_P(InboxPollerTest, AWorkFolderIsRequired) {
  EXPECT_THROW(InboxPoller(db(), clock_, sshd_->Endpoint(), InboxPollerOptions{}), EnvError);
}

INSTANTIATE_TEST_SUITE_P(Dialects, InboxPollerTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql), test::DialectName);

}  // namespace
}  // namespace kehrbote
