#include "dispatcher/store/appointment_store.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "dispatcher/store/appointment_json.h"

namespace kehrbote {

namespace {

Instant At(int64_t seconds) { return Instant(std::chrono::seconds(seconds)); }
int64_t Seconds(Instant t) { return t.time_since_epoch().count(); }

// An appointment_versions row (v), read by ReadVersion.
const char* kVersionColumns =
    "v.firm_id, v.appointment_id, v.version, v.change, v.cancel_reason, v.start_at, v.data, "
    "v.export_name, v.export_generated_at, v.created_at";
// A current version (appointments c joined): also its data hash.
const std::string kCurrentColumns = std::string(kVersionColumns) + ", c.data_hash";
const std::string kCurrentFrom =
    " FROM appointments c JOIN appointment_versions v ON v.firm_id = c.firm_id AND "
    "v.appointment_id = c.appointment_id AND v.version = c.current_version ";

// A row of kVersionColumns, or of kCurrentColumns (then with its data hash).
StoredAppointment ReadVersion(const SqlStatement& q) {
  StoredAppointment s;
  s.firm_id = q.Text(0);
  s.version = static_cast<int>(q.Int(2));
  s.change = q.Text(3);
  s.cancel_reason = q.Text(4);
  s.start_at = At(q.Int(5));
  s.appointment = AppointmentFromJson(q.TextView(6));
  s.appointment.id = q.Text(1);
  s.export_name = q.Text(7);
  s.export_generated_at = At(q.Int(8));
  s.created_at = At(q.Int(9));
  if (q.Columns() > 10) s.data_hash = q.Text(10);
  return s;
}

std::vector<StoredAppointment> ReadVersions(SqlStatement& q) {
  std::vector<StoredAppointment> out;
  while (q.Step()) out.push_back(ReadVersion(q));
  return out;
}

std::optional<StoredAppointment> ReadFirstVersion(SqlStatement& q) {
  std::vector<StoredAppointment> v = ReadVersions(q);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

// A firms row, read by ReadFirm.
const char* kFirmColumns =
    "id, name, timezone, country, phone, heartbeat_contacts, last_export_at, last_export_name, "
    "last_export_generated_at, last_export_appointments, last_window_from, last_window_to, "
    "last_rejected_name, last_rejected_reason, last_rejected_at";

FirmRecord ReadFirm(const SqlStatement& r) {
  auto opt_text = [&](int col) -> std::optional<std::string> {
    if (r.IsNull(col)) return std::nullopt;
    return r.Text(col);
  };
  auto opt_instant = [&](int col) -> std::optional<Instant> {
    if (r.IsNull(col)) return std::nullopt;
    return At(r.Int(col));
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
    hc.channel =
        ParseContactChannel(c->getValue<std::string>("channel")).value_or(ContactChannel::kSms);
    hc.address = c->getValue<std::string>("address");
    f.firm.heartbeat_contacts.push_back(hc);
  }
  f.last_export_at = opt_instant(6);
  f.last_export_name = opt_text(7);
  f.last_export_generated_at = opt_instant(8);
  f.last_export_appointments = static_cast<int>(r.Int(9));  // NULL reads as 0
  if (auto s = opt_text(10)) f.last_window_from = ParseLocalDate(*s);
  if (auto s = opt_text(11)) f.last_window_to = ParseLocalDate(*s);
  f.last_rejected_name = opt_text(12);
  f.last_rejected_reason = opt_text(13);
  f.last_rejected_at = opt_instant(14);
  return f;
}

}  // namespace

std::optional<StoredAppointment> AppointmentStore::Current(std::string_view firm_id,
                                                           std::string_view appointment_id) {
  return Current(*db_.Connect(), firm_id, appointment_id);
}

std::optional<StoredAppointment> AppointmentStore::Current(SqlConnection& c,
                                                           std::string_view firm_id,
                                                           std::string_view appointment_id) {
  static const std::string sql =
      "SELECT " + kCurrentColumns + kCurrentFrom + "WHERE c.firm_id = ? AND c.appointment_id = ?";
  SqlStatement q(c, sql);
  q.BindAll(firm_id, appointment_id);
  return ReadFirstVersion(q);
}

std::optional<StoredAppointment> AppointmentStore::Version(std::string_view firm_id,
                                                           std::string_view appointment_id,
                                                           int version) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kVersionColumns +
                         " FROM appointment_versions v WHERE v.firm_id = ? AND "
                         "v.appointment_id = ? AND v.version = ?");
  q.BindAll(firm_id, appointment_id, version);
  return ReadFirstVersion(q);
}

std::vector<StoredAppointment> AppointmentStore::Versions(std::string_view firm_id,
                                                          std::string_view appointment_id) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kVersionColumns +
                         " FROM appointment_versions v WHERE v.firm_id = ? AND "
                         "v.appointment_id = ? ORDER BY v.version");
  q.BindAll(firm_id, appointment_id);
  return ReadVersions(q);
}

std::vector<StoredAppointment> AppointmentStore::CurrentInRange(std::string_view firm_id,
                                                                Instant from, Instant to) {
  return CurrentInRange(*db_.Connect(), firm_id, from, to);
}

std::vector<StoredAppointment> AppointmentStore::CurrentInRange(SqlConnection& c,
                                                                std::string_view firm_id,
                                                                Instant from, Instant to) {
  static const std::string sql =
      "SELECT " + kCurrentColumns + kCurrentFrom +
      "WHERE c.firm_id = ? AND c.start_at >= ? AND c.start_at < ? ORDER BY c.start_at, "
      "c.appointment_id";
  SqlStatement q(c, sql);
  q.BindAll(firm_id, Seconds(from), Seconds(to));
  return ReadVersions(q);
}

int AppointmentStore::CountAppointments(std::string_view firm_id) {
  return static_cast<int>(
      QueryInt(*db_.Connect(), "SELECT COUNT(*) FROM appointments WHERE firm_id = ?", firm_id)
          .value_or(0));
}

std::optional<FirmRecord> AppointmentStore::GetFirm(std::string_view firm_id) {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kFirmColumns + " FROM firms WHERE id = ?");
  q.Bind(1, firm_id);
  if (!q.Step()) return std::nullopt;
  FirmRecord r = ReadFirm(q);
  while (q.Step()) {
  }
  return r;
}

std::vector<FirmRecord> AppointmentStore::ListFirms() {
  PooledConnection c = db_.Connect();
  SqlStatement q(*c, std::string("SELECT ") + kFirmColumns + " FROM firms ORDER BY id");
  std::vector<FirmRecord> out;
  while (q.Step()) out.push_back(ReadFirm(q));
  return out;
}

}  // namespace kehrbote
