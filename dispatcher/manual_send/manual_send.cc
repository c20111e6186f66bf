#include "dispatcher/manual_send/manual_send.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include "dispatcher/planning/contact_selection.h"
#include "dispatcher/planning/message_text.h"
#include "shared/phone/phone_number.h"

namespace kehrbote {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool Matches(const Appointment& a, const RecipientFilter& f) {
  if (a.status != AppointmentStatus::kScheduled) return false;
  if (f.from && a.start.date < *f.from) return false;
  if (f.to && a.start.date > *f.to) return false;
  if (f.kind && a.kind != *f.kind) return false;
  if (f.main_sweep_only && a.kind != AppointmentKind::kMainSweep) return false;
  if (!f.place.empty() && Lower(f.place) != Lower(a.object.zip) &&
      Lower(f.place) != Lower(a.object.city))
    return false;
  return true;
}

// The values a pasted number's text may use: the firm's alone.
TemplateValues FirmOnlyValues(const FirmPolicy& firm) {
  const TemplateValues all = AppointmentValues(firm, Appointment{});
  TemplateValues out;
  for (std::string_view name : KnownPlaceholders()) out[std::string(name)] = std::nullopt;
  for (const char* name : {"Kehrbetrieb", "KehrbetriebTelefon", "Beruf"})
    if (auto it = all.find(name); it != all.end()) out[name] = it->second;
  return out;
}

std::string DerivedSendId(const ManualSendRequest& r) {
  Poco::SHA1Engine sha;
  auto add = [&](const std::string& s) {
    sha.update(s);
    sha.update('\x1f');
  };
  add(r.firm_id);
  add(r.text);
  add(r.include_without_consent ? "1" : "0");
  if (r.filter) {
    add(r.filter->from ? FormatLocalDate(*r.filter->from) : "");
    add(r.filter->to ? FormatLocalDate(*r.filter->to) : "");
    add(r.filter->kind ? std::string(ToString(*r.filter->kind)) : "");
    add(Lower(r.filter->place));
    add(r.filter->main_sweep_only ? "1" : "0");
  }
  for (const std::string& n : r.numbers) add(n);
  return "m" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 20);
}

class PlanBuilder {
 public:
  PlanBuilder(const FirmPolicy& firm, const SmsPrice& price, ManualSendPlan& plan,
              const std::string& text)
      : firm_(firm), price_(price), plan_(plan), text_(text) {}

  void AddAppointment(const Appointment& a, bool include_without_consent) {
    Appointment with = a;
    std::set<std::string> without_consent;  // typed addresses given consent here
    if (include_without_consent)
      for (Contact& c : with.contacts)
        if (!c.consent && c.channel == ContactChannel::kSms) {
          c.consent = true;
          without_consent.insert(c.address);
        }
    const ContactSelection chosen = SelectContacts(with, SmsPolicy());
    const TemplateValues values = AppointmentValues(firm_, a);
    const auto name = values.find("Name");
    const std::string customer = name == values.end() ? "" : name->second.value_or("");
    for (const ContactSkip& s : chosen.skips)
      if (s.channel == ContactChannel::kSms)
        plan_.skipped.push_back(
            {s.masked, a.id, customer, std::string(ToString(s.kind)), s.reason});
    for (const SelectedContact& c : chosen.contacts) {
      if (c.channel != ContactChannel::kSms) continue;
      Add(c.key, a.id, customer, values, WasWithoutConsent(a, c.key, without_consent));
    }
  }

  void AddPasted(const std::string& typed) {
    const PhoneNumber n = ParsePhoneNumber(typed, firm_.country);
    if (!n.valid() || !n.sms_capable()) {
      plan_.skipped.push_back(
          {MaskTypedNumber(typed), "", "", n.valid() ? "landline" : "invalid_number",
           n.valid() ? "not a mobile number" : std::string(ToString(n.problem))});
      return;
    }
    if (!firm_values_) firm_values_ = FirmOnlyValues(firm_);
    Add(n.e164, "", "", *firm_values_, false);
  }

