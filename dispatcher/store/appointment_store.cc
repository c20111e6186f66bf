#include "dispatcher/store/appointment_store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "dispatcher/store/appointment_json.h"
#include "dispatcher/store/sqlite_statement.h"

namespace kehrbote {

using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;
using namespace Poco::Data::Keywords;

namespace {

const char* kVersionColumns =
    "v.firm_id, v.appointment_id, v.version, v.change, v.cancel_reason, v.start_at, v.data, "
    "v.export_name, v.export_generated_at, v.created_at";
// A current version (appointments c joined): also its data hash.
const std::string kCurrentColumns = std::string(kVersionColumns) + ", c.data_hash";

Instant ToInstantSeconds(const Poco::Dynamic::Var& v) {
  return Instant(std::chrono::seconds(v.convert<Poco::Int64>()));
}

std::vector<StoredAppointment> ReadVersions(RecordSet& rs) {
  std::vector<StoredAppointment> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) {
    StoredAppointment s;
    s.firm_id = rs.value(0, row).convert<std::string>();
    std::string id = rs.value(1, row).convert<std::string>();
    s.version = static_cast<int>(rs.value(2, row).convert<Poco::Int64>());
    s.change = rs.value(3, row).convert<std::string>();
    s.cancel_reason = rs.value(4, row).convert<std::string>();
    s.start_at = ToInstantSeconds(rs.value(5, row));
    s.appointment = AppointmentFromJson(rs.value(6, row).convert<std::string>());
    s.appointment.id = id;
    s.export_name = rs.value(7, row).convert<std::string>();
    s.export_generated_at = ToInstantSeconds(rs.value(8, row));
    s.created_at = ToInstantSeconds(rs.value(9, row));
    if (rs.columnCount() > 10) s.data_hash = rs.value(10, row).convert<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

// The same from a raw SQLite statement with kCurrentColumns (planning reads
// every current appointment of every firm in a full pass).
std::vector<StoredAppointment> ReadVersions(SqliteStatement& st) {
  std::vector<StoredAppointment> out;
  while (st.Step()) {
    StoredAppointment s;
    s.firm_id = st.Text(0);
    s.version = static_cast<int>(st.Int(2));
    s.change = st.Text(3);
    s.cancel_reason = st.Text(4);
    s.start_at = Instant(std::chrono::seconds(st.Int(5)));
    s.appointment = AppointmentFromJson(st.TextView(6));
    s.appointment.id = st.Text(1);
    s.export_name = st.Text(7);
    s.export_generated_at = Instant(std::chrono::seconds(st.Int(8)));
    s.created_at = Instant(std::chrono::seconds(st.Int(9)));
    s.data_hash = st.Text(10);
    out.push_back(std::move(s));
  }
  return out;
}

// One row of a RecordSet, read like a SqliteStatement's current row.
struct RecordRow {
  RecordSet& rs;
  size_t row;
  bool IsNull(int col) const { return rs.isNull(static_cast<size_t>(col), row); }
  std::string Text(int col) const { return rs.value(static_cast<size_t>(col), row).convert<std::string>(); }
  int64_t Int(int col) const { return rs.value(static_cast<size_t>(col), row).convert<Poco::Int64>(); }
};

// A firms row (kFirmColumns) from a RecordRow or a SqliteStatement.
template <class Row>
FirmRecord ReadFirm(const Row& r) {
  auto opt_text = [&](int col) -> std::optional<std::string> {
    if (r.IsNull(col)) return std::nullopt;
    return r.Text(col);
  };
  auto opt_instant = [&](int col) -> std::optional<Instant> {
    if (r.IsNull(col)) return std::nullopt;
    return Instant(std::chrono::seconds(r.Int(col)));
  };
  FirmRecord f;
  f.firm.id = r.Text(0);
  f.firm.name = r.Text(1);
  f.firm.timezone = r.Text(2);
  f.firm.country = r.Text(3);
  f.firm.phone = r.Text(4);
  const std::string contacts_json = r.Text(5);
  Poco::JSON::Parser parser;
  auto contacts = parser.parse(contacts_json).extract<Poco::JSON::Array::Ptr>();
  for (size_t i = 0; contacts && i < contacts->size(); ++i) {
    auto c = contacts->getObject(static_cast<unsigned>(i));
    HeartbeatContact hc;
    hc.channel = ParseContactChannel(c->getValue<std::string>("channel")).value_or(ContactChannel::kSms);
    hc.address = c->getValue<std::string>("address");
    f.firm.heartbeat_contacts.push_back(hc);
  }
  f.last_export_at = opt_instant(6);
  f.last_export_name = opt_text(7);
  f.last_export_generated_at = opt_instant(8);
  f.last_export_appointments = r.IsNull(9) ? 0 : static_cast<int>(r.Int(9));
  if (auto s = opt_text(10)) f.last_window_from = ParseLocalDate(*s);
  if (auto s = opt_text(11)) f.last_window_to = ParseLocalDate(*s);
  f.last_rejected_name = opt_text(12);
  f.last_rejected_reason = opt_text(13);
  f.last_rejected_at = opt_instant(14);
  return f;
}

std::vector<FirmRecord> ReadFirms(RecordSet& rs) {
  std::vector<FirmRecord> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) out.push_back(ReadFirm(RecordRow{rs, row}));
  return out;
}

const char* kFirmColumns =
    "id, name, timezone, country, phone, heartbeat_contacts, last_export_at, last_export_name, "
    "last_export_generated_at, last_export_appointments, last_window_from, last_window_to, "
    "last_rejected_name, last_rejected_reason, last_rejected_at";

}  // namespace

std::optional<StoredAppointment> AppointmentStore::Current(std::string_view firm_id,
                                                           std::string_view appointment_id) {
  Session s = db_.GetSession();
  std::string f(firm_id), a(appointment_id);
  Statement st(s);
  st << db_.Sql(std::string("SELECT ") + kCurrentColumns +
                " FROM appointments c JOIN appointment_versions v ON v.firm_id = c.firm_id AND "
                "v.appointment_id = c.appointment_id AND v.version = c.current_version "
                "WHERE c.firm_id = ? AND c.appointment_id = ?"),
      use(f), use(a);
  st.execute();
  RecordSet rs(st);
  auto v = ReadVersions(rs);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::optional<StoredAppointment> AppointmentStore::Version(std::string_view firm_id,
                                                           std::string_view appointment_id,
                                                           int version) {
  Session s = db_.GetSession();
  std::string f(firm_id), a(appointment_id);
  Poco::Int64 ver = version;
  Statement st(s);
  st << db_.Sql(std::string("SELECT ") + kVersionColumns +
                " FROM appointment_versions v WHERE v.firm_id = ? AND v.appointment_id = ? AND v.version = ?"),
      use(f), use(a), use(ver);
  st.execute();
  RecordSet rs(st);
  auto v = ReadVersions(rs);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::vector<StoredAppointment> AppointmentStore::Versions(std::string_view firm_id,
                                                          std::string_view appointment_id) {
  Session s = db_.GetSession();
  std::string f(firm_id), a(appointment_id);
  Statement st(s);
  st << db_.Sql(std::string("SELECT ") + kVersionColumns +
                " FROM appointment_versions v WHERE v.firm_id = ? AND v.appointment_id = ? ORDER BY v.version"),
      use(f), use(a);
  st.execute();
  RecordSet rs(st);
  return ReadVersions(rs);
}

std::vector<StoredAppointment> AppointmentStore::CurrentInRange(std::string_view firm_id, Instant from,
                                                                Instant to) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Poco::Int64 lo = from.time_since_epoch().count(), hi = to.time_since_epoch().count();
  const std::string sql = std::string("SELECT ") + kCurrentColumns +
                          " FROM appointments c JOIN appointment_versions v ON v.firm_id = c.firm_id AND "
                          "v.appointment_id = c.appointment_id AND v.version = c.current_version "
                          "WHERE c.firm_id = ? AND c.start_at >= ? AND c.start_at < ? ORDER BY c.start_at, "
                          "c.appointment_id";
  if (db_.dialect() == SqlDialect::kSqlite) {
    SqliteStatement st(s, sql);
    st.Bind(1, f).Bind(2, static_cast<int64_t>(lo)).Bind(3, static_cast<int64_t>(hi));
    return ReadVersions(st);
  }
  Statement st(s);
  st << db_.Sql(sql), use(f), use(lo), use(hi);
  st.execute();
  RecordSet rs(st);
  return ReadVersions(rs);
}

int AppointmentStore::CountAppointments(std::string_view firm_id) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  Poco::Int64 n = 0;
  s << db_.Sql("SELECT COUNT(*) FROM appointments WHERE firm_id = ?"), into(n), use(f), now;
  return static_cast<int>(n);
}

std::optional<FirmRecord> AppointmentStore::GetFirm(std::string_view firm_id) {
  Session s = db_.GetSession();
  std::string f(firm_id);
  if (db_.dialect() == SqlDialect::kSqlite) {
    // Per firm and pass (planning, heartbeat): a cached prepared statement.
    SqliteStatement st(s, std::string("SELECT ") + kFirmColumns + " FROM firms WHERE id = ?");
    st.Bind(1, f);
    if (!st.Step()) return std::nullopt;
    FirmRecord r = ReadFirm(st);
    while (st.Step()) {
    }
    return r;
  }
  Statement st(s);
  st << db_.Sql(std::string("SELECT ") + kFirmColumns + " FROM firms WHERE id = ?"), use(f);
  st.execute();
  RecordSet rs(st);
  auto v = ReadFirms(rs);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::vector<FirmRecord> AppointmentStore::ListFirms() {
  Session s = db_.GetSession();
  Statement st(s);
  st << std::string("SELECT ") + kFirmColumns + " FROM firms ORDER BY id";
  st.execute();
  RecordSet rs(st);
  return ReadFirms(rs);
}

}  // namespace kehrbote
