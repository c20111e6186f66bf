// The store layer itself, on both engines: what every caller relies on.
#include "dispatcher/store/sql_connection.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "dispatcher/store/database.h"
#include "dispatcher/store/multi_row_insert.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using test::FreshDatabase;

class SqlConnectionTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  void SetUp() override {
    db().InTransaction([](SqlConnection& c) {
      c.Execute("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, n BIGINT)");
    });
  }
  Database& db() { return fresh_.db(); }
  int64_t Count() { return QueryInt(*db().Connect(), "SELECT COUNT(*) FROM t").value_or(-1); }

  FreshDatabase fresh_{GetParam()};
};

TEST_P(SqlConnectionTest, BindsAndReadsTextIntegersAndNull) {
  PooledConnection c = db().Connect();
  const std::string name = "Müller, 'Anna' ?";  // umlaut, quotes, a question mark
  EXPECT_EQ(Execute(*c, "INSERT INTO t (id, name, n) VALUES (?, ?, ?)", int64_t{1}, name,
                    int64_t{5'000'000'000}),
            1);
  SqlStatement(*c, "INSERT INTO t (id, name, n) VALUES (?, ?, ?)")
      .Bind(1, 2)
      .BindNull(2)
      .BindNull(3)
      .Run();
  SqlStatement q(*c, "SELECT id, name, n FROM t ORDER BY id");
  ASSERT_TRUE(q.Step());
  EXPECT_EQ(q.Int(0), 1);
  EXPECT_EQ(q.Text(1), name);
  EXPECT_EQ(q.Int(2), 5'000'000'000);
  EXPECT_FALSE(q.IsNull(1));
  ASSERT_TRUE(q.Step());
  EXPECT_TRUE(q.IsNull(1));
  EXPECT_EQ(q.Text(1), "");
  EXPECT_EQ(q.Int(2), 0);
  EXPECT_EQ(q.OptionalInt(2), std::nullopt);
  EXPECT_FALSE(q.Step());
  // Done statements run again with new values.
  EXPECT_EQ(QueryText(*c, "SELECT name FROM t WHERE id = ?", int64_t{1}), name);
  EXPECT_EQ(QueryText(*c, "SELECT name FROM t WHERE id = ?", int64_t{3}), std::nullopt);
  EXPECT_EQ(QueryInt(*c, "SELECT COUNT(*) FROM t WHERE name = '?' OR id = ?", int64_t{2}), 1);
}

TEST_P(SqlConnectionTest, RunReportsChangedRows) {
  PooledConnection c = db().Connect();
  for (int64_t i = 1; i <= 5; ++i) Execute(*c, "INSERT INTO t (id, n) VALUES (?, ?)", i, i % 2);
  EXPECT_EQ(Execute(*c, "UPDATE t SET name = 'x' WHERE n = ?", int64_t{1}), 3);
  EXPECT_EQ(Execute(*c, "DELETE FROM t WHERE id > ?", int64_t{10}), 0);
}

TEST_P(SqlConnectionTest, ErrorsNameTheStatementButNoValue) {
  PooledConnection c = db().Connect();
  Execute(*c, "INSERT INTO t (id, name) VALUES (?, ?)", int64_t{1}, "Anna Huber");
  try {
    Execute(*c, "INSERT INTO t (id, name) VALUES (?, ?)", int64_t{1}, "Anna Huber");
    FAIL() << "duplicate key accepted";
  } catch (const DatabaseError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("INSERT INTO t"), std::string::npos) << what;
    EXPECT_EQ(what.find("Anna"), std::string::npos) << "value leaked: " << what;
  }
  EXPECT_THROW(SqlStatement(*c, "SELECT nonsense FROM nowhere"), DatabaseError);
}

TEST_P(SqlConnectionTest, BatchWritesAllAndCountsThem) {
  db().InTransaction([](SqlConnection& c) {
    SqlBatch batch(c);
    SqlStatement insert(c, "INSERT INTO t (id, n) VALUES (?, ?)");
    int64_t run_counts = 0;
    for (int64_t i = 1; i <= 1000; ++i) run_counts += insert.BindAll(i, i).Run();
    // A query inside the batch sees what was queued before it.
    EXPECT_EQ(QueryInt(c, "SELECT COUNT(*) FROM t"), 1000);
    SqlStatement update(c, "UPDATE t SET n = n + 1 WHERE id = ?");
    for (int64_t i = 1; i <= 600; ++i) run_counts += update.Bind(1, i).Run();
    // One contract on both engines: Run() in a batch returns 0, Finish() the
    // sum of every statement's rows (1,000 inserted, 600 updated).
    EXPECT_EQ(run_counts, 0);
    EXPECT_EQ(batch.Finish(), 1600);
  });
  // Outside a batch Run() counts again, and a new batch starts from 0.
  db().InTransaction([](SqlConnection& c) {
    EXPECT_EQ(Execute(c, "UPDATE t SET name = 'a' WHERE id <= ?", int64_t{10}), 10);
    SqlBatch batch(c);
    EXPECT_EQ(Execute(c, "UPDATE t SET name = 'b' WHERE id <= ?", int64_t{3}), 0);
    EXPECT_EQ(Execute(c, "DELETE FROM t WHERE id > ?", int64_t{5000}), 0);
    EXPECT_EQ(batch.Finish(), 3);
  });
  EXPECT_EQ(Count(), 1000);
  EXPECT_EQ(QueryInt(*db().Connect(), "SELECT SUM(n) FROM t"), 500'500 + 600);
}

TEST_P(SqlConnectionTest, FailedBatchRollsBackTheWholeTransaction) {
  EXPECT_THROW(db().InTransaction([](SqlConnection& c) {
    SqlBatch batch(c);
    SqlStatement insert(c, "INSERT INTO t (id) VALUES (?)");
    for (int64_t i = 1; i <= 700; ++i) insert.Bind(1, i == 650 ? int64_t{3} : i).Run();
    batch.Finish();
  }),
               DatabaseError);
  EXPECT_EQ(Count(), 0);
  // The connection went back to the pool usable (or was replaced).
  db().InTransaction(
      [](SqlConnection& c) { Execute(c, "INSERT INTO t (id) VALUES (?)", int64_t{1}); });
  EXPECT_EQ(Count(), 1);
}

TEST_P(SqlConnectionTest, TransactionLeftByAnExceptionDoesNotLeakIntoTheNextUser) {
  EXPECT_THROW(db().InTransaction([](SqlConnection& c) {
    Execute(c, "INSERT INTO t (id) VALUES (?)", int64_t{1});
    throw std::runtime_error("caller failed");
  }),
               std::runtime_error);
  EXPECT_EQ(Count(), 0);
}

TEST_P(SqlConnectionTest, PoolHandsOutAtMostItsConnectionsAndWaitsBoundedly) {
  DatabaseOptions options;
  options.max_sessions = 2;
  options.busy_timeout = std::chrono::milliseconds(200);
  auto small = fresh_.OpenAgain(options);
  PooledConnection a = small->Connect();
  PooledConnection b = small->Connect();
  EXPECT_THROW(small->Connect(), DatabaseError);
  // A connection given back is handed out again, to another thread too.
  { PooledConnection gone = std::move(a); }
  auto other =
      std::async(std::launch::async, [&] { return QueryInt(*small->Connect(), "SELECT 7"); });
  EXPECT_EQ(other.get(), 7);
}

TEST_P(SqlConnectionTest, MultiRowInsertWritesEveryValueAsGivenAndCountsTheRows) {
  // What an array literal must escape, and what it must not mistake for syntax.
  const std::vector<std::string> names = {
      "Müller, \"Anna\"", "back\\slash", "{braces}", "NULL", "", "a'b ?"};
  const std::vector<SqlColumn> columns = {
      {"id", SqlType::kInt}, {"name", SqlType::kText}, {"n", SqlType::kInt}};
  const int rows = MultiRowInsert::kRowsPerStatement + 5;  // more than one statement
  db().InTransaction([&](SqlConnection& tx) {              // one commit (SQLite: one fsync)
    MultiRowInsert insert(tx, "t", columns, "ON CONFLICT (id) DO NOTHING");
    for (int64_t i = 0; i < rows; ++i) {
      const std::optional<int64_t> n = i % 7 == 0 ? std::nullopt : std::optional<int64_t>(-i);
      insert.Row(i, names[i % names.size()], n);
    }
    EXPECT_EQ(insert.Finish(), rows);
    // Rows whose key exists are dropped by the tail and not counted.
    insert.Row(int64_t{1}, "again", int64_t{0});
    insert.Row(int64_t{rows}, std::optional<std::string>(), int64_t{0});
    EXPECT_EQ(insert.Finish(), 1);
    EXPECT_THROW(insert.Row(int64_t{1}, "too few"), DatabaseError);
  });
  EXPECT_EQ(Count(), rows + 1);
  PooledConnection c = db().Connect();
  SqlStatement q(*c, "SELECT id, name, n FROM t ORDER BY id");
  for (int64_t i = 0; i < rows; ++i) {
    ASSERT_TRUE(q.Step());
    EXPECT_EQ(q.Int(0), i);
    EXPECT_EQ(q.Text(1), names[i % names.size()]) << i;
    EXPECT_FALSE(q.IsNull(1));
    EXPECT_EQ(q.OptionalInt(2), i % 7 == 0 ? std::nullopt : std::optional<int64_t>(-i));
  }
  ASSERT_TRUE(q.Step());
  EXPECT_TRUE(q.IsNull(1));
  EXPECT_FALSE(q.Step());
}

TEST_P(SqlConnectionTest, MultiRowInsertInABatchIsCountedByTheBatch) {
  db().InTransaction([](SqlConnection& c) {
    MultiRowInsert insert(c, "t", {{"id", SqlType::kInt}, {"name", SqlType::kText}},
                          "ON CONFLICT (id) DO UPDATE SET name = excluded.name");
    SqlBatch batch(c);
    for (int64_t i = 1; i <= 3; ++i) insert.Row(i, "x");
    EXPECT_EQ(insert.Finish(), 0);
    Execute(c, "UPDATE t SET n = 1 WHERE id = ?", int64_t{2});
    EXPECT_EQ(batch.Finish(), 4);
  });
  EXPECT_EQ(Count(), 3);
}

TEST(SqlTextTest, PlaceholdersAndStatementsSplitOutsideLiteralsOnly) {
  int n = 0;
  EXPECT_EQ(NumberPlaceholders("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?", &n),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(SplitSqlStatements("CREATE TABLE a (x TEXT DEFAULT ';'); ; INSERT INTO a VALUES (1)"),
            (std::vector<std::string>{"CREATE TABLE a (x TEXT DEFAULT ';')",
                                      " INSERT INTO a VALUES (1)"}));
}

INSTANTIATE_TEST_SUITE_P(Dialects, SqlConnectionTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
