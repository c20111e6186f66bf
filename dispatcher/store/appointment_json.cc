#include "dispatcher/store/appointment_json.h"

#include "shared/text/hex.h"
#include "shared/text/json_string.h"

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace kehrbote {


namespace {

// "2026-11-24" and "08:30" without iostreams: this runs for every appointment of
// every export, several times.
void AppendDate(std::string& out, LocalTime t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "\"%04d-%02u-%02u\"", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  out.append(buf, static_cast<size_t>(n));
}

void AppendTime(std::string& out, std::chrono::minutes m) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "\"%02d:%02d\"", static_cast<int>(m.count() / 60),
                        static_cast<int>(m.count() % 60));
  out.append(buf, static_cast<size_t>(n));
}

void AppendStart(std::string& out, const AppointmentStart& s) {
  out += "{\"date\":";
  AppendDate(out, s.date);
  if (s.time) {
    out += ",\"time\":";
    AppendTime(out, *s.time);
  }
  if (s.window_from) {
    out += ",\"window_from\":";
    AppendTime(out, *s.window_from);
  }
  if (s.window_to) {
    out += ",\"window_to\":";
    AppendTime(out, *s.window_to);
  }
  out += '}';
}

void AppendContacts(std::string& out, const std::vector<Contact>& contacts) {
  out += '[';
  bool first = true;
  for (const Contact& c : contacts) {
    if (!first) out += ',';
    first = false;
    out += "{\"channel\":";
    out += JsonQuote(ToString(c.channel));
    out += ",\"address\":";
    out += JsonQuote(c.address);
    out += ",\"consent\":";
    out += c.consent ? "true" : "false";
    out += ",\"main_sweep_only\":";
    out += c.main_sweep_only ? "true" : "false";
    out += '}';
  }
  out += ']';
}

// What a reminder depends on, canonically encoded.
std::string ContentEncoding(const Appointment& a) {
  std::string out = "{\"kind\":";
  out += JsonQuote(ToString(a.kind));
  out += ",\"start\":";
  AppendStart(out, a.start);
  out += ",\"status\":";
  out += JsonQuote(ToString(a.status));
  out += ",\"contacts\":";
  AppendContacts(out, a.contacts);
  out += '}';
  return out;
}

// OpenSSL's one-shot digest: several times faster than Poco's own SHA-1, and
// this runs twice per appointment of every export.
std::string Sha1Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest(sha1) failed");
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

using nlohmann::json;

}  // namespace

std::string AppointmentToJson(const Appointment& a) {
  std::string out = "{\"id\":";
  out += JsonQuote(a.id);
  out += ",\"kind\":";
  out += JsonQuote(ToString(a.kind));
  out += ",\"start\":";
  AppendStart(out, a.start);
  out += ",\"status\":";
  out += JsonQuote(ToString(a.status));
  out += ",\"object\":{\"id\":" + JsonQuote(a.object.id) + ",\"street\":" + JsonQuote(a.object.street) +
         ",\"zip\":" + JsonQuote(a.object.zip) + ",\"city\":" + JsonQuote(a.object.city) + "}";
  out += ",\"customer\":{\"salutation\":" + JsonQuote(a.customer.salutation) +
         ",\"title\":" + JsonQuote(a.customer.title) +
         ",\"first_name\":" + JsonQuote(a.customer.first_name) +
         ",\"last_name\":" + JsonQuote(a.customer.last_name) +
         ",\"company\":" + JsonQuote(a.customer.company) + "}";
  out += ",\"contacts\":";
  AppendContacts(out, a.contacts);
  out += '}';
  return out;
}

// nlohmann rather than Poco::JSON: planning decodes every stored appointment it
// plans, and Poco's Dynamic::Var tree costs several times as much.
namespace {

// Reads AppointmentToJson's output straight into an Appointment with nlohmann's
// SAX parser: planning decodes every stored appointment it plans, and building
// a json tree first (a std::map per object) cost several times the decoding.
// Accepts and refuses what the tree-based reader did: members missing or null
// read as "", a missing kind/status/date or a bad time of day is an error.
class StoredAppointmentReader {
 public:
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  Appointment Finish() {
    if (!kind_) throw AppointmentJsonError("unknown kind");
    if (!status_) throw AppointmentJsonError("unknown status");
    if (!date_) throw AppointmentJsonError("bad start.date");
    a_.kind = *kind_;
    a_.status = *status_;
    return std::move(a_);
  }

  bool null() { return Scalar(nullptr, nullptr); }
  bool boolean(bool v) { return Scalar(nullptr, &v); }
  bool number_integer(json::number_integer_t) { return Scalar(nullptr, nullptr, true); }
  bool number_unsigned(json::number_unsigned_t) { return Scalar(nullptr, nullptr, true); }
  bool number_float(json::number_float_t, const string_t&) { return Scalar(nullptr, nullptr, true); }
  bool binary(binary_t&) { return Scalar(nullptr, nullptr, true); }
  bool string(string_t& v) { return Scalar(&v, nullptr); }

