#include "dispatcher/ingest/snapshot_ingest.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include "dispatcher/store/appointment_json.h"
#include "dispatcher/store/appointment_store.h"
#include "dispatcher/store/sqlite_statement.h"
#include "shared/export/export_reader.h"
#include "shared/text/hex.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

using Poco::Data::Session;
using Poco::Data::Statement;
using namespace Poco::Data::Keywords;

std::string_view ToString(IngestOutcome o) {
  switch (o) {
    case IngestOutcome::kApplied: return "applied";
    case IngestOutcome::kIgnored: return "ignored";
    case IngestOutcome::kDuplicate: return "duplicate";
    case IngestOutcome::kRejected: return "rejected";
  }
  return "?";
}

std::string Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  // OpenSSL rather than Poco::SHA2Engine: uses the CPU's SHA extensions.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("cannot start SHA-256");
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

namespace {

// Thrown inside the transaction for a bad export; carries the reason out after
// the rollback. Anything else thrown there is a store failure.
class RefusedExport : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown from the header handler for an export older than the last applied one:
// stops reading; the caller records it as ignored after the rollback.
class IgnoredExport : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct KnownAppointment {
  Poco::Int64 version = 0;
  Poco::Int64 start_at = 0;
  bool scheduled = true;
  bool seen = false;
  std::string content_hash;
  std::string data_hash;
};

Poco::Int64 Seconds(Instant t) { return t.time_since_epoch().count(); }

std::string StatusName(AppointmentStatus s) { return std::string(ToString(s)); }

// SQLite: the same writes through prepared sqlite3 statements on the session's
// own connection (inside its transaction). Poco's per-row binding machinery costs
// several times what SQLite itself needs, and ingest writes up to 200,000 rows.
class SqliteWriter {
 public:
  explicit SqliteWriter(Session& s) : db_(Poco::Data::SQLite::Utility::dbHandle(s)) {}
  ~SqliteWriter() {
    for (sqlite3_stmt* st : statements_) sqlite3_finalize(st);
  }

  enum Id { kInsertApp, kUpdateApp, kInsertVersion, kRefreshVersion, kRefreshApp, kCount };

  // Binds the values (text or int64, in order) to statement `id` and runs it.
  template <typename... Args>
  void Run(Id id, const Args&... args) {
    sqlite3_stmt* st = Get(id);
    int pos = 0;
    (Bind(st, ++pos, args), ...);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) Fail("step");
    sqlite3_reset(st);
  }

 private:
  static const char* Sql(Id id) {
    switch (id) {
      case kInsertApp:
        return "INSERT INTO appointments (firm_id, appointment_id, current_version, status, kind, start_at, "
               "content_hash, data_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
      case kUpdateApp:
        return "UPDATE appointments SET current_version = ?, status = ?, kind = ?, start_at = ?, "
               "content_hash = ?, data_hash = ?, updated_at = ? WHERE firm_id = ? AND appointment_id = ?";
      case kInsertVersion:
        return "INSERT INTO appointment_versions (firm_id, appointment_id, version, change, status, kind, "
               "start_at, start_local, data, content_hash, cancel_reason, export_name, export_generated_at, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
      case kRefreshVersion:
        return "UPDATE appointment_versions SET data = ? WHERE firm_id = ? AND appointment_id = ? AND version = ?";
      case kRefreshApp:
        return "UPDATE appointments SET data_hash = ? WHERE firm_id = ? AND appointment_id = ?";
      case kCount:
        break;
    }
    return "";
  }

  sqlite3_stmt* Get(Id id) {
    if (!statements_[id]) {
      if (sqlite3_prepare_v2(db_, Sql(id), -1, &statements_[id], nullptr) != SQLITE_OK) Fail("prepare");
    }
    return statements_[id];
  }

  void Bind(sqlite3_stmt* st, int pos, const std::string& v) {
    if (sqlite3_bind_text(st, pos, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK) Fail("bind");
  }
  void Bind(sqlite3_stmt* st, int pos, Poco::Int64 v) {
    if (sqlite3_bind_int64(st, pos, v) != SQLITE_OK) Fail("bind");
  }

  [[noreturn]] void Fail(const char* what) {
    throw DatabaseError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  std::array<sqlite3_stmt*, kCount> statements_{};
};

// "<head>($1, ..., $cols), (...), ..." for `rows` rows (PostgreSQL placeholders).
std::string MultiRowInsert(const std::string& head, size_t cols, size_t rows) {
  std::string sql = head;
  sql.reserve(head.size() + rows * cols * 7);
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) sql += ',';
      sql += '$';
      sql += std::to_string(++n);
    }
    sql += ')';
  }
  return sql;
}

