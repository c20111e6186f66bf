// Fuzz target: the receipt and reply handlers of the dispatcher's HTTP listener,
// through their request parsing, not a socket. Input: a request head as a client
// sends it ("GET /dlr?token=...&status=1 HTTP/1.1\r\n..."). It goes through
// ParseRequestLine (http_listener.h) and the listener's router (query parsing,
// percent decoding, /dlr -> ReceiptWriter -> DeliveryStore::ApplyReceiptIn, /sms/incoming ->
// ReplyHandler) against a real SQLite store with the planning and delivery tables.
// Contract checked: every request is answered (200, 403 or 404; 503 only for a
// store error, which must not happen here), never a crash or an exception.
//
// The router is file-local to delivery_http_server.cc (only the socket server is
// public), so its source is compiled into this target; the library's copy of that
// object file is then not linked.
#include "dispatcher/http/delivery_http_server.cc"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/outbox/receipt_writer.h"
#include "dispatcher/plan_store/plan_store.h"
#include "shared/time/zoned_time.h"
#include "tests/fuzz/scratch_file.h"

namespace kehrbote {
namespace {

struct Store {
  Store() : clock(*ParseRfc3339("2026-11-23T05:00:00Z")) {
    db = Database::Open("sqlite:" + file.path());
    PlanStore(*db).Migrate();
    db->Migrate(kDeliveryComponent, DeliveryMigrations());
    settings.reply_key = "antwort-key";
    routing.firm_reply_addresses = [](const std::string& firm) {
      return std::vector<std::string>{"buero@" + firm + ".example.at"};
    };
    std::cerr.rdbuf(quiet.rdbuf());  // the router logs every unknown token
  }
  fuzz::ScratchFile file{"store.db"};
  std::unique_ptr<Database> db;
  ManualClock clock;
  HttpListenerSettings settings;
  ReplyRouting routing;
  std::ostringstream quiet;
};

}  // namespace
}  // namespace kehrbote

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  static Store store;
  HttpRequestHead head;
  if (!ParseRequestLine(std::string(reinterpret_cast<const char*>(data), size), &head)) return 0;
  head.peer = "127.0.0.1";
  static auto receipts = std::make_shared<ReceiptWriter>(*store.db);
  Router router(*store.db, store.clock, store.settings, store.routing,
                std::make_shared<HttpCounters>(), receipts);
  HttpAnswer answer = router(head);
  if (answer.status != 200 && answer.status != 403 && answer.status != 404) abort();
  store.quiet.str("");
  return 0;
}
