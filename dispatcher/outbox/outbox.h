// Outbox: sends due messages exactly as the store says, and records every
// step durably (see docs/delivery.md for the full state machine).
//
//   planned --claim--> sending --Send()--> accepted --receipt--> delivered|failed|expired
//                         |  transient: back to planned, next_attempt_at = now + backoff
//                         |             (exponential, with jitter), never past the
//                         |             deadline: then 'expired'
//                         |  permanent: 'failed' with the reason
//   claim also settles, without sending: deadline passed -> 'expired'; contact on
//   the firm's suppression list -> 'cancelled' ("suppressed"); SMS quota of the
//   month reached -> an e-mail to the contact if one is known, else 'held' and an
//   alert for the firm (never dropped silently).
//   held --SendDue, once the quota has room (a new month in the firm's zone, or
//   a raised quota)--> planned, in id order; held past the deadline -> 'expired'.
//
// Claiming: one transaction selects due rows (PostgreSQL: FOR UPDATE SKIP
// LOCKED, so several dispatchers never take the same row; SQLite: BEGIN
// IMMEDIATE excludes other writers) and sets them 'sending' with this
// instance's claim id, a lease and the send window's maximum W of this process.
// Only then are requests made, in id order, with at most W requests whose
// outcome is not yet committed (SendWindow, whose width adapts to the gateway
// within W): finished outcomes are committed together
// in one transaction while the other requests are still on the wire (on
// PostgreSQL the per-row UPDATEs of a claim and of such a commit are sent
// pipelined: one round trip for many rows, not one per row). So after
// a crash, of the rows of one claim still in 'sending' only the W lowest ids
// can have reached the gateway.
//
// Crash recovery (RecoverInterrupted, at start-up): rows in 'sending' claimed by
// this instance (or by anyone, once their lease ran out) are settled. The W
// lowest ids of each claim were possibly in flight; the others never reached
// the gateway and go back to 'planned' at once. A row possibly in flight:
//   - with a receipt already recorded (the gateway has it) -> 'accepted';
//   - an SMS, with `settle_wait` > 0 (receipts requested): back to 'planned'
//     with settle_until = next_attempt_at = now + settle_wait, not flagged.
//     Its dlr-url carries the token written at claim time, so a receipt for a
//     request whose answer the dead process never saw still finds the row:
//     ApplyReceipt settles it (accepted, delivered or failed) and it is not
//     sent again. Only a row still without any receipt when the wait is over is
//     claimed again, then flagged possible_duplicate and logged;
//   - otherwise (settle_wait 0, e-mail): back to 'planned' at once, flagged
//     possible_duplicate and logged.
// So each crash causes at most W duplicates, and with receipts only those
// whose receipt did not come within settle_wait (the gateway took the request
// but could not report it in time). A row whose deadline passed -> 'expired'.
//
// An Outbox is used from one thread. With a send window above 1 its channels
// are called from up to W worker threads at once and must allow that.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/channel/message_channel.h"
#include "dispatcher/outbox/send_window.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

struct SmsQuota {
  int64_t sms_per_month = 0;       // 0 = unlimited
  int64_t segments_per_month = 0;  // 0 = unlimited
};

struct OutboxOptions {
  // Names this process's claims; one running process per name. Default: host name.
  std::string instance;
  std::chrono::seconds lease{600};
  std::chrono::seconds backoff_base{60};
  std::chrono::seconds backoff_max{3600};
  double jitter = 0.25;  // +-25 % of the backoff
  // Rows claimed per transaction.
  std::size_t claim_batch = 100;
  // The most requests open at once, W (see above): 1 = strictly one at a time;
  // W = up to W times the rate of a slow gateway. A crash leaves at most W
  // requests whose outcome is unknown: settled by their receipts (settle_wait),
  // else each a possible duplicate. Within W the window adapts its width to the
  // gateway (window_width.h): it narrows when requests fail transiently and
  // widens again while that raises the rate. It starts at send_window_start
  // (0: at W, the dispatcher's choice). The dispatcher's config
  // (delivery.send_window) defaults to 256.
  std::size_t send_window = 1;
  std::size_t send_window_start = 0;
  // How long an SMS possibly in flight at a crash waits for its delivery
  // receipt before it is sent again (see above). 0 = sent again at once (no
  // receipts requested). The dispatcher's config (delivery.settle_wait)
  // defaults to 5 min when receipts are requested.
  std::chrono::seconds settle_wait{0};
  // The firm's monthly SMS quota; empty function = unlimited.
  std::function<SmsQuota(const std::string& firm_id)> quota;
  // Zone in which a firm's month is counted (default Europe/Vienna).
  std::function<std::string(const std::string& firm_id)> zone;
};

struct SendCounts {
  int claimed = 0;      // taken from the store in this pass (each ends in one below)
  int accepted = 0;     // handed to the gateway / mail host
  int retried = 0;      // transient, will be tried again
  int failed = 0;       // permanent
  int expired = 0;      // deadline passed (before or after a transient failure)
  int suppressed = 0;
  int held = 0;         // SMS quota reached, no e-mail known
  int rerouted = 0;     // SMS quota reached, sent as e-mail instead
  int released = 0;     // held earlier, the quota has room again: planned
  // Why requests did not go through (the channel's detail, e.g. "Kannel
  // http://127.0.0.1:13013/cgi-bin/sendsms: Connection refused"), each
  // distinct reason with the number of messages it stopped.
  std::map<std::string, int> failure_reasons;

