#include "shared/export/appointment_shape.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "shared/export/export_schema.h"

namespace kehrbote {
namespace {

using nlohmann::json;

// valijson alone, on the appointment definition of the compiled-in schema
// (strict: as written, every "additionalProperties": false in force).
class Valijson {
 public:
  Valijson() {
    json root = json::parse(ExportSchemaText());
    json doc = {{"$schema", root.at("$schema")},
                {"definitions", root.at("definitions")},
                {"$ref", "#/definitions/appointment"}};
    valijson::SchemaParser(valijson::SchemaParser::kDraft7)
        .populateSchema(valijson::adapters::NlohmannJsonAdapter(doc), schema_);
  }
  bool Accepts(const json& item) {
    return validator_.validate(schema_, valijson::adapters::NlohmannJsonAdapter(item), nullptr);
  }

 private:
  valijson::Schema schema_;
  valijson::Validator validator_;
};

json Contact(const char* channel, const char* address, bool consent = true, bool hk_only = false) {
  return {{"channel", channel}, {"address", address}, {"consent", consent}, {"main_sweep_only", hk_only}};
}

// Valid appointments of every shape the schema allows.
std::vector<json> ValidBases() {
  json a = {{"id", "A000017"},
            {"kind", "main_sweep"},
            {"start", {{"date", "2026-11-24"}, {"time", "07:30"}}},
            {"status", "scheduled"},
            {"object", {{"id", "O17"}, {"street", "Hauptstraße 1"}, {"zip", "1010"}, {"city", "Wien"}}},
            {"customer", {{"salutation", "Frau"}, {"first_name", "Anna"}, {"last_name", "Huber"}}},
            {"contacts", {Contact("sms", "0664 1234567"), Contact("email", "a@example.at", false, true)}}};
  std::vector<json> out = {a};
  json b = a;
  b["start"] = {{"date", "2026-02-28"}, {"window", {{"from", "08:00"}, {"to", "12:00"}}}};
  b["kind"] = "inspection";
  b["status"] = "cancelled";
  out.push_back(b);
  json c = a;
  c["start"] = {{"date", "2026-12-31"}};
  c["customer"] = json::object();
  c["contacts"] = json::array();
  c["kind"] = "special";
  c["object"] = {{"id", ""}, {"street", ""}, {"zip", ""}, {"city", ""}};
  out.push_back(c);
  json d = a;
  d["kind"] = "sweep";
  d["id"] = std::string(128, 'x');
  d["customer"] = {{"salutation", ""}, {"title", "Dr."}, {"first_name", "Jörg"}, {"last_name", "Müller"},
                   {"company", std::string(1000, 'c')}};
  d["contacts"] = json::array();
  for (int i = 0; i < 20; ++i) d["contacts"].push_back(Contact("sms", "+43 664 1000000"));
  d["contacts"][19]["address"] = std::string(320, 'a');
  d["start"] = {{"date", "2026-10-01"}, {"time", "23:59"}};
  out.push_back(d);
  json e = a;
  e["start"] = {{"date", "2026-01-10"}, {"time", "00:00"}};
  e["id"] = "x";
  out.push_back(e);
  return out;
}

// Values of every JSON type, and strings at and beyond the schema's bounds.
std::vector<json> Replacements() {
  return {nullptr, 0, 1.5, -3, true, false, "", "x", " ", std::string(128, 'i'), std::string(129, 'i'),
          std::string(320, 'a'), std::string(321, 'a'), std::string(1000, 't'), std::string(1001, 't'),
          // 1,000 characters in 2,000 bytes: valid text the shortcut leaves to valijson.
          [] { std::string s; for (int i = 0; i < 1000; ++i) s += "\xC3\xA4"; return s; }(),
          [] { std::string s; for (int i = 0; i < 65; ++i) s += "\xC3\xA4"; return s; }(),
          "sms", "email", "fax", "main_sweep", "sweep", "inspection", "special", "Sweep",
          "scheduled", "cancelled", "canceled",
          "2026-11-24", "2026-13-01", "2026-00-10", "2026-1-01", "2026-11-32", "2026-11-00",
          "2026-11-31", "2026-02-30", "2026-11-24 ", " 2026-11-24", "2026-11-24\n", "2026/11/24",
          "20261-11-24", "2026-11-2a", "\xEF\xBC\x92" "026-11-24",
          "07:30", "23:59", "24:00", "23:60", "19:05", "20:00", "9:00", "09:0", "09:000", "09-00",
          "2a:00", "07:30\n", json::array(), json::array({1}), json::object(),
          json{{"from", "08:00"}, {"to", "09:00"}}, json{{"from", "08:00"}},
          json{{"from", "08:00"}, {"to", "9:00"}}, json{{"from", "08:00"}, {"to", "09:00"}, {"x", 1}},
          json{{"date", "2026-11-24"}}, Contact("sms", "0664 1"), Contact("pager", "1")};
}

// Every value inside `v`, by JSON pointer.
void Pointers(const json& v, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) Pointers(value, at / key, out);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) Pointers(v[i], at / i, out);
  }
}

