// overview_bench: server time of the portal's overview page (GET /overview as a
// partner admin, through the Router: session lookup, the grouped store queries,
// HTML) with 1,000 firms on SQLite, or with --postgres on a throwaway
// PostgreSQL (tests/support; ANALYZEd after the fill, as autovacuum would).
// Goal: under 200 ms.
//
// Store: 1,000 firms (every 50th with a stale export), 300 messages per firm
// (300,000 rows due over the last 30 days, in every state, every 10th a
// heartbeat; sent_at set for the sent, delivered, failed and expired ones),
// an open delivery alert at every 20th firm. Prints the median and the worst of
// 20 requests after one warm-up.
//   cmake --build build --target overview_bench
//   build/bench/overview_bench [--postgres | DB-FILE]
// With DB-FILE (must not exist) the SQLite store is kept there, to look at the queries.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/store/store_schema.h"
#include "dispatcher/web/account_schema.h"
#include "dispatcher/web/firm_status.h"
#include "dispatcher/web/overview_schema.h"
#include "dispatcher/web/password_hash.h"
#include "dispatcher/web/portal_routes.h"
#include "tests/support/temp_dir.h"
#ifdef KEHRBOTE_BENCH_POSTGRES
#include "tests/support/postgres_server.h"
#endif

using namespace kehrbote;

namespace {

constexpr int kFirms = 1000;
constexpr int kMessagesPerFirm = 300;

// The fill's SQL, the same on both stores: "<Numbers(n)> INSERT ... SELECT ...
// FROM n" has the numbers 0..n-1 as rows of column i.
std::string Numbers(int n) {
  return "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
         std::to_string(n - 1) + ") ";
}

// prefix + `number` (0..9999) as 4 digits ("firm0042").
std::string Padded(const std::string& prefix, const std::string& number) {
  return "'" + prefix + "' || substr(CAST(10000 + " + number + " AS TEXT), 2)";
}

void Fill(Database& db, int64_t t) {
  const int messages = kFirms * kMessagesPerFirm;
  std::string T = std::to_string(t);
  db.InTransaction([&](SqlConnection& c) {
    c.Execute(Numbers(kFirms) +
              "INSERT INTO firms (id, name, timezone, country, last_export_at) SELECT " +
              Padded("firm", "i") + ", " + Padded("Rauchfangkehrer ", "i") +
              ", 'Europe/Vienna', 'AT', CASE WHEN i % 50 = 0 THEN " + T + " - 4 * 86400 ELSE " + T +
              " - 3600 END FROM n");
    c.Execute(Numbers(messages) +
              "INSERT INTO messages (firm_id, appointment_id, appointment_version, rule_id, "
              "purpose, channel, contact_key, recipient, body, segments, due_at, deadline_at, "
              "state, "
              "created_at, updated_at, sent_at, final_at) "
              "SELECT " +
              Padded("firm", "i % 1000") +
              ", 'A' || (i / 1000), 1, "
              "CASE WHEN i % 10 = 0 THEN 'heartbeat' ELSE 'r1' END, "
              "CASE WHEN i % 10 = 0 THEN 'heartbeat' ELSE 'reminder' END, 'sms', "
              "'+43664' || i, '+43664' || i, 'Text', 1, " +
              T + " - 86400 * 30 + (i / 1000) * 8640, " + T +
              " + 86400 * 5, "
              "CASE i % 7 WHEN 0 THEN 'delivered' WHEN 1 THEN 'sent' WHEN 2 THEN 'failed' "
              "WHEN 3 THEN 'held' WHEN 4 THEN 'expired' ELSE 'planned' END, " +
              T + ", " + T +
              ", "
              "CASE WHEN i % 7 < 3 OR i % 7 = 4 THEN " +
              T +
              " - 86400 * 30 + (i / 1000) * 8640 END, "
              "CASE WHEN i % 7 IN (0, 2, 4) THEN " +
              T + " - 86400 * 30 + (i / 1000) * 8640 END FROM n");
    c.Execute(
        "INSERT INTO delivery_alerts (firm_id, kind, text, created_at) "
        "SELECT id, 'quota', 'Kontingent', " +
        T + " FROM firms WHERE CAST(substr(id, 5) AS INTEGER) % 20 = 0");
  });
}

}  // namespace

int main(int argc, char** argv) {
  test::TempDir dir("kehrbote-overview-bench-");
  const std::string arg = argc > 1 ? argv[1] : "";
  std::string url = "sqlite:" + (arg.empty() ? dir.Sub("dispatcher.db") : arg);
#ifdef KEHRBOTE_BENCH_POSTGRES
  std::unique_ptr<test::PostgresServer> pg;
  if (arg == "--postgres") {
    pg = std::make_unique<test::PostgresServer>();
    pg->Start();
    url = pg->CreateDatabase("overview_bench");
  }
#else
  if (arg == "--postgres") {
    std::fprintf(stderr, "overview_bench: built without tests/support's PostgreSQL\n");
    return 2;
  }
#endif
  auto db = Database::Open(url);
  MigrateStore(*db);
  PlanStore(*db).Migrate();
  db->Migrate(kDeliveryComponent, DeliveryMigrations());
  MigrateWeb(*db);
  db->Migrate(kOverviewComponent, OverviewMigrations());
  SystemClock clock;
  int64_t t = clock.Now().time_since_epoch().count();
  Fill(*db, t);
  // PostgreSQL's autovacuum would have analysed the filled tables by now.
  if (arg == "--postgres") db->Connect()->Execute("ANALYZE");
  AccountStore accounts(*db, clock);
  accounts.AddUser("chef", Role::kPartnerAdmin, "", HashPassword("geheim-geheim", MinimalPasswordCost()),
                   "bench");
  Sessions sessions(accounts, clock);
  PortalContext portal{*db, clock, accounts, {}};
  StaticFiles files(KEHRBOTE_SOURCE_DIR "/tests/web/testdata/bootstrap");
  Router router(sessions, [&](const std::string& f) { return portal.Firms().Contains(f); }, false);
  AddPortalRoutes(router, portal, sessions, files);
  LoginResult login = sessions.Login("chef", "geheim-geheim", "127.0.0.1");

  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int i = 0; i < 21; ++i) {
    WebRequest req;
    req.method = "GET";
    req.path = "/overview";
    req.cookies[router.CookieName()] = login.cookie;
    auto start = std::chrono::steady_clock::now();
    WebResponse r = router.Handle(req);
    auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    if (r.status != 200) {
      std::fprintf(stderr, "overview answered %d\n", r.status);
      return 1;
    }
    bytes = r.body.size();
    if (i > 0) ms.push_back(took.count());  // the first warms the caches
  }
  std::sort(ms.begin(), ms.end());
  std::vector<double> query_ms;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    QueryFirmStatus(*db, portal.Firms(), clock.Now(), "Europe/Vienna");
    query_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(query_ms.begin(), query_ms.end());
  std::printf(
      "overview_bench: %d firms, %d messages, page %zu bytes: median %.1f ms, worst %.1f ms "
      "(20 requests, %s); store queries alone: median %.1f ms\n",
      kFirms, kFirms * kMessagesPerFirm, bytes, ms[ms.size() / 2], ms.back(),
      arg == "--postgres" ? "PostgreSQL" : "SQLite", query_ms[query_ms.size() / 2]);
  return 0;
}
