#include "dispatcher/store/database.h"

#include <sqlite3.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "dispatcher/store/postgres_connection.h"
#include "dispatcher/store/sqlite_connection.h"
#include "dispatcher/store/store_url.h"
#include "dispatcher/store/wal_checkpointer.h"
#include "shared/env/env.h"
#include "shared/sync/mutex.h"

namespace kehrbote {

namespace {

std::string ParentDirectory(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

}  // namespace

class Database::Impl {
 public:
  std::unique_ptr<WalCheckpointer> checkpointer;  // SQLite; stopped before the pool closes
  std::unique_ptr<ConnectionPool> connections;
  std::chrono::milliseconds busy_timeout{30000};
  Mutex firm_mu;
  std::map<std::string, std::shared_ptr<std::mutex>, std::less<>> firm_locks GUARDED_BY(firm_mu);
  // Firm claims (firm_claim.h): the firms this process holds, and on PostgreSQL
  // the connection holding their session locks (not pooled: the locks are its
  // state). `new_connection` is set on PostgreSQL only.
  ConnectionPool::Factory new_connection;
  Mutex claim_mu;
  std::set<std::string, std::less<>> claimed GUARDED_BY(claim_mu);
  std::unique_ptr<SqlConnection> claim_connection GUARDED_BY(claim_mu);
  // SQLite: the writers of this process (ingest, planning, outbox, receipts)
  // take turns here. SQLite admits one writer per file anyway, and a writer that
  // finds the file locked waits in SQLite's busy handler, which sleeps 1-100 ms
  // a try instead of starting when the other commits.
  std::timed_mutex sqlite_writer;
  std::function<void()> on_writer_wait;  // DatabaseOptions::on_writer_wait
  // Urgent writers (UrgentWrites) waiting for the turn; the others let them go first.
  Mutex urgent_mu;
  CondVar urgent_done;
  int urgent_waiting GUARDED_BY(urgent_mu) = 0;

