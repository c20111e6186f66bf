// Outbox + receipts + replies against the real Kannel and the dispatcher's
// HTTP listener, SQLite store.
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/delivery/delivery_fixture.h"

namespace kehrbote::test {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class OutboxTest : public DeliveryFixture {};

TEST_F(OutboxTest, SendsAndReceiptMarksDelivered) {
  int64_t a = Plan("+436641000010", "Grüß Gott! Kehrtermin morgen 8:00 Uhr.");
  std::string long_text;
  for (int i = 0; i < 5; ++i) long_text += "Bitte Zugang zu Dachboden und Heizraum ermöglichen. ";
  int64_t b = Plan("+436641000011", long_text);
  int64_t c = Plan("+436641000012", "Danke \xF0\x9F\x98\x80");
  SendCounts counts = outbox_->SendDue(clock_.Now(), 100);
  EXPECT_EQ(counts.claimed, 3);
  EXPECT_EQ(counts.accepted, 3);
  EXPECT_EQ(Column(a, "segments"), "1");
  EXPECT_EQ(Column(b, "segments"), "2");
  EXPECT_EQ(ReceivedFor("+436641000010", 1).at(0).text, "Grüß Gott! Kehrtermin morgen 8:00 Uhr.");
  EXPECT_EQ(ReceivedFor("+436641000011", 2).size(), 2u);
  EXPECT_EQ(ReceivedFor("+436641000012", 1).at(0).text, "Danke \xF0\x9F\x98\x80");
  // The fake SMSC acknowledges; Kannel calls our dlr-url with status 1.
  for (int64_t id : {a, b, c}) {
    EXPECT_TRUE(WaitForState(id, "delivered", seconds(15)))
        << id << " is " << State(id) << "; receipts: "
        << Count("SELECT COUNT(*) FROM receipts WHERE message_id = " + std::to_string(id))
        << " applied " << http_->counters().receipts_applied << " ignored "
        << http_->counters().receipts_ignored;
    EXPECT_NE(Column(id, "final_at"), "<null>");
  }
  EXPECT_GE(Count("SELECT COUNT(*) FROM receipts"), 3);
  // Nothing is sent twice.
  EXPECT_EQ(outbox_->SendDue(clock_.Now(), 100).claimed, 0);
}

TEST_F(OutboxTest, ForgedOrReplayedReceiptChangesNothing) {
  int64_t a = Plan("+436641000013", "Hallo");
  ASSERT_EQ(outbox_->SendDue(clock_.Now(), 10).accepted, 1);
  ASSERT_TRUE(WaitForState(a, "delivered", seconds(15)));
  std::string token = Column(a, "dlr_token");
  // The message id in 16 hex digits, then 128 random bits.
  ASSERT_EQ(token.size(), 48u);
  char id_hex[17];
  std::snprintf(id_hex, sizeof id_hex, "%016llx", static_cast<unsigned long long>(a));
  EXPECT_EQ(token.substr(0, 16), id_hex);
  // Replay with a failure status: already final, ignored.
  EXPECT_EQ(Get("/dlr?token=" + token + "&status=2&answer=NACK&id=x"), 200);
  EXPECT_EQ(State(a), "delivered");
  // Forged tokens change nothing either.
  int64_t b = Plan("+436641000014", "Hallo");
  kannel_->StopBearerbox();  // no real receipt for b
  outbox_->SendDue(clock_.Now(), 10);
  kannel_->StartBearerbox();
  std::string state_b = State(b);
  EXPECT_EQ(Get("/dlr?token=00000000000000000000000000000000&status=1"), 200);
  // b's id is not a secret: a token with its id and a guessed random part is forged.
  std::string token_b = Column(b, "dlr_token");
  ASSERT_EQ(token_b.size(), 48u);
  EXPECT_EQ(Get("/dlr?token=" + token_b.substr(0, 16) + std::string(32, '0') + "&status=1"), 200);
  EXPECT_EQ(Get("/dlr?token=&status=1"), 200);
  EXPECT_EQ(Get("/dlr?status=1"), 200);
  EXPECT_EQ(State(b), state_b);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE state = 'delivered'"), 1);
}

TEST_F(OutboxTest, KannelDownIsRetriedThenAccepted) {
  kannel_->StopSmsbox();  // connection refused
  int64_t a = Plan("+436641000015", "Termin morgen");
  Instant t0 = clock_.Now();
  SendCounts first = outbox_->SendDue(t0, 10);
  EXPECT_EQ(first.retried, 1);
  EXPECT_EQ(State(a), "planned");
  EXPECT_EQ(Column(a, "attempts"), "1");
  EXPECT_NE(Column(a, "last_error").find("cannot reach"), std::string::npos) << Column(a, "last_error");
  int64_t next = std::stoll(Column(a, "next_attempt_at"));
  EXPECT_GE(next, t0.time_since_epoch().count() + 45);  // 60 s +-25 %
  // Not due again before its backoff.
  EXPECT_EQ(outbox_->SendDue(t0 + seconds(10), 10).claimed, 0);
  // What the firm's heartbeat / the operator alarm reads while it is down.
  DeliveryStore::Backlog backlog = DeliveryStore(*db_).GetBacklog("huber");
  EXPECT_EQ(backlog.retrying, 1);
  EXPECT_TRUE(backlog.oldest_failure.has_value());
  EXPECT_NE(backlog.last_error.find("cannot reach"), std::string::npos);
  kannel_->StartSmsbox();
  SendCounts second = outbox_->SendDue(Instant(seconds(next)), 10);
  EXPECT_EQ(second.accepted, 1) << State(a) << ": " << Column(a, "last_error");
  EXPECT_EQ(Column(a, "attempts"), "2");
  EXPECT_EQ(ReceivedFor("+436641000015", 1).size(), 1u);
  EXPECT_EQ(DeliveryStore(*db_).GetBacklog("huber").retrying, 0);
}

TEST_F(OutboxTest, GatewayTemporaryFailureIsTransient) {
  kannel_->StopBearerbox();  // smsbox up, bearerbox gone: smsbox answers 503 / refuses
  int64_t a = Plan("+436641000016", "Termin morgen");
  SendCounts counts = outbox_->SendDue(clock_.Now(), 10);
  kannel_->StartBearerbox();
  // smsbox either queues ("3: Queued for later delivery", accepted) or refuses
  // temporarily; never a permanent failure.
  EXPECT_EQ(counts.failed, 0) << Column(a, "last_error");
  EXPECT_TRUE(State(a) == "planned" || State(a) == "accepted" || State(a) == "delivered")
      << State(a) << " " << Column(a, "last_error");
}

TEST_F(OutboxTest, NotRoutableFailsWithReason) {
  int64_t a = Plan("+12025550123", "Hello");
  SendCounts counts = outbox_->SendDue(clock_.Now(), 10);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(State(a), "failed");
  EXPECT_NE(Column(a, "last_error").find("403"), std::string::npos) << Column(a, "last_error");
  EXPECT_NE(Column(a, "last_error").find("routable"), std::string::npos) << Column(a, "last_error");
  EXPECT_NE(Column(a, "final_at"), "<null>");
}

TEST_F(OutboxTest, DeadlineIsRespected) {
  Instant now = clock_.Now();
  // Deadline already passed: never sent.
  int64_t late = Plan("+436641000017", "zu spät", "", now - seconds(1));
  // Gateway down and the next try would be after the deadline: expired.
  int64_t soon = Plan("+436641000018", "knapp", "", now + seconds(30));
  kannel_->StopSmsbox();
  SendCounts counts = outbox_->SendDue(now, 10);
  kannel_->StartSmsbox();
  EXPECT_EQ(counts.expired, 2);
  EXPECT_EQ(State(late), "expired");
  EXPECT_EQ(State(soon), "expired");
  EXPECT_NE(Column(soon, "last_error").find("deadline"), std::string::npos);
  EXPECT_EQ(outbox_->SendDue(now + hours(1), 10).claimed, 0);
  EXPECT_TRUE(ReceivedFor("+436641000017", 1, seconds(1)).empty());
}

TEST_F(OutboxTest, StopReplySuppressesAndConfirmsOnce) {
  int64_t a = Plan("+436641000020", "Erinnerung: Kehrung morgen");
  ASSERT_EQ(outbox_->SendDue(clock_.Now(), 10).accepted, 1);
  ASSERT_EQ(ReceivedFor("+436641000020", 1).size(), 1u);
  kannel_->InjectMo("436641000020", "4366499999", "Stopp");
  // The reply travels through Kannel, another process, to the listener, which tells
  // only through the store: bounded polling (here and below).
  auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (Count("SELECT COUNT(*) FROM suppressions") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(Count("SELECT COUNT(*) FROM suppressions WHERE firm_id = 'huber' AND contact_key = '+436641000020'"), 1);
  // The confirmation goes out; a later reminder to that number does not.
  int64_t later = Plan("+436641000020", "Nächste Erinnerung", "A-later");
  SendCounts counts = outbox_->SendDue(clock_.Now(), 10);
  EXPECT_EQ(counts.accepted, 1);
  EXPECT_EQ(counts.suppressed, 1);
  EXPECT_EQ(State(later), "cancelled");
  auto got = ReceivedFor("+436641000020", 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[1].text.find("keine SMS-Erinnerungen mehr"), std::string::npos) << got[1].text;
  // A second STOP: no second confirmation.
  kannel_->InjectMo("436641000020", "4366499999", "STOP");
  deadline = std::chrono::steady_clock::now() + seconds(15);
  while (Count("SELECT COUNT(*) FROM inbound_messages") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inbound_messages WHERE kind = 'stop'"), 2);
  EXPECT_EQ(outbox_->SendDue(clock_.Now(), 10).claimed, 0);
  EXPECT_EQ(ReceivedFor("+436641000020", 3, seconds(2)).size(), 2u);
  (void)a;
}

TEST_F(OutboxTest, OtherReplyIsForwardedToTheFirm) {
  Plan("+436641000021", "Erinnerung: Kehrung morgen", "A-77");
  ASSERT_EQ(outbox_->SendDue(clock_.Now(), 10).accepted, 1);
  kannel_->InjectMo("436641000021", "4366499999", "Passt, Hund ist im Garten");
  auto deadline = std::chrono::steady_clock::now() + seconds(15);
  while (Count("SELECT COUNT(*) FROM messages WHERE rule_id = 'forward'") == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  PooledConnection conn = db_->Connect();
  SqlStatement q(*conn,
                 "SELECT recipient, subject, body, appointment_id FROM messages "
                 "WHERE rule_id = 'forward'");
  ASSERT_TRUE(q.Step());
  const std::string recipient = q.Text(0), subject = q.Text(1), body = q.Text(2),
                    appointment = q.Text(3);
  EXPECT_EQ(recipient, "buero@huber.example.at");
  EXPECT_EQ(appointment, "A-77");
  EXPECT_NE(subject.find("+436641000021"), std::string::npos);
  EXPECT_NE(body.find("Passt, Hund ist im Garten"), std::string::npos) << body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM suppressions"), 0);
  // A reply without the shared key is refused.
  EXPECT_EQ(Get("/sms/incoming?from=436641000021&to=1&text=STOP"), 403);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM suppressions"), 0);
}

TEST_F(OutboxTest, QuotaHoldsOrReroutesNeverDrops) {
  quota_.sms_per_month = 1;
  int64_t a = Plan("+436641000030", "Eins", "A-1");
  int64_t b = Plan("+436641000031", "Zwei", "A-2");
  int64_t c = Plan("+436641000032", "Drei", "A-3");
  Plan("kunde@example.at", "Drei per Mail", "A-3", {}, "email", "mail-2d");
  SendCounts counts = outbox_->SendDue(clock_.Now(), 10);
  EXPECT_TRUE(State(a) == "accepted" || State(a) == "delivered") << State(a);
  EXPECT_EQ(State(b), "held");
  EXPECT_EQ(State(c), "cancelled");  // done: sent by e-mail instead
  EXPECT_EQ(counts.held, 1);
  EXPECT_EQ(counts.rerouted, 1);
  EXPECT_NE(Column(b, "last_error").find("quota"), std::string::npos);
  // c went to the contact's e-mail address instead.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM messages WHERE rule_id = 'sms-1d+quota' AND "
                  "recipient = 'kunde@example.at' AND body = 'Drei'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM delivery_alerts WHERE firm_id = 'huber' AND kind = 'quota'"), 2);
}

TEST_F(OutboxTest, HeldMessagesGoOutOnceTheQuotaHasRoomAgain) {
  quota_.sms_per_month = 1;
  const Instant t0 = clock_.Now();
  const Instant far = t0 + std::chrono::hours(24 * 62);
  int64_t a = Plan("+436641000050", "Eins", "A-1", far);
  int64_t b = Plan("+436641000051", "Zwei", "A-2", far);
  int64_t c = Plan("+436641000052", "Drei", "A-3", far);
  int64_t d = Plan("+436641000053", "Vier", "A-4", t0 + std::chrono::hours(1));
  EXPECT_EQ(outbox_->SendDue(t0, 10).held, 3);
  EXPECT_TRUE(State(a) == "accepted" || State(a) == "delivered") << State(a);

  // Still no room: nothing released, and no second alert for the same message.
  SendCounts again = outbox_->SendDue(t0, 10);
  EXPECT_EQ(again.released, 0);
  EXPECT_EQ(again.held, 0);
  EXPECT_EQ(State(b), "held");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM delivery_alerts WHERE kind = 'quota'"), 3);
  // What the firm's heartbeat reports ("3 Nachrichten ... zurückgehalten").
  EXPECT_EQ(DeliveryStore(*db_).GetBacklog("huber").held, 3);
  EXPECT_EQ(DeliveryStore(*db_).GetBacklog("maier").held, 0);

  // The firm's quota is raised to 2: the oldest held message goes out.
  quota_.sms_per_month = 2;
  SendCounts raised = outbox_->SendDue(t0, 10);
  EXPECT_EQ(raised.released, 1);
  EXPECT_EQ(raised.accepted, 1);
  EXPECT_TRUE(State(b) == "accepted" || State(b) == "delivered") << State(b);
  EXPECT_EQ(State(c), "held");
  EXPECT_EQ(State(d), "held");

  // Held past its appointment: expired with the reason, never sent late.
  outbox_->SendDue(t0 + std::chrono::hours(2), 10);
  EXPECT_EQ(State(d), "expired");
  EXPECT_NE(Column(d, "last_error").find("quota"), std::string::npos);
  EXPECT_EQ(State(c), "held");

  // A new month in the firm's zone: the quota counts from zero again.
  SendCounts next_month = outbox_->SendDue(t0 + std::chrono::hours(24 * 32), 10);
  EXPECT_EQ(next_month.released, 1);
  EXPECT_TRUE(State(c) == "accepted" || State(c) == "delivered") << State(c);
  EXPECT_EQ(ReceivedFor("+436641000052", 1).size(), 1u);
  EXPECT_EQ(ReceivedFor("+436641000051", 1).size(), 1u);
  EXPECT_TRUE(ReceivedFor("+436641000053", 0).empty());
}

// An SMS over the quota that went to the contact by e-mail instead is
// done: it is not held, the heartbeat and alarm do not count it, and raising the
// quota does not send it again by SMS.
TEST_F(OutboxTest, QuotaMessageSentByEmailInsteadIsDone) {
  quota_.sms_per_month = 1;
  const Instant t0 = clock_.Now();
  const Instant far = t0 + std::chrono::hours(48);
  int64_t a = Plan("+436641000060", "Eins", "A-1", far);
  int64_t b = Plan("+436641000061", "Zwei", "A-2", far);
  int64_t c = Plan("+436641000062", "Drei", "A-3", far);
  Plan("kunde3@example.at", "Drei per Mail", "A-3", far, "email", "mail-2d");
  int64_t d = Plan("+436641000063", "Vier", "A-4", far);
  Plan("kunde4@example.at", "Vier per Mail", "A-4", far, "email", "mail-2d");
  SendCounts counts = outbox_->SendDue(t0, 10);
  EXPECT_TRUE(State(a) == "accepted" || State(a) == "delivered") << State(a);
  EXPECT_EQ(counts.held, 1);
  EXPECT_EQ(counts.rerouted, 2);
  EXPECT_EQ(State(b), "held");
  EXPECT_NE(State(c), "held");
  EXPECT_NE(State(d), "held");
  EXPECT_NE(Column(c, "last_error").find("sent by e-mail instead"), std::string::npos);
  // One message is held, and that is what the heartbeat and the alarm count.
  EXPECT_EQ(DeliveryStore(*db_).GetBacklog("huber").held, 1);

  // The quota is raised: only the held SMS goes out; the two sent by e-mail
  // are not sent a second time by SMS.
  quota_.sms_per_month = 10;
  SendCounts raised = outbox_->SendDue(t0, 10);
  EXPECT_EQ(raised.released, 1);
  EXPECT_TRUE(State(b) == "accepted" || State(b) == "delivered") << State(b);
  EXPECT_EQ(ReceivedFor("+436641000061", 1).size(), 1u);
  EXPECT_TRUE(ReceivedFor("+436641000062", 0).empty());
  EXPECT_TRUE(ReceivedFor("+436641000063", 0).empty());
  EXPECT_NE(State(c), "accepted");
  EXPECT_NE(State(d), "accepted");
  EXPECT_EQ(DeliveryStore(*db_).GetBacklog("huber").held, 0);
}

TEST_F(OutboxTest, RecoveryResendsAndFlagsOnlyTheInFlightRow) {
  int64_t a = Plan("+436641000040", "A");
  int64_t b = Plan("+436641000041", "B");
  int64_t c = Plan("+436641000042", "C");
  {
    // As a crash leaves them: one claim, all 'sending'; a's request was in flight.
    Exec(
        "UPDATE messages SET state = 'sending', claim_id = 'test/1-1-1', attempts = 1, "
        "lease_until = 9999999999 WHERE id IN (" +
        std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + ")");
    // Another instance's live claim is left alone.
    Exec("UPDATE messages SET claim_id = 'other/1-1-1' WHERE id = " + std::to_string(c));
  }
  RecoveryCounts r = outbox_->RecoverInterrupted(clock_.Now());
  EXPECT_EQ(r.resent, 2);
  EXPECT_EQ(r.possible_duplicates, 1);
  EXPECT_EQ(Column(a, "possible_duplicate"), "1");
  EXPECT_EQ(Column(b, "possible_duplicate"), "0");
  EXPECT_EQ(State(c), "sending");
  EXPECT_EQ(outbox_->SendDue(clock_.Now(), 10).accepted, 2);
}

// Keeps `n` connections to the listener open: half of them never send a byte,
// the other half trickle a request head one byte per round. Whatever the
// server closes is reopened at once, so the attack never lets up.
class SlowClientAttacker {
 public:
  SlowClientAttacker(int port, int n) : port_(port), n_(n) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SlowClientAttacker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  // Connections opened so far, and how many of them the server closed.
  int opened() const { return opened_; }
  int closed_by_server() const { return closed_; }
  // Waits (at most `timeout`) until `done` holds after one of the attacker's rounds.
  bool WaitFor(const std::function<bool()>& done, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return round_.wait_for(lock, timeout, done);
  }

 private:
  void Run() {
    std::vector<Poco::Net::StreamSocket> sockets(n_);
    std::vector<bool> live(n_, false);
    const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaa";
    std::vector<std::size_t> sent(n_, 0);
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      for (int i = 0; i < n_; ++i) {
        try {
          if (live[i]) {
            char c;
            // Closed by the server? (readable with nothing to read)
            if (sockets[i].poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ) &&
                sockets[i].receiveBytes(&c, 1) <= 0) {
              sockets[i].close();
              live[i] = false;
              ++closed_;
            } else if (i % 2 == 1 && sent[i] < head.size()) {
              sockets[i].sendBytes(head.data() + sent[i]++, 1);
            }
          }
          if (!live[i]) {
            sockets[i] = Poco::Net::StreamSocket();
            sockets[i].connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)),
                               Poco::Timespan(1, 0));
            live[i] = true;
            sent[i] = 0;
            ++opened_;
          }
        } catch (const Poco::Exception&) {
          if (live[i]) ++closed_;
          live[i] = false;  // reset by the server: reopen next round
        }
      }
      round_.notify_all();
      // Pace of the trickle (one byte per slow connection and round).
      wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_; });
    }
  }

  const int port_, n_;
  std::atomic<int> opened_{0}, closed_{0};
  std::mutex mu_;
  std::condition_variable wake_, round_;
  bool stop_ = false;
  std::thread thread_;
};

