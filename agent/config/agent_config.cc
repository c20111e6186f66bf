#include "agent/config/agent_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

#include "shared/env/env.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

const std::vector<std::string> kKinds{"main_sweep", "sweep", "inspection", "special"};
const std::vector<std::string> kStatuses{"scheduled", "cancelled"};

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

Firm ParseFirm(const ConfigNode& n) {
  Firm f;
  f.id = n.RequireString("id");
  if (f.id.empty() || !std::all_of(f.id.begin(), f.id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    n.Fail("id", "expected lower-case letters, digits and '-', got '" + f.id + "'");
  }
  f.name = n.RequireString("name");
  f.timezone = n.RequireString("timezone");
  if (!IsKnownTimeZone(f.timezone)) {
    n.Fail("timezone", "unknown IANA time zone '" + f.timezone + "' (e.g. Europe/Vienna)");
  }
  f.country = n.RequireString("country");
  if (f.country.size() != 2 || !std::isupper(static_cast<unsigned char>(f.country[0])) ||
      !std::isupper(static_cast<unsigned char>(f.country[1]))) {
    n.Fail("country", "expected an ISO 3166 alpha-2 code such as AT or DE, got '" +
                          f.country + "'");
  }
  f.phone = n.String("phone", "");
  for (const ConfigNode& c : n.Children("heartbeat_contacts")) {
    HeartbeatContact h;
    h.channel = *ParseContactChannel(c.Choice("channel", {"sms", "email"}, "sms"));
    h.address = c.RequireString("address");
    if (Trim(h.address).empty()) c.Fail("address", "must not be empty");
    c.Finish();
    f.heartbeat_contacts.push_back(h);
  }
  n.Finish();
  return f;
}

ContactColumns ParseContact(const ConfigNode& n, const std::string& address_key) {
  ContactColumns c;
  c.address = n.RequireString(address_key);
  c.consent = n.String("consent", "");
  c.main_sweep_only = n.String("main_sweep_only", "");
  c.consent_default = n.Bool("consent_default", false);
  n.Finish();
  return c;
}

ColumnMapping ParseColumns(const ConfigNode& n, const ConfigNode& formats) {
  ColumnMapping m;
  m.id = n.RequireString("id");
  m.kind = n.String("kind", "");
  ConfigNode kv = n.Child("kind_values");
  for (const std::string& k : kv.Keys()) {
    m.kind_values[Trim(k)] = *ParseAppointmentKind(kv.Choice(k, kKinds, "sweep"));
  }
  m.default_kind = *ParseAppointmentKind(n.Choice("default_kind", kKinds, "sweep"));
  m.date = n.String("date", "");
  m.datetime = n.String("datetime", "");
  if (m.date.empty() == m.datetime.empty()) {
    n.Fail("date", "exactly one of 'date' and 'datetime' must name a column");
  }
  m.time = n.String("time", "");
  m.window = n.String("window", "");
  m.window_from = n.String("window_from", "");
  m.window_to = n.String("window_to", "");
  if (m.window_from.empty() != m.window_to.empty()) {
    n.Fail(m.window_from.empty() ? "window_to" : "window_from",
           "'window_from' and 'window_to' go together");
  }
  if (!m.window.empty() && !m.window_from.empty()) {
    n.Fail("window", "give either 'window' (\"08:00-12:00\") or 'window_from'/'window_to'");
  }
  m.status = n.String("status", "");
  ConfigNode sv = n.Child("status_values");
  for (const std::string& k : sv.Keys()) {
    m.status_values[Trim(k)] = *ParseAppointmentStatus(sv.Choice(k, kStatuses, "scheduled"));
  }
  m.object_id = n.String("object_id", "");
  m.street = n.String("street", "");
  m.zip = n.String("zip", "");
  m.city = n.String("city", "");
  m.salutation = n.String("salutation", "");
  m.title = n.String("title", "");
  m.first_name = n.String("first_name", "");
  m.last_name = n.String("last_name", "");
  m.company = n.String("company", "");
  std::vector<ConfigNode> phones = n.Children("phones");
  if (phones.size() > 3) n.Fail("phones", "at most 3 phone numbers (Tel.Nr.1-3), got " +
                                              std::to_string(phones.size()));
  for (const ConfigNode& p : phones) m.phones.push_back(ParseContact(p, "number"));
  if (n.Has("email")) m.email = ParseContact(n.Child("email"), "address");
  n.Finish();

  auto list = [&formats](const std::string& key, std::vector<std::string>& out) {
    if (!formats.Has(key)) {
      formats.StringList(key);  // mark as known
      return;
    }
    out = formats.StringList(key);
    if (out.empty()) formats.Fail(key, "must list at least one format");
  };
  list("date", m.date_formats);
  list("datetime", m.datetime_formats);
  list("time", m.time_formats);
  if (formats.Has("true_values")) m.true_values = formats.StringList("true_values");
  else formats.StringList("true_values");
  if (formats.Has("false_values")) m.false_values = formats.StringList("false_values");
  else formats.StringList("false_values");
  for (auto* v : {&m.true_values, &m.false_values}) {
    for (auto& s : *v) {
      s = Trim(s);
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
  }
  formats.Finish();
  return m;
}

char SingleChar(const ConfigNode& n, const std::string& key, char fallback) {
  std::string s = n.String(key, std::string(1, fallback));
  if (s == "\\t" || s == "tab") return '\t';
  if (s.size() != 1) n.Fail(key, "expected a single character, got '" + s + "'");
  return s[0];
}

SourceConfig ParseSource(const ConfigNode& n) {
  SourceConfig s;
  std::string type = n.Choice("type", {"sqlite", "postgresql", "odbc", "csv"}, "");
  if (type.empty()) n.Fail("type", "is missing (expected sqlite, postgresql, odbc or csv)");
  if (type == "sqlite") s.type = SourceType::kSqlite;
  if (type == "postgresql") s.type = SourceType::kPostgresql;
  if (type == "odbc") s.type = SourceType::kOdbc;
  if (type == "csv") s.type = SourceType::kCsv;
  if (s.type == SourceType::kCsv) {
    auto path = n.OptionalPath("path");
    if (!path) n.Fail("path", "is missing (expected the CSV file or a glob)");
    s.csv.path = *path;
    s.csv.delimiter = SingleChar(n, "delimiter", ';');
    s.csv.quote = SingleChar(n, "quote", '"');
    std::string enc = n.Choice("encoding", {"utf-8", "utf-8-bom", "windows-1252", "iso-8859-15"},
                               "utf-8");
    s.csv.encoding = enc == "utf-8"          ? TextEncoding::kUtf8
                     : enc == "utf-8-bom"    ? TextEncoding::kUtf8Bom
                     : enc == "windows-1252" ? TextEncoding::kWindows1252
                                             : TextEncoding::kIso885915;
    s.csv.header = n.Bool("header", true);
  } else {
    auto conn = n.Secret("connection");
    if (!conn) n.Fail("connection", "is missing (the database connection string)");
    s.sql.connection = *conn;
    if (s.type == SourceType::kSqlite && !conn->empty() && conn->front() != '/' &&
        conn->find(':') == std::string::npos) {
      // A relative SQLite file is relative to the config file, like every other path.
      std::filesystem::path p = std::filesystem::path(n.file()).parent_path() / *conn;
      s.sql.connection = p.lexically_normal().string();
    }
    s.sql.query = n.RequireString("query");
    s.sql.bind_as_text = n.Choice("bind_days_as", {"date", "text"}, "date") == "text";
  }
  s.columns = ParseColumns(n.Child("columns"), n.Child("formats"));
  const ColumnMapping& c = s.columns;
  if (!s.csv.header && s.type == SourceType::kCsv) {
    // Without a header, columns are addressed by number.
    auto check = [&n](const std::string& col) {
      if (col.empty()) return;
      if (!std::all_of(col.begin(), col.end(), ::isdigit) || std::stoi(col) < 1) {
        n.Fail("columns", "without a header row, columns are 1-based numbers; got '" + col + "'");
      }
    };
    for (const std::string* col :
         {&c.id, &c.kind, &c.date, &c.datetime, &c.time, &c.window, &c.window_from,
          &c.window_to, &c.status, &c.object_id, &c.street, &c.zip, &c.city, &c.salutation,
          &c.title, &c.first_name, &c.last_name, &c.company}) {
      check(*col);
    }
    for (const auto& p : c.phones) { check(p.address); check(p.consent); check(p.main_sweep_only); }
    if (c.email) { check(c.email->address); check(c.email->consent); check(c.email->main_sweep_only); }
  }
  n.Finish();
  return s;
}

std::chrono::milliseconds Millis(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s);
}

UploadConfig ParseUpload(const ConfigNode& n) {
  UploadConfig u;
  SftpEndpoint& e = u.endpoint;
  e.host = n.RequireString("host");
  e.port = static_cast<int>(n.Integer("port", 22, 1, 65535));
  e.user = n.RequireString("user");
  e.private_key_file = n.OptionalPath("key_file").value_or("");
  e.passphrase = n.Secret("passphrase").value_or("");
  e.password = n.Secret("password").value_or("");
  if (e.private_key_file.empty() && e.password.empty()) {
    n.Fail("key_file", "is missing (an Ed25519 or ECDSA key; or give a password)");
  }
  e.known_hosts_file = n.OptionalPath("known_hosts").value_or("");
  e.host_key_fingerprint = n.String("fingerprint", "");
  if (e.known_hosts_file.empty() == e.host_key_fingerprint.empty()) {
    n.Fail("known_hosts",
           "pin the server's host key with exactly one of 'known_hosts' (an OpenSSH "
           "known_hosts file) or 'fingerprint' (\"SHA256:...\" as ssh-keygen -lf prints it)");
  }
  if (!e.host_key_fingerprint.empty() &&
      !std::regex_match(e.host_key_fingerprint, std::regex("SHA256:[A-Za-z0-9+/]{43}"))) {
    n.Fail("fingerprint", "expected \"SHA256:\" and 43 base64 characters, got '" +
                              e.host_key_fingerprint + "'");
  }
  u.remote_dir = n.String("remote_dir", ".");
  if (u.remote_dir.empty()) n.Fail("remote_dir", "must not be empty");
  {
    std::string mode = n.String("file_mode", "0600");
    if (mode == "0600" || mode == "600") {
      u.file_mode = 0600;
    } else if (mode == "0640" || mode == "640") {
      u.file_mode = 0640;
    } else {
      n.Fail("file_mode", "expected \"0600\" (owner only) or \"0640\" (owner, and the group "
                          "reads), got '" + mode + "'");
    }
  }
  e.connect_timeout = Millis(n.Duration("connect_timeout", std::chrono::seconds(10)));
  e.io_timeout = Millis(n.Duration("io_timeout", std::chrono::seconds(60)));
  e.keepalive_interval = n.Duration("keepalive", std::chrono::seconds(30));
  if (e.connect_timeout.count() <= 0) n.Fail("connect_timeout", "must be positive");
  if (e.io_timeout.count() <= 0) n.Fail("io_timeout", "must be positive");
  ConfigNode r = n.Child("retry");
  u.max_attempts = static_cast<int>(r.Integer("attempts", 5, 1, 100));
  u.initial_backoff = Millis(r.Duration("initial_backoff", std::chrono::seconds(2)));
  u.max_backoff = Millis(r.Duration("max_backoff", std::chrono::seconds(60)));
  r.Finish();
  u.resend_interval = n.Duration("resend_interval", std::chrono::minutes(15));
  if (u.resend_interval.count() <= 0) n.Fail("resend_interval", "must be positive");
  n.Finish();
  return u;
}

AgentConfig Parse(const ConfigNode& root) {
  AgentConfig c;
  c.file = root.file();
  c.firm = ParseFirm(root.Child("firm"));
  if (!root.Has("source")) root.Fail("source", "is missing");
  c.source = ParseSource(root.Child("source"));

  ConfigNode w = root.Child("window");
  c.window.start_days = static_cast<int>(w.Integer("start_days", 0, -366, 366));
  c.window.days_ahead = static_cast<int>(w.Integer("days_ahead", 14, -366, 731));
  if (c.window.days_ahead < c.window.start_days) {
    w.Fail("days_ahead", "must not be before start_days");
  }
  w.Finish();

  std::vector<std::string> times = root.StringList("schedule");
  if (times.empty()) times = {"06:00"};
  for (size_t i = 0; i < times.size(); ++i) {
    auto t = ParseTimeOfDay(times[i]);
    if (!t) root.Fail("schedule", "expected local times \"HH:MM\", got '" + times[i] + "'");
    c.schedule.push_back(*t);
  }
  std::sort(c.schedule.begin(), c.schedule.end());
  c.schedule.erase(std::unique(c.schedule.begin(), c.schedule.end()), c.schedule.end());

  if (!root.Has("upload")) root.Fail("upload", "is missing");
  c.upload = ParseUpload(root.Child("upload"));

  Env& env = Env::Default();
  ConfigNode sp = root.Child("spool");
  c.spool_dir = sp.OptionalPath("dir").value_or(JoinPath(env.DataDirectory(), "spool"));
  c.spool_retention = sp.Duration("retention", std::chrono::hours(24 * 14));
  if (c.spool_retention.count() <= 0) sp.Fail("retention", "must be positive");
  sp.Finish();
  c.status_file =
      root.OptionalPath("status_file").value_or(JoinPath(env.DataDirectory(), "agent-status.json"));
  c.log = ParseLogSettings(root);
  root.Finish();
  return c;
}

}  // namespace

AgentConfig LoadAgentConfig(const std::string& path) { return Parse(ConfigNode::LoadFile(path)); }

AgentConfig ParseAgentConfig(const std::string& yaml, const std::string& file) {
  return Parse(ConfigNode::LoadString(yaml, file));
}

std::string_view ToString(SourceType t) {
  switch (t) {
    case SourceType::kSqlite: return "sqlite";
    case SourceType::kPostgresql: return "postgresql";
    case SourceType::kOdbc: return "odbc";
    case SourceType::kCsv: return "csv";
  }
  return "?";
}

}  // namespace kehrbote
