#include "shared/export/export_reader.h"

#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/export/export_schema.h"
#include "shared/export/json_pull_parser.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

using nlohmann::json;

// Accessors for values the schema has already checked.
std::string Text(const json& o, const char* name) {
  auto it = o.find(name);
  return it == o.end() ? std::string() : it->get<std::string>();
}

// Reads the time-of-day strings the schema has already checked.
std::chrono::minutes Minutes(const std::string& text) { return *ParseTimeOfDay(text); }

// The checks the schema cannot express, reported against the source.
class Checks {
 public:
  explicit Checks(const std::string& source) : source_(source) {}

  [[noreturn]] void Fail(const std::string& pointer, const std::string& reason) const {
    throw ExportError(source_, pointer, reason);
  }

  LocalTime Date(const json& o, const char* name, const std::string& pointer) const {
    std::string text = Text(o, name);
    auto date = ParseLocalDate(text);
    if (!date) Fail(pointer, "not a calendar date \"" + text + "\"");
    return *date;
  }

  ContactChannel Channel(const json& o) const {
    return *ParseContactChannel(Text(o, "channel"));
  }

 private:
  const std::string& source_;
};

// The refusal of an appointment with its id added: with the pointer, that is
// what the office needs to find the row (the values themselves are masked).
ExportError WithAppointmentId(const ExportError& e, const json& appointment) {
  if (!appointment.is_object()) return e;
  auto id = appointment.find("id");
  if (id == appointment.end() || !id->is_string()) return e;
  const std::string text = id->get<std::string>();
  if (text.empty() || text.size() > 128 || e.reason().find("\"" + text + "\"") != std::string::npos)
    return e;
  return ExportError(e.source(), e.pointer(), e.reason() + " (appointment id \"" + text + "\")");
}

ExportHeader ToHeader(const json& root, const Checks& checks) {
  ExportHeader h;
  const json& version = root.at("version");
  h.version_major = version.at("major").get<int>();
  h.version_minor = version.at("minor").get<int>();

  const json& firm = root.at("firm");
  h.firm.id = Text(firm, "id");
  h.firm.name = Text(firm, "name");
  h.firm.timezone = Text(firm, "timezone");
  if (!IsKnownTimeZone(h.firm.timezone)) {
    checks.Fail("/firm/timezone", "unknown IANA time zone \"" + h.firm.timezone + "\"");
  }
  h.firm.country = Text(firm, "country");
  h.firm.phone = Text(firm, "phone");
  for (const json& c : firm.at("heartbeat_contacts")) {
    h.firm.heartbeat_contacts.push_back({checks.Channel(c), Text(c, "address")});
  }

  std::string generated = Text(root, "generated_at");
  auto instant = ParseRfc3339(generated);
  if (!instant) checks.Fail("/generated_at", "not a valid RFC 3339 date-time \"" + generated + "\"");
  h.generated_at = *instant;

  const json& window = root.at("window");
  h.window_from = checks.Date(window, "from", "/window/from");
  h.window_to = checks.Date(window, "to", "/window/to");
  if (h.window_from > h.window_to) {
    checks.Fail("/window", "window.from " + Text(window, "from") + " is after window.to " +
                              Text(window, "to"));
  }
  return h;
}

