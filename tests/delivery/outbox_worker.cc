// The send loop as a separate process, for the crash test (killed with SIGKILL
// at random points): recover, then send until nothing is due, exit 0.
//   kehrbote_outbox_worker DB_URL SENDSMS_URL USER PASSWORD [SEND_WINDOW]
#include <iostream>
#include <string>

#include "dispatcher/outbox/outbox.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/store/database.h"

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::cerr << "usage: kehrbote_outbox_worker DB_URL SENDSMS_URL USER PASSWORD [SEND_WINDOW]\n";
    return 2;
  }
  using namespace kehrbote;
  SystemClock clock;
  auto db = Database::Open(argv[1]);
  KannelSettings ks;
  ks.sendsms_url = argv[2];
  ks.username = argv[3];
  ks.password = argv[4];
  ks.timeout = std::chrono::seconds(5);
  KannelChannel sms(ks, clock);
  OutboxOptions oo;
  oo.instance = "crash-test";
  oo.claim_batch = 50;
  oo.send_window = argc == 6 ? static_cast<std::size_t>(std::stoul(argv[5])) : 1;
  Outbox outbox(*db, clock, {{"sms", &sms}}, oo);
  RecoveryCounts r = outbox.RecoverInterrupted(clock.Now());
  std::cout << "recovered " << r.resent << " possible_duplicates " << r.possible_duplicates << "\n"
            << std::flush;
  while (true) {
    SendCounts c = outbox.SendDue(clock.Now(), 1000);
    if (c.claimed == 0) break;
  }
  return 0;
}
