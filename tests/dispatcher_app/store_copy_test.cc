// `kehrbote-dispatcher store copy`: a SQLite store written through the normal
// code paths (ingest, the `once` pass sending through a real Kannel with its
// receipts, portal accounts and audit, settings versions) copied into a real
// PostgreSQL on loopback, then compared table by table; the dispatcher goes on
// on the copy; a target with data and a row the target refuses leave the
// target as it was.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/schema/dispatcher_schema.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/store/postgres_connection.h"
#include "dispatcher/store/store_schema.h"
#include "dispatcher/store/store_url.h"
#include "dispatcher/store_copy/copy_text.h"
#include "dispatcher/web/account_store.h"
#include "dispatcher/web/password_hash.h"
#include "shared/env/env.h"
#include "tests/dispatcher_app/app_test_env.h"
#include "tests/support/kannel_server.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tcp_port.h"

namespace kehrbote {
namespace {

using test::At;
using test::MailContact;
using test::MakeAppt;
using test::SmsContact;

const char* kHuber =
    "id: huber\n"
    "sender_name: Huber RFK\n"
    "rules:\n"
    "  - {name: sms-1d, channel: sms, lead: 1d}\n"
    "  - {name: mail-2d, channel: email, lead: 2d, at: \"18:00\"}\n"
    "heartbeat: {time: \"07:00\", contacts: [\"0664 9999999\"]}\n";

// The customer of A2: her number must never appear in the copy's output.
constexpr const char* kA2Number = "0664 2222222";
constexpr const char* kA2Stored = "+436642222222";

std::vector<Appointment> FirstExport() {
  Appointment a1 = MakeAppt("A1", "2026-11-24", 10, 0, {SmsContact("0664 1111111")});
  // A quote in the name: the appointment's JSON in the store holds a backslash.
  a1.customer.last_name = "Mus\"ter";
  return {
      a1,
      MakeAppt("A2", "2026-11-25", 10, 0, {SmsContact(kA2Number), MailContact("a2@example.at")}),
      MakeAppt("A3", "2026-11-25", 11, 0, {SmsContact("0664 3333333")}),
      MakeAppt("A4", "2026-11-26", 9, 0,
               {SmsContact("0664 4444444"), SmsContact("07252 12345")})};  // a landline: skipped
}

// Every row of `table` as text ("<null>" for NULL), sorted, columns in `columns` order.
std::vector<std::string> Rows(Database& db, const std::string& table,
                              const std::vector<std::string>& columns) {
  std::string sql = "SELECT ";
  for (size_t c = 0; c < columns.size(); ++c) sql += (c ? ", \"" : "\"") + columns[c] + "\"";
  sql += " FROM " + table;
  PooledConnection conn = db.Connect();
  SqlStatement q(*conn, sql);
  std::vector<std::string> out;
  while (q.Step()) {
    std::string row;
    for (int c = 0; c < static_cast<int>(columns.size()); ++c)
      row += (c ? "\x1f" : "") + (q.IsNull(c) ? std::string("<null>") : q.Text(c));
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The dispatcher's tables on PostgreSQL (schema_migrations left out) and their columns.
std::map<std::string, std::vector<std::string>> PostgresTables(Database& pg) {
  PooledConnection c = pg.Connect();
  SqlStatement q(*c,
                 "SELECT table_name, column_name FROM information_schema.columns WHERE "
                 "table_schema = current_schema() AND table_name <> 'schema_migrations' "
                 "ORDER BY table_name, ordinal_position");
  std::map<std::string, std::vector<std::string>> out;
  while (q.Step()) out[q.Text(0)].push_back(q.Text(1));
  return out;
}

int64_t Count(Database& db, const std::string& sql) {
  return QueryInt(*db.Connect(), sql).value_or(-1);
}

class StoreCopyTest : public ::testing::Test {
 protected:
  StoreCopyTest() : pg_(test::SharedPostgresServer()) {}

  // Ingests FirstExport() into the SQLite store (the store's schema only:
  // the rest comes with the first pass).
  void IngestFirstExport() {
    auto db = Database::Open(env_.store_url());
    MigrateStore(*db);
    auto r = env_.Ingest(*db, "huber", At("2026-11-23T05:00:00+01:00"), FirstExport());
    ASSERT_EQ(r.outcome, IngestOutcome::kApplied) << r.reason;
  }

  // A store with planned messages and nothing sent (no gateways configured).
  void BuildPlannedStore() {
    env_.Write("firms.d/huber.yaml", kHuber);
    env_.WriteConfig();
    IngestFirstExport();
    auto r = env_.Dispatcher({"once", "--now", "2026-11-23T06:00:00+01:00"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  test::CommandResult Copy(const std::string& to, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"store", "copy", "--from", env_.store_url(), "--to", to};
    args.insert(args.end(), extra.begin(), extra.end());
    return env_.Dispatcher(args);
  }

  test::PostgresServer& pg_;
  test::AppEnv env_;
};

TEST_F(StoreCopyTest, CopiesEveryTableAndTheDispatcherGoesOnOnPostgres) {
  test::KannelServer kannel;
  kannel.Start();
  const int http_port = test::FreeTcpPort();
  const std::string delivery =
      "operator_contacts: [ops@example.at]\n"
      "http: {listen: 127.0.0.1, port: " +
      std::to_string(http_port) + ", public_url: \"http://127.0.0.1:" + std::to_string(http_port) +
      "\"}\n"
      "delivery:\n"
      "  sms:\n"
      "    provider: kannel\n"
      "    kannel: {sendsms_url: \"" +
      kannel.SendsmsUrl() + "\", username: " + kannel.options().username + ", password: \"" +
      kannel.options().password +
      "\"}\n"
      "  smtp: {host: 127.0.0.1, port: " +
      std::to_string(test::FreeTcpPort()) + ", tls: none, from: erinnerung@partner.example}\n";
  env_.Write("firms.d/huber.yaml", kHuber);
  env_.WriteConfig(delivery);
  IngestFirstExport();
  // 10:00: A1's SMS (due 10:00) and the heartbeat (07:00) go out, their
  // receipts come back; A2's e-mail (due 18:00) and the later SMS stay planned.
  auto r = env_.Dispatcher({"once", "--now", "2026-11-23T10:00:00+01:00", "--receipt-wait", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  {
    auto db = Database::Open(env_.store_url());
    ASSERT_GE(Count(*db, "SELECT COUNT(*) FROM messages WHERE state = 'delivered'"), 2) << r.output;
    ASSERT_GE(Count(*db, "SELECT COUNT(*) FROM receipts"), 2);
    ManualClock clock(At("2026-11-23T10:05:00+01:00"));
    AccountStore accounts(*db, clock);
    accounts.AddUser("chefin", Role::kPartnerAdmin, "",
                     HashPassword("geheim-4711", MinimalPasswordCost()), "cli");
    accounts.AddUser("huber-buero", Role::kFirmUser, "huber",
                     HashPassword("geheim-4712", MinimalPasswordCost()), "chefin");
    accounts.RecordLoginAttempt("chefin", "127.0.0.1", true);
    SettingsSave save;
    save.firm_id = "huber";
    save.yaml = std::string(kHuber) + "quiet_hours: {from: \"21:00\", to: \"07:00\"}\n";
    save.source = "portal";
    save.author = "chefin";
    ASSERT_TRUE(FirmSettingsStore(*db).Save(save, clock.Now()).saved);
  }
  const size_t sent_before = kannel.Received().size();
  ASSERT_GE(sent_before, 2u);

  const std::string pg_url = pg_.CreateDatabase("store_copy_full");
  r = Copy(pg_url);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("row count matches the source"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("messages.id"), std::string::npos) << r.output;

  // Table by table, every row equal.
  auto sqlite = Database::Open(env_.store_url());
  auto pg = Database::Open(pg_url);
  const auto tables = PostgresTables(*pg);
  int64_t rows = 0;
  for (const auto& [table, columns] : tables) {
    const std::vector<std::string> expected = Rows(*sqlite, table, columns);
    EXPECT_EQ(Rows(*pg, table, columns), expected) << table;
    rows += static_cast<int64_t>(expected.size());
  }
  EXPECT_NE(r.output.find(", " + std::to_string(rows) + " rows in "), std::string::npos)
      << r.output;
  for (const char* table :
       {"firms", "appointments", "appointment_versions", "processed_files", "messages", "skips",
        "planned_versions", "receipts", "users", "audit_log", "login_attempts", "firm_settings"})
    EXPECT_GT(Count(*pg, std::string("SELECT COUNT(*) FROM ") + table), 0) << table;
  EXPECT_GE(Count(*pg, "SELECT COUNT(*) FROM firm_settings WHERE firm_id = 'huber'"), 2);
  const int64_t max_id = Count(*pg, "SELECT MAX(id) FROM messages");
  sqlite.reset();

  // The dispatcher on PostgreSQL: the next day's export (one new appointment)
  // and pass send what fell due since, nothing twice, with fresh ids.
  test::AppEnv on_pg(pg_url);
  on_pg.Write("firms.d/huber.yaml", kHuber);
  on_pg.WriteConfig(delivery);
  std::vector<Appointment> next = FirstExport();
  next.push_back(MakeAppt("A5", "2026-11-25", 12, 0, {SmsContact("0664 5555555")}));
  auto ingest = on_pg.Ingest(*pg, "huber", At("2026-11-24T05:00:00+01:00"), next);
  ASSERT_EQ(ingest.outcome, IngestOutcome::kApplied) << ingest.reason;
  r = on_pg.Dispatcher({"once", "--now", "2026-11-24T12:30:00+01:00", "--receipt-wait", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(Count(*pg, "SELECT COUNT(*) FROM messages WHERE appointment_id = 'A5'"), 0);
  EXPECT_EQ(
      Count(*pg, "SELECT COUNT(*) FROM messages WHERE id <= " + std::to_string(max_id) +
                     " AND created_at >= " +
                     std::to_string(At("2026-11-24T00:00:00+01:00").time_since_epoch().count())),
      0);
  EXPECT_EQ(Count(*pg,
                  "SELECT COUNT(*) FROM (SELECT firm_id, appointment_id, "
                  "appointment_version, contact_key, rule_id FROM messages GROUP BY 1, 2, 3, "
                  "4, 5 HAVING COUNT(*) > 1) d"),
            0);
  // A2's, A3's and A5's SMS went out now, A1's once, before the copy; A4's
  // is not due. (A concatenated SMS arrives as parts: count the first.)
  const auto received = kannel.WaitForReceived(sent_before + 3, std::chrono::seconds(20));
  std::map<std::string, int> per_number;
  for (const test::FakeSmscMessage& m : received)
    if (m.part_number <= 1) ++per_number[m.to.substr(m.to.size() - 7)];
  EXPECT_EQ(per_number["1111111"], 1);
  EXPECT_EQ(per_number["2222222"], 1);
  EXPECT_EQ(per_number["3333333"], 1);
  EXPECT_EQ(per_number["5555555"], 1);
  EXPECT_EQ(per_number["4444444"], 0);
  EXPECT_LE(per_number["9999999"], 2);  // the heartbeat: at most once a day

  // A second copy into the same (now used) store is refused, and changes nothing.
  const int64_t messages = Count(*pg, "SELECT COUNT(*) FROM messages");
  r = Copy(pg_url);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("target store holds data: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("messages (" + std::to_string(messages) + " rows)"), std::string::npos)
      << r.output;
  EXPECT_EQ(Count(*pg, "SELECT COUNT(*) FROM messages"), messages);
}

TEST_F(StoreCopyTest, ARowTheTargetRefusesLeavesTheTargetWithoutARow) {
  BuildPlannedStore();
  int64_t refused_id = 0;
  {
    auto db = Database::Open(env_.store_url());
    refused_id = Count(*db, std::string("SELECT id FROM messages WHERE recipient = '") + kA2Stored +
                                "' AND channel = 'sms'");
    ASSERT_GT(Count(*db, "SELECT COUNT(*) FROM messages"), 3);
  }
  // The target's schema, plus a rule that refuses A2's SMS (in a later batch
  // than the first: --batch 2).
  const std::string pg_url = pg_.CreateDatabase("store_copy_refused");
  auto pg = Database::Open(pg_url);
  MigrateDispatcherStore(*pg);
  pg->Connect()->Execute(
      std::string("ALTER TABLE messages ADD CONSTRAINT refuse_one CHECK (recipient <> '") +
      kA2Stored + "')");
  auto r = Copy(pg_url, {"--batch", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(
      r.output.find("table 'messages', row id " + std::to_string(refused_id) + " (SQLite rowid)"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"refuse_one\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no row of the copy was committed"), std::string::npos) << r.output;
  // No personal data: PostgreSQL's DETAIL ("Failing row contains ...") is left out.
  EXPECT_EQ(r.output.find("2222222"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Muster"), std::string::npos) << r.output;
  for (const auto& [table, columns] : PostgresTables(*pg))
    EXPECT_EQ(Count(*pg, "SELECT COUNT(*) FROM " + table), 0) << table;
}

TEST_F(StoreCopyTest, AnOlderSourceIsCopiedOnlyWithMigrateSource) {
  env_.WriteConfig();
  IngestFirstExport();  // the store component only: no planning, delivery, portal tables
  const std::string pg_url = pg_.CreateDatabase("store_copy_older");
  auto r = Copy(pg_url);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("schema is older than this program's (planning 0 of 4"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--migrate-source"), std::string::npos) << r.output;
  {
    auto source = Database::Open(env_.store_url());
    EXPECT_EQ(source->SchemaVersion(kPlanningComponent), 0);  // nothing applied silently
  }
  r = Copy(pg_url, {"--migrate-source"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto pg = Database::Open(pg_url);
  EXPECT_EQ(Count(*pg, "SELECT COUNT(*) FROM appointments"), 4);
  EXPECT_EQ(Count(*pg, "SELECT COUNT(*) FROM messages"), 0);
}

TEST_F(StoreCopyTest, AMissingSourceIsNotCreated) {
  env_.WriteConfig();
  const std::string missing = env_.Sub("nicht-da/dispatcher.db");
  auto r = env_.Dispatcher({"store", "copy", "--from", "sqlite:" + missing, "--to",
                            "postgresql:host=127.0.0.1 port=1 dbname=x password=geheim-9"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("source store '" + missing + "' does not exist"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("geheim-9"), std::string::npos) << r.output;
  EXPECT_FALSE(Env::Default().FileExists(missing));
  r = env_.Dispatcher({"store", "copy", "--from", "sqlite:" + missing});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CopyTextTest, EscapesWhatTheTextFormatReserves) {
  std::string line;
  AppendCopyField(line, true, "a\tb\\c\nd\re");
  AppendCopyNull(line, false);
  AppendCopyField(line, false, "");
  EXPECT_EQ(line, "a\\tb\\\\c\\nd\\re\t\\N\t");
}

TEST(PostgresErrorTest, QuotedValuesAreMaskedNamesStay) {
  EXPECT_EQ(MaskQuotedValues("invalid input syntax for type bigint: \"+43664\" in \"messages\"",
                             {"messages"}),
            "invalid input syntax for type bigint: \"***\" in \"messages\"");
  EXPECT_EQ(MaskQuotedValues("unterminated \"quote", {}), "unterminated \"quote");
}

TEST(StoreUrlTest, PasswordsAreMaskedInBothForms) {
  EXPECT_EQ(MaskStoreUrl("postgresql:host=db password=geheim dbname=k"),
            "postgresql:host=db password=***** dbname=k");
  EXPECT_EQ(MaskStoreUrl("postgresql://kehrbote:geheim@db:5432/k"),
            "postgresql://kehrbote:*****@db:5432/k");
  EXPECT_EQ(MaskStoreUrl("postgresql://db/k"), "postgresql://db/k");
  EXPECT_EQ(*PostgresConnectionString("postgresql://db/k"), "postgresql://db/k");
  EXPECT_EQ(*PostgresConnectionString("postgresql:host=db"), "host=db");
  EXPECT_FALSE(PostgresConnectionString("sqlite:/x.db").has_value());
}

}  // namespace
}  // namespace kehrbote
