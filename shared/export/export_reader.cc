#include "shared/export/export_reader.h"

#include <unordered_map>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "shared/export/export_schema.h"
#include "shared/export/json_pull_parser.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool IsObject(const Var& v) { return v.type() == typeid(Object::Ptr); }

// Accessors for values the schema has already checked.
const Object& AsObject(const Var& v) { return *v.extract<Object::Ptr>(); }

std::string Text(const Object& o, const std::string& name) {
  if (!o.has(name)) return std::string();
  return o.get(name).extract<std::string>();
}

Var Member(const Object& o, const std::string& name) { return o.get(name); }

// Reads the time-of-day strings the schema has already checked.
std::chrono::minutes Minutes(const std::string& text) { return *ParseTimeOfDay(text); }

class Parts {
 public:
  explicit Parts(const std::string& source) : source_(source) {}

  [[noreturn]] void Fail(const std::string& pointer, const std::string& reason) const {
    throw ExportError(source_, pointer, reason);
  }

  LocalTime Date(const Object& o, const std::string& name, const std::string& pointer) const {
    std::string text = Text(o, name);
    auto date = ParseLocalDate(text);
    if (!date) Fail(pointer, "not a calendar date \"" + text + "\"");
    return *date;
  }

  ContactChannel Channel(const Object& o) const {
    return *ParseContactChannel(Text(o, "channel"));
  }

 private:
  const std::string& source_;
};

ExportHeader ToHeader(const Object& root, const Parts& parts) {
  ExportHeader h;
  const Object& version = AsObject(Member(root, "version"));
  h.version_major = static_cast<int>(version.get("major").convert<Poco::Int64>());
  h.version_minor = static_cast<int>(version.get("minor").convert<Poco::Int64>());

  const Object& firm = AsObject(Member(root, "firm"));
  h.firm.id = Text(firm, "id");
  h.firm.name = Text(firm, "name");
  h.firm.timezone = Text(firm, "timezone");
  if (!IsKnownTimeZone(h.firm.timezone)) {
    parts.Fail("/firm/timezone", "unknown IANA time zone \"" + h.firm.timezone + "\"");
  }
  h.firm.country = Text(firm, "country");
  h.firm.phone = Text(firm, "phone");
  const Array& contacts = *firm.get("heartbeat_contacts").extract<Array::Ptr>();
  for (size_t i = 0; i < contacts.size(); ++i) {
    const Object& c = AsObject(contacts.get(static_cast<unsigned>(i)));
    h.firm.heartbeat_contacts.push_back({parts.Channel(c), Text(c, "address")});
  }

  std::string generated = Text(root, "generated_at");
  auto instant = ParseRfc3339(generated);
  if (!instant) parts.Fail("/generated_at", "not a valid RFC 3339 date-time \"" + generated + "\"");
  h.generated_at = *instant;

  const Object& window = AsObject(Member(root, "window"));
  h.window_from = parts.Date(window, "from", "/window/from");
  h.window_to = parts.Date(window, "to", "/window/to");
  if (h.window_from > h.window_to) {
    parts.Fail("/window", "window.from " + Text(window, "from") + " is after window.to " +
                              Text(window, "to"));
  }
  return h;
}

Appointment ToAppointment(const Object& o, const std::string& base, const Parts& parts) {
  Appointment a;
  a.id = Text(o, "id");
  a.kind = *ParseAppointmentKind(Text(o, "kind"));
  a.status = *ParseAppointmentStatus(Text(o, "status"));

  const Object& start = AsObject(Member(o, "start"));
  a.start.date = parts.Date(start, "date", base + "/start/date");
  if (start.has("time")) a.start.time = Minutes(Text(start, "time"));
  if (start.has("window")) {
    const Object& w = AsObject(Member(start, "window"));
    a.start.window_from = Minutes(Text(w, "from"));
    a.start.window_to = Minutes(Text(w, "to"));
    if (*a.start.window_from >= *a.start.window_to) {
      parts.Fail(base + "/start/window", "time window " + Text(w, "from") + "-" + Text(w, "to") +
                                             " does not end after it starts");
    }
  }

  const Object& object = AsObject(Member(o, "object"));
  a.object = {Text(object, "id"), Text(object, "street"), Text(object, "zip"),
              Text(object, "city")};
  const Object& customer = AsObject(Member(o, "customer"));
  a.customer = {Text(customer, "salutation"), Text(customer, "title"),
                Text(customer, "first_name"), Text(customer, "last_name"),
                Text(customer, "company")};

  const Array& contacts = *o.get("contacts").extract<Array::Ptr>();
  a.contacts.reserve(contacts.size());
  for (size_t i = 0; i < contacts.size(); ++i) {
    const Object& c = AsObject(contacts.get(static_cast<unsigned>(i)));
    a.contacts.push_back({parts.Channel(c), Text(c, "address"), c.get("consent").extract<bool>(),
                          c.get("main_sweep_only").extract<bool>()});
  }
  return a;
}

}  // namespace

