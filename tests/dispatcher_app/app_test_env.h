// Shared fixture of the dispatcher app tests: a temp dir with dispatcher.yaml and
// firm files, a store (SQLite file or a database on the shared PostgreSQL), and
// exports applied through STORE's SnapshotIngest at a chosen instant.
#pragma once

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/ingest/snapshot_ingest.h"
#include "dispatcher/store/database.h"
#include "shared/export/export_model.h"
#include "shared/time/zoned_time.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace kehrbote::test {

inline Instant At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// Store look-ups of the tests, each on a connection of its own for the call.
// The first column of the first row as a number (-1 if no row) or as text.
inline int64_t IntOf(Database& db, const std::string& sql) {
  return QueryInt(*db.Connect(), sql).value_or(-1);
}
inline std::string TextOf(Database& db, const std::string& sql) {
  return QueryText(*db.Connect(), sql).value_or("");
}
// The first column of every row, as text.
inline std::vector<std::string> TextsOf(Database& db, const std::string& sql) {
  PooledConnection c = db.Connect();
  SqlStatement q(*c, sql);
  std::vector<std::string> out;
  while (q.Step()) out.push_back(q.Text(0));
  return out;
}
inline void Exec(Database& db, const std::string& sql) { Execute(*db.Connect(), sql); }

inline Contact SmsContact(const char* number, bool consent = true) {
  return Contact{ContactChannel::kSms, number, consent, false};
}
inline Contact MailContact(const char* address) {
  return Contact{ContactChannel::kEmail, address, true, false};
}

inline Appointment MakeAppt(const std::string& id, const char* day, int hour, int minute,
                            std::vector<Contact> contacts) {
  Appointment a;
  a.id = id;
  a.kind = AppointmentKind::kSweep;
  a.start.date = *ParseLocalDate(day);
  a.start.time = std::chrono::hours{hour} + std::chrono::minutes{minute};
  a.object = {"O-" + id, "Hauptstraße 1", "4400", "Steyr"};
  a.customer = {"Frau", "", "Maria", "Muster", ""};
  a.contacts = std::move(contacts);
  return a;
}

// Polls `done` every 100 ms for at most 20 s; true once it holds. An exception
// counts as "not yet" (the store may not be created yet). For a dispatcher
// process, which tells only through its store and log: bounded polling.
template <typename F>
bool Within20s(F done) {
  for (int i = 0; i < 200; ++i) {
    try {
      if (done()) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class AppEnv {
 public:
  // `store_url` empty: a SQLite file in the temp dir.
  explicit AppEnv(std::string store_url = "") : dir_("kehrbote-app-test-") {
    store_url_ = store_url.empty() ? "sqlite:" + dir_.Sub("dispatcher.db") : store_url;
    Write("firms.d/.keep", "");
  }

  const std::string& store_url() const { return store_url_; }
  std::string config_path() const { return dir_.Sub("dispatcher.yaml"); }
  std::string Sub(const std::string& name) const { return dir_.Sub(name); }

  void Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    const size_t slash = path.rfind('/');
    RunCommand({"mkdir", "-p", path.substr(0, slash)});
    std::ofstream(path) << text;
  }
  void WriteConfig(const std::string& extra = "") {
    Write("dispatcher.yaml", "store: {url: \"" + store_url_ + "\"}\nfirms_dir: firms.d\n" + extra);
  }

  // Applies an export of `firm_id` generated and received at `at`.
  IngestResult Ingest(Database& db, const std::string& firm_id, Instant at,
                      std::vector<Appointment> appointments,
                      std::vector<HeartbeatContact> heartbeat_contacts = {},
                      std::string firm_phone = "07252 / 12345") {
    ExportHeader h;
    h.firm.id = firm_id;
    h.firm.name = "RFK " + firm_id;
    h.firm.timezone = "Europe/Vienna";
    h.firm.country = "AT";
    h.firm.phone = firm_phone;  // <<KehrbetriebTelefon>> of the default texts
    h.firm.heartbeat_contacts = std::move(heartbeat_contacts);
    h.generated_at = at;
    h.window_from = *ParseLocalDate("2026-11-01");
    h.window_to = *ParseLocalDate("2026-12-31");
    ManualClock clock(at);
    SnapshotIngest ingest(db, clock);
    size_t i = 0;
    const std::string name = firm_id + "-" + std::to_string(at.time_since_epoch().count()) + ".json";
    return ingest.Apply(firm_id, {name, "sha-" + name}, h, [&](Appointment& out) {
      if (i >= appointments.size()) return false;
      out = appointments[i++];
      return true;
    });
  }

  CommandResult Dispatcher(std::vector<std::string> args) {
    std::vector<std::string> argv = {std::string(KEHRBOTE_BINARY_DIR) +
                                         "/dispatcher/kehrbote-dispatcher",
                                     "--config", config_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, std::chrono::seconds(60));
  }

 private:
  TempDir dir_;
  std::string store_url_;
};

}  // namespace kehrbote::test
