// Portal accounts, sessions and login throttling on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <sstream>

#include "dispatcher/web/account_schema.h"
#include "dispatcher/web/account_store.h"
#include "dispatcher/web/password_hash.h"
#include "dispatcher/web/session.h"
#include "dispatcher/web/user_command.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

using namespace std::chrono_literals;
using test::FreshDatabase;

Instant At(int64_t s) { return Instant(std::chrono::seconds(s)); }

class AccountTest : public ::testing::TestWithParam<SqlDialect> {
 protected:
  AccountTest() : fresh_(GetParam()), clock_(At(1'800'000'000)), accounts_(fresh_.db(), clock_) {
    MigrateWeb(fresh_.db());
  }
  void AddUser(const std::string& name, Role role, const std::string& firm,
               const std::string& password) {
    accounts_.AddUser(name, role, firm, HashPassword(password, MinimalPasswordCost()), "test");
  }

  FreshDatabase fresh_;
  ManualClock clock_;
  AccountStore accounts_;
};

TEST_P(AccountTest, PasswordIsStoredAsArgon2idAndVerified) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  auto user = accounts_.FindUser("anna");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->password_hash.rfind("$argon2id$", 0), 0u) << user->password_hash;
  EXPECT_TRUE(VerifyPassword("richtig-geheim", user->password_hash));
  EXPECT_FALSE(VerifyPassword("falsch-geheim", user->password_hash));
  EXPECT_EQ(user->firm_id, "huber");
  EXPECT_TRUE(user->MaySee("huber"));
  EXPECT_FALSE(user->MaySee("maier"));
}

TEST_P(AccountTest, AddRefusesDuplicateAndFirmUserWithoutFirm) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  EXPECT_THROW(AddUser("anna", Role::kFirmUser, "huber", "x"), AccountError);
  EXPECT_THROW(AddUser("bert", Role::kFirmUser, "", "x"), AccountError);
  EXPECT_THROW(AddUser("carl", Role::kPartnerAdmin, "huber", "x"), AccountError);
}

TEST_P(AccountTest, LoginCreatesANewSessionEachTimeAndLogoutEndsIt) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  Sessions sessions(accounts_, clock_);
  LoginResult first = sessions.Login("anna", "richtig-geheim", "10.0.0.1");
  LoginResult second = sessions.Login("anna", "richtig-geheim", "10.0.0.1");
  ASSERT_EQ(first.status, LoginStatus::kOk);
  ASSERT_EQ(second.status, LoginStatus::kOk);
  EXPECT_NE(first.cookie, second.cookie);
  EXPECT_NE(first.csrf_token, second.csrf_token);
  auto active = sessions.Resolve(first.cookie);
  ASSERT_TRUE(active);
  EXPECT_EQ(active->user.name, "anna");
  EXPECT_EQ(active->csrf_token, first.csrf_token);
  sessions.Logout(first.cookie);
  EXPECT_FALSE(sessions.Resolve(first.cookie));
  EXPECT_TRUE(sessions.Resolve(second.cookie));
}

TEST_P(AccountTest, SessionEndsAfterIdleAndAbsoluteTimeout) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  Sessions sessions(accounts_, clock_, SessionLimits{30min, 2h});
  std::string cookie = sessions.Login("anna", "richtig-geheim", "a").cookie;
  clock_.Set(clock_.Now() + 29min);
  EXPECT_TRUE(sessions.Resolve(cookie));
  clock_.Set(clock_.Now() + 29min);
  EXPECT_TRUE(sessions.Resolve(cookie)) << "used within the idle time";
  clock_.Set(clock_.Now() + 31min);
  EXPECT_FALSE(sessions.Resolve(cookie)) << "idle";

  cookie = sessions.Login("anna", "richtig-geheim", "a").cookie;
  for (int i = 0; i < 4; ++i) {
    clock_.Set(clock_.Now() + 25min);
    EXPECT_TRUE(sessions.Resolve(cookie)) << i;
  }
  clock_.Set(clock_.Now() + 25min);
  EXPECT_FALSE(sessions.Resolve(cookie)) << "older than the absolute limit";
}

