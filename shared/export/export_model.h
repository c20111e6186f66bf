// Export format v1: the in-memory model of one export file.
//
// An export is a full snapshot of a firm's appointments inside a window of local
// dates. schemas/kehrbote-export-v1.schema.json is the contract on the wire and
// docs/export-format.md explains every field; these structs mirror it one to one.
// All text is UTF-8. All dates and times are local to firm.timezone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/time/clock.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

inline constexpr std::string_view kExportFormatId = "kehrbote-export";
inline constexpr int kExportMajorVersion = 1;
inline constexpr int kExportMinorVersion = 0;

enum class ContactChannel { kSms, kEmail };
// main_sweep = "Hauptkehrung" (HK); the rest are ordinary sweeps, inspections
// (Überprüfung / Feuerbeschau) and special jobs (Sonderarbeiten).
enum class AppointmentKind { kMainSweep, kSweep, kInspection, kSpecial };
enum class AppointmentStatus { kScheduled, kCancelled };

// Wire names: "sms"/"email", "main_sweep"/"sweep"/"inspection"/"special",
// "scheduled"/"cancelled". Parse* return nullopt for an unknown name.
std::string_view ToString(ContactChannel c);
std::string_view ToString(AppointmentKind k);
std::string_view ToString(AppointmentStatus s);
std::optional<ContactChannel> ParseContactChannel(std::string_view s);
std::optional<AppointmentKind> ParseAppointmentKind(std::string_view s);
std::optional<AppointmentStatus> ParseAppointmentStatus(std::string_view s);

struct HeartbeatContact {
  ContactChannel channel = ContactChannel::kSms;
  std::string address;  // as typed; the dispatcher normalises it
  bool operator==(const HeartbeatContact&) const = default;
};

struct Firm {
  std::string id;        // stable firm id, [a-z0-9-]+, also part of file names
  std::string name;      // "Rauchfangkehrermeister Huber"
  std::string timezone;  // IANA, "Europe/Vienna"
  std::string country;   // ISO 3166 alpha-2, default region for phone numbers
  std::string phone;     // the firm's own number, as typed
  std::vector<HeartbeatContact> heartbeat_contacts;
  bool operator==(const Firm&) const = default;
};

// When the sweep happens: a date with either an exact time or a time window
// ("zwischen 08:00 und 12:00"). Neither means "some time that day".
struct AppointmentStart {
  LocalTime date;                              // local midnight of the day
  std::optional<std::chrono::minutes> time;    // since midnight
  std::optional<std::chrono::minutes> window_from;
  std::optional<std::chrono::minutes> window_to;
  // The earliest local moment the sweep may begin: date+time, date+window_from,
  // or the date's midnight.
  LocalTime Earliest() const;
  bool operator==(const AppointmentStart&) const = default;
};

struct ObjectAddress {  // the building ("Objekt") that is swept
  std::string id, street, zip, city;
  bool operator==(const ObjectAddress&) const = default;
};

struct Customer {
  std::string salutation, title, first_name, last_name, company;
  bool operator==(const Customer&) const = default;
};

struct Contact {
  ContactChannel channel = ContactChannel::kSms;
  std::string address;           // as typed in the office software, "0666 / 15651324"
  bool consent = false;          // Einverständniserklärung (the tick beside the number)
  bool main_sweep_only = false;  // "Nur HK": only for main_sweep appointments
  bool operator==(const Contact&) const = default;
};

struct Appointment {
  std::string id;  // stable across exports
  AppointmentKind kind = AppointmentKind::kSweep;
  AppointmentStart start;
  AppointmentStatus status = AppointmentStatus::kScheduled;
  ObjectAddress object;
  Customer customer;
  std::vector<Contact> contacts;
  bool operator==(const Appointment&) const = default;
};

// Everything in an export except the appointments.
struct ExportHeader {
  int version_major = kExportMajorVersion;
  int version_minor = kExportMinorVersion;
  Firm firm;
  Instant generated_at{};        // written as RFC 3339 with the firm's offset
  LocalTime window_from{};       // first local date covered (inclusive)
  LocalTime window_to{};         // last local date covered (inclusive)
  bool operator==(const ExportHeader&) const = default;
};

}  // namespace kehrbote
