// Shared fixtures of the export tests: the documented example and its model.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "shared/export/export_model.h"
#include "shared/export/export_reader.h"

namespace kehrbote::testing {

inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string ExampleJson() {
  return ReadTextFile(std::string(KEHRBOTE_SOURCE_DIR) + "/tests/export/data/example.json");
}

inline LocalTime Date(const char* text) { return *ParseLocalDate(text); }
inline std::chrono::minutes Hm(const char* text) { return *ParseTimeOfDay(text); }

// tests/export/data/example.json, written out by hand as the model.
inline ExportDocument ExampleModel() {
  ExportDocument d;
  ExportHeader& h = d.header;
  h.version_major = 1;
  h.version_minor = 0;
  h.firm = {"rfk-gruber-graz",
            "Rauchfangkehrermeister Jürgen Grüber",
            "Europe/Vienna",
            "AT",
            "0316 / 82 34 56",
            {{ContactChannel::kSms, "0664 / 123 45 67"},
             {ContactChannel::kEmail, "buero@rauchfangkehrer-grueber.at"}}};
  h.generated_at = *ParseRfc3339("2026-11-23T05:00:00Z");
  h.window_from = Date("2026-11-23");
  h.window_to = Date("2026-12-06");

  Appointment a1;
  a1.id = "T-2026-004711";
  a1.kind = AppointmentKind::kMainSweep;
  a1.start.date = Date("2026-11-24");
  a1.start.time = Hm("08:30");
  a1.object = {"OBJ-1203", "Hauptstraße 12", "8010", "Graz"};
  a1.customer = {"Frau", "Mag.", "Bärbel", "Österreicher", ""};
  a1.contacts = {{ContactChannel::kSms, "0664 / 987 65 43", true, false},
                 {ContactChannel::kEmail, "baerbel.oe@example.at", false, false}};

  Appointment a2;
  a2.id = "T-2026-004712";
  a2.kind = AppointmentKind::kSweep;
  a2.start.date = Date("2026-11-25");
  a2.start.window_from = Hm("08:00");
  a2.start.window_to = Hm("12:00");
  a2.object = {"OBJ-0877", "Grieskai 5/3", "8020", "Graz"};
  a2.customer = {"Firma", "", "", "", "Bäckerei „Zum goldenen Löwen“ GmbH"};
  a2.contacts = {{ContactChannel::kSms, "+43 676 5551234", true, true},
                 {ContactChannel::kSms, "0316 / 71 20 30", true, false}};

  Appointment a3;
  a3.id = "T-2026-004713";
  a3.kind = AppointmentKind::kInspection;
  a3.start.date = Date("2026-11-26");
  a3.start.time = Hm("13:15");
  a3.status = AppointmentStatus::kCancelled;
  a3.object = {"OBJ-2210", "Mariatroster Straße 101", "8044", "Graz-Mariatrost"};
  a3.customer = {"Herr", "Dipl.-Ing.", "Günther", "Weiß", ""};
  a3.contacts = {{ContactChannel::kSms, "0699 11 22 33 44", true, false}};

  Appointment a4;
  a4.id = "T-2026-004714";
  a4.kind = AppointmentKind::kSpecial;
  a4.start.date = Date("2026-12-02");
  a4.object = {"", "Körblergasse 7", "8010", "Graz"};
  a4.customer = {"", "", "Ömer", "Yıldız", ""};

  d.appointments = {a1, a2, a3, a4};
  return d;
}

}  // namespace kehrbote::testing
