#include "shared/export/appointment_shape.h"

#include <initializer_list>
#include <string>
#include <string_view>

#include "shared/export/export_schema.h"

namespace kehrbote {
namespace {

using nlohmann::json;

// The definitions this file implements, as in schemas/ without "description".
constexpr const char* kKnownDefinitions = R"({
  "date": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"},
  "time_of_day": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
  "id": {"type": "string", "minLength": 1, "maxLength": 128},
  "text": {"type": "string", "maxLength": 1000},
  "channel": {"type": "string", "enum": ["sms", "email"]},
  "address": {"type": "string", "minLength": 1, "maxLength": 320},
  "appointment": {
    "type": "object",
    "required": ["id", "kind", "start", "status", "object", "customer", "contacts"],
    "additionalProperties": false,
    "properties": {
      "id": {"$ref": "#/definitions/id"},
      "kind": {"type": "string", "enum": ["main_sweep", "sweep", "inspection", "special"]},
      "start": {
        "type": "object",
        "required": ["date"],
        "additionalProperties": false,
        "not": {"required": ["time", "window"]},
        "properties": {
          "date": {"$ref": "#/definitions/date"},
          "time": {"$ref": "#/definitions/time_of_day"},
          "window": {
            "type": "object",
            "required": ["from", "to"],
            "additionalProperties": false,
            "properties": {
              "from": {"$ref": "#/definitions/time_of_day"},
              "to": {"$ref": "#/definitions/time_of_day"}
            }
          }
        }
      },
      "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
      "object": {
        "type": "object",
        "required": ["id", "street", "zip", "city"],
        "additionalProperties": false,
        "properties": {
          "id": {"$ref": "#/definitions/text"},
          "street": {"$ref": "#/definitions/text"},
          "zip": {"$ref": "#/definitions/text"},
          "city": {"$ref": "#/definitions/text"}
        }
      },
      "customer": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "salutation": {"$ref": "#/definitions/text"},
          "title": {"$ref": "#/definitions/text"},
          "first_name": {"$ref": "#/definitions/text"},
          "last_name": {"$ref": "#/definitions/text"},
          "company": {"$ref": "#/definitions/text"}
        }
      },
      "contacts": {
        "type": "array",
        "maxItems": 20,
        "items": {
          "type": "object",
          "required": ["channel", "address", "consent", "main_sweep_only"],
          "additionalProperties": false,
          "properties": {
            "channel": {"$ref": "#/definitions/channel"},
            "address": {"$ref": "#/definitions/address"},
            "consent": {"type": "boolean"},
            "main_sweep_only": {"type": "boolean"}
          }
        }
      }
    }
  }
})";

void StripDescriptions(json& node) {
  if (node.is_object()) {
    node.erase("description");
    for (auto& [key, value] : node.items()) StripDescriptions(value);
  } else if (node.is_array()) {
    for (auto& value : node) StripDescriptions(value);
  }
}

