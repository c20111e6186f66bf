// The portal's listener: HTTPS with certificate files (Poco NetSSL), the Secure
// __Host- cookie and HSTS there; plain HTTP refused off loopback.
#include <gtest/gtest.h>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>

#include "dispatcher/store/store_schema.h"
#include "dispatcher/web/account_schema.h"
#include "dispatcher/web/password_hash.h"
#include "dispatcher/web/portal_routes.h"
#include "dispatcher/web/web_server.h"
#include "tests/store/store_test_env.h"

namespace kehrbote {
namespace {

class WebServerTest : public ::testing::Test {
 protected:
  WebServerTest()
      : fresh_(SqlDialect::kSqlite),
        accounts_(fresh_.db(), clock_),
        sessions_(accounts_, clock_),
        portal_{fresh_.db(), clock_, accounts_, {}},
        files_(KEHRBOTE_SOURCE_DIR "/tests/web/testdata/bootstrap") {
    MigrateStore(fresh_.db());
    MigrateWeb(fresh_.db());
    accounts_.AddUser("chef", Role::kPartnerAdmin, "",
                      HashPassword("richtig-geheim", MinimalPasswordCost()), "t");
  }

  test::FreshDatabase fresh_;
  SystemClock clock_;
  AccountStore accounts_;
  Sessions sessions_;
  PortalContext portal_;
  StaticFiles files_;
};

TEST_F(WebServerTest, ServesHttpsWithSecureHostCookie) {
  test::TempDir dir("kehrbote-tls-");
  std::string cert = dir.Sub("portal.crt"), key = dir.Sub("portal.key");
  std::string cmd = "timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                    "-keyout " + key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Router router(sessions_, [](const std::string&) { return false; }, true);
  AddPortalRoutes(router, portal_, sessions_, files_);
  WebServerOptions options;
  options.cert_file = cert;
  options.key_file = key;
  WebServer server(options, router);
  server.Start();
  EXPECT_EQ(server.Url().rfind("https://127.0.0.1:", 0), 0u);

  Poco::Net::Context::Ptr client = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                                          Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()), client);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/login",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTMLForm form;
  form.add("name", "chef");
  form.add("password", "richtig-geheim");
  form.prepareSubmit(request);
  form.write(session.sendRequest(request));
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  EXPECT_EQ(response.getStatus(), 303);
  std::string cookie = response.get("Set-Cookie", "");
  EXPECT_EQ(cookie.rfind("__Host-kehrbote=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(response.get("Strict-Transport-Security", "").find("max-age="), std::string::npos);
  server.Stop();
}

TEST_F(WebServerTest, PlainHttpOnlyOnLoopback) {
  Router router(sessions_, [](const std::string&) { return false; }, false);
  WebServerOptions options;
  options.address = "0.0.0.0";
  WebServer server(options, router);
  try {
    server.Start();
    FAIL() << "plain HTTP on 0.0.0.0 was accepted";
  } catch (const WebServerError& e) {
    EXPECT_NE(std::string(e.what()).find("0.0.0.0:0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("loopback"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kehrbote
