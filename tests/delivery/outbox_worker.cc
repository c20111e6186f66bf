// The send loop as a separate process, for the crash test (killed with SIGKILL
// at random points): recover, then send until nothing is due, exit 0.
//   kehrbote_outbox_worker DB_URL SENDSMS_URL USER PASSWORD [SEND_WINDOW
//                          [LISTEN_PORT DLR_URL SETTLE_SECONDS]]
// With LISTEN_PORT the worker requests delivery receipts at DLR_URL (which
// leads to 127.0.0.1:LISTEN_PORT, the dispatcher's listener), and settles
// messages possibly in flight at the last crash by their receipt, waiting at
// most SETTLE_SECONDS for it; it then exits once no message is planned any more.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "dispatcher/http/delivery_http_server.h"
#include "dispatcher/outbox/outbox.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/database.h"

namespace {

// Sends until nothing is planned: what is not due yet (waiting for a receipt)
// is waited for, until its time or until a receipt settled it.
void SendAll(kehrbote::Outbox& outbox, kehrbote::Clock& clock) {
  while (true) {
    kehrbote::SendCounts c = outbox.SendDue(clock.Now(), 1000);
    // For the test's report: a transient failure (e.g. a timeout after Kannel
    // took the request) is retried and may be an unflagged duplicate.
    for (const auto& [reason, n] : c.failure_reasons)
      std::cout << "not sent: " << n << " " << reason << "\n" << std::flush;
    // For the test's report: how wide the adaptive window got.
    if (c.claimed > 0) std::cout << "send width: " << outbox.send_width() << "\n" << std::flush;
    if (c.claimed > 0) continue;
    std::optional<kehrbote::Instant> next = outbox.NextDue();
    if (!next) return;
    // A timer, not a synchronisation: re-check at least every 100 ms, since a
    // receipt may settle the waiting row before its time.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6 && argc != 9) {
    std::cerr << "usage: kehrbote_outbox_worker DB_URL SENDSMS_URL USER PASSWORD [SEND_WINDOW "
                 "[LISTEN_PORT DLR_URL SETTLE_SECONDS]]\n";
    return 2;
  }
  using namespace kehrbote;
  SystemClock clock;
  auto db = Database::Open(argv[1]);
  KannelSettings ks;
  ks.sendsms_url = argv[2];
  ks.username = argv[3];
  ks.password = argv[4];
  // Generous: the crash test runs beside other tests on a loaded machine, and
  // a request that times out after Kannel took it is sent again unflagged.
  ks.timeout = std::chrono::seconds(30);
  OutboxOptions oo;
  oo.instance = "crash-test";
  oo.claim_batch = 50;
  oo.send_window = argc >= 6 ? static_cast<std::size_t>(std::stoul(argv[5])) : 1;
  std::unique_ptr<DeliveryHttpServer> http;
  if (argc == 9) {
    HttpListenerSettings hs;
    hs.port = std::stoi(argv[6]);
    // Started before the recovery, as `run` does: receipts Kannel kept while
    // this process was dead come in as soon as it listens.
    http = std::make_unique<DeliveryHttpServer>(*db, clock, hs, ReplyRouting{});
    http->Start();
    ks.dlr_url = argv[7];
    oo.settle_wait = std::chrono::seconds(std::stol(argv[8]));
  }
  KannelChannel sms(ks, clock);
  Outbox outbox(*db, clock, {{"sms", &sms}}, oo);
  RecoveryCounts r = outbox.RecoverInterrupted(clock.Now());
  std::cout << "recovered " << r.resent << " possible_duplicates " << r.possible_duplicates
            << " awaiting_receipt " << r.awaiting_receipt << " settled " << r.settled << "\n"
            << std::flush;
  SendAll(outbox, clock);
  if (http) http->Stop();
  return 0;
}
