#include "dispatcher/store/appointment_json.h"

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
  static const char* hex = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  return out;
}

using nlohmann::json;

// Members missing or null read as "" (the writer always writes them all).
std::string GetString(const json* o, const char* key) {
  if (!o || !o->is_object()) return "";
  auto it = o->find(key);
  if (it == o->end() || it->is_null()) return "";
  if (!it->is_string()) throw AppointmentJsonError(std::string("'") + key + "' is not a string");
  return it->get<std::string>();
}

const json* GetMember(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

std::optional<std::chrono::minutes> GetTime(const json* o, const char* key) {
  if (!o || !o->is_object() || !o->contains(key)) return std::nullopt;
  auto t = ParseTimeOfDay(GetString(o, key));
  if (!t) throw AppointmentJsonError(std::string("bad time of day in '") + key + "'");
  return t;
}

bool GetBool(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_boolean())
    throw AppointmentJsonError(std::string("'") + key + "' is not true/false");
  return it->get<bool>();
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

// nlohmann rather than Poco::JSON: planning decodes every stored appointment it
// plans, and Poco's Dynamic::Var tree costs several times as much.
Appointment AppointmentFromJson(std::string_view text) {
  try {
    const json root = json::parse(text);
    if (!root.is_object()) throw AppointmentJsonError("not a JSON object");
    Appointment a;
    a.id = GetString(&root, "id");
    auto kind = ParseAppointmentKind(GetString(&root, "kind"));
    if (!kind) throw AppointmentJsonError("unknown kind");
    a.kind = *kind;
    auto status = ParseAppointmentStatus(GetString(&root, "status"));
    if (!status) throw AppointmentJsonError("unknown status");
    a.status = *status;
    const json* start = GetMember(root, "start");
    auto date = ParseLocalDate(GetString(start, "date"));
    if (!date) throw AppointmentJsonError("bad start.date");
    a.start.date = *date;
    a.start.time = GetTime(start, "time");
    a.start.window_from = GetTime(start, "window_from");
    a.start.window_to = GetTime(start, "window_to");
    const json* object = GetMember(root, "object");
    a.object = {GetString(object, "id"), GetString(object, "street"), GetString(object, "zip"),
                GetString(object, "city")};
    const json* customer = GetMember(root, "customer");
    a.customer = {GetString(customer, "salutation"), GetString(customer, "title"),
                  GetString(customer, "first_name"), GetString(customer, "last_name"),
                  GetString(customer, "company")};
    const json* contacts = GetMember(root, "contacts");
    if (contacts && contacts->is_array()) {
      for (const json& c : *contacts) {
        if (!c.is_object()) throw AppointmentJsonError("contact is not an object");
        Contact contact;
        auto channel = ParseContactChannel(GetString(&c, "channel"));
        if (!channel) throw AppointmentJsonError("unknown contact channel");
        contact.channel = *channel;
        contact.address = GetString(&c, "address");
        contact.consent = GetBool(c, "consent");
        contact.main_sweep_only = GetBool(c, "main_sweep_only");
        a.contacts.push_back(std::move(contact));
      }
    }
    return a;
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