bool SchemaIsKnown() {
  try {
    json known = json::parse(kKnownDefinitions);
    json actual = json::parse(ExportSchemaText()).at("definitions");
    StripDescriptions(actual);
    for (auto& [name, definition] : known.items()) {
      if (!actual.contains(name) || actual[name] != definition) return false;
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

const std::string* Text(const json& v) { return v.is_string() ? &v.get_ref<const std::string&>() : nullptr; }

// Byte bounds that settle the schema's character bounds for valid UTF-8 (a
// character is 1-4 bytes): at most `max` bytes, at least `min` bytes (min <= 1).
bool TextWithin(const json& v, size_t min, size_t max) {
  const std::string* s = Text(v);
  return s && s->size() >= min && s->size() <= max;
}

bool OneOf(const json& v, std::initializer_list<std::string_view> values) {
  const std::string* s = Text(v);
  if (!s) return false;
  for (std::string_view x : values)
    if (*s == x) return true;
  return false;
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

// ^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$
bool Date(const json& v) {
  const std::string* p = Text(v);
  if (!p || p->size() != 10) return false;
  const std::string& s = *p;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!Digit(s[i])) return false;
  if (s[4] != '-' || s[7] != '-') return false;
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// ^([01][0-9]|2[0-3]):[0-5][0-9]$
bool TimeOfDay(const json& v) {
  const std::string* p = Text(v);
  if (!p || p->size() != 5) return false;
  const std::string& s = *p;
  if (!Digit(s[0]) || !Digit(s[1]) || s[2] != ':' || !Digit(s[3]) || !Digit(s[4])) return false;
  return (s[0] - '0') * 10 + (s[1] - '0') <= 23 && s[3] <= '5';
}

bool Window(const json& v) {
  if (!v.is_object() || v.size() != 2) return false;
  auto from = v.find("from"), to = v.find("to");
  return from != v.end() && to != v.end() && TimeOfDay(*from) && TimeOfDay(*to);
}

bool Start(const json& v) {
  if (!v.is_object()) return false;
  bool date = false, time = false, window = false;
  for (const auto& [key, value] : v.items()) {
    if (key == "date") {
      if (!Date(value)) return false;
      date = true;
    } else if (key == "time") {
      if (!TimeOfDay(value)) return false;
      time = true;
    } else if (key == "window") {
      if (!Window(value)) return false;
      window = true;
    } else {
      return false;
    }
  }
  return date && !(time && window);
}

constexpr size_t kText = 1000;

bool Object(const json& v) {
  if (!v.is_object() || v.size() != 4) return false;
  for (const auto& [key, value] : v.items()) {
    if (key != "id" && key != "street" && key != "zip" && key != "city") return false;
    if (!TextWithin(value, 0, kText)) return false;
  }
  return true;  // four distinct known keys: all required ones
}

bool Customer(const json& v) {
  if (!v.is_object()) return false;
  for (const auto& [key, value] : v.items()) {
    if (key != "salutation" && key != "title" && key != "first_name" && key != "last_name" &&
        key != "company")
      return false;
    if (!TextWithin(value, 0, kText)) return false;
  }
  return true;
}

bool Contact(const json& v) {
  if (!v.is_object() || v.size() != 4) return false;
  for (const auto& [key, value] : v.items()) {
    if (key == "channel") {
      if (!OneOf(value, {"sms", "email"})) return false;
    } else if (key == "address") {
      if (!TextWithin(value, 1, 320)) return false;
    } else if (key == "consent" || key == "main_sweep_only") {
      if (!value.is_boolean()) return false;
    } else {
      return false;
    }
  }
  return true;  // four distinct known keys: all required ones
}

bool Contacts(const json& v) {
  if (!v.is_array() || v.size() > 20) return false;
  for (const json& c : v)
    if (!Contact(c)) return false;
  return true;
}

bool Appointment(const json& v) {
  if (!v.is_object() || v.size() != 7) return false;
  for (const auto& [key, value] : v.items()) {
    bool ok;
    if (key == "id") ok = TextWithin(value, 1, 128);
    else if (key == "kind") ok = OneOf(value, {"main_sweep", "sweep", "inspection", "special"});
    else if (key == "start") ok = Start(value);
    else if (key == "status") ok = OneOf(value, {"scheduled", "cancelled"});
    else if (key == "object") ok = Object(value);
    else if (key == "customer") ok = Customer(value);
    else if (key == "contacts") ok = Contacts(value);
    else ok = false;
    if (!ok) return false;
  }
  return true;  // seven distinct known keys: all required ones
}

}  // namespace

bool AppointmentShapeMatchesSchema() {
  static const bool known = SchemaIsKnown();
  return known;
}

bool CertainlyValidAppointment(const json& item) {
  return AppointmentShapeMatchesSchema() && Appointment(item);
}

}  // namespace kehrbote
