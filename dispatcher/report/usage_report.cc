#include "dispatcher/report/usage_report.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

#include "dispatcher/message/message_sql.h"
#include "shared/text/csv_field.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {

namespace {

std::pair<int64_t, int64_t> MonthBounds(int year, int month, const std::string& zone) {
  MonthSpan span = LocalMonth(year, static_cast<unsigned>(month), zone);
  return {span.from.time_since_epoch().count(), span.to.time_since_epoch().count()};
}

std::string Money(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(2) << v;
  return o.str();
}

// The firms a usage report covers: the one asked for, or every firm with
// messages and every known firm, by id.
std::vector<std::string> UsageFirms(SqlConnection& c, const UsageQuery& q) {
  if (q.firm) return {*q.firm};
  std::vector<std::string> firms;
  SqlStatement st(c, "SELECT DISTINCT firm_id FROM messages ORDER BY firm_id");
  while (st.Step()) firms.push_back(st.Text(0));
  for (const auto& f : q.known_firms)
    if (std::find(firms.begin(), firms.end(), f) == firms.end()) firms.push_back(f);
  std::sort(firms.begin(), firms.end());
  return firms;
}

}  // namespace

std::vector<FirmUsage> QueryUsage(Database& db, const UsageQuery& q) {
  PooledConnection c = db.Connect();
  static const std::string sms = "channel = " + SqlLiteral(ContactChannel::kSms);
  static const std::string delivered = "state = " + SqlLiteral(MessageState::kDelivered);
  static const std::string sql =
      "SELECT "
      "SUM(CASE WHEN " +
      sms +
      " AND sent_at >= ? AND sent_at < ? THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN " +
      sms +
      " AND sent_at >= ? AND sent_at < ? THEN segments ELSE 0 END), "
      "SUM(CASE WHEN " +
      sms + " AND sent_at >= ? AND sent_at < ? AND " + delivered +
      " THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN " +
      sms + " AND sent_at >= ? AND sent_at < ? AND " + delivered +
      " THEN segments ELSE 0 END), "
      "SUM(CASE WHEN " +
      sms + " AND state IN " + SqlList({MessageState::kFailed, MessageState::kExpired}) +
      " AND COALESCE(sent_at, final_at) >= ? AND COALESCE(sent_at, final_at) < ? "
      "THEN 1 ELSE 0 END), "
      "SUM(CASE WHEN channel = " +
      SqlLiteral(ContactChannel::kEmail) +
      " AND sent_at >= ? AND sent_at < ? THEN 1 ELSE 0 END) "
      "FROM messages WHERE firm_id = ?";
  std::vector<FirmUsage> out;
  for (const std::string& firm : UsageFirms(*c, q)) {
    std::string zone = q.zone ? q.zone(firm) : "Europe/Vienna";
    auto [from, to] = MonthBounds(q.year, q.month, zone);
    SqlStatement st(*c, sql);
    st.BindAll(from, to, from, to, from, to, from, to, from, to, from, to, firm);
    FirmUsage u;
    u.firm_id = firm;
    if (st.Step()) {
      u.sms_sent = st.Int(0);
      u.segments = st.Int(1);
      u.delivered = st.Int(2);
      u.delivered_segments = st.Int(3);
      u.failed = st.Int(4);
      u.emails = st.Int(5);
    }
    u.cost = static_cast<double>(u.delivered_segments) * q.price_per_segment;
    out.push_back(u);
  }
  return out;
}

void WriteUsage(const std::vector<FirmUsage>& rows, const std::string& format,
                const std::string& currency, std::ostream& out) {
  if (format == "json") {
    Poco::JSON::Array arr;
    for (const auto& u : rows) {
      Poco::JSON::Object o;
      o.set("firm", u.firm_id);
      o.set("sms_sent", u.sms_sent);
      o.set("segments", u.segments);
      o.set("delivered", u.delivered);
      o.set("delivered_segments", u.delivered_segments);
      o.set("failed", u.failed);
      o.set("emails", u.emails);
      o.set("cost", Money(u.cost));
      o.set("currency", currency);
      arr.add(o);
    }
    Poco::JSON::Stringifier::stringify(arr, out, 2);
    out << "\n";
  } else if (format == "csv") {
    out << "firm,sms_sent,segments,delivered,delivered_segments,failed,emails,cost,currency\n";
    for (const auto& u : rows)
      out << CsvField(u.firm_id) << "," << u.sms_sent << "," << u.segments << "," << u.delivered << ","
          << u.delivered_segments << "," << u.failed << "," << u.emails << "," << Money(u.cost)
          << "," << currency << "\n";
  } else {
    out << std::left << std::setw(16) << "firm" << std::right << std::setw(9) << "sms" << std::setw(10)
        << "segments" << std::setw(11) << "delivered" << std::setw(8) << "failed" << std::setw(9)
        << "e-mails" << std::setw(12) << ("cost " + currency) << "\n";
    for (const auto& u : rows)
      out << std::left << std::setw(16) << u.firm_id << std::right << std::setw(9) << u.sms_sent
          << std::setw(10) << u.segments << std::setw(11) << u.delivered << std::setw(8)
          << u.failed << std::setw(9) << u.emails << std::setw(12) << Money(u.cost) << "\n";
  }
}

