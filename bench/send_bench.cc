// send_bench: 50,000 due SMS through a local Kannel (bearerbox + smsbox +
// fakesmsc) with every state change committed (SQLite, WAL), compared in the
// same run with `wrk` against Kannel's sendsms directly.
//   send_bench [MESSAGES] [WRK_SECONDS] [immediate]
// "immediate" runs Kannel with immediate-sendsms-reply = true.
// Prints both rates, the ratio and the peak RSS of this process.
#include <sys/resource.h>

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <regex>
#include <thread>

#include "dispatcher/outbox/outbox.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/sms/kannel_channel.h"
#include "dispatcher/sms/url_encoding.h"
#include "dispatcher/store/database.h"
#include "tests/support/child_process.h"
#include "tests/support/kannel_server.h"
#include "tests/support/temp_dir.h"

using namespace kehrbote;
using Poco::Data::Keywords::bind;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int wrk_seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  test::TempDir dir("kehrbote-send-bench-");
  test::KannelOptions ko;
  ko.log_level = 2;
  ko.immediate_sendsms_reply = argc > 3 && std::string(argv[3]) == "immediate";  // warnings only: logging every message would measure the log
  test::KannelServer kannel(ko);
  kannel.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));

  auto db = Database::Open("sqlite:" + dir.Sub("store/dispatcher.db"));
  PlanStore(*db).Migrate();
  SystemClock clock;
  KannelSettings ks;
  ks.sendsms_url = kannel.SendsmsUrl();
  ks.username = ko.username;
  ks.password = ko.password;
  ks.dlr_url = "http://127.0.0.1:9/dlr";  // receipts requested, as in production (nobody listens)
  KannelChannel sms(ks, clock);
  OutboxOptions oo;
  oo.instance = "bench";
  oo.claim_batch = 200;
  Outbox outbox(*db, clock, {{"sms", &sms}}, oo);
  outbox.Migrate();

  // The channel alone (no store): the cost of one sendsms request from here.
  double channel_rate = 0;
  {
    OutgoingMessage m;
    m.id = 1;
    m.channel = "sms";
    m.sender = "HuberRFK";
    m.recipient = "+436643999999";
    m.body = "Grüß Gott! Ihr Rauchfangkehrer kommt am Montag.";
    m.dlr_token = "0123456789abcdef0123456789abcdef";
    const int probe = 300;
    auto c0 = std::chrono::steady_clock::now();
    for (int i = 0; i < probe; ++i) sms.Send(m);
    channel_rate = probe / std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  }

  const Instant now = clock.Now();
  auto t_insert = std::chrono::steady_clock::now();
  db->InTransaction([&](Poco::Data::Session& s) {
    Poco::Data::Statement st(s);
    for (int i = 0; i < n; ++i) {
      char to[32];
      std::snprintf(to, sizeof to, "+4366430%06d", i);
      std::string t = to, appt = "A-" + std::to_string(i),
                  body = "Grüß Gott! Ihr Rauchfangkehrer kommt am Montag, 23.11. um 08:00 Uhr. Nr " +
                         std::to_string(i);
      Poco::Int64 due = now.time_since_epoch().count() - 60, deadline = due + 86400;
      Poco::Data::Statement ins(s);
      ins << db->Sql("INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
                     "purpose, channel, contact_key, recipient, sender, subject, body, segments, "
                     "due_at, deadline_at, state, attempts, next_attempt_at, created_at, updated_at) "
                     "VALUES ('huber', ?, 1, 'sms-1d', 'reminder', 'sms', ?, ?, 'HuberRFK', '', ?, "
                     "0, ?, ?, 'planned', 0, ?, ?, ?)"),
          bind(appt), bind(t), bind(t), bind(body), bind(due), bind(deadline), bind(due), bind(due),
          bind(due);
      ins.execute();
    }
  });
  double insert_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_insert).count();

  auto t0 = std::chrono::steady_clock::now();
  SendCounts total;
  while (true) {
    SendCounts c = outbox.SendDue(clock.Now(), 10000);
    total.claimed += c.claimed;
    total.accepted += c.accepted;
    total.retried += c.retried;
    total.failed += c.failed;
    if (c.claimed == 0) break;
  }
  double send_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double outbox_rate = total.accepted / send_s;
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);

  // wrk against sendsms directly, same Kannel, same kind of request.
  std::string target = kannel.SendsmsUrl() + "?username=" + ko.username + "&password=" +
                       PercentEncode(ko.password) +
                       "&from=HuberRFK&to=%2B436643000001&charset=UTF-8&coding=0&text=" +
                       PercentEncode("Grüß Gott! Ihr Rauchfangkehrer kommt am Montag.") +
                       "&dlr-mask=31&dlr-url=" + PercentEncode("http://127.0.0.1:9/dlr?token=x");
  auto wrk = test::RunCommand({"wrk", "-t2", "-c8", "-d" + std::to_string(wrk_seconds) + "s", target},
                              std::chrono::seconds(wrk_seconds + 60));
  std::smatch m;
  double wrk_rate = 0;
  if (std::regex_search(wrk.output, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    wrk_rate = std::stod(m[1]);
  std::cout << "kannel immediate-sendsms-reply: " << (ko.immediate_sendsms_reply ? "true" : "false") << "\n"
            << "messages inserted: " << n << " in " << insert_s << " s\n"
            << "outbox: " << total.accepted << " accepted, " << total.retried << " retried, "
            << total.failed << " failed in " << send_s << " s = " << outbox_rate << " msg/s"
            << " (one request at a time, each outcome committed)\n"
            << "channel alone (sequential sendsms, keep-alive): " << channel_rate << " req/s\n"
            << "wrk -t2 -c8 against sendsms: " << wrk_rate << " req/s\n"
            << "ratio outbox/wrk: " << (wrk_rate > 0 ? outbox_rate / wrk_rate : 0) << "\n"
            << "peak RSS: " << ru.ru_maxrss / 1024 << " MB\n";
  if (wrk_rate == 0) std::cout << "wrk output:\n" << wrk.output << "\n";
  return 0;
}
