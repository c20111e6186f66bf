// Manual send: an SMS the office writes by hand to a list of recipients (the
// portal's Manual send page, `kehrbote-dispatcher send`). This file is the pure
// part: who gets it and what each one gets; manual_send_service.h reads the
// store and enqueues.
//
// Recipients, each mobile number once per send:
//   - from the firm's stored appointments (current versions, scheduled) that
//     match the filter: local date range (inclusive), appointment kind, post
//     code or place (exact, case-insensitive), main sweeps only. Their SMS
//     contacts are chosen as planning chooses them (SelectContacts: consent,
//     "Nur HK" only for main sweeps, mobile numbers only, at most 3 per
//     appointment, no repeats); contacts without consent only when
//     `include_without_consent` is set (as the office programs allow), and
//     they are flagged;
//   - and/or pasted numbers, parsed with the firm's country, mobile only.
// Every contact left out is listed with its reason (masked number).
// Text: the firm's <<Platzhalter>> syntax; each recipient's text is rendered with
// its appointment's values (pasted numbers have only the firm's: <<Kehrbetrieb>>,
// <<KehrbetriebTelefon>>, <<Beruf>>), with the fallbacks planning uses, and
// encoded by the firm's SMS policy (shared/sms, as `sms-info`). A recipient
// whose text lacks a value is not sendable (and not sent).
// Pure. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dispatcher/planning/firm_policy.h"
#include "dispatcher/preview/template_preview.h"
#include "dispatcher/store/appointment_store.h"

namespace kehrbote {

struct RecipientFilter {
  std::optional<LocalTime> from, to;      // local dates of the appointments, inclusive
  std::optional<AppointmentKind> kind;
  std::string place;                      // post code or place; "" = any
  bool main_sweep_only = false;           // only main sweep appointments
};

struct ManualSendRequest {
  std::string firm_id;
  std::string text;                       // with <<Platzhalter>>
  std::optional<RecipientFilter> filter;  // unset: no appointments, pasted numbers only
  std::vector<std::string> numbers;       // pasted, as typed
  bool include_without_consent = false;
  // Names the send: confirming the same id twice sends nothing the second
  // time. [A-Za-z0-9_-], at most 64; empty: derived from the request (firm,
  // text, filter, numbers), so an identical request is the same send.
  std::string send_id;
};

struct ManualRecipient {
  std::string e164;            // the number sent to (never logged)
  std::string masked;          // "+43664*****67", for lists and logs
  std::string appointment_id;  // "" for a pasted number
  std::string customer;        // the appointment's customer (<<Name>>), "" for a pasted number
  bool without_consent = false;
  TemplatePreview text;        // name "manual"; sendable false: not sent
};

struct ManualSkip {
  std::string masked;          // the contact as typed, masked
  std::string appointment_id;  // "" for a pasted number
  std::string customer;        // the appointment's customer (<<Name>>), "" for a pasted number
  std::string kind;            // SkipKind names: no_consent, landline, invalid_number, duplicate...
  std::string reason;
};

struct ManualSendPlan {
  std::string send_id;
  std::string error;           // the text is not a valid template (nothing else is set)
  std::vector<ManualRecipient> recipients;
  std::vector<ManualSkip> skipped;
  // Totals of the sendable recipients.
  int messages = 0;
  int segments = 0;
  double cost = 0;
};

// `appointments`: the firm's current appointments the filter is applied to
// (CurrentInRange of the filter's dates is enough).
ManualSendPlan PlanManualSend(const FirmPolicy& firm, const ManualSendRequest& request,
                              const std::vector<StoredAppointment>& appointments,
                              const SmsPrice& price);

// Empty if `id` is a usable send id, else why not.
std::string CheckSendId(const std::string& id);

// {"send_id", "error"?, "messages", "segments", "cost", "cost_text", "currency",
//  "recipients": [{"number" (masked), "appointment_id", "without_consent", ...ToJson(TemplatePreview)}],
//  "skipped": [{"number" (masked), "appointment_id", "kind", "reason"}]}
nlohmann::json ToJson(const ManualSendPlan& plan, const SmsPrice& price);

}  // namespace kehrbote
