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

std::optional<Instant> OptInstant(RecordSet& rs, size_t col, size_t row) {
  if (rs.isNull(col, row)) return std::nullopt;
  return ToInstantSeconds(rs.value(col, row));
}

std::optional<std::string> OptString(RecordSet& rs, size_t col, size_t row) {
  if (rs.isNull(col, row)) return std::nullopt;
  return rs.value(col, row).convert<std::string>();
}

std::vector<FirmRecord> ReadFirms(RecordSet& rs) {
  std::vector<FirmRecord> out;
  for (size_t row = 0; row < rs.rowCount(); ++row) {
    FirmRecord f;
    f.firm.id = rs.value(0, row).convert<std::string>();
    f.firm.name = rs.value(1, row).convert<std::string>();
    f.firm.timezone = rs.value(2, row).convert<std::string>();
    f.firm.country = rs.value(3, row).convert<std::string>();
    f.firm.phone = rs.value(4, row).convert<std::string>();
    Poco::JSON::Parser parser;
    auto contacts = parser.parse(rs.value(5, row).convert<std::string>()).extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; contacts && i < contacts->size(); ++i) {
      auto c = contacts->getObject(static_cast<unsigned>(i));
      HeartbeatContact hc;
      hc.channel = ParseContactChannel(c->getValue<std::string>("channel")).value_or(ContactChannel::kSms);
      hc.address = c->getValue<std::string>("address");
      f.firm.heartbeat_contacts.push_back(hc);
    }
    f.last_export_at = OptInstant(rs, 6, row);
    f.last_export_name = OptString(rs, 7, row);
    f.last_export_generated_at = OptInstant(rs, 8, row);
    f.last_export_appointments = rs.isNull(9, row) ? 0 : static_cast<int>(rs.value(9, row).convert<Poco::Int64>());
    if (auto s = OptString(rs, 10, row)) f.last_window_from = ParseLocalDate(*s);
    if (auto s = OptString(rs, 11, row)) f.last_window_to = ParseLocalDate(*s);
    f.last_rejected_name = OptString(rs, 12, row);
    f.last_rejected_reason = OptString(rs, 13, row);
    f.last_rejected_at = OptInstant(rs, 14, row);
    out.push_back(std::move(f));
  }
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
