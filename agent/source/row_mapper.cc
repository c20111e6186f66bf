#include "agent/source/row_mapper.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <date/date.h>

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && Lower(a) == Lower(b);
}

// A value that looks like a phone number (a misaligned row can put one into any
// column): only digits, spaces and + / - ( ), at least 7 digits, and not an ISO
// date. Dates with dots and times with colons never match.
bool LooksLikePhoneNumber(std::string_view s) {
  int digits = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (std::string_view(" +/-()").find(c) == std::string_view::npos) {
      return false;
    }
  }
  bool iso_date = s.size() == 10 && s[4] == '-' && s[7] == '-';
  return digits >= 7 && !iso_date;
}

}  // namespace

std::string MaskPhoneLike(std::string_view s) {
  std::string out(s);
  if (!LooksLikePhoneNumber(s)) return out;
  int total = 0;
  for (char c : s) total += (c >= '0' && c <= '9');
  int seen = 0;
  for (char& c : out) {
    if (c < '0' || c > '9') continue;
    ++seen;
    if (seen > 5 && seen <= total - 2) c = '*';
  }
  return out;
}

namespace {

// Shown in skip reasons (and so in logs); long values are cut, phone-like ones masked.
std::string Quote(std::string_view s) {
  std::string v = MaskPhoneLike(s);
  if (v.size() > 40) return "'" + v.substr(0, 37) + "...'";
  return "'" + v + "'";
}

template <typename Map>
auto LookUp(const Map& map, std::string_view value) -> const typename Map::mapped_type* {
  auto it = map.find(std::string(value));
  if (it != map.end()) return &it->second;
  for (const auto& [k, v] : map) {
    if (EqualsIgnoreCase(k, value)) return &v;
  }
  return nullptr;
}

// A coded column (kind, status): the office's own code (source.columns.<what>_values,
// any case) or the export's word; an empty cell keeps `*out`.
template <typename Value>
std::string ReadCoded(const std::string& text, const std::map<std::string, Value>& own,
                      std::optional<Value> (*parse_wire)(std::string_view), const char* what,
                      Value* out) {
  if (text.empty()) return {};
  if (const Value* v = LookUp(own, text)) {
    *out = *v;
  } else if (std::optional<Value> wire = parse_wire(text)) {
    *out = *wire;
  } else {
    return "unknown " + std::string(what) + " " + Quote(text) + " (add it to source.columns." +
           what + "_values)";
  }
  return {};
}

// Reads all of `text` as `format` with date.h; false if it does not fit.
//
// Why the steps: date.h (3.0.1, Debian 12) reads %S into an uninitialised long
// double and converts it to an integer even when no digit follows ("08:00:",
// "08:01:-12"): undefined behaviour, found by tests/fuzz/csv_source.cc. So the part
// before each %S is read first, and a text whose seconds do not start with a digit
// or decimal point is refused before date.h reads them (it could not parse anyway).
// The failbit of a part is ignored: if it failed midway, the whole text fails
// before %S too. (GCC now warns about that read in date.h: agent/source/CMakeLists.txt.)
template <typename Value>
bool ReadWithFormat(std::string_view text, const std::string& format, Value* out) {
  size_t at = format.find("%S");
  while (true) {
    const bool whole = at == std::string::npos;
    std::istringstream in{std::string(text)};
    Value v{};
    date::from_stream(in, (whole ? format : format.substr(0, at)).c_str(), v);
    if (whole) {
      if (in.fail() || in.peek() != std::char_traits<char>::eof()) return false;
      *out = v;
      return true;
    }
    in.clear();
    const int c = in.peek();
    if (!(c >= '0' && c <= '9') && c != '.') return false;
    at = format.find("%S", at + 2);
  }
}

std::optional<std::chrono::minutes> ParseTimeWithFormat(std::string_view text,
                                                        const std::string& format) {
  if (format == "%H:%M") {
    if (auto t = ParseTimeOfDay(text)) return t;
  }
  std::chrono::seconds d{};
  if (!ReadWithFormat(text, format, &d)) return std::nullopt;
  if (d < std::chrono::seconds(0) || d >= std::chrono::hours(24)) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::minutes>(d);
}

}  // namespace

std::optional<LocalTime> ParseWithFormat(std::string_view text, const std::string& format) {
  if (format == "%Y-%m-%d") return ParseLocalDate(text);
  date::local_seconds t{};
  if (!ReadWithFormat(text, format, &t)) return std::nullopt;
  return LocalTime(t.time_since_epoch());
}