std::vector<ProtocolEntry> QueryProtocol(Database& db, const std::string& firm_id,
                                         const std::optional<std::string>& contact_key) {
  PooledConnection c = db.Connect();
  std::string sql =
      "SELECT id, COALESCE(sent_at, due_at), channel, recipient, appointment_id, rule_id, body, "
      "state, COALESCE(last_error, ''), segments, possible_duplicate FROM messages WHERE firm_id = ?";
  if (contact_key) sql += " AND contact_key = ?";
  sql += " ORDER BY COALESCE(sent_at, due_at), id";
  SqlStatement q(*c, sql);
  q.Bind(1, firm_id);
  if (contact_key) q.Bind(2, *contact_key);
  std::vector<ProtocolEntry> out;
  while (q.Step()) {
    ProtocolEntry e;
    e.id = q.Int(0);
    e.time = Instant(std::chrono::seconds(q.Int(1)));
    e.channel = q.Text(2);
    e.recipient = q.Text(3);
    e.appointment_id = q.Text(4);
    e.rule_id = q.Text(5);
    e.text = q.Text(6);
    e.state = q.Text(7);
    e.detail = q.Text(8);
    e.segments = static_cast<int>(q.Int(9));
    e.possible_duplicate = q.Int(10) != 0;
    out.push_back(std::move(e));
  }
  return out;
}

void WriteProtocol(const std::vector<ProtocolEntry>& rows, const std::string& format,
                   const std::string& zone, std::ostream& out) {
  if (format == "json") {
    Poco::JSON::Array arr;
    for (const auto& e : rows) {
      Poco::JSON::Object o;
      o.set("id", e.id);
      o.set("time", FormatRfc3339(e.time, zone));
      o.set("channel", e.channel);
      o.set("to", e.recipient);
      o.set("appointment", e.appointment_id);
      o.set("rule", e.rule_id);
      o.set("text", e.text);
      o.set("segments", e.segments);
      o.set("state", e.state);
      if (!e.detail.empty()) o.set("detail", e.detail);
      if (e.possible_duplicate) o.set("possible_duplicate", true);
      arr.add(o);
    }
    Poco::JSON::Stringifier::stringify(arr, out, 2);
    out << "\n";
  } else if (format == "csv") {
    // possible_duplicate: "yes" or empty, so a spreadsheet filter finds them.
    out << "time,channel,to,appointment,rule,segments,state,text,detail,possible_duplicate\n";
    for (const auto& e : rows)
      out << FormatRfc3339(e.time, zone) << "," << e.channel << "," << CsvField(e.recipient) << ","
          << CsvField(e.appointment_id) << "," << CsvField(e.rule_id) << "," << e.segments << "," << e.state
          << "," << CsvField(e.text) << "," << CsvField(e.detail) << ","
          << (e.possible_duplicate ? "yes" : "") << "\n";
  } else {
    for (const auto& e : rows) {
      out << FormatRfc3339(e.time, zone) << "  " << std::left << std::setw(6) << e.channel
          << std::setw(26) << e.recipient << std::setw(10) << e.state << std::right << std::setw(2)
          << e.segments << " SMS  " << e.text;
      if (e.possible_duplicate) out << "  [possible duplicate]";
      if (!e.detail.empty() && e.state != ToString(MessageState::kDelivered) &&
          e.state != ToString(MessageState::kAccepted))
        out << "  (" << e.detail << ")";
      out << "\n";
    }
  }
}

}  // namespace kehrbote