// Before: 16 server threads, each held by an idle connection for about a
// minute (Poco's receive timeout); receipts and /health waited behind them.
TEST_F(OutboxTest, ReceiptsArriveWhileSlowClientsHoldConnections) {
  SlowClientAttacker attacker(http_->port(), 64);
  ASSERT_TRUE(attacker.WaitFor([&] { return attacker.opened() >= 64; }, seconds(10)));

  // Monitoring still gets its answer at once.
  Poco::Net::HTTPClientSession c("127.0.0.1", static_cast<Poco::UInt16>(http_->port()));
  c.setTimeout(Poco::Timespan(3, 0));
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/health",
                             Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse res;
  std::string body;
  try {
    c.sendRequest(req);
    Poco::StreamCopier::copyToString(c.receiveResponse(res), body);
  } catch (const Poco::TimeoutException&) {
    ADD_FAILURE() << "/health did not answer within 3 s";
  }
  EXPECT_EQ(body, "ok\n");

  // Kannel's delivery receipts get through.
  int64_t a = Plan("+436641000070", "Termin morgen");
  int64_t b = Plan("+436641000071", "Termin übermorgen");
  ASSERT_EQ(outbox_->SendDue(clock_.Now(), 10).accepted, 2);
  EXPECT_TRUE(WaitForState(a, "delivered", seconds(15))) << State(a);
  EXPECT_TRUE(WaitForState(b, "delivered", seconds(15))) << State(b);

  // Every connection that did not send its request in time was cut off (5 s).
  EXPECT_TRUE(attacker.WaitFor([&] { return attacker.closed_by_server() >= 64; }, seconds(15)))
      << attacker.closed_by_server() << " of 64 cut off";
}