TEST(AppointmentShapeTest, WrittenForTheSchemaInUse) {
  // If this fails, the appointment part of schemas/ changed: update
  // appointment_shape.cc (its copy of the definitions and the checks) with it.
  EXPECT_TRUE(AppointmentShapeMatchesSchema());
}

TEST(AppointmentShapeTest, AcceptsTheUsualAppointmentsThatValijsonAccepts) {
  Valijson valijson;
  for (const json& base : ValidBases()) {
    EXPECT_TRUE(valijson.Accepts(base)) << base.dump();
    EXPECT_TRUE(CertainlyValidAppointment(base)) << base.dump();
  }
}

TEST(AppointmentShapeTest, NeverAcceptsWhatValijsonRefuses) {
  Valijson valijson;
  const std::vector<json> replacements = Replacements();
  int cases = 0, accepted = 0, refused_by_valijson = 0, left_to_valijson = 0;
  auto check = [&](const json& item) {
    ++cases;
    const bool valid = valijson.Accepts(item);
    refused_by_valijson += !valid;
    if (CertainlyValidAppointment(item)) {
      ++accepted;
      EXPECT_TRUE(valid) << "accepted, but valijson refuses: " << item.dump();
    } else {
      left_to_valijson += valid;
    }
  };
  for (const json& base : ValidBases()) {
    std::vector<json::json_pointer> pointers;
    Pointers(base, json::json_pointer(), pointers);
    for (const auto& at : pointers) {
      // Every value replaced by every other.
      for (const json& r : replacements) {
        json m = base;
        m[at] = r;
        check(m);
      }
      if (at.empty()) continue;
      // Every member removed; an unknown member beside it.
      json removed = base;
      const auto parent = at.parent_pointer();
      if (removed[parent].is_object()) {
        removed[parent].erase(at.back());
        check(removed);
        json extra = base;
        extra[parent]["unknown_member"] = "x";
        check(extra);
      } else {
        removed[parent].erase(std::stoul(at.back()));
        check(removed);
      }
    }
    // Both a time and a window; 21 contacts.
    json both = base;
    both["start"]["time"] = "08:00";
    both["start"]["window"] = {{"from", "08:00"}, {"to", "09:00"}};
    check(both);
    json many = base;
    many["contacts"] = json::array();
    for (int i = 0; i < 21; ++i) many["contacts"].push_back(Contact("sms", "0664 1234567"));
    check(many);
  }
  // Random chains of replacements, seeded (the same cases every run).
  std::mt19937 rng(20261124);
  const std::vector<json> bases = ValidBases();
  for (int n = 0; n < 20000; ++n) {
    json m = bases[rng() % bases.size()];
    const int steps = 1 + rng() % 3;
    for (int s = 0; s < steps; ++s) {
      std::vector<json::json_pointer> pointers;
      Pointers(m, json::json_pointer(), pointers);
      const auto& at = pointers[1 + rng() % (pointers.size() - 1)];
      m[at] = replacements[rng() % replacements.size()];
    }
    check(m);
  }
  // The comparison means something only if both answers occurred often.
  EXPECT_GT(cases, 20000);
  EXPECT_GT(accepted, 500);
  EXPECT_GT(refused_by_valijson, 5000);
  std::printf("%d cases: %d accepted by the shortcut, %d refused by valijson, %d valid ones left to it\n",
              cases, accepted, refused_by_valijson, left_to_valijson);
}

}  // namespace
}  // namespace kehrbote