RowMapper::RowMapper(const ColumnMapping& mapping, const std::vector<std::string>& columns,
                     bool numbered, LocalTime first_day, LocalTime last_day, std::string source)
    : m_(mapping), first_day_(first_day), last_day_(last_day), source_(std::move(source)) {
  id_ = Resolve(m_.id, "id", columns, numbered);
  kind_ = Resolve(m_.kind, "kind", columns, numbered);
  date_ = Resolve(m_.date, "date", columns, numbered);
  datetime_ = Resolve(m_.datetime, "datetime", columns, numbered);
  time_ = Resolve(m_.time, "time", columns, numbered);
  window_ = Resolve(m_.window, "window", columns, numbered);
  window_from_ = Resolve(m_.window_from, "window_from", columns, numbered);
  window_to_ = Resolve(m_.window_to, "window_to", columns, numbered);
  status_ = Resolve(m_.status, "status", columns, numbered);
  object_id_ = Resolve(m_.object_id, "object_id", columns, numbered);
  street_ = Resolve(m_.street, "street", columns, numbered);
  zip_ = Resolve(m_.zip, "zip", columns, numbered);
  city_ = Resolve(m_.city, "city", columns, numbered);
  salutation_ = Resolve(m_.salutation, "salutation", columns, numbered);
  title_ = Resolve(m_.title, "title", columns, numbered);
  first_name_ = Resolve(m_.first_name, "first_name", columns, numbered);
  last_name_ = Resolve(m_.last_name, "last_name", columns, numbered);
  company_ = Resolve(m_.company, "company", columns, numbered);
  auto contact = [&](const ContactColumns& c, const std::string& key) {
    ContactIdx idx;
    idx.address = Resolve(c.address, (key + ".address").c_str(), columns, numbered);
    idx.consent = Resolve(c.consent, (key + ".consent").c_str(), columns, numbered);
    idx.main_sweep_only =
        Resolve(c.main_sweep_only, (key + ".main_sweep_only").c_str(), columns, numbered);
    idx.consent_default = c.consent_default;
    return idx;
  };
  for (size_t i = 0; i < m_.phones.size(); ++i) {
    phones_.push_back(contact(m_.phones[i], "phones[" + std::to_string(i) + "]"));
  }
  if (m_.email) email_ = contact(*m_.email, "email");
}

int RowMapper::Resolve(const std::string& name, const char* key,
                       const std::vector<std::string>& columns, bool numbered) {
  if (name.empty()) return kNone;
  int idx = kNone;
  if (numbered) {
    idx = std::stoi(name) - 1;
  } else {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (EqualsIgnoreCase(TrimView(columns[i]), TrimView(name))) {
        idx = static_cast<int>(i);
        break;
      }
    }
    if (idx == kNone) {
      std::string list;
      for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c;
      throw SourceError(source_ + ": column '" + name + "' (source.columns." + key +
                        ") is not in the source; its columns are: " + list);
    }
  }
  width_ = std::max(width_, static_cast<size_t>(idx) + 1);
  return idx;
}

const Cell* RowMapper::At(const std::vector<Cell>& row, int idx) const {
  if (idx == kNone || static_cast<size_t>(idx) >= row.size()) return nullptr;
  const Cell* c = &row[idx];
  return c->type == Cell::Type::kNull ? nullptr : c;
}

std::string RowMapper::Text(const std::vector<Cell>& row, int idx) const {
  const Cell* c = At(row, idx);
  if (c == nullptr) return {};
  switch (c->type) {
    case Cell::Type::kText: return std::string(TrimView(c->view()));
    case Cell::Type::kDate: return FormatLocalDate(c->datetime);
    case Cell::Type::kDateTime: return FormatLocalDateTime(c->datetime);
    case Cell::Type::kTime: return FormatTimeOfDay(c->time);
    default: return {};
  }
}

void RowMapper::TextInto(const std::vector<Cell>& row, int idx, std::string* out) const {
  const Cell* c = At(row, idx);
  if (c != nullptr && c->type == Cell::Type::kText) {
    out->assign(TrimView(c->view()));
  } else {
    *out = Text(row, idx);
  }
}

std::optional<bool> RowMapper::Flag(const std::vector<Cell>& row, int idx, bool fallback) const {
  if (idx == kNone) return fallback;
  std::string_view raw;
  std::string converted;
  if (const Cell* c = At(row, idx); c != nullptr && c->type == Cell::Type::kText) {
    raw = TrimView(c->view());
  } else {
    converted = Text(row, idx);
    raw = converted;
  }
  // Fast path for the usual 0/1 without building a lower-case copy.
  if (raw.size() == 1 && (raw[0] == '0' || raw[0] == '1')) {
    std::string_view v = raw;
    if (std::find(m_.true_values.begin(), m_.true_values.end(), v) != m_.true_values.end()) {
      return true;
    }
    if (std::find(m_.false_values.begin(), m_.false_values.end(), v) != m_.false_values.end()) {
      return false;
    }
  }
  std::string v = Lower(raw);
  if (std::find(m_.true_values.begin(), m_.true_values.end(), v) != m_.true_values.end()) {
    return true;
  }
  if (std::find(m_.false_values.begin(), m_.false_values.end(), v) != m_.false_values.end()) {
    return false;
  }
  return std::nullopt;
}