ExportReader::ExportReader(std::istream& in, std::string source_name)
    : in_(in), source_(std::move(source_name)) {}

size_t ExportReader::Read(const HeaderHandler& on_header,
                          const AppointmentHandler& on_appointment) {
  JsonPullParser parser(in_, source_);
  ExportSchema schema(source_);
  Parts parts(source_);
  Object::Ptr header = new Object;
  bool header_done = false;
  SchemaStrictness strictness = SchemaStrictness::kStrict;
  std::unordered_map<std::string, size_t> ids;  // id -> index of its first appearance
  size_t count = 0;

  auto validate_header = [&]() {
    if (header->has("version") && IsObject(header->get("version"))) {
      const Object& version = AsObject(header->get("version"));
      if (version.has("minor") && version.get("minor").isInteger() &&
          version.get("minor").convert<Poco::Int64>() > kExportMinorVersion) {
        strictness = SchemaStrictness::kLenient;
        lenient_ = true;
      }
    }
    schema.ValidateHeader(header, strictness);
  };
  auto finish_header = [&]() {
    validate_header();
    ExportHeader h = ToHeader(*header, parts);
    header = nullptr;  // not needed any more
    header_done = true;
    on_header(h);
  };

  parser.BeginObject();
  std::string name;
  while (parser.NextMember(&name)) {
    if (header_done) {
      parser.Fail("member \"" + name + "\" after \"appointments\"; \"appointments\" must be the "
                  "last member of the export");
    }
    if (name != "appointments") {
      if (header->has(name)) parser.Fail("duplicate member \"" + name + "\"");
      Var value = parser.ParseValue();
      // Format and major version are checked at once: a file of another format
      // or major version is refused with that reason, not with a schema error.
      if (name == "format" && value.isString() &&
          value.extract<std::string>() != kExportFormatId) {
        parts.Fail("/format", "not a Kehrbote export: format is \"" +
                                  value.extract<std::string>() + "\", expected \"" +
                                  std::string(kExportFormatId) + "\"");
      }
      if (name == "version" && IsObject(value) && AsObject(value).has("major") &&
          AsObject(value).get("major").isInteger() &&
          AsObject(value).get("major").convert<Poco::Int64>() != kExportMajorVersion) {
        parts.Fail("/version/major",
                   "unsupported export format major version " +
                       AsObject(value).get("major").toString() + "; this program reads version " +
                       std::to_string(kExportMajorVersion) + ".x only");
      }
      header->set(name, value);
      continue;
    }

    finish_header();
    parser.BeginArray();
    while (parser.NextElement()) {
      const std::string base = parser.Pointer();
      Var value = parser.ParseValue();
      // The schema's "not both" rule gives an obscure message; say it plainly.
      if (IsObject(value) && AsObject(value).has("start") && IsObject(AsObject(value).get("start"))) {
        const Object& start = AsObject(AsObject(value).get("start"));
        if (start.has("time") && start.has("window")) {
          parts.Fail(base + "/start", "start has both \"time\" and \"window\"; give one of them");
        }
      }
      schema.ValidateAppointment(value, base, strictness);
      Appointment appointment = ToAppointment(AsObject(value), base, parts);
      auto [it, inserted] = ids.emplace(appointment.id, count);
      if (!inserted) {
        parts.Fail(base + "/id", "duplicate appointment id \"" + appointment.id +
                                     "\" (first at /appointments/" + std::to_string(it->second) +
                                     ")");
      }
      ++count;
      on_appointment(std::move(appointment));
    }
  }
  parser.ExpectEnd();
  if (!header_done) {
    // Report header problems first; a header without appointments is still wrong.
    validate_header();
    parts.Fail("", "missing member \"appointments\"");
  }
  return count;
}

ExportDocument ReadExportDocument(std::istream& in, const std::string& source_name) {
  ExportDocument doc;
  ExportReader reader(in, source_name);
  reader.Read([&](const ExportHeader& h) { doc.header = h; },
              [&](Appointment&& a) { doc.appointments.push_back(std::move(a)); });
  return doc;
}

}  // namespace kehrbote
