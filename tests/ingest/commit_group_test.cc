// CommitGroup (dispatcher/store/commit_group.h), the ingest's shared commit:
// on SQLite several firms' writes in one transaction, a savepoint each; on
// PostgreSQL a transaction per firm.
#include "dispatcher/store/commit_group.h"

#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using test::FreshDatabase;

// A body that adds one row for `firm` to table g.
std::function<void(SqlConnection&)> Insert(std::string firm, int v = 0) {
  return [firm = std::move(firm), v](SqlConnection& c) {
    Execute(c, "INSERT INTO g (firm, v) VALUES (?, ?)", firm, v);
  };
}

int64_t Count(Database& db, const std::string& sql) {
  return QueryInt(*db.Connect(), sql).value_or(-1);
}

class CommitGroupTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  CommitGroupTest() {
    const std::string table = "CREATE TABLE g (firm TEXT, v INTEGER)";
    db().Migrate("g", {{1, table, table}});
  }
  Database& db() { return fresh_.db(); }
  int64_t Count(const std::string& sql) { return kehrbote::Count(db(), sql); }

  FreshDatabase fresh_{GetParam()};
};

TEST_P(CommitGroupTest, MakesItsFirmsDurableTogetherAndUndoesOnlyAFailedOne) {
  {
    CommitGroup group(db());
    group.WithFirmLock("huber", Insert("huber", 1));
    EXPECT_THROW(group.WithFirmLock("maier",
                                    [&](SqlConnection& c) {
                                      Insert("maier", 2)(c);
                                      throw std::runtime_error("maier's export is refused half way");
                                    }),
                 std::runtime_error);
    group.WithFirmLock("gruber", Insert("gruber", 3));
    EXPECT_EQ(group.firms(), 2);
    if (db().SingleWriter()) {
      // Not visible to anyone else before the group commits.
      auto other = fresh_.OpenAgain();
      EXPECT_EQ(kehrbote::Count(*other, "SELECT COUNT(*) FROM g"), 0);
    }
    group.Commit();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'maier'"), 0);
  // The writer is free again for ordinary transactions.
  db().InTransaction(Insert("huber", 4));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), 3);
}

TEST_P(CommitGroupTest, LeftWithoutCommitKeepsNothingWithASingleWriter) {
  {
    CommitGroup group(db());
    group.WithFirmLock("huber", Insert("huber", 1));
  }  // a crash of the puller before the commit, as far as the store can tell
  // PostgreSQL commits each firm on its own (several processes share the store).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g"), db().SingleWriter() ? 0 : 1);
  db().InTransaction(Insert("maier", 2));
}

TEST_P(CommitGroupTest, BatchedWritesOfAFirmAreInTheGroup) {
  CommitGroup group(db());
  group.WithFirmLock("huber", [](SqlConnection& c) {
    SqlBatch batch(c);
    SqlStatement insert(c, "INSERT INTO g (firm, v) VALUES (?, ?)");
    for (int v = 0; v < 300; ++v) insert.BindAll("huber", v).Run();
    batch.Finish();
  });
  // A batch the body leaves open ends with the firm; its failure undoes the firm.
  EXPECT_THROW(group.WithFirmLock("maier",
                                  [](SqlConnection& c) {
                                    c.BeginBatch();
                                    Execute(c, "INSERT INTO g (firm, v) VALUES (?, ?)", "maier", 1);
                                    Execute(c, "INSERT INTO missing_table VALUES (1)");
                                  }),
               DatabaseError);
  group.Commit();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'huber'"), 300);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'maier'"), 0);
}

TEST(SqliteCommitGroupTest, AnotherThreadWaitingOnTheFirmDoesNotDeadlockTheGroup) {
  DatabaseOptions options;
  options.busy_timeout = std::chrono::seconds(3);
  std::promise<void> other_waits;
  options.on_writer_wait = [&] { other_waits.set_value(); };  // only the other thread waits
  FreshDatabase fresh(SqlDialect::kSqlite, options);
  Database& db = fresh.db();
  db.Migrate("g", {{1, "CREATE TABLE g (firm TEXT, v INTEGER)", ""}});
  CommitGroup group(db);
  group.WithFirmLock("maier", Insert("maier"));  // the group now holds the writer
  // Planning of huber in another thread: takes huber's lock, then waits for the writer.
  std::string other_error;
  std::thread other([&] {
    try {
      db.WithFirmLock("huber", Insert("huber"));
    } catch (const std::exception& e) {
      other_error = e.what();
    }
  });
  EXPECT_EQ(other_waits.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  // The group goes on to huber, commits, and only then the other thread writes.
  group.WithFirmLock("huber", Insert("huber"));
  group.Commit();
  other.join();
  EXPECT_EQ(other_error, "");
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM g"), 3);
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
  group.WithFirmLock("huber", [&](SqlConnection& c) {
    c.Execute("INSERT INTO parent VALUES ('p')");
    c.Execute("INSERT INTO child VALUES ('huber', 'p')");
  });
  group.WithFirmLock("maier",
                     [&](SqlConnection& c) { c.Execute("INSERT INTO child VALUES ('maier', 'missing')"); });
  try {
    group.Commit();
    FAIL() << "the commit should fail";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("committing the writes of 2 firms failed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM parent"), 0);
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM child"), 0);
  // The writer turn was given back.
  db.InTransaction([&](SqlConnection& c) { c.Execute("INSERT INTO parent VALUES ('q')"); });
}

INSTANTIATE_TEST_SUITE_P(Dialects, CommitGroupTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