// Column vectors of one batched statement each; flushed every kBatchSize rows.
// On SQLite rows go straight to SqliteWriter instead.
class BatchWriter {
 public:
  BatchWriter(Database& db, Session& s, std::string firm_id, std::string export_name,
              Poco::Int64 generated_at, Poco::Int64 now)
      : db_(db), s_(s), firm_(std::move(firm_id)), export_name_(std::move(export_name)),
        generated_at_(generated_at), now_(now) {
    if (db.dialect() == SqlDialect::kSqlite) sqlite_ = std::make_unique<SqliteWriter>(s);
  }

  // A new current version (and the appointments row to match).
  void AddVersion(bool first, const std::string& id, Poco::Int64 version, const std::string& change,
                  const Appointment& a, Poco::Int64 start_at, const std::string& start_local,
                  const std::string& data, const std::string& content_hash,
                  const std::string& data_hash, const std::string& cancel_reason) {
    if (sqlite_) {
      const std::string status = StatusName(a.status), kind(ToString(a.kind));
      if (first) {
        sqlite_->Run(SqliteWriter::kInsertApp, firm_, id, version, status, kind, start_at, content_hash, data_hash,
                     now_);
      } else {
        sqlite_->Run(SqliteWriter::kUpdateApp, version, status, kind, start_at, content_hash, data_hash, now_,
                     firm_, id);
      }
      sqlite_->Run(SqliteWriter::kInsertVersion, firm_, id, version, change, status, kind, start_at, start_local,
                   data, content_hash, cancel_reason, export_name_, generated_at_, now_);
      return;
    }
    auto& t = first ? new_ : upd_;
    t.id.push_back(id);
    t.version.push_back(version);
    t.status.push_back(StatusName(a.status));
    t.kind.push_back(std::string(ToString(a.kind)));
    t.start_at.push_back(start_at);
    t.content_hash.push_back(content_hash);
    t.data_hash.push_back(data_hash);
    v_.id.push_back(id);
    v_.version.push_back(version);
    v_.change.push_back(change);
    v_.status.push_back(StatusName(a.status));
    v_.kind.push_back(std::string(ToString(a.kind)));
    v_.start_at.push_back(start_at);
    v_.start_local.push_back(start_local);
    v_.data.push_back(data);
    v_.content_hash.push_back(content_hash);
    v_.cancel_reason.push_back(cancel_reason);
    MaybeFlush();
  }

  // Same content for reminders; other data changed: update the current version.
  void Refresh(const std::string& id, Poco::Int64 version, const std::string& data,
               const std::string& data_hash) {
    if (sqlite_) {
      sqlite_->Run(SqliteWriter::kRefreshVersion, data, firm_, id, version);
      sqlite_->Run(SqliteWriter::kRefreshApp, data_hash, firm_, id);
      return;
    }
    r_.id.push_back(id);
    r_.version.push_back(version);
    r_.data.push_back(data);
    r_.data_hash.push_back(data_hash);
    MaybeFlush();
  }