TEST_F(OutboxTest, RecoveryFlagsAsManyRowsAsTheClaimsSendWindow) {
  int64_t a = Plan("+436641000060", "A");
  int64_t b = Plan("+436641000061", "B");
  int64_t c = Plan("+436641000062", "C");
  {
    // A claim made with send window 2: a and b may both have been in flight.
    Exec(
        "UPDATE messages SET state = 'sending', claim_id = 'test/1-1-2', claim_window = 2, "
        "attempts = 1, lease_until = 9999999999 WHERE id IN (" +
        std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + ")");
  }
  RecoveryCounts r = outbox_->RecoverInterrupted(clock_.Now());
  EXPECT_EQ(r.resent, 3);
  EXPECT_EQ(r.possible_duplicates, 2);
  EXPECT_EQ(Column(a, "possible_duplicate"), "1");
  EXPECT_EQ(Column(b, "possible_duplicate"), "1");
  EXPECT_EQ(Column(c, "possible_duplicate"), "0");
}

// A crash left a and b in flight (send window 2), with receipts requested:
// a's request had reached Kannel, b's had not. Neither is sent again at once;
// a's receipt (its dlr-url carries the token written at claim time) settles it,
// and only b, still without a receipt when the wait is over, goes out again.
TEST_F(OutboxTest, RecoveryWaitsForTheReceiptOfAnInFlightSmsAndResendsOnlyWithoutOne) {
  int64_t a = Plan("+436641000080", "Termin A");
  int64_t b = Plan("+436641000081", "Termin B");
  int64_t c = Plan("+436641000082", "Termin C");
  {
    for (int64_t id : {a, b, c})
      Exec(
          "UPDATE messages SET state = 'sending', claim_id = 'test/1-1-3', claim_window = 2, "
          "attempts = 1, lease_until = 9999999999, dlr_token = '" +
          NewDlrToken(id) + "' WHERE id = " + std::to_string(id));
  }
  OutboxOptions oo;
  oo.instance = "test";
  oo.settle_wait = std::chrono::seconds(600);
  Outbox outbox(*db_, clock_, {{"sms", sms_.get()}}, oo);
  const Instant t0 = clock_.Now();
  RecoveryCounts r = outbox.RecoverInterrupted(t0);
  EXPECT_EQ(r.awaiting_receipt, 2);  // a, b: possibly in flight
  EXPECT_EQ(r.resent, 1);            // c: never requested
  EXPECT_EQ(r.possible_duplicates, 0);
  EXPECT_EQ(outbox.SendDue(t0, 10).accepted, 1);  // c only
  EXPECT_EQ(State(a), "planned");

  // Kannel's receipt for a, as it retries it once the listener is back.
  EXPECT_EQ(Get("/dlr?token=" + Column(a, "dlr_token") + "&status=8&answer=ACK&id=x"), 200);
  EXPECT_EQ(State(a), "accepted");
  EXPECT_EQ(Get("/dlr?token=" + Column(a, "dlr_token") + "&status=1&answer=DELIVRD&id=x"), 200);
  EXPECT_EQ(State(a), "delivered");

  EXPECT_EQ(outbox.SendDue(t0 + std::chrono::seconds(599), 10).claimed, 0);  // still waiting
  SendCounts later = outbox.SendDue(t0 + std::chrono::seconds(600), 10);
  EXPECT_EQ(later.claimed, 1);
  EXPECT_EQ(later.accepted, 1);
  EXPECT_EQ(Column(b, "possible_duplicate"), "1");
  EXPECT_EQ(Column(a, "possible_duplicate"), "0");
  EXPECT_EQ(ReceivedFor("+436641000081", 1).size(), 1u);
  EXPECT_TRUE(ReceivedFor("+436641000080", 0).empty());
}

