#include "shared/export/export_model.h"

namespace kehrbote {

std::string_view ToString(ContactChannel c) {
  switch (c) {
    case ContactChannel::kSms: return "sms";
    case ContactChannel::kEmail: return "email";
  }
  return "?";
}

std::string_view ToString(AppointmentKind k) {
  switch (k) {
    case AppointmentKind::kMainSweep: return "main_sweep";
    case AppointmentKind::kSweep: return "sweep";
    case AppointmentKind::kInspection: return "inspection";
    case AppointmentKind::kSpecial: return "special";
  }
  return "?";
}

std::string_view ToString(AppointmentStatus s) {
  switch (s) {
    case AppointmentStatus::kScheduled: return "scheduled";
    case AppointmentStatus::kCancelled: return "cancelled";
  }
  return "?";
}

std::optional<ContactChannel> ParseContactChannel(std::string_view s) {
  if (s == "sms") return ContactChannel::kSms;
  if (s == "email") return ContactChannel::kEmail;
  return std::nullopt;
}

std::optional<AppointmentKind> ParseAppointmentKind(std::string_view s) {
  if (s == "main_sweep") return AppointmentKind::kMainSweep;
  if (s == "sweep") return AppointmentKind::kSweep;
  if (s == "inspection") return AppointmentKind::kInspection;
  if (s == "special") return AppointmentKind::kSpecial;
  return std::nullopt;
}

std::optional<AppointmentStatus> ParseAppointmentStatus(std::string_view s) {
  if (s == "scheduled") return AppointmentStatus::kScheduled;
  if (s == "cancelled") return AppointmentStatus::kCancelled;
  return std::nullopt;
}

LocalTime AppointmentStart::Earliest() const {
  if (time) return date + *time;
  if (window_from) return date + *window_from;
  return date;
}

}  // namespace kehrbote