  std::shared_ptr<std::mutex> FirmMutex(std::string_view firm_id) EXCLUDES(firm_mu) {
    MutexLock lock(&firm_mu);
    auto it = firm_locks.find(firm_id);
    if (it != firm_locks.end()) return it->second;
    auto m = std::make_shared<std::mutex>();
    firm_locks.emplace(std::string(firm_id), m);
    return m;
  }
};

Database::Database(SqlDialect dialect, std::string description, std::unique_ptr<Impl> impl)
    : dialect_(dialect), description_(std::move(description)), impl_(std::move(impl)) {}

Database::~Database() {
  if (impl_ && impl_->checkpointer) impl_->checkpointer->Stop();
  // SQLite refuses to close a connection with prepared statements left.
  if (impl_) impl_->connections.reset();
}

std::unique_ptr<Database> Database::Open(const std::string& url, const DatabaseOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->busy_timeout = options.busy_timeout;
  impl->on_writer_wait = options.on_writer_wait;
  const int max_sessions = static_cast<int>(std::max<std::size_t>(1, options.max_sessions));
  const std::string description = MaskStoreUrl(url);
  try {
    if (url.rfind("sqlite:", 0) == 0) {
      std::string file = url.substr(7);
      if (file.empty()) throw DatabaseError("database URL '" + description + "': no file name after 'sqlite:'");
      Env& env = Env::Default();
      if (!env.FileExists(file)) {
        // A missing directory is made owner-only; an existing one (the installer's
        // data dir, the working directory) keeps the mode it was given.
        const std::string dir = ParentDirectory(file);
        if (!env.DirectoryExists(dir)) env.CreatePrivateDirectory(dir);
        env.NewPrivateFile(file)->Close();  // SQLite accepts an empty file as a new database
      }
      Impl* shared = impl.get();
      impl->checkpointer = std::make_unique<WalCheckpointer>([shared] {
        std::optional<PooledConnection> c = shared->connections->TryGet();
        if (!c) return;  // all busy: the next commit asks again
        sqlite3_wal_checkpoint_v2(static_cast<SqliteConnection&>(**c).handle(), nullptr,
                                  SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      });
      WalCheckpointer* checkpointer = impl->checkpointer.get();
      const auto busy = options.busy_timeout;
      impl->connections = std::make_unique<ConnectionPool>(
          [file, description, busy, checkpointer] {
            auto c = std::make_unique<SqliteConnection>(file, description, busy);
            checkpointer->Attach(c->handle());
            return c;
          },
          max_sessions, options.busy_timeout, description);
      const std::optional<std::string> mode =
          QueryText(*impl->connections->Get(), "PRAGMA journal_mode = WAL");
      if (mode != "wal")
        throw DatabaseError("database '" + description +
                            "': cannot switch to WAL (journal_mode=" + mode.value_or("") + ")");
      return std::unique_ptr<Database>(new Database(SqlDialect::kSqlite, description, std::move(impl)));
    }
    if (const std::optional<std::string> conn = PostgresConnectionString(url)) {
      impl->new_connection = [conninfo = *conn, description]() -> std::unique_ptr<SqlConnection> {
        return std::make_unique<PostgresConnection>(conninfo, description);
      };
      impl->connections = std::make_unique<ConnectionPool>(impl->new_connection, max_sessions,
                                                           options.busy_timeout, description);
      impl->connections->Get();  // fail early if unreachable
      return std::unique_ptr<Database>(new Database(SqlDialect::kPostgresql, description, std::move(impl)));
    }
  } catch (const DatabaseError&) {
    throw;
  } catch (const EnvError& e) {
    throw DatabaseError("cannot open database '" + description + "': " + e.what());
  }
  throw DatabaseError("database URL '" + description +
                      "': expected 'sqlite:/path/file.db', 'postgresql:host=... dbname=...' or "
                      "'postgresql://user@host/dbname'");
}

PooledConnection Database::Connect() { return impl_->connections->Get(); }

namespace {

// Applies `m` unless the store has it already (maybe from another process just now).
void ApplyMigration(SqlConnection& c, const std::string& component, const Migration& m,
                    size_t known) {
  c.Execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT "
      "NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (component, version))");
  const int64_t current =
      QueryInt(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?",
               component)
          .value_or(0);
  if (current > static_cast<int64_t>(known))
    throw DatabaseError("store schema of '" + component + "' is at version " +
                        std::to_string(current) + ", newer than this program knows (" +
                        std::to_string(known) + ")");
  if (current >= m.version) return;
  const std::string& sql = c.dialect() == SqlDialect::kSqlite ? m.sqlite : m.postgresql;
  for (const std::string& statement : SplitSqlStatements(sql)) c.Execute(statement);
  const int64_t at = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  Execute(c, "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
          component, static_cast<int64_t>(m.version), at);
}

// Runs `fn` in one transaction on `c`; `writer`: this process's writer turn
// (SQLite), held until the transaction ends.
void RunTransaction(SqlConnection& c, [[maybe_unused]] std::unique_lock<std::timed_mutex> writer,
                    const std::function<void(SqlConnection&)>& before,
                    const std::function<void(SqlConnection&)>& fn) {
  c.Execute(c.dialect() == SqlDialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    if (before) before(c);
    fn(c);
    c.EndBatch();
  } catch (...) {
    try {
      c.EndBatch();
    } catch (...) {
      // The batch's error is the one already on its way.
    }
    try {
      c.Execute("ROLLBACK");
    } catch (...) {
      // The connection may be gone; the server rolls back on its own then.
    }
    throw;
  }
  c.Execute("COMMIT");
}

// PostgreSQL: a lock held until the transaction ends, across processes. SQLite
// needs none (BEGIN IMMEDIATE already excludes every other writer).
void AdvisoryLock(SqlConnection& c, const std::string& key) {
  if (c.dialect() != SqlDialect::kPostgresql) return;
  QueryInt(c, "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended(?, 0))) AS locked",
           key);
}

}  // namespace

namespace {
thread_local int urgent_writes = 0;  // UrgentWrites alive on this thread
}  // namespace

Database::UrgentWrites::UrgentWrites() { ++urgent_writes; }
Database::UrgentWrites::~UrgentWrites() { --urgent_writes; }

bool Database::UrgentWriterWaiting() {
  MutexLock lock(&impl_->urgent_mu);
  return impl_->urgent_waiting > 0;
}

std::unique_lock<std::timed_mutex> Database::TakeWriterTurn() {
  std::unique_lock<std::timed_mutex> writer(impl_->sqlite_writer, std::defer_lock);
  if (dialect_ != SqlDialect::kSqlite) return writer;
  Impl& impl = *impl_;
  if (urgent_writes == 0) {
    // Let waiting urgent writers have the turn first (bounded: a stuck one
    // must not stop the others for good).
    const auto deadline = std::chrono::steady_clock::now() + impl.busy_timeout;
    MutexLock lock(&impl.urgent_mu);
    while (impl.urgent_waiting > 0 && impl.urgent_done.WaitUntil(&impl.urgent_mu, deadline)) {
    }
  } else {
    MutexLock lock(&impl.urgent_mu);
    ++impl.urgent_waiting;
  }
  struct UrgentTaken {
    Impl* impl;
    ~UrgentTaken() {
      if (!impl) return;
      MutexLock lock(&impl->urgent_mu);
      --impl->urgent_waiting;
      impl->urgent_done.SignalAll();
    }
  } taken{urgent_writes > 0 ? &impl : nullptr};
  if (writer.try_lock()) return writer;
  if (impl_->on_writer_wait) impl_->on_writer_wait();
  // Bounded like SQLite's own wait, so a stuck writer is an error, not a hang.
  if (!writer.try_lock_for(impl_->busy_timeout))
    throw DatabaseError("store '" + description_ + "': no write transaction within " +
                        std::to_string(impl_->busy_timeout.count()) +
                        " ms: another writer of this process holds it");
  return writer;
}

void Database::InTransaction(const std::function<void(SqlConnection&)>& fn) {
  PooledConnection c = Connect();
  RunTransaction(*c, TakeWriterTurn(), nullptr, fn);
}

void Database::WithFirmLock(std::string_view firm_id,
                            const std::function<void(SqlConnection&)>& fn) {
  // The process mutex also spares PostgreSQL connections: threads of one process
  // wait here instead of each holding a connection while blocked on the server lock.
  auto mu = impl_->FirmMutex(firm_id);
  std::lock_guard<std::mutex> lock(*mu);
  PooledConnection c = Connect();
  const std::string key = "kehrbote-firm:" + std::string(firm_id);
  RunTransaction(
      *c, TakeWriterTurn(), [&key](SqlConnection& conn) { AdvisoryLock(conn, key); }, fn);
}

namespace {

std::string ClaimKey(std::string_view firm_id) { return "kehrbote-claim:" + std::string(firm_id); }

}  // namespace

std::optional<FirmClaim> Database::TryClaimFirm(std::string_view firm_id) {
  Impl& impl = *impl_;
  MutexLock lock(&impl.claim_mu);
  if (impl.claimed.count(firm_id) > 0) return std::nullopt;
  if (impl.new_connection) {
    try {
      if (!impl.claim_connection || !impl.claim_connection->Reusable())
        impl.claim_connection = impl.new_connection();
      const bool got =
          QueryInt(
              *impl.claim_connection,
              "SELECT CASE WHEN pg_try_advisory_lock(hashtextextended(?, 0)) THEN 1 ELSE 0 END",
              ClaimKey(firm_id)) == 1;
      if (!got) return std::nullopt;
    } catch (const DatabaseError& e) {
      // The claims held so far end with the connection (the server drops them).
      impl.claim_connection.reset();
      throw DatabaseError("store '" + description_ + "': cannot claim firm " +
                          std::string(firm_id) + ": " + e.what());
    }
  }
  impl.claimed.emplace(firm_id);
  return FirmClaim(this, std::string(firm_id));
}

void Database::EndFirmClaim(const std::string& firm_id) noexcept {
  Impl& impl = *impl_;
  MutexLock lock(&impl.claim_mu);
  impl.claimed.erase(firm_id);
  if (!impl.claim_connection) return;
  try {
    QueryInt(*impl.claim_connection,
             "SELECT CASE WHEN pg_advisory_unlock(hashtextextended(?, 0)) THEN 1 ELSE 0 END",
             ClaimKey(firm_id));
  } catch (...) {
    impl.claim_connection.reset();  // the server drops its locks with it
  }
}

FirmClaim::~FirmClaim() {
  if (db_) db_->EndFirmClaim(firm_id_);
}

FirmClaim& FirmClaim::operator=(FirmClaim&& other) noexcept {
  if (this == &other) return *this;
  if (db_) db_->EndFirmClaim(firm_id_);
  db_ = other.db_;
  firm_id_ = std::move(other.firm_id_);
  other.db_ = nullptr;
  return *this;
}

int Database::SchemaVersion(std::string_view component) {
  PooledConnection c = Connect();
  try {
    return static_cast<int>(
        QueryInt(*c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?",
                 component)
            .value_or(0));
  } catch (const DatabaseError&) {
    return 0;  // no schema_migrations table yet
  }
}

void Database::Migrate(std::string_view component, const std::vector<Migration>& migrations) {
  const std::string comp(component);
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1)
      throw DatabaseError("migrations of '" + comp + "': step " + std::to_string(i + 1) +
                          " has version " + std::to_string(migrations[i].version));
  }
  // Each step in its own transaction; the lock (BEGIN IMMEDIATE on SQLite, an
  // advisory lock on PostgreSQL) makes concurrent starters take turns, and the
  // version is re-read inside it.
  for (const Migration& m : migrations) {
    try {
      PooledConnection c = Connect();
      RunTransaction(
          *c, TakeWriterTurn(),
          [](SqlConnection& conn) { AdvisoryLock(conn, "kehrbote-migrations"); },
          [&](SqlConnection& conn) { ApplyMigration(conn, comp, m, migrations.size()); });
    } catch (const DatabaseError& e) {
      throw DatabaseError("database '" + description_ + "': migration " + comp + " v" +
                          std::to_string(m.version) + " failed: " + e.what());
    }
  }
}

}  // namespace kehrbote
