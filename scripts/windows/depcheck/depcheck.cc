// Cross-build check of scripts/windows/build-deps: every dependency links and works under Wine.
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include <date/date.h>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libssh2.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <valijson/schema.hpp>
#include <yaml-cpp/yaml.h>

#include <Poco/Data/ODBC/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/OptionSet.h>

using namespace Poco::Data::Keywords;

TEST(Deps, Libssh2SessionWithOpenSsl) {
  ASSERT_EQ(libssh2_init(0), 0);
  LIBSSH2_SESSION* session = libssh2_session_init();
  ASSERT_NE(session, nullptr);
  std::printf("libssh2 %s, %s\n", libssh2_version(0), OpenSSL_version(OPENSSL_VERSION));
  libssh2_session_free(session);
  libssh2_exit();
  EXPECT_STREQ(LIBSSH2_VERSION, "1.10.0");
  EXPECT_NE(std::string(OpenSSL_version(OPENSSL_VERSION)).find("3.0.20"), std::string::npos);
  EXPECT_NE(EVP_get_digestbyname("sha256"), nullptr);
}

TEST(Deps, PocoSqliteIsDebiansSqlite) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session session("SQLite", ":memory:");
  std::string version;
  session << "SELECT sqlite_version()", into(version), now;
  EXPECT_EQ(version, "3.40.1");
  EXPECT_STREQ(sqlite3_libversion(), "3.40.1");
  session << "CREATE TABLE t(n INTEGER)", now;
  session << "INSERT INTO t VALUES (1), (2), (3)", now;
  int sum = 0;
  session << "SELECT sum(n) FROM t", into(sum), now;
  EXPECT_EQ(sum, 6);
}

TEST(Deps, PocoOdbcConnectorRegisters) {
  Poco::Data::ODBC::Connector::registerConnector();
  // No DSN exists under Wine; the point is that odbc32 is linked and answers.
  EXPECT_ANY_THROW(Poco::Data::Session("ODBC", "DSN=kehrbote-missing;"));
}

TEST(Deps, PocoUtilAndJson) {
  Poco::Util::OptionSet options;
  options.addOption(Poco::Util::Option("help", "h", "help"));
  EXPECT_TRUE(options.hasOption("help"));
  Poco::JSON::Parser parser;
  auto object = parser.parse(R"({"a": 42})").extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(object->getValue<int>("a"), 42);
  EXPECT_EQ(nlohmann::json::parse(R"({"b": 7})")["b"], 7);
}

TEST(Deps, YamlCpp) {
  YAML::Node node = YAML::Load("firma: Rauchfangkehrer\nvorlauf: 3\n");
  EXPECT_EQ(node["vorlauf"].as<int>(), 3);
}

TEST(Deps, ViennaAcrossMarch2027DstChange) {
  const char* dir = std::getenv("KEHRBOTE_TZDATA");
  ASSERT_NE(dir, nullptr) << "set KEHRBOTE_TZDATA to <prefix>/share/tzdata";
  date::set_install(dir);
  const date::tzdb& db = date::get_tzdb();
  std::printf("tzdb version %s\n", db.version.c_str());
  const date::time_zone* vienna = date::locate_zone("Europe/Vienna");
  using namespace std::chrono_literals;
  using namespace date::literals;
  using date::March, date::sys_days, date::local_days, date::make_zoned, date::format;
  // Sunday 28 March 2027: 02:00 CET becomes 03:00 CEST (01:00 UTC).
  date::sys_seconds before = sys_days{2027_y / March / 28} + 0h + 59min + 59s;
  date::sys_seconds after = sys_days{2027_y / March / 28} + 1h;
  std::ostringstream out;
  out << format("%F %T %Z", make_zoned(vienna, before)) << " / "
      << format("%F %T %Z", make_zoned(vienna, after));
  std::printf("Europe/Vienna: %s\n", out.str().c_str());
  EXPECT_EQ(out.str(), "2027-03-28 01:59:59 CET / 2027-03-28 03:00:00 CEST");
  // 02:30 local does not exist that night.
  EXPECT_THROW(make_zoned(vienna, local_days{2027_y / March / 28} + 2h + 30min),
               date::nonexistent_local_time);
}
