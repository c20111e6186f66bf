// Test support: a throwaway PostgreSQL 15 on 127.0.0.1 for the store tests (and
// anyone else who needs one: planning, delivery, end-to-end).
//
// Start() copies a template cluster into a fresh private temp dir (on /dev/shm if
// there is one; owned by the postgres user, because PostgreSQL refuses to run as
// root: `runuser -u postgres` when the tests run as root). The template is made
// by initdb once per machine ($TMPDIR/kehrbote-pg15-template-<uid>, under a file
// lock), because initdb takes seconds and every test process needs a server. Then `postgres -D ... -p <free port> -k <temp dir>
// -c listen_addresses=127.0.0.1 -c fsync=off`, and waits, bounded, until it
// accepts queries (pg_isready). A port taken in between is retried with another.
// Stop() (and the destructor) shuts it down fast (SIGINT) and removes the temp dir.
// Authentication is "trust" for the superuser postgres on loopback.
#pragma once

#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Throws std::runtime_error with the server log if it does not come up.
  void Start();
  void Stop();
  bool running() const { return running_; }

  int port() const { return port_; }
  // The process started: postgres itself, or `runuser` above it when the tests
  // run as root (for TreeCpuSeconds and the like).
  int pid() const;
  // libpq connection string, e.g. "host=127.0.0.1 port=5433 dbname=postgres user=postgres".
  std::string ConnectionString(const std::string& dbname = "postgres") const;
  // "postgresql:" + ConnectionString(dbname): a Database URL.
  std::string Url(const std::string& dbname = "postgres") const;
  // Creates an empty database (a fresh one per test keeps tests independent) and
  // returns its Database URL. Names must be [a-z0-9_]+.
  std::string CreateDatabase(const std::string& dbname);
  // Runs SQL through psql as the superuser; throws with psql's output on failure.
  std::string Psql(const std::string& dbname, const std::string& sql);

  std::string LogTail() const;

 private:
  std::unique_ptr<TempDir> dir_;
  std::string data_dir_;
  int port_ = 0;
  bool running_ = false;
  ChildProcess child_;
};

// One server per test process, started on first use and stopped at exit.
PostgresServer& SharedPostgresServer();

}  // namespace kehrbote::test