  SendCounts& operator+=(const SendCounts& o);
};

struct RecoveryCounts {
  int resent = 0;              // back to 'planned' at once
  int possible_duplicates = 0; // of those, possibly sent already
  int awaiting_receipt = 0;    // back to 'planned' after settle_wait, unless a receipt comes
  int settled = 0;             // a receipt was already there: 'accepted'
  int expired = 0;
};

// Where the send loop's time went, summed over every SendDue of an Outbox (for
// benchmarks and logs; steady time, not the Clock: it measures, it decides nothing).
struct SendLoopTimes {
  std::chrono::duration<double> waiting{};     // for answers (the window's TakeFinished)
  std::chrono::duration<double> committing{};  // transactions of outcomes (and claims ahead)
  std::chrono::duration<double> filling{};     // claims with none left, quotas, handing out
  int64_t commits = 0;                         // outcome transactions
  int64_t outcomes = 0;                        // outcomes they recorded
};

class Outbox {
 public:
  Outbox(Database& db, Clock& clock, std::map<std::string, MessageChannel*> channels,
         OutboxOptions options = {});

  // Runs the "delivery" migrations (the "planning" ones must have run).
  void Migrate();

  // At start-up, before SendDue: settles rows left in 'sending' (see above).
  RecoveryCounts RecoverInterrupted(Instant now);

  // Held messages back to 'planned' as far as their firm's quota has room at
  // `now` (SendDue does this first); past their deadline they expire. Returns
  // the number released.
  int ReleaseHeld(Instant now);

  // Claims and sends up to `max` due messages as of `now`.
  SendCounts SendDue(Instant now, std::size_t max);

  // Earliest next_attempt_at of a 'planned' row (for the run loop's timer).
  std::optional<Instant> NextDue();

  // Requests the send window allows open now (its adapted width; 0 before the
  // first SendDue). For logs and benchmarks.
  std::size_t send_width() const { return window_ ? window_->width() : 0; }

  const SendLoopTimes& loop_times() const { return loop_times_; }

 private:
  struct Row;
  struct OpenSms;
  struct Claimed {
    std::vector<Row> rows;     // now 'sending', in id order
    std::size_t wanted = 0;    // rows asked for
    std::size_t selected = 0;  // rows looked at (claimed, expired or suppressed):
                               // fewer than wanted = nothing more is due
    int expired = 0, suppressed = 0;
  };
  // `fn` in one transaction, its writes in one batch (see outbox.cc).
  void Transact(const std::function<void(SqlConnection&)>& fn);
  // Claims `out.wanted` rows within `c`'s transaction.
  void ClaimIn(SqlConnection& c, Instant now, Claimed& out);
  static void Count(const Claimed& claimed, SendCounts& counts);
  // SendDue's steps: requests up to the window's width (claiming when no
  // claimed row is left), then the finished ones' outcomes committed (and the
  // next batch claimed in the same transaction when few claimed rows are left).
  struct Pass;
  void FillWindow(Pass& pass);
  void CommitFinished(Pass& pass);
  // A row left in 'sending' by a dead process (RecoverInterrupted).
  struct Interrupted {
    int64_t id = 0, deadline = 0;
    std::string recipient, channel;
    bool maybe_sent = false;   // among the claim's W lowest ids still 'sending'
    bool has_receipt = false;  // a receipt was recorded for it
  };
  void Settle(SqlConnection& c, const Interrupted& row, int64_t t, RecoveryCounts& counts);
  void Record(SqlConnection& c, const Row& row, const SendOutcome& outcome, Instant now,
              SendCounts& counts);
  // SMS (count, segments) of the firm sent in the month of `now`, in its zone.
  // The held messages the firms' quotas have room for now, and those past
  // their deadline (ReleaseHeld).
  void SortHeld(Instant now, std::vector<int64_t>& release, std::vector<int64_t>& expire);
  std::pair<int64_t, int64_t> UsedThisMonth(SqlConnection& c, const std::string& firm_id,
                                            Instant now, int64_t exclude_id);
  void RecordAccepted(SqlConnection& c,
                      const std::vector<std::pair<const Row*, const SendOutcome*>>& done,
                      Instant now, SendCounts& counts);
  // False: the row was held or re-routed (quota reached). `counted`: the
  // segments this SMS adds to a limited quota (0 if the firm has none).
  bool ApplyQuota(Row& row, Instant now, const OpenSms& open, SendCounts& counts, int* counted);
  // The SMS `row` to 'held', or, with an `email` known, to 'cancelled' and an
  // e-mail planned instead; an alert for the firm either way (`why`: the quota).
  void HoldOrReroute(const Row& row, Instant now, const std::string& why, const std::string& email);
  std::chrono::seconds Backoff(int attempts);

  Database& db_;
  Clock& clock_;
  std::map<std::string, MessageChannel*> channels_;
  OutboxOptions options_;
  std::unique_ptr<SendWindow> window_;
  SendLoopTimes loop_times_;
  uint64_t claim_seq_ = 0;
  uint64_t rng_state_;
};

// The receipt token of a message: its id as 16 hex digits, then 32 hex digits
// (128 bits) from the OS random source; only the random part makes it secret.
// Why the id first: tokens then sort like ids, so the index on dlr_token grows
// at its end like the primary key; a wholly random token put each claimed row
// on a random index page, one more 4 KB page to write per message and commit.
std::string NewDlrToken(int64_t message_id);

}  // namespace kehrbote