  void Flush() {
    if (!new_.id.empty()) {
      // One multi-row INSERT per batch: a round trip per row would dominate on
      // PostgreSQL (this path only runs there; SQLite uses SqliteWriter).
      size_t n = new_.id.size();
      Statement st(s_);
      st << MultiRowInsert("INSERT INTO appointments (firm_id, appointment_id, current_version, status, kind, "
                           "start_at, content_hash, data_hash, updated_at) VALUES ", 9, n);
      for (size_t i = 0; i < n; ++i) {
        st.addBind(use(firm_));
        st.addBind(use(new_.id[i]));
        st.addBind(use(new_.version[i]));
        st.addBind(use(new_.status[i]));
        st.addBind(use(new_.kind[i]));
        st.addBind(use(new_.start_at[i]));
        st.addBind(use(new_.content_hash[i]));
        st.addBind(use(new_.data_hash[i]));
        st.addBind(use(now_));
      }
      st.execute();
      new_ = {};
    }
    if (!upd_.id.empty()) {
      size_t n = upd_.id.size();
      std::vector<std::string> firm(n, firm_);
      std::vector<Poco::Int64> stamp(n, now_);
      s_ << db_.Sql("UPDATE appointments SET current_version = ?, status = ?, kind = ?, start_at = ?, "
                    "content_hash = ?, data_hash = ?, updated_at = ? WHERE firm_id = ? AND appointment_id = ?"),
          use(upd_.version), use(upd_.status), use(upd_.kind), use(upd_.start_at), use(upd_.content_hash),
          use(upd_.data_hash), use(stamp), use(firm), use(upd_.id), now;
      upd_ = {};
    }
    if (!v_.id.empty()) {
      size_t n = v_.id.size();
      Statement st(s_);
      st << MultiRowInsert("INSERT INTO appointment_versions (firm_id, appointment_id, version, change, status, "
                           "kind, start_at, start_local, data, content_hash, cancel_reason, export_name, "
                           "export_generated_at, created_at) VALUES ", 14, n);
      for (size_t i = 0; i < n; ++i) {
        st.addBind(use(firm_));
        st.addBind(use(v_.id[i]));
        st.addBind(use(v_.version[i]));
        st.addBind(use(v_.change[i]));
        st.addBind(use(v_.status[i]));
        st.addBind(use(v_.kind[i]));
        st.addBind(use(v_.start_at[i]));
        st.addBind(use(v_.start_local[i]));
        st.addBind(use(v_.data[i]));
        st.addBind(use(v_.content_hash[i]));
        st.addBind(use(v_.cancel_reason[i]));
        st.addBind(use(export_name_));
        st.addBind(use(generated_at_));
        st.addBind(use(now_));
      }
      st.execute();
      v_ = {};
    }
    if (!r_.id.empty()) {
      size_t n = r_.id.size();
      std::vector<std::string> firm(n, firm_);
      s_ << db_.Sql("UPDATE appointment_versions SET data = ? WHERE firm_id = ? AND appointment_id = ? AND version = ?"),
          use(r_.data), use(firm), use(r_.id), use(r_.version), now;
      s_ << db_.Sql("UPDATE appointments SET data_hash = ? WHERE firm_id = ? AND appointment_id = ?"),
          use(r_.data_hash), use(firm), use(r_.id), now;
      r_ = {};
    }
  }

 private:
  struct AppRows {
    std::vector<std::string> id, status, kind, content_hash, data_hash;
    std::vector<Poco::Int64> version, start_at;
  };
  struct VersionRows {
    std::vector<std::string> id, change, status, kind, start_local, data, content_hash, cancel_reason;
    std::vector<Poco::Int64> version, start_at;
  };
  struct RefreshRows {
    std::vector<std::string> id, data, data_hash;
    std::vector<Poco::Int64> version;
  };

  void MaybeFlush() {
    if (v_.id.size() >= SnapshotIngest::kBatchSize || r_.id.size() >= SnapshotIngest::kBatchSize) Flush();
  }

  Database& db_;
  Session& s_;
  std::string firm_, export_name_;
  Poco::Int64 generated_at_, now_;
  AppRows new_, upd_;
  VersionRows v_;
  RefreshRows r_;
  std::unique_ptr<SqliteWriter> sqlite_;
};

std::string HeartbeatContactsJson(const std::vector<HeartbeatContact>& contacts) {
  std::string out = "[";
  for (size_t i = 0; i < contacts.size(); ++i) {
    if (i) out += ',';
    out += "{\"channel\":" + JsonQuote(ToString(contacts[i].channel)) +
           ",\"address\":" + JsonQuote(contacts[i].address) + "}";
  }
  return out + "]";
}

bool ProcessedBefore(Database& db, Session& s, const std::string& firm, const ExportFileInfo& file) {
  Poco::Int64 n = 0;
  std::string name = file.name, sha = file.sha256;
  std::string f = firm;
  const char* sql = "SELECT COUNT(*) FROM processed_files WHERE firm_id = ? AND (name = ? OR sha256 = ?)";
  if (db.dialect() == SqlDialect::kSqlite) {
    // These per-file statements go straight to SQLite: with many small exports
    // in a pass, Poco's compile-per-statement costs more than the queries.
    SqliteStatement q(s, sql);
    q.Bind(1, f).Bind(2, name).Bind(3, sha);
    if (q.Step()) n = q.Int(0);
    while (q.Step()) {
    }
    return n > 0;
  }
  s << db.Sql(sql), into(n), use(f), use(name), use(sha), now;
  return n > 0;
}

