// CopyStore: moves a dispatcher's SQLite store into an empty PostgreSQL store
// (the `store copy` command; docs/partner-guide.md, "Moving from SQLite to
// PostgreSQL"). Run it while no dispatcher uses either store.
//
//  1. Source: must exist (nothing is created). Every component must be at this
//     program's schema version (DispatcherMigrations); an older source is
//     refused with the components named, unless `migrate_source`: then this
//     program's migrations are applied to it first, as the dispatcher's next
//     start would. A newer source is always refused.
//  2. Target: its schema is brought up to date with the same migrations.
//  3. In one transaction on the target: every table is locked (EXCLUSIVE: no
//     other writer meanwhile; waits at most 30 s for one that holds it); a
//     target that holds any row is refused, naming the tables and their row
//     counts; each table is copied from one read transaction of the source
//     (one snapshot), each after the tables its foreign keys reference, in
//     COPY batches of `rows_per_batch` rows (memory stays at one batch), ids as
//     they are; each table's row count is checked against the source's; each
//     serial (BIGSERIAL) column's sequence is set past the highest id and past
//     SQLite's AUTOINCREMENT counter (so ids of deleted rows are not handed out
//     again); then it commits.
//
// Any failure rolls that transaction back: the target holds no row of the
// copy (the schema of step 2 stays, as a dispatcher's first start would have
// left it). Failures throw DatabaseError; a row's error names its table and
// its source row (SQLite rowid), never a value of it.
// Threads: one call at a time per pair of stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kehrbote {

struct TableCopied {
  std::string table;
  int64_t rows = 0;
  double seconds = 0;
};

// A serial column's sequence after the copy: the next id it hands out.
struct SequenceSet {
  std::string table, column;
  int64_t next = 0;
};

struct StoreCopyResult {
  std::vector<TableCopied> tables;  // in copy order
  std::vector<SequenceSet> sequences;
  int64_t rows = 0;
  double seconds = 0;  // the whole copy, migrations included
};

struct StoreCopyOptions {
  std::string from;  // "sqlite:/path/dispatcher.db"
  std::string to;    // "postgresql:host=... dbname=..." or "postgresql://..."
  bool migrate_source = false;
  std::size_t rows_per_batch = 5000;
  // Called after each table is copied (progress), before the commit.
  std::function<void(const TableCopied&)> on_table;
};

StoreCopyResult CopyStore(const StoreCopyOptions& options);

}  // namespace kehrbote