  bool key(string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) {
    if (stack_.empty()) {
      stack_.push_back(In::kRoot);
      return true;
    }
    In in = In::kOther;
    if (stack_.back() == In::kRoot) {
      if (key_ == "start") in = In::kStart;
      else if (key_ == "object") in = In::kObject;
      else if (key_ == "customer") in = In::kCustomer;
    } else if (stack_.back() == In::kContacts) {
      in = In::kContact;
      a_.contacts.emplace_back();
      consent_ = main_sweep_only_ = false;
    }
    stack_.push_back(in);
    return true;
  }
  bool end_object() {
    if (stack_.back() == In::kContact) {
      if (!consent_) throw AppointmentJsonError("'consent' is not true/false");
      if (!main_sweep_only_) throw AppointmentJsonError("'main_sweep_only' is not true/false");
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (stack_.empty()) throw AppointmentJsonError("not a JSON object");
    stack_.push_back(stack_.back() == In::kRoot && key_ == "contacts" ? In::kContacts : In::kOther);
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    throw AppointmentJsonError(e.what());
  }

 private:
  enum class In { kRoot, kStart, kObject, kCustomer, kContacts, kContact, kOther };

  // One scalar member: `text` if a string, `flag` if a boolean, neither for
  // null; `other` for numbers and binary.
  bool Scalar(string_t* text, const bool* flag, bool other = false) {
    if (stack_.empty()) throw AppointmentJsonError("not a JSON object");
    if (std::string* field = StringField()) {
      if (flag || other) throw AppointmentJsonError("'" + key_ + "' is not a string");
      if (text) *field = std::move(*text);
      else field->clear();
      return true;
    }
    switch (stack_.back()) {
      case In::kRoot:
        if (key_ == "kind") kind_ = text ? ParseAppointmentKind(*text) : std::nullopt;
        else if (key_ == "status") status_ = text ? ParseAppointmentStatus(*text) : std::nullopt;
        else break;
        if (!text && (flag || other)) throw AppointmentJsonError("'" + key_ + "' is not a string");
        break;
      case In::kStart:
        if (key_ == "date") {
          if (!text && (flag || other)) throw AppointmentJsonError("'date' is not a string");
          date_ = text ? ParseLocalDate(*text) : std::nullopt;
          if (date_) a_.start.date = *date_;
        } else if (key_ == "time" || key_ == "window_from" || key_ == "window_to") {
          if (!text && (flag || other)) throw AppointmentJsonError("'" + key_ + "' is not a string");
          auto t = text ? ParseTimeOfDay(*text) : std::nullopt;
          if (!t) throw AppointmentJsonError("bad time of day in '" + key_ + "'");
          (key_ == "time" ? a_.start.time : key_ == "window_from" ? a_.start.window_from
                                                                  : a_.start.window_to) = t;
        }
        break;
      case In::kContact:
        if (key_ == "channel") {
          if (!text && (flag || other)) throw AppointmentJsonError("'channel' is not a string");
          auto channel = text ? ParseContactChannel(*text) : std::nullopt;
          if (!channel) throw AppointmentJsonError("unknown contact channel");
          a_.contacts.back().channel = *channel;
        } else if (key_ == "consent" || key_ == "main_sweep_only") {
          if (!flag) throw AppointmentJsonError("'" + key_ + "' is not true/false");
          if (key_ == "consent") {
            a_.contacts.back().consent = *flag;
            consent_ = true;
          } else {
            a_.contacts.back().main_sweep_only = *flag;
            main_sweep_only_ = true;
          }
        }
        break;
      default:
        break;
    }
    return true;
  }

  // The string member the current key names, if any.
  std::string* StringField() {
    switch (stack_.back()) {
      case In::kRoot:
        return key_ == "id" ? &a_.id : nullptr;
      case In::kObject:
        if (key_ == "id") return &a_.object.id;
        if (key_ == "street") return &a_.object.street;
        if (key_ == "zip") return &a_.object.zip;
        if (key_ == "city") return &a_.object.city;
        return nullptr;
      case In::kCustomer:
        if (key_ == "salutation") return &a_.customer.salutation;
        if (key_ == "title") return &a_.customer.title;
        if (key_ == "first_name") return &a_.customer.first_name;
        if (key_ == "last_name") return &a_.customer.last_name;
        if (key_ == "company") return &a_.customer.company;
        return nullptr;
      case In::kContact:
        return key_ == "address" ? &a_.contacts.back().address : nullptr;
      default:
        return nullptr;
    }
  }

  Appointment a_;
  std::vector<In> stack_;
  std::string key_;
  std::optional<AppointmentKind> kind_;
  std::optional<AppointmentStatus> status_;
  std::optional<LocalTime> date_;
  bool consent_ = false, main_sweep_only_ = false;
};

}  // namespace

Appointment AppointmentFromJson(std::string_view text) {
  try {
    StoredAppointmentReader reader;
    json::sax_parse(text.begin(), text.end(), &reader);
    return reader.Finish();
  } catch (const AppointmentJsonError& e) {
    throw AppointmentJsonError(std::string("stored appointment: ") + e.what());
  } catch (const json::exception& e) {
    throw AppointmentJsonError(std::string("stored appointment: ") + e.what());
  }
}

std::string ContentHash(const Appointment& a) { return Sha1Hex(ContentEncoding(a)); }
std::string DataHash(const Appointment& a) { return Sha1Hex(AppointmentToJson(a)); }
std::string DataHashOfJson(std::string_view json) { return Sha1Hex(json); }

}  // namespace kehrbote
