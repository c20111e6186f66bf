#include "dispatcher/store/database.h"

#include <sys/stat.h>

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "dispatcher/store/appointment_json.h"
#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/commit_group.h"
#include "dispatcher/store/store_schema.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using test::FreshDatabase;

class DatabaseTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  FreshDatabase fresh_{GetParam()};
  Database& db() { return fresh_.db(); }

  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }
};

TEST_P(DatabaseTest, ReportsItsDialect) { EXPECT_EQ(db().dialect(), GetParam()); }

TEST_P(DatabaseTest, StoreMigrationIsIdempotent) {
  MigrateStore(db());
  EXPECT_EQ(db().SchemaVersion("store"), 2);
  MigrateStore(db());  // again: nothing to do, no error
  auto again = fresh_.OpenAgain();
  MigrateStore(*again);  // as a second process starting later would
  EXPECT_EQ(db().SchemaVersion("store"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations WHERE component = 'store'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointment_versions"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM processed_files"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM firms"), 0);
}

TEST_P(DatabaseTest, ComponentsMigrateIndependentlyAndOnlyNewSteps) {
  std::vector<Migration> v1 = {{1, "CREATE TABLE widgets (id INTEGER)", "CREATE TABLE widgets (id INTEGER)"}};
  db().Migrate("widgets", v1);
  MigrateStore(db());
  EXPECT_EQ(db().SchemaVersion("widgets"), 1);
  EXPECT_EQ(db().SchemaVersion("store"), 2);
  EXPECT_EQ(db().SchemaVersion("nobody"), 0);

  // A later release adds step 2; step 1 must not run again (it would fail: the
  // table exists).
  auto v2 = v1;
  v2.push_back({2, "ALTER TABLE widgets ADD COLUMN name TEXT; INSERT INTO widgets (id, name) VALUES (1, 'a')",
                "ALTER TABLE widgets ADD COLUMN name TEXT; INSERT INTO widgets (id, name) VALUES (1, 'a')"});
  db().Migrate("widgets", v2);
  db().Migrate("widgets", v2);
  EXPECT_EQ(db().SchemaVersion("widgets"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM widgets WHERE name = 'a'"), 1);

  // Older code meeting a newer store refuses instead of writing into it.
  try {
    db().Migrate("widgets", v1);
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("widgets"), std::string::npos) << e.what();
  }
}

TEST_P(DatabaseTest, FailedMigrationStepLeavesNothingAndNamesItself) {
  std::vector<Migration> bad = {
      {1, "CREATE TABLE half (id INTEGER); CREATE TABLE broken (", "CREATE TABLE half (id INTEGER); CREATE TABLE broken ("}};
  try {
    db().Migrate("gadgets", bad);
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("gadgets v1"), std::string::npos) << what;
  }
  EXPECT_EQ(db().SchemaVersion("gadgets"), 0);
  // The first statement of the failed step was rolled back with it.
  std::vector<Migration> good = {{1, "CREATE TABLE half (id INTEGER)", "CREATE TABLE half (id INTEGER)"}};
  EXPECT_NO_THROW(db().Migrate("gadgets", good));
}

TEST_P(DatabaseTest, MigrationVersionsMustBeConsecutive) {
  std::vector<Migration> gap = {{1, "SELECT 1", "SELECT 1"}, {3, "SELECT 1", "SELECT 1"}};
  EXPECT_THROW(db().Migrate("gap", gap), DatabaseError);
}

TEST_P(DatabaseTest, TransactionCommitsOrRollsBackWhole) {
  db().Migrate("t", {{1, "CREATE TABLE t (v INTEGER)", "CREATE TABLE t (v INTEGER)"}});
  db().InTransaction([&](SqlConnection& s) {
    s.Execute("INSERT INTO t (v) VALUES (1)");
    s.Execute("INSERT INTO t (v) VALUES (2)");
  });
  EXPECT_EQ(Count("SELECT COUNT(*) FROM t"), 2);
  EXPECT_THROW(db().InTransaction([&](SqlConnection& s) {
    s.Execute("INSERT INTO t (v) VALUES (3)");
    throw std::runtime_error("fails half way");
  }),
               std::runtime_error);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM t"), 2);
  // The session that saw the rollback is usable again from the pool.
  db().InTransaction([&](SqlConnection& s) { s.Execute("INSERT INTO t (v) VALUES (4)"); });
  EXPECT_EQ(Count("SELECT COUNT(*) FROM t"), 3);
}

TEST_P(DatabaseTest, PlaceholdersBindOnBothDialects) {
  db().Migrate("p", {{1, "CREATE TABLE p (a TEXT, b BIGINT)", "CREATE TABLE p (a TEXT, b BIGINT)"}});
  PooledConnection s = db().Connect();
  std::string a = "it's ?";
  int64_t b = 5'000'000'000;
  Execute(*s, "INSERT INTO p (a, b) VALUES (?, ?)", a, b);
  EXPECT_EQ(QueryText(*s, "SELECT a FROM p WHERE b = ? AND a <> '?'", b), a);
}

TEST_P(DatabaseTest, FirmLockSerializesReadModifyWrite) {
  db().Migrate("c", {{1, "CREATE TABLE c (firm TEXT PRIMARY KEY, n INTEGER)",
                      "CREATE TABLE c (firm TEXT PRIMARY KEY, n INTEGER)"}});
  db().Connect()->Execute("INSERT INTO c (firm, n) VALUES ('huber', 0)");
  // Two Database objects = two "processes" on one store, two threads each.
  auto other = fresh_.OpenAgain();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database* d = t % 2 ? other.get() : &db();
    threads.emplace_back([d] {
      for (int i = 0; i < 25; ++i) {
        d->WithFirmLock("huber", [&](SqlConnection& s) {
          const int64_t n = QueryInt(s, "SELECT n FROM c WHERE firm = 'huber'").value_or(0);
          // Not synchronisation: widens the read-modify-write window, so that a
          // missing lock loses updates (the count below) instead of passing by luck.
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          Execute(s, "UPDATE c SET n = ? WHERE firm = 'huber'", n + 1);
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Count("SELECT n FROM c WHERE firm = 'huber'"), 100);
}

TEST_P(DatabaseTest, CommitGroupMakesItsFirmsDurableTogetherAndUndoesOnlyAFailedOne) {
  db().Migrate("g", {{1, "CREATE TABLE g (firm TEXT, v INTEGER)", "CREATE TABLE g (firm TEXT, v INTEGER)"}});
  auto insert = [&](const char* firm, int v) {
    return [firm, v](SqlConnection& s) {
      Execute(s, "INSERT INTO g (firm, v) VALUES (?, ?)", firm, v);
    };
  };
  {
    CommitGroup group(db());
    group.WithFirmLock("huber", insert("huber", 1));
    EXPECT_THROW(
        group.WithFirmLock("maier",
                           [&](SqlConnection& s) {
                             insert("maier", 2)(s);
                             throw std::runtime_error("maier's export is refused half way");
                           }),
        std::runtime_error);
    group.WithFirmLock("gruber", insert("gruber", 3));
    EXPECT_EQ(group.firms(), 2);
    if (GetParam() == SqlDialect::kSqlite) {
      // Not visible to anyone else before the group commits.
      auto other = fresh_.OpenAgain();
      EXPECT_EQ(QueryInt(*other->Connect(), "SELECT COUNT(*) FROM g"), 0);
    }
    group.Commit();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'maier'"), 0);
  // The writer is free again for ordinary transactions.
  db().InTransaction(insert("huber", 4));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), 3);
}

TEST_P(DatabaseTest, CommitGroupLeftWithoutCommitKeepsNothingOnSqlite) {
  db().Migrate("g", {{1, "CREATE TABLE g (firm TEXT, v INTEGER)", "CREATE TABLE g (firm TEXT, v INTEGER)"}});
  {
    CommitGroup group(db());
    group.WithFirmLock("huber",
                       [&](SqlConnection& s) { s.Execute("INSERT INTO g VALUES ('huber', 1)"); });
  }  // a crash of the puller before the commit, as far as the store can tell
  // PostgreSQL commits each firm on its own (several processes share the store).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), GetParam() == SqlDialect::kSqlite ? 0 : 1);
  db().InTransaction([&](SqlConnection& s) { s.Execute("INSERT INTO g VALUES ('maier', 2)"); });
}

TEST(SqliteCommitGroupTest, AnotherThreadWaitingOnTheFirmDoesNotDeadlockTheGroup) {
  DatabaseOptions options;
  options.busy_timeout = std::chrono::seconds(3);
  std::promise<void> other_waits;
  options.on_writer_wait = [&] { other_waits.set_value(); };  // only the other thread waits
  FreshDatabase fresh(SqlDialect::kSqlite, options);
  Database& db = fresh.db();
  db.Migrate("g", {{1, "CREATE TABLE g (firm TEXT)", ""}});
  auto insert = [](const char* firm) {
    return [firm](SqlConnection& s) { Execute(s, "INSERT INTO g (firm) VALUES (?)", firm); };
  };
  CommitGroup group(db);
  group.WithFirmLock("maier", insert("maier"));  // the group now holds the writer
  // Planning of huber in another thread: takes huber's lock, then waits for the writer.
  std::string other_error;
  std::thread other([&] {
    try {
      db.WithFirmLock("huber", insert("huber"));
    } catch (const std::exception& e) {
      other_error = e.what();
    }
  });
  EXPECT_EQ(other_waits.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  // The group goes on to huber, commits, and only then the other thread writes.
  group.WithFirmLock("huber", insert("huber"));
  group.Commit();
  other.join();
  EXPECT_EQ(other_error, "");
  EXPECT_EQ(QueryInt(*db.Connect(), "SELECT COUNT(*) FROM g"), 3);
}

TEST(SqliteCommitGroupTest, FailedCommitKeepsNothingOfTheGroup) {
  FreshDatabase fresh(SqlDialect::kSqlite);
  Database& db = fresh.db();
  // A foreign key checked only at COMMIT lets the commit itself fail.
  db.Migrate("g", {{1,
                    "CREATE TABLE parent (id TEXT PRIMARY KEY);"
                    "CREATE TABLE child (firm TEXT, parent TEXT REFERENCES parent (id) "
                    "DEFERRABLE INITIALLY DEFERRED)",
                    ""}});
  CommitGroup group(db);
  group.WithFirmLock("huber", [&](SqlConnection& s) {
    s.Execute("INSERT INTO parent VALUES ('p')");
    s.Execute("INSERT INTO child VALUES ('huber', 'p')");
  });
  group.WithFirmLock("maier", [&](SqlConnection& s) {
    s.Execute("INSERT INTO child VALUES ('maier', 'missing')");
  });
  try {
    group.Commit();
    FAIL() << "the commit should fail";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("committing the writes of 2 firms failed"), std::string::npos)
        << e.what();
  }
  PooledConnection s = db.Connect();
  EXPECT_EQ(QueryInt(*s, "SELECT COUNT(*) FROM parent"), 0);
  EXPECT_EQ(QueryInt(*s, "SELECT COUNT(*) FROM child"), 0);
  // The writer turn was given back.
  db.InTransaction([&](SqlConnection& t) { t.Execute("INSERT INTO parent VALUES ('q')"); });
}

TEST_P(DatabaseTest, FirmIsClaimedOnceAtATimeWithinTheProcess) {
  std::optional<FirmClaim> huber = db().TryClaimFirm("huber");
  ASSERT_TRUE(huber.has_value());
  EXPECT_EQ(huber->firm_id(), "huber");
  EXPECT_FALSE(db().TryClaimFirm("huber").has_value());  // at once, not after a wait
  std::optional<FirmClaim> maier = db().TryClaimFirm("maier");
  EXPECT_TRUE(maier.has_value());
  // A claim moved on (to the thread that finishes the firm) is still the one claim.
  std::optional<FirmClaim> moved(std::move(*huber));
  huber.reset();  // the moved-from claim ends nothing
  EXPECT_FALSE(db().TryClaimFirm("huber").has_value());
  moved.reset();
  EXPECT_TRUE(db().TryClaimFirm("huber").has_value());
}

INSTANTIATE_TEST_SUITE_P(Dialects, DatabaseTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql), test::DialectName);

// Two dispatcher instances (two Database objects: two sessions, as two
// processes have) share the firms: one skips what the other holds.
TEST(PostgresFirmClaimTest, AnotherInstanceSkipsTheFirmUntilTheClaimEnds) {
  FreshDatabase fresh(SqlDialect::kPostgresql);
  std::unique_ptr<Database> other = fresh.OpenAgain();
  std::optional<FirmClaim> mine = fresh.db().TryClaimFirm("huber");
  ASSERT_TRUE(mine.has_value());
  EXPECT_FALSE(other->TryClaimFirm("huber").has_value());
  std::optional<FirmClaim> theirs = other->TryClaimFirm("maier");
  ASSERT_TRUE(theirs.has_value());
  EXPECT_FALSE(fresh.db().TryClaimFirm("maier").has_value());
  // The claim is not the firm's lock: the other instance's writes of the firm
  // (a settings save, a manual send) still run, without waiting for the claim.
  bool wrote = false;
  other->WithFirmLock("huber", [&](SqlConnection&) { wrote = true; });
  EXPECT_TRUE(wrote);
  mine.reset();
  EXPECT_TRUE(other->TryClaimFirm("huber").has_value());
}

// A process that ends (or loses its connection) gives its claims up: the
// server drops a session's advisory locks with the session.
TEST(PostgresFirmClaimTest, ClaimsEndWithTheirInstance) {
  FreshDatabase fresh(SqlDialect::kPostgresql);
  {
    std::unique_ptr<Database> gone = fresh.OpenAgain();
    std::optional<FirmClaim> held = gone->TryClaimFirm("huber");
    ASSERT_TRUE(held.has_value());
    EXPECT_FALSE(fresh.db().TryClaimFirm("huber").has_value());
    // Its connection is cut without the claim being ended, as when a process is killed.
    PooledConnection c = fresh.db().Connect();
    Execute(*c,
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE "
            "datname = current_database())");
  }
  EXPECT_TRUE(fresh.db().TryClaimFirm("huber").has_value());
}

// SQLite has one writer per file, so one dispatcher instance: claims are this
// process's bookkeeping only.
TEST(SqliteFirmClaimTest, ClaimsAreThisProcesssOwn) {
  FreshDatabase fresh(SqlDialect::kSqlite);
  std::unique_ptr<Database> other = fresh.OpenAgain();
  std::optional<FirmClaim> mine = fresh.db().TryClaimFirm("huber");
  ASSERT_TRUE(mine.has_value());
  EXPECT_TRUE(other->TryClaimFirm("huber").has_value());
}

TEST(SqliteDatabaseTest, FileIsPrivateAndInWalMode) {
  FreshDatabase fresh(SqlDialect::kSqlite);
  std::string file = fresh.url().substr(7);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string dir = file.substr(0, file.rfind('/'));
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(QueryText(*fresh.db().Connect(), "PRAGMA journal_mode"), "wal");
}

TEST(DatabaseUrlTest, RejectsUnknownSchemesAndUnreachableServers) {
  EXPECT_THROW(Database::Open("mysql:host=x"), DatabaseError);
  EXPECT_THROW(Database::Open("sqlite:"), DatabaseError);
  try {
    // Nothing listens on port 1.
    Database::Open("postgresql:host=127.0.0.1 port=1 dbname=x user=u password=geheim connect_timeout=2");
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find("geheim"), std::string::npos) << "password leaked: " << what;
    EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
  }
}

TEST(AppointmentJsonTest, RoundTripsEveryField) {
  Appointment a;
  a.id = "T-1\"x";
  a.kind = AppointmentKind::kMainSweep;
  a.start.date = *ParseLocalDate("2026-11-24");
  a.start.window_from = std::chrono::hours(8);
  a.start.window_to = std::chrono::hours(12);
  a.status = AppointmentStatus::kCancelled;
  a.object = {"O-9", "Hauptstraße 1\n", "1010", "Wien"};
  a.customer = {"Frau", "Dr.", "Anna", "Öller", ""};
  a.contacts = {{ContactChannel::kSms, "0664 / 1234567", true, false},
                {ContactChannel::kEmail, "anna@example.at", false, true}};
  Appointment back = AppointmentFromJson(AppointmentToJson(a));
  EXPECT_EQ(back, a);

  Appointment b = a;
  b.customer.last_name = "Oeller";
  EXPECT_EQ(ContentHash(a), ContentHash(b)) << "a name is not a reminder change";
  EXPECT_NE(DataHash(a), DataHash(b));
  b = a;
  b.contacts[0].consent = false;
  EXPECT_NE(ContentHash(a), ContentHash(b)) << "consent is a reminder change";
  b = a;
  b.start.window_to = std::chrono::hours(11);
  EXPECT_NE(ContentHash(a), ContentHash(b));
}

}  // namespace
}  // namespace kehrbote

namespace kehrbote {
namespace {

// The stored form of every shape of appointment reads back equal, and a
// damaged one is refused with AppointmentJsonError, not misread.
TEST(AppointmentJsonTest, EveryShapeRoundTripsAndDamageIsRefused) {
  Appointment base;
  base.id = "T-\"1\"\\x";
  base.kind = AppointmentKind::kMainSweep;
  base.status = AppointmentStatus::kCancelled;
  base.start.date = *ParseLocalDate("2027-01-05");
  base.object = {"O\n1", "Hauptstraße 1/3", "8010", "Graz-St. Leonhard"};
  base.customer = {"", "", "", "", "Hausverwaltung \"Müller\" & Co"};
  std::vector<Appointment> shapes;
  shapes.push_back(base);  // date only, no contacts
  Appointment timed = base;
  timed.start.time = std::chrono::minutes(8 * 60 + 30);
  timed.contacts = {{ContactChannel::kSms, "+43 664 1234567", true, true}};
  shapes.push_back(timed);
  Appointment window = base;
  window.start.window_from = std::chrono::hours(8);
  window.start.window_to = std::chrono::hours(12);
  window.contacts = {{ContactChannel::kEmail, "a@example.at", false, false},
                     {ContactChannel::kSms, "0664 1", true, false},
                     {ContactChannel::kSms, "😀", false, true}};
  shapes.push_back(window);
  Appointment open_end = base;
  open_end.start.window_from = std::chrono::hours(13);
  shapes.push_back(open_end);
  for (const Appointment& a : shapes) EXPECT_EQ(AppointmentFromJson(AppointmentToJson(a)), a);

  const std::string good = AppointmentToJson(timed);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  for (const std::string& bad :
       {std::string(""), std::string("[1]"), std::string("\"x\""), good.substr(0, good.size() - 1),
        replaced("\"kind\":\"main_sweep\"", "\"kind\":\"chimney\""),
        replaced("\"kind\":\"main_sweep\"", "\"kind\":3"),
        replaced("\"status\":\"cancelled\",", ""),
        replaced("\"date\":\"2027-01-05\"", "\"date\":\"2027-02-30\""),
        replaced("\"time\":\"08:30\"", "\"time\":\"25:00\""),
        replaced("\"time\":\"08:30\"", "\"time\":null"),
        replaced("\"channel\":\"sms\"", "\"channel\":\"fax\""),
        replaced("\"consent\":true", "\"consent\":\"yes\""),
        replaced(",\"main_sweep_only\":true", ""),
        replaced("\"street\":\"Hauptstraße 1/3\"", "\"street\":7")}) {
    EXPECT_THROW(AppointmentFromJson(bad), AppointmentJsonError) << bad;
  }
  // Members missing or null read as empty text (older rows may lack one).
  Appointment lenient = AppointmentFromJson(replaced("\"zip\":\"8010\",", ""));
  EXPECT_EQ(lenient.object.zip, "");
  EXPECT_EQ(AppointmentFromJson(replaced("\"title\":\"\"", "\"title\":null")).customer.title, "");
}

}  // namespace
}  // namespace kehrbote
