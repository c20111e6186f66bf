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
#include "shared/export/raw_appointment_digest.h"
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

// A file of a higher minor version than this program's is read leniently: members
// unknown here are ignored (export_schema.h).
SchemaStrictness StrictnessFor(const json& header) {
  auto version = header.find("version");
  if (version != header.end() && version->is_object()) {
    auto minor = version->find("minor");
    if (minor != version->end() && minor->is_number_integer() &&
        minor->get<std::int64_t>() > kExportMinorVersion) {
      return SchemaStrictness::kLenient;
    }
  }
  return SchemaStrictness::kStrict;
}

// Format and major version are checked as soon as they are read: a file of another
// format or major version is refused with that reason, not with a schema error.
void CheckFormatAndMajor(const std::string& name, const json& value, const Checks& checks) {
  if (name == "format" && value.is_string() && value.get<std::string>() != kExportFormatId) {
    checks.Fail("/format", "not a Kehrbote export: format is " + value.dump() + ", expected \"" +
                               std::string(kExportFormatId) + "\"");
  }
  if (name == "version" && value.is_object() && value.contains("major") &&
      value["major"].is_number_integer() &&
      value["major"].get<std::int64_t>() != kExportMajorVersion) {
    checks.Fail("/version/major", "unsupported export format major version " +
                                      value["major"].dump() + "; this program reads version " +
                                      std::to_string(kExportMajorVersion) + ".x only");
  }
}

// Reads the header members up to "appointments" into `header`; false if the root
// object ended without "appointments".
bool ReadHeaderMembers(JsonPullParser& parser, const Checks& checks, json* header) {
  std::string name;
  while (parser.NextMember(&name)) {
    if (name == "appointments") return true;
    if (header->contains(name)) parser.Fail("duplicate member \"" + name + "\"");
    json value = parser.ParseValue();
    CheckFormatAndMajor(name, value, checks);
    header->emplace(name, std::move(value));
  }
  return false;
}

// The "appointments" array, read in batches.
//
// With digests, each element's bytes are looked at first: an element whose
// digest is known is stepped over, neither parsed nor checked (export_reader.h).
//
// Checking an appointment (schema, dates) costs about three times parsing it, so
// with a second core a helper thread checks half of each batch. The batch is then
// handed over in file order and stops at the first problem; a syntax error later
// in the batch counts only if all before it were fine: the same errors and the
// same appointments handed over as one by one.
class AppointmentArray {
 public:
  AppointmentArray(JsonPullParser& parser, ExportSchema& schema, SchemaStrictness strictness,
                   const Checks& checks, const std::string& source)
      : parser_(parser),
        schema_(schema),
        strictness_(strictness),
        checks_(checks),
        source_(source) {}

  // Digests of every element's bytes; elements whose digest is in `known` (may be
  // null) are handed over as known.
  void WithDigests(const KnownRawDigests* known) {
    digests_ = true;
    known_ = known;
  }

  // Reads the whole array; returns the number of appointments handed over.
  size_t Read(const ExportReader::ItemHandler& on_item) {
    parser_.BeginArray();
    for (bool more = true; more;) {
      std::exception_ptr syntax_error = ParseBatch(&more);
      CheckBatch();
      HandOverBatch(on_item);
      if (syntax_error) std::rethrow_exception(syntax_error);
    }
    return ids_.size();
  }

 private:
  static constexpr size_t kBatch = 256, kSplitFrom = 16;

  struct Item {
    std::string base;  // the appointment's JSON pointer
    json value;
    ExportItem out;
    std::exception_ptr error;
  };

  // Parses up to kBatch elements; `more` becomes false at the end of the array or
  // at a syntax error, which is returned (to count only after the batch before it).
  std::exception_ptr ParseBatch(bool* more) {
    batch_.clear();
    try {
      while (batch_.size() < kBatch && (*more = parser_.NextElement())) {
        Item item;
        item.base = parser_.Pointer();
        if (!SkipKnown(item)) item.value = parser_.ParseValue();
        batch_.push_back(std::move(item));
      }
    } catch (...) {
      *more = false;
      return std::current_exception();
    }
    return nullptr;
  }

  // With digests: takes the element's digest, and steps over it if it is known.
  bool SkipKnown(Item& item) {
    if (!digests_) return false;
    const std::string_view raw = parser_.PeekRawObject();
    if (raw.empty()) return false;
    item.out.raw_digest = RawAppointmentDigest(raw, strictness_);
    if (!known_) return false;
    const auto it = known_->find(item.out.raw_digest);
    if (it == known_->end()) return false;
    item.out.known = true;
    item.out.appointment.id = it->second;
    parser_.SkipRawValue(raw.size());
    return true;
  }