 private:
  // Manual sends are SMS: the firm's policy, whatever its channel policy.
  FirmPolicy SmsPolicy() const {
    FirmPolicy p = firm_;
    p.channel_policy = ChannelPolicy::kBoth;
    return p;
  }

  bool WasWithoutConsent(const Appointment& a, const std::string& e164,
                         const std::set<std::string>& typed) const {
    for (const Contact& c : a.contacts)
      if (typed.count(c.address) && ParsePhoneNumber(c.address, firm_.country).e164 == e164)
        return true;
    return false;
  }

  void Add(const std::string& e164, const std::string& appointment_id, const std::string& customer,
           const TemplateValues& values, bool without_consent) {
    if (!numbers_.insert(e164).second) {
      plan_.skipped.push_back({MaskPhoneNumber(e164), appointment_id, customer, "duplicate",
                               "the number already gets this message"});
      return;
    }
    ManualRecipient r{.e164 = e164,
                      .masked = MaskPhoneNumber(e164),
                      .appointment_id = appointment_id,
                      .customer = customer,
                      .without_consent = without_consent,
                      .text = PreviewSmsText(firm_, "manual", text_, values, price_)};
    if (r.text.sendable) {
      ++plan_.messages;
      plan_.segments += static_cast<int>(r.text.segments);
      plan_.cost += r.text.price;
    }
    plan_.recipients.push_back(std::move(r));
  }

  const FirmPolicy& firm_;
  const SmsPrice& price_;
  ManualSendPlan& plan_;
  const std::string& text_;
  std::set<std::string> numbers_;
  std::optional<TemplateValues> firm_values_;
};

}  // namespace

std::string CheckSendId(const std::string& id) {
  if (id.empty() || id.size() > 64) return "a send id has 1 to 64 characters";
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return "a send id may use A-Z, a-z, 0-9, '-' and '_'";
  return "";
}

ManualSendPlan PlanManualSend(const FirmPolicy& firm, const ManualSendRequest& request,
                              const std::vector<StoredAppointment>& appointments,
                              const SmsPrice& price) {
  ManualSendPlan plan;
  plan.send_id = request.send_id.empty() ? DerivedSendId(request) : request.send_id;
  if (std::string err = CheckSendId(plan.send_id); !err.empty()) {
    plan.error = err;
    return plan;
  }
  if (std::string err = ValidateTemplateText("manual", request.text); !err.empty()) {
    plan.error = err;
    return plan;
  }
  PlanBuilder builder(firm, price, plan, request.text);
  if (request.filter)
    for (const StoredAppointment& a : appointments)
      if (Matches(a.appointment, *request.filter))
        builder.AddAppointment(a.appointment, request.include_without_consent);
  for (const std::string& typed : request.numbers) builder.AddPasted(typed);
  return plan;
}

nlohmann::json ToJson(const ManualSendPlan& plan, const SmsPrice& price) {
  nlohmann::json j = {{"send_id", plan.send_id},
                      {"messages", plan.messages},
                      {"segments", plan.segments},
                      {"cost", plan.cost},
                      {"cost_text", FormatPrice(plan.cost, price.currency)},
                      {"currency", price.currency},
                      {"recipients", nlohmann::json::array()},
                      {"skipped", nlohmann::json::array()}};
  if (!plan.error.empty()) j["error"] = plan.error;
  for (const ManualRecipient& r : plan.recipients) {
    nlohmann::json o = ToJson(r.text, price);
    o["number"] = r.masked;
    o["appointment_id"] = r.appointment_id;
    o["without_consent"] = r.without_consent;
    j["recipients"].push_back(std::move(o));
  }
  for (const ManualSkip& s : plan.skipped)
    j["skipped"].push_back({{"number", s.masked},
                            {"appointment_id", s.appointment_id},
                            {"kind", s.kind},
                            {"reason", s.reason}});
  return j;
}

}  // namespace kehrbote
