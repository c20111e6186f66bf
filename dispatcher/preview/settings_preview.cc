#include "dispatcher/preview/settings_preview.h"

#include "dispatcher/settings/effective_policy.h"
#include "dispatcher/settings/settings_check.h"
#include "dispatcher/store/appointment_store.h"
#include "shared/template/template_values.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

// How far ahead the preview looks for a real appointment.
constexpr auto kLookAhead = std::chrono::hours{24 * 90};

// The firm's next scheduled appointment that has not started, if any.
std::optional<Appointment> NextAppointment(AppointmentStore& store, const std::string& firm_id,
                                           Instant now) {
  for (StoredAppointment& a : store.CurrentInRange(firm_id, now, now + kLookAhead))
    if (a.appointment.status == AppointmentStatus::kScheduled) return std::move(a.appointment);
  return std::nullopt;
}

}  // namespace

nlohmann::json PreviewFirmSettings(Database& db, const SmsPrice& price,
                                   const std::string& firm_id, const std::string& yaml,
                                   Instant now) {
  SettingsCheck check = CheckFirmSettings(yaml, "firm " + firm_id + " (settings)");
  nlohmann::json out = {{"ok", check.ok()},
                        {"errors", ToJson(check.errors)},
                        {"currency", price.currency},
                        {"price_per_segment", price.per_segment},
                        {"templates", nlohmann::json::array()}};
  const std::optional<FirmConfig>& firm = check.firm ? check.firm : check.repaired;
  if (!firm) return out;
  AppointmentStore appointments(db);
  const FirmPolicy policy = EffectivePolicy(*firm, appointments.GetFirm(firm_id));
  std::optional<Appointment> next = NextAppointment(appointments, firm_id, now);
  const bool sample = !next;
  const Appointment appointment =
      next ? *next
           : SampleAppointment(std::chrono::floor<std::chrono::days>(
                 ToLocal(now + std::chrono::hours{24 * 7}, policy.timezone)));
  out["appointment"] = {
      {"sample", sample},
      {"id", appointment.id},
      {"kind", std::string(ToString(appointment.kind))},
      {"start", FormatRfc3339(ToInstant(appointment.start.Earliest(), policy.timezone),
                              policy.timezone)},
      {"date", GermanWeekday(appointment.start.date) + ", " +
                   GermanDate(appointment.start.date, policy.country)}};
  for (const TemplatePreview& p : PreviewTemplates(policy, appointment, price))
    out["templates"].push_back(ToJson(p, price));
  return out;
}

}  // namespace kehrbote
