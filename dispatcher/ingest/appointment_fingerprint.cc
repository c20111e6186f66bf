#include "dispatcher/ingest/appointment_fingerprint.h"

#include "dispatcher/store/appointment_json.h"

namespace kehrbote {

AppointmentFingerprint Fingerprint(const Appointment& a) {
  AppointmentFingerprint f;
  f.content_hash = ContentHash(a);
  f.data_json = AppointmentToJson(a);
  f.data_hash = DataHashOfJson(f.data_json);
  return f;
}

}  // namespace kehrbote