void RecordProcessed(Database& db, Session& s, const std::string& firm, const ExportFileInfo& file,
                     const std::string& outcome, const std::string& detail,
                     std::optional<Instant> generated_at, Instant now_at) {
  std::string f = firm, name = file.name, sha = file.sha256, o = outcome, d = detail;
  Poco::Int64 at = Seconds(now_at);
  Poco::Nullable<Poco::Int64> gen;
  if (generated_at) gen = Seconds(*generated_at);
  const char* sql =
      "INSERT INTO processed_files (firm_id, name, sha256, outcome, detail, generated_at, at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
  if (db.dialect() == SqlDialect::kSqlite) {
    SqliteStatement q(s, sql);
    q.Bind(1, f).Bind(2, name).Bind(3, sha).Bind(4, o).Bind(5, d).Bind(7, static_cast<int64_t>(at));
    if (gen.isNull()) q.BindNull(6);
    else q.Bind(6, static_cast<int64_t>(gen.value()));
    q.Run();
    return;
  }
  s << db.Sql(sql), use(f), use(name), use(sha), use(o), use(d), use(gen), use(at), now;
}

}  // namespace

bool SnapshotIngest::AlreadyProcessed(std::string_view firm_id, const ExportFileInfo& file) {
  Session s = db_.GetSession();
  return ProcessedBefore(db_, s, std::string(firm_id), file);
}

namespace {

void RecordRejection(Database& db, Session& s, const std::string& firm, const ExportFileInfo& file,
                     const std::string& reason, Instant now_at) {
  std::string f = firm, name = file.name, why = reason;
  Poco::Int64 at = Seconds(now_at);
  s << db.Sql("INSERT INTO firms (id, last_rejected_name, last_rejected_reason, last_rejected_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
              "last_rejected_name = excluded.last_rejected_name, "
              "last_rejected_reason = excluded.last_rejected_reason, "
              "last_rejected_at = excluded.last_rejected_at, updated_at = excluded.updated_at"),
      use(f), use(name), use(why), use(at), use(at), now;
  RecordProcessed(db, s, firm, file, "rejected", reason, std::nullopt, now_at);
}

}  // namespace

void SnapshotIngest::WithFirm(CommitGroup* group, std::string_view firm_id,
                              const std::function<void(Session&)>& fn) {
  if (group)
    group->WithFirmLock(firm_id, fn);
  else
    db_.WithFirmLock(firm_id, fn);
}

IngestResult SnapshotIngest::Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    const std::string& reason) {
  return Reject(inbox_firm_id, file, reason, nullptr);
}

IngestResult SnapshotIngest::Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    const std::string& reason, CommitGroup* group) {
  IngestResult r;
  r.outcome = IngestOutcome::kRejected;
  r.firm_id = std::string(inbox_firm_id);
  r.file_name = file.name;
  r.sha256 = file.sha256;
  r.reason = reason;
  const Instant now_at = clock_.Now();
  try {
    WithFirm(group, inbox_firm_id,
             [&](Session& s) { RecordRejection(db_, s, r.firm_id, file, reason, now_at); });
  } catch (const DatabaseError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw DatabaseError("store '" + db_.description() + "': recording refused file " + file.name + ": " +
                        e.displayText());
  }
  return r;
}

// Diffs one export into the store, inside the caller's transaction:
// Begin(header), Add(appointment)..., Finish().
class SnapshotApplier {
 public:
  SnapshotApplier(Database& db, Session& s, IngestResult& work, const ExportFileInfo& file, Instant now_at)
      : db_(db), s_(s), work_(work), file_(file), now_at_(now_at), firm_(work.firm_id) {}

  void Begin(const ExportHeader& header) {
    header_ = header;
    work_.generated_at = header.generated_at;
    if (header.firm.id != firm_) {
      throw RefusedExport(file_.name + ": export of firm '" + header.firm.id + "' in the inbox of firm '" +
                          firm_ + "'");
    }
    tz_ = header.firm.timezone;
    if (!IsKnownTimeZone(tz_)) throw RefusedExport(file_.name + ": unknown time zone '" + tz_ + "'");
    Poco::Nullable<Poco::Int64> last;
    if (db_.dialect() == SqlDialect::kSqlite) {
      SqliteStatement q(s_, "SELECT last_export_generated_at FROM firms WHERE id = ?");
      q.Bind(1, firm_);
      if (q.Step() && !q.IsNull(0)) last = q.Int(0);
      while (q.Step()) {
      }
    } else {
      s_ << db_.Sql("SELECT last_export_generated_at FROM firms WHERE id = ?"), into(last), use(firm_), now;
    }
    if (!last.isNull() && last.value() > Seconds(header.generated_at)) {
      throw IgnoredExport(file_.name + ": generated at " + FormatRfc3339(header.generated_at, tz_) +
                          ", before the export already applied (" +
                          FormatRfc3339(Instant(std::chrono::seconds(last.value())), tz_) + ")");
    }
    LoadKnown();
    out_ = std::make_unique<BatchWriter>(db_, s_, firm_, file_.name, Seconds(header.generated_at),
                                         Seconds(now_at_));
  }