// A receipt recorded before the crash (buffered or SMSC ack leave the state
// alone while the request is open) shows Kannel has the message: not sent again.
TEST_F(OutboxTest, RecoveryTakesARecordedReceiptAsAccepted) {
  int64_t a = Plan("+436641000090", "Termin A");
  {
    Exec(
        "UPDATE messages SET state = 'sending', claim_id = 'test/1-1-4', claim_window = 16, "
        "attempts = 1, lease_until = 9999999999, dlr_token = '" +
        NewDlrToken(a) + "' WHERE id = " + std::to_string(a));
  }
  EXPECT_EQ(Get("/dlr?token=" + Column(a, "dlr_token") + "&status=8&answer=ACK&id=x"), 200);
  EXPECT_EQ(State(a), "sending");
  RecoveryCounts r = outbox_->RecoverInterrupted(clock_.Now());
  EXPECT_EQ(r.settled, 1);
  EXPECT_EQ(r.resent, 0);
  EXPECT_EQ(State(a), "accepted");
  EXPECT_EQ(outbox_->SendDue(clock_.Now(), 10).claimed, 0);
}

// Two crashes in a row: b was possibly sent before the first (flagged), claimed
// again, and still unsent at the second, behind a in the new claim. Its flag
// stays: the second recovery must not clear it (the crash test found copies
// of such messages unflagged).
TEST_F(OutboxTest, RecoveryKeepsTheFlagOfAnEarlierCrash) {
  int64_t a = Plan("+436641000095", "A");
  int64_t b = Plan("+436641000096", "B");
  {
    Exec(
        "UPDATE messages SET state = 'sending', claim_id = 'test/2-2-1', claim_window = 1, "
        "attempts = 2, lease_until = 9999999999 WHERE id IN (" +
        std::to_string(a) + "," + std::to_string(b) + ")");
    Exec("UPDATE messages SET possible_duplicate = 1 WHERE id = " + std::to_string(b));
  }
  RecoveryCounts r = outbox_->RecoverInterrupted(clock_.Now());
  EXPECT_EQ(r.resent, 2);
  EXPECT_EQ(Column(a, "possible_duplicate"), "1");  // in flight at this crash
  EXPECT_EQ(Column(b, "possible_duplicate"), "1");  // sent before the earlier one
}

TEST(DlrTokenTest, IdInHexThenRandomHex) {
  const std::string a = NewDlrToken(0x1234), b = NewDlrToken(0x1234);
  ASSERT_EQ(a.size(), 48u);
  EXPECT_EQ(a.substr(0, 16), "0000000000001234");  // sorts like the ids
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a.substr(16), b.substr(16));  // 128 random bits
  EXPECT_EQ(NewDlrToken(INT64_MAX).substr(0, 16), "7fffffffffffffff");
}

}  // namespace
}  // namespace kehrbote::test
