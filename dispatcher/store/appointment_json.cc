#include "dispatcher/store/appointment_json.h"

#include "shared/text/json_string.h"

#include <chrono>
#include <cstdio>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
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
  static const char* hex = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  return out;
}

std::string GetString(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return "";
  return o->getValue<std::string>(key);
}

std::optional<std::chrono::minutes> GetTime(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o || !o->has(key)) return std::nullopt;
  auto t = ParseTimeOfDay(o->getValue<std::string>(key));
  if (!t) throw AppointmentJsonError("bad time of day in '" + key + "'");
  return t;
}

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

Appointment AppointmentFromJson(std::string_view json) {
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(std::string(json)).extract<Poco::JSON::Object::Ptr>();
    Appointment a;
    a.id = GetString(root, "id");
    auto kind = ParseAppointmentKind(GetString(root, "kind"));
    if (!kind) throw AppointmentJsonError("unknown kind");
    a.kind = *kind;
    auto status = ParseAppointmentStatus(GetString(root, "status"));
    if (!status) throw AppointmentJsonError("unknown status");
    a.status = *status;
    auto start = root->getObject("start");
    auto date = ParseLocalDate(GetString(start, "date"));
    if (!date) throw AppointmentJsonError("bad start.date");
    a.start.date = *date;
    a.start.time = GetTime(start, "time");
    a.start.window_from = GetTime(start, "window_from");
    a.start.window_to = GetTime(start, "window_to");
    auto object = root->getObject("object");
    a.object = {GetString(object, "id"), GetString(object, "street"), GetString(object, "zip"),
                GetString(object, "city")};
    auto customer = root->getObject("customer");
    a.customer = {GetString(customer, "salutation"), GetString(customer, "title"),
                  GetString(customer, "first_name"), GetString(customer, "last_name"),
                  GetString(customer, "company")};
    auto contacts = root->getArray("contacts");
    if (contacts) {
      for (size_t i = 0; i < contacts->size(); ++i) {
        auto c = contacts->getObject(static_cast<unsigned>(i));
        Contact contact;
        auto channel = ParseContactChannel(GetString(c, "channel"));
        if (!channel) throw AppointmentJsonError("unknown contact channel");
        contact.channel = *channel;
        contact.address = GetString(c, "address");
        contact.consent = c->getValue<bool>("consent");
        contact.main_sweep_only = c->getValue<bool>("main_sweep_only");
        a.contacts.push_back(std::move(contact));
      }
    }
    return a;
  } catch (const AppointmentJsonError& e) {
    throw AppointmentJsonError(std::string("stored appointment: ") + e.what());
  } catch (const Poco::Exception& e) {
    throw AppointmentJsonError("stored appointment: " + e.displayText());
  }
}

std::string ContentHash(const Appointment& a) { return Sha1Hex(ContentEncoding(a)); }
std::string DataHash(const Appointment& a) { return Sha1Hex(AppointmentToJson(a)); }
std::string DataHashOfJson(std::string_view json) { return Sha1Hex(json); }

}  // namespace kehrbote