  void Add(const Appointment& a) {
    ++position_;
    const std::string content = ContentHash(a);
    auto it = known_.find(a.id);
    if (it != known_.end()) {
      KnownAppointment& k = it->second;
      if (k.seen) {
        throw RefusedExport(file_.name + ": appointment id '" + a.id + "' appears twice (again at position " +
                            std::to_string(position_) + ")");
      }
      k.seen = true;
      if (k.content_hash == content) {  // the common case: cheap, nothing written
        std::string data_json = AppointmentToJson(a);
        std::string data = DataHashOfJson(data_json);
        if (k.data_hash != data) {
          out_->Refresh(a.id, k.version, data_json, data);
          ++work_.refreshed;
          work_.refreshed_ids.push_back(a.id);
        } else {
          ++work_.unchanged;
        }
        return;
      }
    }
    Instant start;
    try {
      start = StartInstant(a.start.Earliest());
    } catch (const std::exception& e) {
      throw RefusedExport(file_.name + ": appointment " + std::to_string(position_) + " (id '" + a.id +
                          "'): " + e.what());
    }
    const std::string data_json = AppointmentToJson(a);
    const std::string data = DataHashOfJson(data_json);
    if (it == known_.end()) {
      out_->AddVersion(true, a.id, 1, "new", a, Seconds(start), LocalDateTimeText(a.start.Earliest()),
                       data_json, content, data, "");
      KnownAppointment k;
      k.version = 1;
      k.seen = true;
      known_.emplace(a.id, std::move(k));
      ++work_.added;
      work_.changed_ids.push_back(a.id);
      return;
    }
    KnownAppointment& k = it->second;
    const bool scheduled = a.status == AppointmentStatus::kScheduled;
    std::string change;
    if (!scheduled && k.scheduled) {
      change = "cancelled";
      ++work_.cancelled;
    } else if (scheduled && !k.scheduled) {
      change = "restored";
      ++work_.restored;
    } else {
      change = "changed";
      ++work_.changed;
    }
    out_->AddVersion(false, a.id, k.version + 1, change, a, Seconds(start),
                     LocalDateTimeText(a.start.Earliest()), data_json, content, data, "");
    work_.changed_ids.push_back(a.id);
  }

  void Finish() {
    work_.appointments = position_;
    out_->Flush();
    MarkGone();
    out_->Flush();
    UpdateFirm();
    RecordProcessed(db_, s_, firm_, file_, "applied", "", header_.generated_at, now_at_);
    work_.outcome = IngestOutcome::kApplied;
    std::sort(work_.changed_ids.begin(), work_.changed_ids.end());
    std::sort(work_.refreshed_ids.begin(), work_.refreshed_ids.end());
  }

 private:
  // Appointments share few distinct start times (days x slots), and a zone
  // lookup per appointment is measurable at 100,000 of them: memoized.
  Instant StartInstant(LocalTime local) {
    auto [it, inserted] = instants_.try_emplace(local.time_since_epoch().count());
    if (inserted) it->second = ToInstant(local, tz_);
    return it->second;
  }

