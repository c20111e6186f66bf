#include "dispatcher/manual_send/manual_send_service.h"

#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/store_schema.h"
#include "shared/phone/phone_number.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

const std::vector<Migration>& ManualSendMigrations() {
  static const std::string v1 =
      "CREATE TABLE manual_sends (firm_id TEXT NOT NULL, send_id TEXT NOT NULL, "
      "author TEXT NOT NULL, text TEXT NOT NULL, request TEXT NOT NULL, "
      "messages INTEGER NOT NULL, segments INTEGER NOT NULL, confirmed_at BIGINT NOT NULL, "
      "PRIMARY KEY (firm_id, send_id))";
  static const std::vector<Migration> migrations = {{1, v1, v1}};
  return migrations;
}

namespace {

// The request as recorded: the filter, and pasted numbers masked.
std::string RequestJson(const ManualSendRequest& r) {
  nlohmann::json j = {{"include_without_consent", r.include_without_consent}};
  if (r.filter) {
    const RecipientFilter& f = *r.filter;
    j["filter"] = {{"from", f.from ? FormatLocalDate(*f.from) : ""},
                   {"to", f.to ? FormatLocalDate(*f.to) : ""},
                   {"kind", f.kind ? std::string(ToString(*f.kind)) : ""},
                   {"place", f.place},
                   {"main_sweep_only", f.main_sweep_only}};
  }
  nlohmann::json numbers = nlohmann::json::array();
  for (const std::string& n : r.numbers) numbers.push_back(MaskTypedNumber(n));
  j["numbers"] = numbers;
  return j.dump();
}

int64_t Seconds(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

void ManualSendService::Migrate() {
  MigrateStore(db_);
  PlanStore(db_).Migrate();
  db_.Migrate(kManualSendComponent, ManualSendMigrations());
}

ManualSendPlan ManualSendService::Prepare(const FirmPolicy& firm, const ManualSendRequest& request,
                                          const SmsPrice& price, Instant now) {
  std::vector<StoredAppointment> appointments;
  if (request.filter) {
    // From the filter's first day (or now) to its last (or 10 years: "no end").
    const RecipientFilter& f = *request.filter;
    const Instant from = f.from ? ToInstant(*f.from, firm.timezone) : now;
    const Instant to = f.to ? ToInstant(*f.to + std::chrono::days{1}, firm.timezone)
                            : now + std::chrono::hours{24 * 3660};
    appointments = AppointmentStore(db_).CurrentInRange(request.firm_id, from, to);
  }
  return PlanManualSend(firm, request, appointments, price);
}

ManualSendResult ManualSendService::Confirm(const FirmPolicy& firm,
                                            const ManualSendRequest& request,
                                            const SmsPrice& price, const std::string& author,
                                            Instant now) {
  ManualSendResult result;
  result.plan = Prepare(firm, request, price, now);
  const ManualSendPlan& plan = result.plan;
  if (!plan.error.empty()) return result;
  const Instant due = firm.quiet_hours.MoveLater(now, firm.timezone);
  PlanStore plans(db_);
  db_.WithFirmLock(request.firm_id, [&](SqlConnection& c) {
    const std::string json = RequestJson(request);
    if (Execute(c,
                "INSERT INTO manual_sends (firm_id, send_id, author, text, request, "
                "messages, segments, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (firm_id, send_id) DO NOTHING",
                request.firm_id, plan.send_id, author, request.text, json,
                static_cast<int64_t>(plan.messages), static_cast<int64_t>(plan.segments),
                Seconds(now)) == 0) {
      result.already_confirmed = true;
      return;
    }
    for (const ManualRecipient& r : plan.recipients) {
      if (!r.text.sendable) continue;
      PlannedMessage m;
      m.firm_id = request.firm_id;
      m.appointment_id = "manual:" + plan.send_id;
      m.rule_id = std::string(kRuleManual);
      m.purpose = MessagePurpose::kManual;
      m.channel = ContactChannel::kSms;
      m.contact_key = m.recipient = r.e164;
      m.sender = firm.sender_name;
      m.body = r.text.text;
      m.segments = static_cast<int>(r.text.segments);
      m.due = due;
      m.deadline = due + std::chrono::hours{24};
      m.reason = "manual send " + plan.send_id + " by " + author;
      if (plans.InsertMessage(c, m, now)) ++result.enqueued;
    }
  });
  return result;
}

}  // namespace kehrbote
