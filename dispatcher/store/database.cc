#include "dispatcher/store/database.h"

#include <sqlite3.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Exception.h>

#include "dispatcher/store/sqlite_statement.h"
#include "dispatcher/store/store_url.h"
#include "dispatcher/store/wal_checkpointer.h"
#include "shared/env/env.h"

namespace kehrbote {

using Poco::Data::Session;
using namespace Poco::Data::Keywords;

std::string_view ToString(SqlDialect d) {
  return d == SqlDialect::kSqlite ? "sqlite" : "postgresql";
}

std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::once_flag register_once;

void RegisterConnectors() {
  std::call_once(register_once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}

std::vector<std::string> SplitStatements(const std::string& sql) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : sql) {
    if (c == ';') {
      if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
  return out;
}

std::string ParentDirectory(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

// Sets the per-connection SQLite settings on every new pooled session.
// Connections stay open (at most max_sessions of them, to a local file): they
// hold cached prepared statements (SqliteStatement), which an idle close would
// strand.
class SqliteSessionPool : public Poco::Data::SessionPool {
 public:
  static constexpr int kNeverIdle = 10 * 365 * 24 * 3600;  // seconds

  SqliteSessionPool(const std::string& file, int max_sessions, int busy_ms,
                    WalCheckpointer* checkpointer)
      : Poco::Data::SessionPool("sqlite", file, 1, max_sessions, kNeverIdle),
        busy_ms_(busy_ms),
        checkpointer_(checkpointer) {}
  ~SqliteSessionPool() override = default;

 protected:
  void customizeSession(Session& session) override {
    int ignored = 0;
    session << "PRAGMA busy_timeout = " + std::to_string(busy_ms_), into(ignored), now;
    session << "PRAGMA foreign_keys = ON", now;
    checkpointer_->Attach(Poco::Data::SQLite::Utility::dbHandle(session));
  }

 private:
  int busy_ms_;
  WalCheckpointer* checkpointer_;
};

// PostgreSQL sessions: no NOTICE chatter on stderr ("relation ... already exists").
class PostgresSessionPool : public Poco::Data::SessionPool {
 public:
  PostgresSessionPool(const std::string& conn, int max_sessions)
      : Poco::Data::SessionPool("postgresql", conn, 1, max_sessions, 60) {}
  ~PostgresSessionPool() override = default;

 protected:
  void customizeSession(Session& session) override {
    session << "SET client_min_messages TO WARNING", now;
  }
};

}  // namespace

class Database::Impl {
 public:
  std::unique_ptr<Poco::Data::SessionPool> pool;
  std::unique_ptr<WalCheckpointer> checkpointer;  // SQLite; stopped before the pool closes
  std::chrono::milliseconds busy_timeout{30000};
  std::mutex firm_mu;
  std::map<std::string, std::shared_ptr<std::mutex>, std::less<>> firm_locks;
  // SQLite: the writers of this process (ingest, planning, outbox, receipts)
  // take turns here. SQLite admits one writer per file anyway, and a writer that
  // finds the file locked waits in SQLite's busy handler, which sleeps 1-100 ms
  // a try instead of starting when the other commits.
  std::timed_mutex sqlite_writer;
  std::function<void()> on_writer_wait;  // DatabaseOptions::on_writer_wait
  // Urgent writers (UrgentWrites) waiting for the turn; the others let them go first.
  std::mutex urgent_mu;
  std::condition_variable urgent_done;
  int urgent_waiting = 0;  // guarded by urgent_mu

  std::shared_ptr<std::mutex> FirmMutex(std::string_view firm_id) {
    std::lock_guard<std::mutex> lock(firm_mu);
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
  if (dialect_ == SqlDialect::kSqlite) SqliteStatement::FinalizeCached();
  if (impl_ && impl_->pool) {
    try {
      impl_->pool->shutdown();
    } catch (...) {
    }
  }
}

std::unique_ptr<Database> Database::Open(const std::string& url, const DatabaseOptions& options) {
  RegisterConnectors();
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
        Session c = shared->pool->get();
        sqlite3_wal_checkpoint_v2(Poco::Data::SQLite::Utility::dbHandle(c), nullptr,
                                  SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      });
      impl->pool = std::make_unique<SqliteSessionPool>(
          file, max_sessions, static_cast<int>(options.busy_timeout.count()),
          impl->checkpointer.get());
      Session s = impl->pool->get();
      std::string mode;
      s << "PRAGMA journal_mode = WAL", into(mode), now;
      if (mode != "wal") throw DatabaseError("database '" + description + "': cannot switch to WAL (journal_mode=" + mode + ")");
      return std::unique_ptr<Database>(new Database(SqlDialect::kSqlite, description, std::move(impl)));
    }
    if (const std::optional<std::string> conn = PostgresConnectionString(url)) {
      impl->pool = std::make_unique<PostgresSessionPool>(*conn, max_sessions);
      Session s = impl->pool->get();  // fail early if unreachable
      int one = 0;
      s << "SELECT 1", into(one), now;
      return std::unique_ptr<Database>(new Database(SqlDialect::kPostgresql, description, std::move(impl)));
    }
  } catch (const DatabaseError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw DatabaseError("cannot open database '" + description + "': " + e.displayText());
  } catch (const EnvError& e) {
    throw DatabaseError("cannot open database '" + description + "': " + e.what());
  }
  throw DatabaseError("database URL '" + description +
                      "': expected 'sqlite:/path/file.db', 'postgresql:host=... dbname=...' or "
                      "'postgresql://user@host/dbname'");
}

