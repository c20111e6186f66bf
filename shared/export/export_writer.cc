#include "shared/export/export_writer.h"

#include <cstdio>

#include "shared/text/json_string.h"
#include "shared/text/utf8.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

constexpr size_t kMaxText = 1000;     // definitions/text maxLength
constexpr size_t kMaxId = 128;        // definitions/id maxLength
constexpr size_t kMaxAddress = 320;   // definitions/address maxLength
constexpr size_t kMaxContacts = 20;   // contacts/heartbeat_contacts maxItems

void AppendMember(std::string& out, std::string_view name, std::string_view value, bool comma = true) {
  if (comma) out += ", ";
  AppendJsonString(out, name);
  out += ": ";
  AppendJsonString(out, value);
}

void AppendBool(std::string& out, std::string_view name, bool value) {
  out += ", ";
  AppendJsonString(out, name);
  out += value ? ": true" : ": false";
}

// Why `value` is not acceptable text of `min`..`max` characters, or an empty string.
std::string TextProblem(const std::string& value, size_t min, size_t max) {
  // The reader's schema check measures text as a C string and sees nothing after a
  // NUL: written, such a text (a NUL-padded field of the office database) would make
  // the dispatcher refuse the whole export; refused here, only its row is left out.
  if (value.find('\0') != std::string::npos) return "contains a NUL character";
  size_t n = Utf8Length(value);
  if (n == std::string::npos) return "not valid UTF-8";
  if (n < min) return "must not be empty";
  if (n > max) return "longer than " + std::to_string(max) + " characters";
  return {};
}

// Checks one record. The JSON pointer of a failure is built only when something fails:
// ExportWriter::Add runs for every appointment, and the pointers would otherwise cost
// more than writing the appointment.
class Checker {
 public:
  Checker(const std::string& target, std::string prefix = {})
      : target_(target), prefix_(std::move(prefix)) {}
  Checker(const std::string& target, size_t appointment_index)
      : target_(target), index_(appointment_index), has_index_(true) {}

  void Text(const std::string& value, std::string_view suffix, size_t min, size_t max) const {
    std::string problem = TextProblem(value, min, max);
    if (!problem.empty()) Fail(suffix, problem);
  }

  [[noreturn]] void Fail(std::string_view suffix, const std::string& reason) const {
    std::string pointer = has_index_ ? "/appointments/" + std::to_string(index_) : prefix_;
    pointer += suffix;
    throw ExportError(target_, pointer, reason);
  }

 private:
  const std::string& target_;
  std::string prefix_;
  size_t index_ = 0;
  bool has_index_ = false;
};

bool IsFirmId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// A date the schema accepts: four-digit year.
bool WritableDate(LocalTime t) { return FormatLocalDate(t).size() == 10; }

// The start as the schema allows it: a time or a window (both within the day,
// the window ending after it starts), never both.
void CheckStart(const Checker& check, const AppointmentStart& st) {
  if (!WritableDate(st.date)) check.Fail("/start/date", "date out of range");
  auto in_day = [](std::chrono::minutes m) { return m.count() >= 0 && m.count() < 24 * 60; };
  if (st.time && (st.window_from || st.window_to)) {
    check.Fail("/start", "start has both a time and a time window");
  }
  if (st.time && !in_day(*st.time)) check.Fail("/start/time", "time of day out of range");
  if (st.window_from.has_value() != st.window_to.has_value()) {
    check.Fail("/start/window", "time window needs both from and to");
  }
  if (st.window_from) {
    if (!in_day(*st.window_from)) check.Fail("/start/window/from", "time of day out of range");
    if (!in_day(*st.window_to)) check.Fail("/start/window/to", "time of day out of range");
    if (*st.window_from >= *st.window_to) {
      check.Fail("/start/window", "time window must end after it starts");
    }
  }
}

// Texts and contacts within the schema's limits; texts valid UTF-8 without NUL.
void CheckTexts(const Checker& check, const Appointment& a) {
  check.Text(a.object.id, "/object/id", 0, kMaxText);
  check.Text(a.object.street, "/object/street", 0, kMaxText);
  check.Text(a.object.zip, "/object/zip", 0, kMaxText);
  check.Text(a.object.city, "/object/city", 0, kMaxText);
  check.Text(a.customer.salutation, "/customer/salutation", 0, kMaxText);
  check.Text(a.customer.title, "/customer/title", 0, kMaxText);
  check.Text(a.customer.first_name, "/customer/first_name", 0, kMaxText);
  check.Text(a.customer.last_name, "/customer/last_name", 0, kMaxText);
  check.Text(a.customer.company, "/customer/company", 0, kMaxText);
  if (a.contacts.size() > kMaxContacts) check.Fail("/contacts", "more than 20 contacts");
  for (size_t i = 0; i < a.contacts.size(); ++i) {
    std::string problem = TextProblem(a.contacts[i].address, 1, kMaxAddress);
    if (!problem.empty()) check.Fail("/contacts/" + std::to_string(i) + "/address", problem);
  }
}