std::optional<std::chrono::minutes> RowMapper::TimeOf(const Cell& c) const {
  using std::chrono::floor;
  switch (c.type) {
    case Cell::Type::kTime: return c.time;
    case Cell::Type::kDateTime:
      return floor<std::chrono::minutes>(c.datetime - floor<date::days>(c.datetime));
    case Cell::Type::kText: {
      std::string_view t = TrimView(c.view());
      for (const auto& f : m_.time_formats) {
        if (auto m = ParseTimeWithFormat(t, f)) return m;
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

RowMapper::Result RowMapper::Map(const std::vector<Cell>& row, const std::string& where,
                                 Appointment* out, SourceReport* report) {
  std::string id = Text(row, id_);
  auto skip = [&](std::string reason) {
    report->skipped.push_back({where, id, std::move(reason)});
    return Result::kSkipped;
  };
  if (id.empty()) return skip("missing id");

  // The day (and maybe the time) first: rows outside the window are not errors.
  AppointmentStart start;
  if (std::string why = ReadDate(row, &start); !why.empty()) return skip(std::move(why));
  if (start.date < first_day_ || start.date > last_day_) {
    ++report->outside_window;
    return Result::kOutsideWindow;
  }
  if (std::string why = ReadTime(row, &start); !why.empty()) return skip(std::move(why));
  AppointmentKind kind = m_.default_kind;
  if (std::string why = ReadKind(row, &kind); !why.empty()) return skip(std::move(why));
  AppointmentStatus status = AppointmentStatus::kScheduled;
  if (std::string why = ReadStatus(row, &status); !why.empty()) return skip(std::move(why));
  size_t n_contacts = 0;
  for (const auto& p : phones_) {
    std::string why = ReadContact(row, p, ContactChannel::kSms, &n_contacts);
    if (!why.empty()) return skip(std::move(why));
  }
  if (email_) {
    std::string why = ReadContact(row, *email_, ContactChannel::kEmail, &n_contacts);
    if (!why.empty()) return skip(std::move(why));
  }

  auto [it, inserted] = seen_ids_.emplace(id, where);
  if (!inserted) return skip("duplicate id (first seen at " + it->second + ")");

  out->id = std::move(id);
  out->kind = kind;
  out->start = start;
  out->status = status;
  CopyTexts(row, out);
  CopyContacts(n_contacts, out);
  ++report->appointments;
  return Result::kAppointment;
}

bool RowMapper::IsBlank(const Cell* c) {
  return c == nullptr || (c->type == Cell::Type::kText && TrimView(c->view()).empty());
}

std::string RowMapper::ReadDate(const std::vector<Cell>& row, AppointmentStart* start) const {
  using std::chrono::floor;
  // One column with date and time, or a date column (the time comes later).
  const bool combined = datetime_ != kNone;
  const int date_column = combined ? datetime_ : date_;
  const Cell* c = At(row, date_column);
  if (IsBlank(c)) return "missing date";
  std::optional<LocalTime> t;
  if (c->type == Cell::Type::kDate || c->type == Cell::Type::kDateTime) {
    t = c->datetime;
  } else if (c->type == Cell::Type::kText) {
    const std::string_view s = TrimView(c->view());
    const std::vector<std::string>* lists[] = {combined ? &m_.datetime_formats : nullptr,
                                               &m_.date_formats};
    for (const std::vector<std::string>* formats : lists) {
      if (formats == nullptr || t) continue;
      for (const auto& f : *formats) {
        if ((t = ParseWithFormat(s, f))) break;
      }
    }
  }
  if (!t) return "unparseable date " + Quote(Text(row, date_column));
  start->date = floor<date::days>(*t);
  if (combined && *t != start->date) start->time = floor<std::chrono::minutes>(*t - start->date);
  return {};
}

std::string RowMapper::ReadTime(const std::vector<Cell>& row, AppointmentStart* start) const {
  if (const Cell* c = At(row, time_); !IsBlank(c)) {
    auto t = TimeOf(*c);
    if (!t) return "unparseable time " + Quote(Text(row, time_));
    start->time = *t;
  }
  if (start->time) return {};
  std::optional<std::chrono::minutes> from, to;
  std::string why;
  if (window_ != kNone) {
    why = ReadWindow(row, &from, &to);
  } else if (window_from_ != kNone) {
    why = ReadWindowColumns(row, start, &from, &to);
  }
  if (!why.empty()) return why;
  if (from && to) {
    if (*to <= *from) {
      return "time window ends before it starts (" + FormatTimeOfDay(*from) + "-" +
             FormatTimeOfDay(*to) + ")";
    }
    start->window_from = from;
    start->window_to = to;
  }
  return {};
}

std::string RowMapper::ReadWindow(const std::vector<Cell>& row,
                                  std::optional<std::chrono::minutes>* from,
                                  std::optional<std::chrono::minutes>* to) const {
  std::string w = Text(row, window_);
  if (w.empty()) return {};
  // "08:00-12:00", "08:00 - 12:00", "08:00–12:00" (en dash), "08:00 bis 12:00".
  size_t sep = w.find("\xE2\x80\x93");
  size_t len = 3;
  if (sep == std::string::npos) {
    sep = w.find(" bis ");
    len = 5;
  }
  if (sep == std::string::npos) {
    sep = w.find('-');
    len = 1;
  }
  if (sep != std::string::npos) {
    Cell a, b;
    a.SetText(w.substr(0, sep));
    b.SetText(w.substr(sep + len));
    *from = TimeOf(a);
    *to = TimeOf(b);
  }
  if (!*from || !*to) return "unparseable time window " + Quote(w);
  return {};
}

std::string RowMapper::ReadWindowColumns(const std::vector<Cell>& row, AppointmentStart* start,
                                         std::optional<std::chrono::minutes>* from,
                                         std::optional<std::chrono::minutes>* to) const {
  const Cell* a = At(row, window_from_);
  const Cell* b = At(row, window_to_);
  const bool a_empty = IsBlank(a);
  const bool b_empty = IsBlank(b);
  if (a_empty && !b_empty) {
    return "time window with an end without a start: '' to " + Quote(Text(row, window_to_));
  }
  if (!a_empty && b_empty) {
    // Office programs leave the end empty for appointments agreed at an
    // exact time: the start alone is that time (decided per row).
    auto t = TimeOf(*a);
    if (!t) return "unparseable time " + Quote(Text(row, window_from_));
    start->time = *t;
  } else if (!a_empty) {
    *from = TimeOf(*a);
    *to = TimeOf(*b);
    if (!*from || !*to) {
      return "unparseable time window " + Quote(Text(row, window_from_)) + " to " +
             Quote(Text(row, window_to_));
    }
  }
  return {};
}

std::string RowMapper::ReadKind(const std::vector<Cell>& row, AppointmentKind* kind) const {
  if (kind_ == kNone) return {};
  return ReadCoded(Text(row, kind_), m_.kind_values, ParseAppointmentKind, "kind", kind);
}

std::string RowMapper::ReadStatus(const std::vector<Cell>& row, AppointmentStatus* status) const {
  if (status_ == kNone) return {};
  return ReadCoded(Text(row, status_), m_.status_values, ParseAppointmentStatus, "status", status);
}

std::string RowMapper::ReadContact(const std::vector<Cell>& row, const ContactIdx& idx,
                                   ContactChannel channel, size_t* n_contacts) {
  if (IsBlank(At(row, idx.address))) return {};
  auto consent = Flag(row, idx.consent, idx.consent_default);
  if (!consent) {
    return "unrecognised consent value " + Quote(Text(row, idx.consent)) +
           " (see source.formats.true_values / false_values)";
  }
  auto only_hk = Flag(row, idx.main_sweep_only, false);
  if (!only_hk) {
    return "unrecognised main_sweep_only value " + Quote(Text(row, idx.main_sweep_only)) +
           " (see source.formats.true_values / false_values)";
  }
  // contacts_ is reused: no allocation per row.
  if (contacts_.size() <= *n_contacts) contacts_.emplace_back();
  Contact& c = contacts_[(*n_contacts)++];
  c.channel = channel;
  TextInto(row, idx.address, &c.address);
  c.consent = *consent;
  c.main_sweep_only = *only_hk;
  return {};
}

void RowMapper::CopyTexts(const std::vector<Cell>& row, Appointment* out) const {
  TextInto(row, object_id_, &out->object.id);
  TextInto(row, street_, &out->object.street);
  TextInto(row, zip_, &out->object.zip);
  TextInto(row, city_, &out->object.city);
  TextInto(row, salutation_, &out->customer.salutation);
  TextInto(row, title_, &out->customer.title);
  TextInto(row, first_name_, &out->customer.first_name);
  TextInto(row, last_name_, &out->customer.last_name);
  TextInto(row, company_, &out->customer.company);
}

void RowMapper::CopyContacts(size_t n_contacts, Appointment* out) const {
  // Copy assignment keeps out->contacts' buffers; contacts_ keeps its own.
  out->contacts.resize(n_contacts);
  for (size_t i = 0; i < n_contacts; ++i) {
    Contact& o = out->contacts[i];
    o.channel = contacts_[i].channel;
    o.address.assign(contacts_[i].address);
    o.consent = contacts_[i].consent;
    o.main_sweep_only = contacts_[i].main_sweep_only;
  }
}

}  // namespace kehrbote