  // Checks the batch's elements that were parsed (known ones are not).
  void CheckBatch() {
    to_check_.clear();
    for (Item& item : batch_) {
      if (!item.out.known) to_check_.push_back(&item);
    }
    if (to_check_.size() < kSplitFrom || std::thread::hardware_concurrency() <= 1) {
      for (Item* item : to_check_) Check(schema_, *item);
      return;
    }
    // valijson's validator is not shared between threads: the helper has its own schema.
    if (!helper_schema_) helper_schema_ = std::make_unique<ExportSchema>(source_);
    const size_t half = to_check_.size() / 2;
    auto helper = std::async(std::launch::async, [&] {
      for (size_t i = half; i < to_check_.size(); ++i) Check(*helper_schema_, *to_check_[i]);
    });
    for (size_t i = 0; i < half; ++i) Check(schema_, *to_check_[i]);
    helper.get();
  }

  // Runs on either thread; a problem is kept in item.error for the hand-over.
  void Check(ExportSchema& with, Item& item) const {
    try {
      // The schema's "not both" rule gives an obscure message; say it plainly.
      if (item.value.is_object()) {
        auto start = item.value.find("start");
        if (start != item.value.end() && start->is_object() && start->contains("time") &&
            start->contains("window")) {
          checks_.Fail(item.base + "/start",
                       "start has both \"time\" and \"window\"; give one of them");
        }
      }
      with.ValidateAppointment(item.value, item.base, strictness_);
      item.out.appointment = ToAppointment(item.value, item.base, checks_);
    } catch (const ExportError& e) {
      item.error = std::make_exception_ptr(WithAppointmentId(e, item.value));
    } catch (...) {
      item.error = std::current_exception();
    }
    item.value = json();
  }

  void HandOverBatch(const ExportReader::ItemHandler& on_item) {
    for (Item& item : batch_) {
      if (item.error) std::rethrow_exception(item.error);
      const Appointment& appointment = item.out.appointment;
      auto [it, inserted] = ids_.emplace(appointment.id, ids_.size());
      if (!inserted) {
        checks_.Fail(item.base + "/id", "duplicate appointment id \"" + appointment.id +
                                            "\" (first at /appointments/" +
                                            std::to_string(it->second) + ")");
      }
      on_item(std::move(item.out));
    }
  }

  JsonPullParser& parser_;
  ExportSchema& schema_;
  const SchemaStrictness strictness_;
  const Checks& checks_;
  const std::string& source_;
  bool digests_ = false;
  const KnownRawDigests* known_ = nullptr;
  std::unique_ptr<ExportSchema> helper_schema_;  // made for the first split batch
  std::vector<Item> batch_;
  std::vector<Item*> to_check_;                  // CheckBatch's
  std::unordered_map<std::string, size_t> ids_;  // id -> index of its first appearance
};

}  // namespace

ExportReader::ExportReader(std::istream& in, std::string source_name)
    : in_(in), source_(std::move(source_name)) {}

size_t ExportReader::Read(const HeaderHandler& on_header,
                          const AppointmentHandler& on_appointment) {
  return ReadAll(
      on_header, [&](ExportItem&& item) { on_appointment(std::move(item.appointment)); }, false,
      nullptr);
}

size_t ExportReader::ReadItems(const HeaderHandler& on_header, const ItemHandler& on_item,
                               const KnownRawDigests* known) {
  return ReadAll(on_header, on_item, true, known);
}

size_t ExportReader::ReadAll(const HeaderHandler& on_header, const ItemHandler& on_item,
                             bool digests, const KnownRawDigests* known) {
  JsonPullParser parser(in_, source_);
  ExportSchema schema(source_);
  Checks checks(source_);
  json header = json::object();
  parser.BeginObject();
  const bool has_appointments = ReadHeaderMembers(parser, checks, &header);
  if (!has_appointments) parser.ExpectEnd();
  // Header problems are reported first; a header without appointments is still wrong.
  const SchemaStrictness strictness = StrictnessFor(header);
  if (strictness == SchemaStrictness::kLenient) lenient_ = true;
  schema.ValidateHeader(header, strictness);
  if (!has_appointments) checks.Fail("", "missing member \"appointments\"");

  on_header(ToHeader(header, checks));
  header = json();  // not needed any more
  AppointmentArray appointments(parser, schema, strictness, checks, source_);
  if (digests) appointments.WithDigests(known);
  const size_t count = appointments.Read(on_item);
  if (std::string name; parser.NextMember(&name)) {
    parser.Fail("member \"" + name +
                "\" after \"appointments\"; \"appointments\" must be the "
                "last member of the export");
  }
  parser.ExpectEnd();
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
