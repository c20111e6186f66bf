// AppointmentStore: read access to what ingest keeps, for planning, heartbeat,
// reports and the CLI. Every appointment has versions 1..current; a version is
// immutable once written (except its `data` when only non-reminder fields such as
// the customer's name changed, see appointment_json.h).
//
// Methods without a SqlConnection take one of the Database's for the call; do
// not call them while this thread holds another (the pool is bounded).
//
// Instants are UTC; start_at is the earliest local moment the sweep may begin
// (AppointmentStart::Earliest()) converted with the firm's zone via ToInstant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/store/database.h"
#include "shared/export/export_model.h"
#include "shared/time/clock.h"

namespace kehrbote {

// How a version came to be.
//   new        first seen
//   changed    time, window, kind, contacts or consent differ from the previous
//   cancelled  status "cancelled" in the export
//   gone       missing from an export whose window still covers its date;
//              status cancelled, cancel_reason "nicht mehr im Export"
//   restored   scheduled again after being cancelled or gone
inline constexpr std::string_view kGoneReason = "nicht mehr im Export";

struct StoredAppointment {
  std::string firm_id;
  Appointment appointment;  // as of this version (status kCancelled if cancelled/gone)
  int version = 0;
  std::string change;
  std::string cancel_reason;
  Instant start_at{};
  std::string export_name;
  Instant export_generated_at{};
  Instant created_at{};
  // Hash of the version's data as stored now (refreshed in place by an export
  // that edits address or names only); set by Current() and CurrentInRange().
  std::string data_hash;
};

struct FirmRecord {
  Firm firm;  // from the last applied export's header (id only if none applied yet)
  std::optional<Instant> last_export_at;            // when it was applied
  std::optional<std::string> last_export_name;
  std::optional<Instant> last_export_generated_at;
  int last_export_appointments = 0;
  std::optional<LocalTime> last_window_from, last_window_to;
  std::optional<std::string> last_rejected_name;    // the last refused file, if any
  std::optional<std::string> last_rejected_reason;
  std::optional<Instant> last_rejected_at;
};

class AppointmentStore {
 public:
  explicit AppointmentStore(Database& db) : db_(db) {}

  std::optional<StoredAppointment> Current(std::string_view firm_id,
                                           std::string_view appointment_id);
  // The same on the caller's connection (inside its transaction, if any).
  std::optional<StoredAppointment> Current(SqlConnection& c, std::string_view firm_id,
                                           std::string_view appointment_id);
  std::optional<StoredAppointment> Version(std::string_view firm_id,
                                           std::string_view appointment_id, int version);
  // All versions, oldest first.
  std::vector<StoredAppointment> Versions(std::string_view firm_id,
                                          std::string_view appointment_id);
  // Current versions of the firm's appointments with from <= start_at < to,
  // ordered by start_at (cancelled ones included; check appointment.status).
  std::vector<StoredAppointment> CurrentInRange(std::string_view firm_id, Instant from,
                                                Instant to);
  std::vector<StoredAppointment> CurrentInRange(SqlConnection& c, std::string_view firm_id,
                                                Instant from, Instant to);
  // Number of appointments (current versions) of a firm, any status.
  int CountAppointments(std::string_view firm_id);

  std::optional<FirmRecord> GetFirm(std::string_view firm_id);
  std::vector<FirmRecord> ListFirms();

 private:
  Database& db_;
};

}  // namespace kehrbote