Appointment ToAppointment(const json& o, const std::string& base, const Checks& checks) {
  Appointment a;
  a.id = Text(o, "id");
  a.kind = *ParseAppointmentKind(Text(o, "kind"));
  a.status = *ParseAppointmentStatus(Text(o, "status"));

  const json& start = o.at("start");
  a.start.date = checks.Date(start, "date", base + "/start/date");
  if (start.contains("time")) a.start.time = Minutes(Text(start, "time"));
  if (start.contains("window")) {
    const json& w = start.at("window");
    a.start.window_from = Minutes(Text(w, "from"));
    a.start.window_to = Minutes(Text(w, "to"));
    if (*a.start.window_from >= *a.start.window_to) {
      checks.Fail(base + "/start/window", "time window " + Text(w, "from") + "-" + Text(w, "to") +
                                             " does not end after it starts");
    }
  }

  const json& object = o.at("object");
  a.object = {Text(object, "id"), Text(object, "street"), Text(object, "zip"),
              Text(object, "city")};
  const json& customer = o.at("customer");
  a.customer = {Text(customer, "salutation"), Text(customer, "title"),
                Text(customer, "first_name"), Text(customer, "last_name"),
                Text(customer, "company")};

  const json& contacts = o.at("contacts");
  a.contacts.reserve(contacts.size());
  for (const json& c : contacts) {
    a.contacts.push_back({checks.Channel(c), Text(c, "address"), c.at("consent").get<bool>(),
                          c.at("main_sweep_only").get<bool>()});
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
  Checks checks(source_);
  json header = json::object();
  bool header_done = false;
  SchemaStrictness strictness = SchemaStrictness::kStrict;
  std::unordered_map<std::string, size_t> ids;  // id -> index of its first appearance
  size_t count = 0;

  auto validate_header = [&]() {
    auto version = header.find("version");
    if (version != header.end() && version->is_object()) {
      auto minor = version->find("minor");
      if (minor != version->end() && minor->is_number_integer() &&
          minor->get<std::int64_t>() > kExportMinorVersion) {
        strictness = SchemaStrictness::kLenient;
        lenient_ = true;
      }
    }
    schema.ValidateHeader(header, strictness);
  };

  parser.BeginObject();
  std::string name;
  while (parser.NextMember(&name)) {
    if (header_done) {
      parser.Fail("member \"" + name + "\" after \"appointments\"; \"appointments\" must be the "
                  "last member of the export");
    }
    if (name != "appointments") {
      if (header.contains(name)) parser.Fail("duplicate member \"" + name + "\"");
      json value = parser.ParseValue();
      // Format and major version are checked at once: a file of another format
      // or major version is refused with that reason, not with a schema error.
      if (name == "format" && value.is_string() && value.get<std::string>() != kExportFormatId) {
        checks.Fail("/format", "not a Kehrbote export: format is " + value.dump() +
                                  ", expected \"" + std::string(kExportFormatId) + "\"");
      }
      if (name == "version" && value.is_object() && value.contains("major") &&
          value["major"].is_number_integer() &&
          value["major"].get<std::int64_t>() != kExportMajorVersion) {
        checks.Fail("/version/major", "unsupported export format major version " +
                                         value["major"].dump() + "; this program reads version " +
                                         std::to_string(kExportMajorVersion) + ".x only");
      }
      header.emplace(name, std::move(value));
      continue;
    }

    validate_header();
    ExportHeader h = ToHeader(header, checks);
    header = json();  // not needed any more
    header_done = true;
    on_header(h);

    // Checking an appointment (schema, dates) costs about three times parsing
    // it, so with a second core a helper thread checks half of each batch. The
    // batch is then handed over in file order and stops at the first problem;
    // a syntax error later in the batch counts only if all before it were fine:
    // the same errors and the same appointments handed over as one by one.
    struct Item {
      std::string base;
      json value;
      Appointment appointment;
      std::exception_ptr error;
    };
    auto check = [&](ExportSchema& with, Item& item) {
      try {
        // The schema's "not both" rule gives an obscure message; say it plainly.
        if (item.value.is_object()) {
          auto start = item.value.find("start");
          if (start != item.value.end() && start->is_object() && start->contains("time") &&
              start->contains("window")) {
            checks.Fail(item.base + "/start",
                        "start has both \"time\" and \"window\"; give one of them");
          }
        }
        with.ValidateAppointment(item.value, item.base, strictness);
        item.appointment = ToAppointment(item.value, item.base, checks);
      } catch (const ExportError& e) {
        item.error = std::make_exception_ptr(WithAppointmentId(e, item.value));
      } catch (...) {
        item.error = std::current_exception();
      }
      item.value = json();
    };
    constexpr size_t kBatch = 256, kSplitFrom = 16;
    std::unique_ptr<ExportSchema> helper_schema;  // the helper thread's (valijson is not shared)
    std::vector<Item> batch;
    parser.BeginArray();
    for (bool more = true; more;) {
      batch.clear();
      std::exception_ptr syntax_error;
      try {
        while (batch.size() < kBatch && (more = parser.NextElement())) {
          Item item;
          item.base = parser.Pointer();
          item.value = parser.ParseValue();
          batch.push_back(std::move(item));
        }
      } catch (...) {
        syntax_error = std::current_exception();
        more = false;
      }
      if (batch.size() >= kSplitFrom && std::thread::hardware_concurrency() > 1) {
        if (!helper_schema) helper_schema = std::make_unique<ExportSchema>(source_);
        const size_t half = batch.size() / 2;
        auto helper = std::async(std::launch::async, [&] {
          for (size_t i = half; i < batch.size(); ++i) check(*helper_schema, batch[i]);
        });
        for (size_t i = 0; i < half; ++i) check(schema, batch[i]);
        helper.get();
      } else {
        for (Item& item : batch) check(schema, item);
      }
      for (Item& item : batch) {
        if (item.error) std::rethrow_exception(item.error);
        Appointment& appointment = item.appointment;
        auto [it, inserted] = ids.emplace(appointment.id, count);
        if (!inserted) {
          checks.Fail(item.base + "/id", "duplicate appointment id \"" + appointment.id +
                                             "\" (first at /appointments/" +
                                             std::to_string(it->second) + ")");
        }
        ++count;
        on_appointment(std::move(appointment));
      }
      if (syntax_error) std::rethrow_exception(syntax_error);
    }
  }
  parser.ExpectEnd();
  if (!header_done) {
    // Report header problems first; a header without appointments is still wrong.
    validate_header();
    checks.Fail("", "missing member \"appointments\"");
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