  // "2026-11-24T08:30:00" (FormatLocalDateTime without iostreams).
  static std::string LocalDateTimeText(LocalTime t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const long secs = static_cast<long>((t - day).count());
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), secs / 3600,
                          secs / 60 % 60, secs % 60);
    return std::string(buf, static_cast<size_t>(n));
  }

  // The compact picture of the store: one small entry per appointment.
  void LoadKnown() {
    if (db_.dialect() == SqlDialect::kSqlite) {
      LoadKnownSqlite();
      return;
    }
    Statement st(s_);
    std::vector<std::string> ids, status, content, data;
    std::vector<Poco::Int64> version, start;
    st << db_.Sql("SELECT appointment_id, current_version, status, content_hash, data_hash, start_at "
                  "FROM appointments WHERE firm_id = ?"),
        use(firm_), into(ids), into(version), into(status), into(content), into(data), into(start);
    st.execute();
    known_.reserve(ids.size() + 1024);
    for (size_t i = 0; i < ids.size(); ++i) {
      KnownAppointment k;
      k.version = version[i];
      k.scheduled = status[i] == "scheduled";
      k.content_hash = std::move(content[i]);
      k.data_hash = std::move(data[i]);
      k.start_at = start[i];
      known_.emplace(std::move(ids[i]), std::move(k));
    }
  }

  // Row by row straight into the map: no column vectors of 100,000 strings first.
  void LoadKnownSqlite() {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(s_);
    sqlite3_stmt* st = nullptr;
    const char* sql =
        "SELECT appointment_id, current_version, status, content_hash, data_hash, start_at "
        "FROM appointments WHERE firm_id = ?";
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
      throw DatabaseError(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(st, &sqlite3_finalize);
    sqlite3_bind_text(st, 1, firm_.data(), static_cast<int>(firm_.size()), SQLITE_STATIC);
    auto text = [&](int col) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, col)));
    };
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      KnownAppointment k;
      k.version = sqlite3_column_int64(st, 1);
      k.scheduled = text(2) == "scheduled";
      k.content_hash = text(3);
      k.data_hash = text(4);
      k.start_at = sqlite3_column_int64(st, 5);
      known_.emplace(text(0), std::move(k));
    }
    if (rc != SQLITE_DONE) throw DatabaseError(std::string("sqlite step: ") + sqlite3_errmsg(db));
  }

  // Gone: scheduled in the store, inside this export's window, not in it.
  void MarkGone() {
    const Poco::Int64 lo = Seconds(ToInstant(header_.window_from, tz_));
    const Poco::Int64 hi = Seconds(ToInstant(header_.window_to + std::chrono::days(1), tz_));
    for (auto& [id, k] : known_) {
      if (k.seen || !k.scheduled || k.start_at < lo || k.start_at >= hi) continue;
      std::string data_json;
      std::string aid = id;
      Poco::Int64 ver = k.version;
      s_ << db_.Sql("SELECT data FROM appointment_versions WHERE firm_id = ? AND appointment_id = ? AND version = ?"),
          into(data_json), use(firm_), use(aid), use(ver), now;
      Appointment gone = AppointmentFromJson(data_json);
      gone.id = id;
      gone.status = AppointmentStatus::kCancelled;
      out_->AddVersion(false, id, k.version + 1, "gone", gone, k.start_at,
                       LocalDateTimeText(gone.start.Earliest()), AppointmentToJson(gone), ContentHash(gone),
                       DataHash(gone), std::string(kGoneReason));
      ++work_.gone;
      work_.changed_ids.push_back(id);
    }
  }

  // The firm as of this export, for planning and the heartbeat.
  void UpdateFirm() {
    std::string name = header_.firm.name, zone = tz_, country = header_.firm.country, phone = header_.firm.phone,
                contacts = HeartbeatContactsJson(header_.firm.heartbeat_contacts), export_name = file_.name,
                from = FormatLocalDate(header_.window_from), to = FormatLocalDate(header_.window_to);
    Poco::Int64 at = Seconds(now_at_), gen = Seconds(header_.generated_at), count = position_;
    const char* sql =
        "INSERT INTO firms (id, name, timezone, country, phone, heartbeat_contacts, last_export_at, "
        "last_export_name, last_export_generated_at, last_export_appointments, last_window_from, "
        "last_window_to, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, "
        "country = excluded.country, phone = excluded.phone, "
        "heartbeat_contacts = excluded.heartbeat_contacts, last_export_at = excluded.last_export_at, "
        "last_export_name = excluded.last_export_name, "
        "last_export_generated_at = excluded.last_export_generated_at, "
        "last_export_appointments = excluded.last_export_appointments, "
        "last_window_from = excluded.last_window_from, last_window_to = excluded.last_window_to, "
        "updated_at = excluded.updated_at";
    if (db_.dialect() == SqlDialect::kSqlite) {
      SqliteStatement q(s_, sql);
      q.Bind(1, firm_).Bind(2, name).Bind(3, zone).Bind(4, country).Bind(5, phone).Bind(6, contacts)
          .Bind(7, static_cast<int64_t>(at)).Bind(8, export_name).Bind(9, static_cast<int64_t>(gen))
          .Bind(10, static_cast<int64_t>(count)).Bind(11, from).Bind(12, to).Bind(13, static_cast<int64_t>(at));
      q.Run();
      return;
    }
    s_ << db_.Sql(sql), use(firm_), use(name), use(zone), use(country), use(phone), use(contacts), use(at),
        use(export_name), use(gen), use(count), use(from), use(to), use(at), now;
  }

  Database& db_;
  Session& s_;
  IngestResult& work_;
  const ExportFileInfo& file_;
  Instant now_at_;
  std::string firm_;
  ExportHeader header_;
  std::string tz_;
  std::unordered_map<std::string, KnownAppointment> known_;
  std::unordered_map<int64_t, Instant> instants_;
  std::unique_ptr<BatchWriter> out_;
  int position_ = 0;
};

