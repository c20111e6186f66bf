#include "dispatcher/delivery/delivery_runtime.h"

#include "dispatcher/mail/smtp_channel.h"
#include "dispatcher/message/message_purpose.h"
#include "dispatcher/metrics/counting_channel.h"
#include "dispatcher/metrics/store_metrics.h"
#include "dispatcher/sms/http_sms_channel.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/appointment_store.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {
// True if SMS requests carry a dlr-url and the listener that takes the
// receipts is configured.
bool ReceiptsRequested(const DispatcherConfig& config) {
  const DeliveryConfig& d = config.delivery;
  if (config.http_port == 0) return false;
  if (d.sms_provider == "kannel") return !d.kannel.dlr_url.empty();
  if (d.sms_provider == "http") return !d.http_sms.dlr_url.empty();
  return false;
}

// One batch's outcome for the log.
std::string Describe(const SendCounts& c) {
  std::string s = std::to_string(c.accepted) + " accepted, " + std::to_string(c.retried) +
                  " to retry, " + std::to_string(c.failed) + " failed, " +
                  std::to_string(c.expired) + " expired, " + std::to_string(c.suppressed) +
                  " suppressed, " + std::to_string(c.held) + " held, " +
                  std::to_string(c.rerouted) + " as e-mail";
  if (c.released) s += ", " + std::to_string(c.released) + " released from hold";
  return s;
}

}  // namespace

DeliveryRuntime::DeliveryRuntime(const DispatcherConfig& config, Database& db, const Clock& clock,
                                 Logger& logger, DispatcherMetrics* metrics)
    : config_(config),
      db_(db),
      clock_(const_cast<Clock&>(clock)),
      log_("delivery", logger),
      metrics_(metrics) {
  const DeliveryConfig& d = config.delivery;
  if (d.sms_provider == "kannel") {
    sms_ = std::make_unique<KannelChannel>(d.kannel, clock_);
  } else if (d.sms_provider == "http") {
    sms_ = std::make_unique<HttpSmsChannel>(d.http_sms, clock_);
  }
  if (d.smtp_configured) {
    // The appointment for the .ics attachment, from the store, in the firm's zone.
    CalendarLookup lookup = [this](const OutgoingMessage& m) -> std::optional<CalendarEvent> {
      if (m.appointment_id.empty() || m.purpose == ToString(MessagePurpose::kForward))
        return std::nullopt;
      AppointmentStore store(db_);
      auto a = store.Current(m.firm_id, m.appointment_id);
      if (!a) return std::nullopt;
      const FirmConfig* firm = config_.FindFirm(m.firm_id);
      CalendarEvent e;
      e.zone = firm ? firm->policy.timezone : "Europe/Vienna";
      e.uid = m.appointment_id + "@" + m.firm_id + ".kehrbote";
      e.start = a->start_at;
      const auto& start = a->appointment.start;
      e.end = start.window_to ? ToInstant(start.date + *start.window_to, e.zone)
                              : e.start + std::chrono::hours(1);
      std::string firm_name = firm && !firm->policy.firm_name.empty() ? firm->policy.firm_name
                                                                      : m.sender;
      e.summary = firm_name + ": Rauchfangkehrer-Termin";
      const auto& o = a->appointment.object;
      e.location = o.street + (o.zip.empty() && o.city.empty() ? "" : ", " + o.zip + " " + o.city);
      e.description = m.body;
      e.sequence = a->version;
      e.cancelled = m.purpose == ToString(MessagePurpose::kCancellation) ||
                    a->appointment.status == AppointmentStatus::kCancelled;
      return e;
    };
    // The From name when smtp.from_name is empty: the firm's YAML name, else the
    // name its exports give (as the texts' <<Kehrbetrieb>>).
    FirmNameLookup firm_name = [this](const OutgoingMessage& m) -> std::string {
      if (m.firm_id.empty()) return "";
      const FirmConfig* firm = config_.FindFirm(m.firm_id);
      if (firm && !firm->policy.firm_name.empty()) return firm->policy.firm_name;
      AppointmentStore store(db_);
      auto rec = store.GetFirm(m.firm_id);
      return rec ? rec->firm.name : "";
    };
    mail_ = std::make_unique<SmtpChannel>(d.smtp, clock_, lookup, firm_name);
  }
  if (metrics_ && sms_)
    sms_ = std::make_unique<CountingChannel>(std::move(sms_), d.sms_provider, "sms", *metrics_);
  if (metrics_ && mail_)
    mail_ = std::make_unique<CountingChannel>(std::move(mail_), "smtp", "email", *metrics_);
  std::map<std::string, MessageChannel*> channels;
  if (sms_) channels["sms"] = sms_.get();
  if (mail_) channels["email"] = mail_.get();
  OutboxOptions o;
  o.instance = d.instance;
  o.backoff_base = d.retry_base;
  o.backoff_max = d.retry_max;
  o.send_window = static_cast<std::size_t>(d.send_window);
  // Without receipts there is nothing to wait for after a crash.
  if (ReceiptsRequested(config)) o.settle_wait = d.settle_wait;
  o.quota = [this](const std::string& firm_id) {
    SmsQuota q;
    if (const FirmConfig* f = config_.FindFirm(firm_id)) {
      q.sms_per_month = f->quota_sms_per_month;
      q.segments_per_month = f->quota_segments_per_month;
    }
    return q;
  };
  o.zone = [this](const std::string& firm_id) {
    const FirmConfig* f = config_.FindFirm(firm_id);
    return f ? f->policy.timezone : std::string("Europe/Vienna");
  };
  outbox_ = std::make_unique<Outbox>(db_, clock_, channels, o);
}