TEST_P(AccountTest, WrongPasswordsThrottleTheAccountAndTheAddress) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  Sessions sessions(accounts_, clock_, SessionLimits{}, LoginThrottle{15min, 3, 5});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(sessions.Login("anna", "falsch", "10.0.0.1").status, LoginStatus::kWrong);
  // Even the right password is refused now, from any address.
  EXPECT_EQ(sessions.Login("anna", "richtig-geheim", "10.0.0.2").status, LoginStatus::kThrottled);
  clock_.Set(clock_.Now() + 16min);
  EXPECT_EQ(sessions.Login("anna", "richtig-geheim", "10.0.0.2").status, LoginStatus::kOk);
  // One address guessing over many names is stopped as well.
  for (int i = 0; i < 5; ++i)
    sessions.Login("name" + std::to_string(i), "falsch", "10.9.9.9");
  EXPECT_EQ(sessions.Login("anna", "richtig-geheim", "10.9.9.9").status, LoginStatus::kThrottled);
}

TEST_P(AccountTest, DisableAndPasswdEndSessionsAndAreAudited) {
  AddUser("anna", Role::kFirmUser, "huber", "richtig-geheim");
  Sessions sessions(accounts_, clock_);
  std::string cookie = sessions.Login("anna", "richtig-geheim", "a").cookie;
  accounts_.Disable("anna", "admin");
  EXPECT_FALSE(sessions.Resolve(cookie));
  EXPECT_EQ(sessions.Login("anna", "richtig-geheim", "a").status, LoginStatus::kWrong);
  accounts_.SetPassword("anna", HashPassword("neu-und-geheim", MinimalPasswordCost()), "admin");
  EXPECT_EQ(sessions.Login("anna", "neu-und-geheim", "a").status, LoginStatus::kOk);
  auto audit = accounts_.RecentAudit(10, std::string("huber"));
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].action, "user passwd");
  EXPECT_EQ(audit[1].action, "user disable");
  EXPECT_EQ(audit[1].actor, "admin");
  EXPECT_EQ(audit[2].action, "user add");
  for (const auto& e : audit) EXPECT_EQ(e.after.find("geheim"), std::string::npos);
}

TEST_P(AccountTest, UserCommandReadsThePasswordFromStdin) {
  std::istringstream in("lang-genug-123\n");
  std::ostringstream out, err;
  ASSERT_EQ(RunUserCommandOn(fresh_.url(), {"add", "chef", "--role", "partner_admin"}, in, out,
                             err, MinimalPasswordCost()),
            0)
      << err.str();
  Sessions sessions(accounts_, clock_);
  EXPECT_EQ(sessions.Login("chef", "lang-genug-123", "a").status, LoginStatus::kOk);
  std::istringstream short_in("kurz\n");
  EXPECT_EQ(RunUserCommandOn(fresh_.url(), {"passwd", "chef"}, short_in, out, err,
                             MinimalPasswordCost()),
            1);
  EXPECT_NE(err.str().find("at least 10"), std::string::npos);
  std::istringstream none("");
  EXPECT_EQ(RunUserCommandOn(fresh_.url(), {"add", "x", "--role", "boss"}, none, out, err), 1);
  EXPECT_EQ(RunUserCommandOn(fresh_.url(), {"add", "x", "--password", "p"}, none, out, err), 2);
  EXPECT_EQ(RunUserCommandOn(fresh_.url(), {"disable", "chef"}, none, out, err), 0);
  EXPECT_TRUE(accounts_.FindUser("chef")->disabled);
}

INSTANTIATE_TEST_SUITE_P(Dialects, AccountTest,
                         ::testing::Values(SqlDialect::kSqlite, SqlDialect::kPostgresql),
                         test::DialectName);

}  // namespace
}  // namespace kehrbote
