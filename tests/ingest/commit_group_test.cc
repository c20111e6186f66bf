// CommitGroup (dispatcher/store/commit_group.h) as ingest uses it: a firm's
// writes inside a SqlBatch. The group's own contract is tested in
// tests/store/database_test.cc.
#include "dispatcher/store/commit_group.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

class CommitGroupBatchTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  CommitGroupBatchTest() {
    const std::string table = "CREATE TABLE g (firm TEXT, v INTEGER)";
    db().Migrate("g", {{1, table, table}});
  }
  Database& db() { return fresh_.db(); }
  int64_t Count(const std::string& sql) { return QueryInt(*db().Connect(), sql).value_or(-1); }

  test::FreshDatabase fresh_{GetParam()};
};

TEST_P(CommitGroupBatchTest, BatchedWritesOfAFirmAreInTheGroup) {
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
  group.WithFirmLock("gruber", [](SqlConnection& c) {
    Execute(c, "INSERT INTO g (firm, v) VALUES (?, ?)", "gruber", 1);
  });
  group.Commit();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'huber'"), 300);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'maier'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM g WHERE firm = 'gruber'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Dialects, CommitGroupBatchTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