DeliveryRuntime::~DeliveryRuntime() {
  if (http_) http_->Stop();
}

void DeliveryRuntime::Migrate() {
  outbox_->Migrate();
  if (metrics_) MigrateStoreMetrics(db_);
}

SendCounts DeliveryRuntime::SendDue(Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_lock<std::shared_mutex> firms(firms_mu_);
  if (!recovered_) {
    RecoveryCounts r = outbox_->RecoverInterrupted(now);
    if (r.resent + r.expired + r.awaiting_receipt + r.settled > 0)
      log_.Warning("recovered " + std::to_string(r.resent) + " interrupted message(s), " +
                   std::to_string(r.possible_duplicates) + " possible duplicate(s), " +
                   std::to_string(r.awaiting_receipt) + " waiting for their receipt, " +
                   std::to_string(r.settled) + " settled by a receipt, " +
                   std::to_string(r.expired) + " expired");
    recovered_ = true;
  }
  SendCounts total;
  while (true) {
    SendCounts c = outbox_->SendDue(now, 1000);
    total += c;
    if (c.claimed > 0) log_.Info(Describe(c));
    for (const auto& [reason, n] : c.failure_reasons)
      log_.Warning(std::to_string(n) + " not sent: " + reason);
    if (c.claimed < 1000) break;
  }
  return total;
}

void DeliveryRuntime::ReplaceFirms(const std::function<void()>& replace) {
  std::unique_lock<std::shared_mutex> lock(firms_mu_);
  replace();
}

void DeliveryRuntime::StartHttp() {
  if (config_.http_port == 0) return;
  HttpListenerSettings s;
  s.listen = config_.http_listen;
  s.port = config_.http_port;
  s.reply_key = config_.delivery.reply_key;
  ReplyRouting routing;
  routing.firm_reply_addresses = [this](const std::string& firm_id) {
    std::vector<std::string> out;
    std::shared_lock<std::shared_mutex> lock(firms_mu_);
    if (const FirmConfig* f = config_.FindFirm(firm_id)) {
      out = f->delivery.reply_to;
      if (out.empty())
        for (const auto& c : f->heartbeat_contacts)
          if (c.channel == ContactChannel::kEmail) out.push_back(c.address);
    }
    return out;
  };
  if (metrics_) {
    s.metrics = metrics_;
    s.metrics_page = [this] {
      PrometheusText text;
      metrics_->WriteTo(text);
      std::shared_lock<std::shared_mutex> lock(firms_mu_);
      WriteStoreMetrics(db_, config_, clock_.Now(), text);
      return text.text();
    };
  }
  http_ = std::make_unique<DeliveryHttpServer>(db_, clock_, s, routing);
  http_->Start();
  log_.Info("HTTP listener on " + s.listen + ":" + std::to_string(http_->port()));
}

}  // namespace kehrbote
