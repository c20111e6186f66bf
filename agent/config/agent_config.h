// AgentConfig: everything kehrbote-agent reads from its YAML file, typed and
// validated once at start-up (docs/agent.md lists every key).
//
// Parsing is strict (shared/config/config_node.h): an unknown key, a missing
// required key or a value of the wrong type throws ConfigError naming
// file:line:column and the key path. Semantic checks (an unknown time zone, a
// mapping without an id or date column, more than three phone numbers) are reported
// the same way. Secrets (database connection string, key passphrase, password) may
// come from the YAML, a file or an environment variable (`<key>_file`, `<key>_env`).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared/config/config_node.h"
#include "shared/export/export_model.h"
#include "shared/log/log_settings.h"
#include "shared/sftp/sftp_endpoint.h"

namespace kehrbote {

// One phone number (Tel.Nr.1..3) or the e-mail address of a source row: the column
// with the address, the column with the consent tick, and the "Nur HK" column.
// Empty column names mean "not in the source": consent then defaults to
// `consent_default`, main_sweep_only to false.
struct ContactColumns {
  std::string address;
  std::string consent;
  std::string main_sweep_only;
  bool consent_default = false;
  bool operator==(const ContactColumns&) const = default;
};

// Which source column feeds which export field. Column names are SQL result
// column names (case-insensitive) or CSV header names; for a CSV file without a
// header row they are 1-based column numbers ("1", "2", ...).
struct ColumnMapping {
  std::string id;        // required
  std::string kind;      // optional; then default_kind
  std::map<std::string, AppointmentKind> kind_values;  // "HK" -> main_sweep
  AppointmentKind default_kind = AppointmentKind::kSweep;
  std::string date;      // the day (required unless `datetime` is given)
  std::string datetime;  // date and time in one column (00:00 means "no time")
  std::string time;      // exact time
  std::string window;    // combined "08:00-12:00"
  std::string window_from, window_to;
  std::string status;    // optional; then scheduled
  std::map<std::string, AppointmentStatus> status_values;  // "S" -> cancelled
  std::string object_id, street, zip, city;
  std::string salutation, title, first_name, last_name, company;
  std::vector<ContactColumns> phones;  // at most 3
  std::optional<ContactColumns> email;

  // Text formats (date library / strftime syntax) for dates and times that arrive
  // as text; tried in order. Typed SQL DATE/TIMESTAMP values need no format.
  std::vector<std::string> date_formats{"%Y-%m-%d", "%d.%m.%Y"};
  std::vector<std::string> datetime_formats{"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                            "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M:%S",
                                            "%d.%m.%Y %H:%M"};
  std::vector<std::string> time_formats{"%H:%M", "%H:%M:%S"};
  // Values of consent / "Nur HK" columns, compared case-insensitively after
  // trimming. A value in neither list skips the row (a misread tick must not send
  // a message without consent, nor silently drop one).
  std::vector<std::string> true_values{"1", "-1", "true", "t", "yes", "y", "ja", "j", "x", "wahr"};
  std::vector<std::string> false_values{"0", "false", "f", "no", "n", "nein", "", "falsch"};
};

enum class SourceType { kSqlite, kPostgresql, kOdbc, kCsv };
enum class TextEncoding { kUtf8, kUtf8Bom, kWindows1252, kIso885915 };

struct SqlSourceConfig {
  std::string connection;  // Poco::Data connection string (secret-capable)
  // The query. `:first_day` and `:last_day` (each may appear any number of times)
  // are bound as parameters: the window's first and last local date.
  std::string query;
  // How the two days are bound: as a SQL DATE (default) or as "YYYY-MM-DD" text
  // (for SQLite tables that store dates as text, which compares the same).
  bool bind_as_text = false;
};

struct CsvSourceConfig {
  std::string path;  // a file or a glob (*, ? in the last component); all matches are read
  char delimiter = ';';
  char quote = '"';
  TextEncoding encoding = TextEncoding::kUtf8;
  bool header = true;
};

struct SourceConfig {
  SourceType type = SourceType::kCsv;
  SqlSourceConfig sql;
  CsvSourceConfig csv;
  ColumnMapping columns;
};

// The export covers local dates [today + start_days, today + days_ahead].
struct WindowConfig {
  int start_days = 0;
  int days_ahead = 14;
};

struct UploadConfig {
  SftpEndpoint endpoint;
  std::string remote_dir = ".";
  // Mode of the uploaded files: 0600 (default) or 0640, so that a pull account
  // in the file's group can read it (one Unix user per firm on the drop).
  int file_mode = 0600;
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{2'000};
  std::chrono::milliseconds max_backoff{60'000};
  // How often `run` retries exports left in the spool by a failed upload.
  std::chrono::seconds resend_interval{15 * 60};
};

struct AgentConfig {
  std::string file;  // where it was read from
  Firm firm;
  SourceConfig source;
  WindowConfig window;
  std::vector<std::chrono::minutes> schedule;  // daily local times, sorted, unique
  UploadConfig upload;
  std::string spool_dir;
  std::chrono::seconds spool_retention{std::chrono::hours(24 * 14)};
  std::string status_file;
  LogSettings log;  // log.level, log.file (empty: stderr; see AgentApplication)
};

// Reads and validates the file. Throws ConfigError.
AgentConfig LoadAgentConfig(const std::string& path);
// The same from text; `file` names it in messages and relative paths are resolved
// against its directory.
AgentConfig ParseAgentConfig(const std::string& yaml, const std::string& file);

std::string_view ToString(SourceType t);

}  // namespace kehrbote