IngestResult SnapshotIngest::Run(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                 const std::function<void(SnapshotApplier&)>& feed,
                                 CommitGroup* group) {
  IngestResult r;
  r.firm_id = std::string(inbox_firm_id);
  r.file_name = file.name;
  r.sha256 = file.sha256;
  const Instant now_at = clock_.Now();
  try {
    WithFirm(group, inbox_firm_id, [&](Session& s) {
      IngestResult work = r;  // copied out only when the transaction commits
      if (ProcessedBefore(db_, s, work.firm_id, file)) {
        work.outcome = IngestOutcome::kDuplicate;
        work.reason = file.name + ": processed before (same name or same content)";
        r = std::move(work);
        return;
      }
      // A refused or ignored export is undone to the savepoint and recorded in the
      // same transaction, still under the firm lock: another dispatcher waiting for
      // the lock then finds the file processed.
      s << "SAVEPOINT snapshot", now;
      std::string refused, ignored;
      try {
        SnapshotApplier applier(db_, s, work, file, now_at);
        try {
          feed(applier);
        } catch (const RefusedExport&) {
          throw;
        } catch (const IgnoredExport&) {
          throw;
        } catch (const Poco::Exception&) {
          throw;  // the store failed
        } catch (const AppointmentJsonError&) {
          throw;
        } catch (const std::exception& e) {
          throw RefusedExport(e.what());  // the reader (ExportError) or the source refused the export
        }
        applier.Finish();
      } catch (const RefusedExport& e) {
        refused = *e.what() ? e.what() : file.name + ": refused";
      } catch (const IgnoredExport& e) {
        ignored = e.what();
      }
      if (refused.empty() && ignored.empty()) {
        s << "RELEASE SAVEPOINT snapshot", now;
        r = std::move(work);
        return;
      }
      s << "ROLLBACK TO SAVEPOINT snapshot", now;
      s << "RELEASE SAVEPOINT snapshot", now;
      IngestResult out;
      out.firm_id = r.firm_id;
      out.file_name = file.name;
      out.sha256 = file.sha256;
      out.generated_at = work.generated_at;
      if (!refused.empty()) {
        RecordRejection(db_, s, r.firm_id, file, refused, now_at);
        out.outcome = IngestOutcome::kRejected;
        out.reason = refused;
      } else {
        RecordProcessed(db_, s, r.firm_id, file, "ignored", ignored, work.generated_at, now_at);
        out.outcome = IngestOutcome::kIgnored;
        out.reason = ignored;
      }
      r = std::move(out);
    });
  } catch (const AppointmentJsonError& e) {
    throw DatabaseError("store '" + db_.description() + "': " + e.what());
  } catch (const DatabaseError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw DatabaseError("store '" + db_.description() + "': applying " + file.name + " for firm " +
                        std::string(inbox_firm_id) + ": " + e.displayText());
  }
  return r;
}

IngestResult SnapshotIngest::Apply(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                   const ExportHeader& header, const AppointmentSource& next) {
  return Run(inbox_firm_id, file, [&](SnapshotApplier& applier) {
    applier.Begin(header);
    Appointment a;
    for (;;) {
      a = Appointment{};
      if (!next(a)) break;
      applier.Add(a);
    }
  });
}

namespace {

// Reading and validating an export costs about as much CPU as diffing it into
// the store, so the two run side by side: a reader thread parses into a small
// bounded queue that the store side drains. Memory stays bounded by the queue.
class ReaderPipeline {
 public:
  static constexpr size_t kCapacity = 1024;
  static constexpr size_t kBatch = 128;

  ReaderPipeline(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {
    thread_ = std::thread([this] { Produce(); });
  }
  ~ReaderPipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    space_.notify_all();
    thread_.join();
  }

