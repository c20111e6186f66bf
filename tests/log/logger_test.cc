#include "shared/log/logger.h"

#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "shared/env/env.h"
#include "tests/support/temp_dir.h"

namespace kehrbote {
namespace {

struct Captured {
  std::ostringstream out;
  ManualClock clock{Instant{std::chrono::seconds{1795410001}}};  // 2026-11-23T05:00:01Z
  Logger logger{std::make_shared<StreamLogSink>(out), LogLevel::kInfo, &clock};
};

TEST(LoggerTest, LineHasTimeLevelComponentAndFirm) {
  Captured c;
  Log("pull", c.logger).ForFirm("huber").Warning("cannot read inbox");
  Log("service", c.logger).Info("pass: 1 file(s)");
  EXPECT_EQ(c.out.str(),
            "2026-11-23T05:00:01Z warning pull firm huber: cannot read inbox\n"
            "2026-11-23T05:00:01Z info service: pass: 1 file(s)\n");
}

TEST(LoggerTest, LevelFiltersLessImportantLines) {
  Captured c;
  c.logger.SetLevel(LogLevel::kWarning);
  Log log("outbox", c.logger);
  log.Debug("d");
  log.Info("i");
  log.Warning("w");
  log.Error("e");
  EXPECT_EQ(c.out.str().find(" i\n"), std::string::npos);
  EXPECT_EQ(c.out.str().find(" d\n"), std::string::npos);
  EXPECT_NE(c.out.str().find("warning outbox: w\n"), std::string::npos);
  EXPECT_NE(c.out.str().find("error outbox: e\n"), std::string::npos);
  c.logger.SetLevel(LogLevel::kDebug);
  log.Debug("d");
  EXPECT_NE(c.out.str().find("debug outbox: d\n"), std::string::npos);
}

TEST(LoggerTest, PinnedLevelWinsOverTheConfig) {
  Captured c;
  c.logger.PinLevel(LogLevel::kError);
  c.logger.SetLevel(LogLevel::kDebug);  // the config key, read later
  EXPECT_EQ(c.logger.level(), LogLevel::kError);
}

TEST(LoggerTest, MasksPersonalDataAtEveryLevel) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarning, LogLevel::kInfo, LogLevel::kDebug}) {
    Captured c;
    c.logger.SetLevel(LogLevel::kDebug);
    Log("sms", c.logger).ForFirm("huber").Write(level, "to 0664 1234567 / anna.berger@example.at");
    EXPECT_EQ(c.out.str().find("1234567"), std::string::npos) << c.out.str();
    EXPECT_EQ(c.out.str().find("anna.berger"), std::string::npos) << c.out.str();
    EXPECT_NE(c.out.str().find("to 0664 *****67 / a***@example.at\n"), std::string::npos)
        << c.out.str();
  }
}

TEST(LoggerTest, AMessageIsOneLine) {
  Captured c;
  Log("config", c.logger).Error("firms.d/a.yaml:2:10: bad\nsecond line\n");
  EXPECT_EQ(c.out.str(),
            "2026-11-23T05:00:01Z error config: firms.d/a.yaml:2:10: bad second line\n");
}

TEST(LoggerTest, ParsesLevelNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("information"), LogLevel::kInfo);  // the agent's older name
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ToString(LogLevel::kWarning), "warning");
}

TEST(LoggerTest, LinesFromManyThreadsStayWhole) {
  Captured c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Log log("t" + std::to_string(t), c.logger);
      for (int i = 0; i < 200; ++i) log.Info("line " + std::to_string(i));
    });
  for (std::thread& t : threads) t.join();
  std::istringstream in(c.out.str());
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines)
    ASSERT_EQ(line.rfind("2026-11-23T05:00:01Z info t", 0), 0u) << line;
  EXPECT_EQ(lines, 800);
}

TEST(RotatingFileLogSinkTest, RotatesBySizeAndKeepsTheArchives) {
  test::TempDir dir;
  const std::string path = dir.Sub("agent.log");
  Env& env = Env::Default();
  {
    RotatingFileLogSink sink(path, /*max_bytes=*/100, /*archives=*/2);
    const std::string line(40, 'x');
    for (int i = 0; i < 7; ++i) sink.Write(std::to_string(i) + line.substr(1) + "\n");
  }
  // 41 bytes a line, 100 at most: two lines a file. 0 1 | 2 3 | 4 5 | 6
  EXPECT_EQ(env.ReadFile(path).substr(0, 1), "6");
  EXPECT_EQ(env.ReadFile(path + ".1").substr(0, 1), "4");
  EXPECT_EQ(env.ReadFile(path + ".2").substr(0, 1), "2");
  EXPECT_FALSE(env.FileExists(path + ".3"));
  EXPECT_EQ(env.FileSize(path + ".1"), 82u);
  EXPECT_TRUE(env.IsPrivate(path));
}

TEST(RotatingFileLogSinkTest, AppendsToAnExistingLogAndCountsItsSize) {
  test::TempDir dir;
  const std::string path = dir.Sub("d.log");
  Env::Default().WritePrivateFileAtomically(path, std::string(90, 'o') + "\n");
  RotatingFileLogSink sink(path, 100, 1);
  sink.Write("new line\n");  // 91 + 9 = 100: still fits
  EXPECT_EQ(Env::Default().FileSize(path), 100u);
  sink.Write("next\n");
  EXPECT_EQ(Env::Default().ReadFile(path), "next\n");
  EXPECT_EQ(Env::Default().FileSize(path + ".1"), 100u);
}

TEST(RotatingFileLogSinkTest, LoggerWritesThroughIt) {
  test::TempDir dir;
  ManualClock clock(Instant{std::chrono::seconds{1795410001}});
  Logger logger(std::make_shared<RotatingFileLogSink>(dir.Sub("x.log")), LogLevel::kInfo, &clock);
  Log("agent", logger).Info("upload of 0664 1234567's export");
  EXPECT_EQ(Env::Default().ReadFile(dir.Sub("x.log")),
            "2026-11-23T05:00:01Z info agent: upload of 0664 *****67's export\n");
}

TEST(RotatingFileLogSinkTest, UnwritablePathNamesIt) {
  try {
    RotatingFileLogSink sink("/nonexistent-dir/kehrbote.log");
    FAIL() << "no error";
  } catch (const EnvError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/kehrbote.log"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace kehrbote