// `a` as one JSON object.
void AppendAppointment(std::string& s, const Appointment& a) {
  const AppointmentStart& st = a.start;
  s += "{";
  AppendMember(s, "id", a.id, false);
  AppendMember(s, "kind", ToString(a.kind));
  s += ", \"start\": {";
  AppendMember(s, "date", FormatLocalDate(st.date), false);
  if (st.time) AppendMember(s, "time", FormatTimeOfDay(*st.time));
  if (st.window_from) {
    s += ", \"window\": {";
    AppendMember(s, "from", FormatTimeOfDay(*st.window_from), false);
    AppendMember(s, "to", FormatTimeOfDay(*st.window_to));
    s += "}";
  }
  s += "}";
  AppendMember(s, "status", ToString(a.status));
  s += ", \"object\": {";
  AppendMember(s, "id", a.object.id, false);
  AppendMember(s, "street", a.object.street);
  AppendMember(s, "zip", a.object.zip);
  AppendMember(s, "city", a.object.city);
  s += "}, \"customer\": {";
  AppendMember(s, "salutation", a.customer.salutation, false);
  AppendMember(s, "title", a.customer.title);
  AppendMember(s, "first_name", a.customer.first_name);
  AppendMember(s, "last_name", a.customer.last_name);
  AppendMember(s, "company", a.customer.company);
  s += "}, \"contacts\": [";
  for (size_t i = 0; i < a.contacts.size(); ++i) {
    const Contact& c = a.contacts[i];
    s += i ? ", {" : "{";
    AppendMember(s, "channel", ToString(c.channel), false);
    AppendMember(s, "address", c.address);
    AppendBool(s, "consent", c.consent);
    AppendBool(s, "main_sweep_only", c.main_sweep_only);
    s += "}";
  }
  s += "]}";
}

}  // namespace

ExportWriter::ExportWriter(std::ostream& out, const ExportHeader& header, std::string target_name)
    : out_(out), target_(std::move(target_name)), zone_(header.firm.timezone) {
  Checker check(target_);
  const Firm& firm = header.firm;
  if (!IsFirmId(firm.id)) {
    check.Fail("/firm/id", "firm id must be 1-64 of [a-z0-9-], not starting or ending with '-'");
  }
  check.Text(firm.name, "/firm/name", 1, 200);
  if (!IsKnownTimeZone(firm.timezone)) {
    check.Fail("/firm/timezone", "unknown IANA time zone \"" + firm.timezone + "\"");
  }
  if (firm.country.size() != 2 || firm.country[0] < 'A' || firm.country[0] > 'Z' ||
      firm.country[1] < 'A' || firm.country[1] > 'Z') {
    check.Fail("/firm/country", "country must be ISO 3166 alpha-2 in capitals, e.g. AT");
  }
  check.Text(firm.phone, "/firm/phone", 0, kMaxText);
  if (firm.heartbeat_contacts.size() > kMaxContacts) {
    check.Fail("/firm/heartbeat_contacts", "more than 20 heartbeat contacts");
  }
  for (size_t i = 0; i < firm.heartbeat_contacts.size(); ++i) {
    std::string problem = TextProblem(firm.heartbeat_contacts[i].address, 1, kMaxAddress);
    if (!problem.empty()) {
      check.Fail("/firm/heartbeat_contacts/" + std::to_string(i) + "/address", problem);
    }
  }
  if (!WritableDate(header.window_from)) check.Fail("/window/from", "date out of range");
  if (!WritableDate(header.window_to)) check.Fail("/window/to", "date out of range");
  if (header.window_from > header.window_to)
    check.Fail("/window", "window.from is after window.to");

  std::string& s = line_;
  s.clear();
  s += "{\n  \"format\": ";
  AppendJsonString(s, kExportFormatId);
  s += ",\n  \"version\": {\"major\": " + std::to_string(kExportMajorVersion) +
       ", \"minor\": " + std::to_string(kExportMinorVersion) + "},\n  \"firm\": {";
  AppendMember(s, "id", firm.id, false);
  AppendMember(s, "name", firm.name);
  AppendMember(s, "timezone", firm.timezone);
  AppendMember(s, "country", firm.country);
  AppendMember(s, "phone", firm.phone);
  s += ", \"heartbeat_contacts\": [";
  for (size_t i = 0; i < firm.heartbeat_contacts.size(); ++i) {
    s += i ? ", {" : "{";
    AppendMember(s, "channel", ToString(firm.heartbeat_contacts[i].channel), false);
    AppendMember(s, "address", firm.heartbeat_contacts[i].address);
    s += "}";
  }
  s += "]},\n  \"generated_at\": ";
  AppendJsonString(s, FormatRfc3339(header.generated_at, firm.timezone));
  s += ",\n  \"window\": {";
  AppendMember(s, "from", FormatLocalDate(header.window_from), false);
  AppendMember(s, "to", FormatLocalDate(header.window_to));
  s += "},\n  \"appointments\": [";
  out_.write(s.data(), static_cast<std::streamsize>(s.size()));
  CheckStream();
}

void ExportWriter::Add(const Appointment& a) {
  Checker check(target_, count_);
  if (finished_) check.Fail("", "Add after Finish");
  check.Text(a.id, "/id", 1, kMaxId);
  if (ids_.count(a.id)) check.Fail("/id", "duplicate appointment id \"" + a.id + "\"");
  CheckStart(check, a.start);
  CheckTexts(check, a);

  line_.clear();
  line_ += count_ ? ",\n    " : "\n    ";
  AppendAppointment(line_, a);
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  CheckStream();
  ids_.insert(a.id);
  ++count_;
}

void ExportWriter::Finish() {
  if (finished_) return;
  static constexpr std::string_view kEnd = "\n  ]\n}\n";
  if (count_ == 0) {
    out_ << "]\n}\n";
  } else {
    out_.write(kEnd.data(), static_cast<std::streamsize>(kEnd.size()));
  }
  out_.flush();
  CheckStream();
  finished_ = true;
}

void ExportWriter::CheckStream() {
  if (!out_) throw ExportError(target_, "", "write failed");
}

}  // namespace kehrbote
