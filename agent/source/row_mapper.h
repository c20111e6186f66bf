// RowMapper: turns one source row (a list of cells) into an export Appointment
// following the ColumnMapping, or says why it cannot.
//
// Both sources use it: the CSV source hands it text cells, the SQL source text
// cells and typed date/time cells. Column names are resolved once against the
// header or the result's column names (case-insensitive); a mapped column that is
// not there throws SourceError listing the columns that are.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/source/appointment_source.h"
#include "shared/export/export_model.h"

namespace kehrbote {

// One cell: NULL, text, or a typed date / date-time / time from a database. Text is
// either owned (`storage`) or a view of the source's own buffer (SetTextRef, no
// copy), which must stay valid until the row has been mapped.
struct Cell {
  enum class Type { kNull, kText, kDate, kDateTime, kTime };
  Type type = Type::kNull;
  LocalTime datetime{};             // kDate (midnight), kDateTime
  std::chrono::minutes time{0};     // kTime
  std::string storage;              // owned text
  std::string_view ref;             // borrowed text (if !owned)
  bool owned = true;

  std::string_view view() const { return owned ? std::string_view(storage) : ref; }
  void SetNull() { type = Type::kNull; owned = true; storage.clear(); }
  void SetText(std::string_view s) { type = Type::kText; owned = true; storage.assign(s); }
  // After writing `storage` directly.
  void SetOwnedText() { type = Type::kText; owned = true; }
  void SetTextRef(std::string_view s) { type = Type::kText; owned = false; ref = s; }
};

class RowMapper {
 public:
  // `columns` are the names (header or SQL result); for a CSV without header pass
  // an empty list and the mapping uses 1-based numbers. `source` names the source
  // in error messages.
  RowMapper(const ColumnMapping& mapping, const std::vector<std::string>& columns,
            bool numbered_columns, LocalTime first_day, LocalTime last_day,
            std::string source);

  // Largest column index (0-based) the mapping reads, +1.
  size_t width() const { return width_; }

  enum class Result { kAppointment, kOutsideWindow, kSkipped };
  // Maps `row` (cells indexed like `columns`; missing trailing cells count as NULL).
  // On kSkipped, `report` gets the reason; on kOutsideWindow its counter is
  // incremented; on kAppointment, `out` is filled, the id remembered (for the
  // duplicate check) and report->appointments incremented.
  Result Map(const std::vector<Cell>& row, const std::string& where, Appointment* out,
             SourceReport* report);

 private:
  static constexpr int kNone = -1;
  struct ContactIdx { int address = kNone, consent = kNone, main_sweep_only = kNone; bool consent_default = false; };

  int Resolve(const std::string& name, const char* key, const std::vector<std::string>& columns,
              bool numbered);
  const Cell* At(const std::vector<Cell>& row, int idx) const;
  std::string Text(const std::vector<Cell>& row, int idx) const;
  void TextInto(const std::vector<Cell>& row, int idx, std::string* out) const;
  std::optional<bool> Flag(const std::vector<Cell>& row, int idx, bool fallback) const;
  std::optional<std::chrono::minutes> TimeOf(const Cell& c) const;
  static bool IsBlank(const Cell* c);  // NULL, missing or only spaces

  // The steps of Map: each returns why the row is skipped, or an empty string.
  std::string ReadDate(const std::vector<Cell>& row, AppointmentStart* start) const;
  // The time, or else the time window, after ReadDate.
  std::string ReadTime(const std::vector<Cell>& row, AppointmentStart* start) const;
  std::string ReadWindow(const std::vector<Cell>& row, std::optional<std::chrono::minutes>* from,
                         std::optional<std::chrono::minutes>* to) const;
  // A start without an end is an exact time (sets start->time).
  std::string ReadWindowColumns(const std::vector<Cell>& row, AppointmentStart* start,
                                std::optional<std::chrono::minutes>* from,
                                std::optional<std::chrono::minutes>* to) const;
  std::string ReadKind(const std::vector<Cell>& row, AppointmentKind* kind) const;
  std::string ReadStatus(const std::vector<Cell>& row, AppointmentStatus* status) const;
  // Appends to contacts_[0, *n_contacts) if the address is not blank.
  std::string ReadContact(const std::vector<Cell>& row, const ContactIdx& idx,
                          ContactChannel channel, size_t* n_contacts);
  void CopyTexts(const std::vector<Cell>& row, Appointment* out) const;
  void CopyContacts(size_t n_contacts, Appointment* out) const;

  const ColumnMapping& m_;
  LocalTime first_day_, last_day_;
  std::string source_;
  size_t width_ = 0;
  int id_, kind_, date_, datetime_, time_, window_, window_from_, window_to_, status_;
  int object_id_, street_, zip_, city_, salutation_, title_, first_name_, last_name_, company_;
  std::vector<ContactIdx> phones_;
  std::optional<ContactIdx> email_;
  std::unordered_map<std::string, std::string> seen_ids_;  // id -> where first seen
  std::vector<Contact> contacts_;                          // scratch, reused per row
};

// Masks a value that looks like a phone number for logs: all digits but the first
// five and the last two become '*' ("0664 / 1234567" -> "0664 / 1****67"). Other
// values are returned unchanged.
std::string MaskPhoneLike(std::string_view s);

// Parses `text` with strftime-like `format` (date library syntax); the whole text
// must be consumed. nullopt on failure or an impossible date.
std::optional<LocalTime> ParseWithFormat(std::string_view text, const std::string& format);

}  // namespace kehrbote