Session Database::GetSession() {
  auto deadline = std::chrono::steady_clock::now() + impl_->busy_timeout;
  for (;;) {
    try {
      return impl_->pool->get();
    } catch (const Poco::Data::SessionPoolExhaustedException&) {
      if (std::chrono::steady_clock::now() > deadline)
        throw DatabaseError("database '" + description_ + "': all " +
                            std::to_string(impl_->pool->capacity()) + " sessions busy for " +
                            std::to_string(impl_->busy_timeout.count()) + " ms");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } catch (const Poco::Exception& e) {
      throw DatabaseError("database '" + description_ + "': cannot get a session: " + e.displayText());
    }
  }
}

std::string Database::Sql(std::string_view sql) const {
  if (dialect_ == SqlDialect::kPostgresql) return NumberPlaceholders(sql);
  return std::string(sql);
}

namespace {

// `writer`: this process's writer turn (SQLite), held until the transaction ends.
void RunTransaction(Session& s, SqlDialect dialect,
                    [[maybe_unused]] std::unique_lock<std::timed_mutex> writer,
                    const std::function<void(Session&)>& before,
                    const std::function<void(Session&)>& fn) {
  s << (dialect == SqlDialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"), now;
  try {
    if (before) before(s);
    fn(s);
  } catch (...) {
    try {
      s << "ROLLBACK", now;
    } catch (...) {
      // The connection may be gone; the server rolls back on its own then.
    }
    throw;
  }
  s << "COMMIT", now;
}

}  // namespace

namespace {
thread_local int urgent_writes = 0;  // UrgentWrites alive on this thread
}  // namespace

Database::UrgentWrites::UrgentWrites() { ++urgent_writes; }
Database::UrgentWrites::~UrgentWrites() { --urgent_writes; }

bool Database::UrgentWriterWaiting() {
  std::lock_guard<std::mutex> lock(impl_->urgent_mu);
  return impl_->urgent_waiting > 0;
}

std::unique_lock<std::timed_mutex> Database::TakeWriterTurn() {
  std::unique_lock<std::timed_mutex> writer(impl_->sqlite_writer, std::defer_lock);
  if (dialect_ != SqlDialect::kSqlite) return writer;
  Impl& impl = *impl_;
  if (urgent_writes == 0) {
    // Let waiting urgent writers have the turn first (bounded: a stuck one
    // must not stop the others for good).
    std::unique_lock<std::mutex> lock(impl.urgent_mu);
    impl.urgent_done.wait_for(lock, impl.busy_timeout, [&] { return impl.urgent_waiting == 0; });
  } else {
    std::lock_guard<std::mutex> lock(impl.urgent_mu);
    ++impl.urgent_waiting;
  }
  struct UrgentTaken {
    Impl* impl;
    ~UrgentTaken() {
      if (!impl) return;
      {
        std::lock_guard<std::mutex> lock(impl->urgent_mu);
        --impl->urgent_waiting;
      }
      impl->urgent_done.notify_all();
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

void Database::InTransaction(const std::function<void(Session&)>& fn) {
  Session s = GetSession();
  RunTransaction(s, dialect_, TakeWriterTurn(), nullptr, fn);
}

void Database::WithFirmLock(std::string_view firm_id, const std::function<void(Session&)>& fn) {
  // The process mutex also spares PostgreSQL connections: threads of one process
  // wait here instead of each holding a session while blocked on the server lock.
  auto mu = impl_->FirmMutex(firm_id);
  std::lock_guard<std::mutex> lock(*mu);
  Session s = GetSession();
  std::function<void(Session&)> before;
  if (dialect_ == SqlDialect::kPostgresql) {
    std::string key = "kehrbote-firm:" + std::string(firm_id);
    before = [key](Session& session) {
      session << "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", bind(key), now;
    };
  }
  RunTransaction(s, dialect_, TakeWriterTurn(), before, fn);
}

int Database::SchemaVersion(std::string_view component) {
  Session s = GetSession();
  try {
    Poco::Int64 version = 0;
    std::string c(component);
    s << Sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?"),
        into(version), use(c), now;
    return static_cast<int>(version);
  } catch (const Poco::Exception&) {
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
  const std::string create =
      "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, "
      "applied_at BIGINT NOT NULL, PRIMARY KEY (component, version))";
  // Each step in its own transaction; the lock (BEGIN IMMEDIATE on SQLite, an
  // advisory lock on PostgreSQL) makes concurrent starters take turns, and the
  // version is re-read inside it.
  for (const Migration& m : migrations) {
    try {
      Session s = GetSession();
      std::function<void(Session&)> before;
      if (dialect_ == SqlDialect::kPostgresql) {
        before = [](Session& session) {
          session << "SELECT pg_advisory_xact_lock(hashtextextended('kehrbote-migrations', 0))", now;
        };
      }
      RunTransaction(s, dialect_, TakeWriterTurn(), before, [&](Session& session) {
        session << create, now;
        Poco::Int64 current = 0;
        std::string c = comp;
        session << Sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?"),
            into(current), use(c), now;
        if (current > static_cast<Poco::Int64>(migrations.size()))
          throw DatabaseError("store schema of '" + comp + "' is at version " + std::to_string(current) +
                              ", newer than this program knows (" + std::to_string(migrations.size()) + ")");
        if (current >= m.version) return;  // applied already (maybe by another process just now)
        const std::string& sql = dialect_ == SqlDialect::kSqlite ? m.sqlite : m.postgresql;
        for (const std::string& stmt : SplitStatements(sql)) session << stmt, now;
        Poco::Int64 version = m.version;
        Poco::Int64 at = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        session << Sql("INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)"),
            use(c), use(version), use(at), now;
      });
    } catch (const DatabaseError&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw DatabaseError("database '" + description_ + "': migration " + comp + " v" +
                          std::to_string(m.version) + " failed: " + e.displayText());
    }
  }
}

}  // namespace kehrbote