  // The header, or nullopt if the reader failed before it (see Rethrow()).
  std::optional<ExportHeader> Header() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return header_.has_value() || done_; });
    return header_;
  }

  // Next appointment in file order; false at the end or when the reader failed.
  // Takes the queue in batches, so the threads meet once per batch, not per item.
  bool Next(Appointment& out) {
    if (taken_.empty()) {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return queue_.size() >= kBatch || done_; });
      if (queue_.empty()) return false;
      taken_.swap(queue_);
      space_.notify_one();
    }
    out = std::move(taken_.front());
    taken_.pop_front();
    return true;
  }

  // After Next() returned false: rethrows the reader's exception, if any.
  void Rethrow() {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  struct Cancelled {};

  void Produce() {
    try {
      ExportReader reader(in_, source_);
      reader.Read(
          [&](const ExportHeader& h) {
            std::lock_guard<std::mutex> lock(mu_);
            header_ = h;
            ready_.notify_all();
          },
          [&](Appointment&& a) {
            std::unique_lock<std::mutex> lock(mu_);
            space_.wait(lock, [&] { return queue_.size() < kCapacity || cancelled_; });
            if (cancelled_) throw Cancelled{};
            queue_.push_back(std::move(a));
            if (queue_.size() == kBatch) ready_.notify_one();
          });
    } catch (const Cancelled&) {
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    ready_.notify_all();
  }

  std::istream& in_;
  std::string source_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Appointment> queue_;
  std::deque<Appointment> taken_;  // consumer side only
  std::optional<ExportHeader> header_;
  std::exception_ptr error_;
  bool done_ = false;
  bool cancelled_ = false;
  std::thread thread_;
};

}  // namespace

IngestResult SnapshotIngest::ApplyStream(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                         std::istream& in) {
  return Stream(inbox_firm_id, file, in, nullptr);
}

IngestResult SnapshotIngest::Stream(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    std::istream& in, CommitGroup* group) {
  return Run(inbox_firm_id, file, [&](SnapshotApplier& applier) {
    ReaderPipeline pipeline(in, file.name);  // joined (cancelled if need be) on every way out
    auto header = pipeline.Header();
    if (!header) {
      pipeline.Rethrow();
      throw RefusedExport(file.name + ": no header");
    }
    applier.Begin(*header);
    Appointment a;
    while (pipeline.Next(a)) applier.Add(a);
    pipeline.Rethrow();
  }, group);
}

PreparedExport SnapshotIngest::Prepare(const ExportFileInfo& file, const std::string& local_path) {
  PreparedExport p;
  p.file = file;
  p.local_path = local_path;
  std::ifstream in(local_path, std::ios::binary);
  if (!in) {
    p.unreadable = true;
    return p;
  }
  std::error_code size_error;
  const auto size = std::filesystem::file_size(local_path, size_error);
  if (size_error || size > kReadAheadBytes) {
    p.streamed = true;
    return p;
  }
  try {
    ExportReader reader(in, file.name);
    reader.Read([&](const ExportHeader& h) { p.header = h; },
                [&](Appointment&& a) { p.appointments.push_back(std::move(a)); });
  } catch (...) {
    p.error = std::current_exception();
  }
  return p;
}

IngestResult SnapshotIngest::ApplyPrepared(std::string_view inbox_firm_id, PreparedExport& p,
                                           CommitGroup* group) {
  const ExportFileInfo& file = p.file;
  if (p.unreadable)
    return Reject(inbox_firm_id, file, file.name + ": cannot read the downloaded copy " + p.local_path,
                  group);
  if (p.streamed) {
    std::ifstream in(p.local_path, std::ios::binary);
    if (!in)
      return Reject(inbox_firm_id, file,
                    file.name + ": cannot read the downloaded copy " + p.local_path, group);
    return Stream(inbox_firm_id, file, in, group);
  }
  // What the reader got before a failure is replayed in file order inside the
  // transaction, so the outcome and its reason are those of ApplyStream.
  return Run(inbox_firm_id, file, [&](SnapshotApplier& applier) {
    if (!p.header) {
      if (p.error) std::rethrow_exception(p.error);
      throw RefusedExport(file.name + ": no header");
    }
    applier.Begin(*p.header);
    for (Appointment& a : p.appointments) applier.Add(a);
    if (p.error) std::rethrow_exception(p.error);
  }, group);
}

IngestResult SnapshotIngest::ApplyFile(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                       const std::string& local_path) {
  PreparedExport p = Prepare(file, local_path);
  return ApplyPrepared(inbox_firm_id, p);
}

namespace {
// Stops ExportReader after the header.
struct HeaderOnly {};
}  // namespace

std::optional<ExportHeader> ReadExportHeader(std::istream& in, const std::string& source_name) {
  std::optional<ExportHeader> header;
  try {
    ExportReader reader(in, source_name);
    reader.Read(
        [&](const ExportHeader& h) {
          header = h;
          throw HeaderOnly{};
        },
        [](Appointment&&) {});
  } catch (const HeaderOnly&) {
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return header;
}

}  // namespace kehrbote
