#include "shared/log/log_settings.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kehrbote {
namespace {

LogSettings Parse(const std::string& yaml) {
  return ParseLogSettings(ConfigNode::LoadString(yaml, "/etc/kehrbote/dispatcher.yaml"));
}

std::string ErrorOf(const std::string& yaml) {
  try {
    Parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LogSettingsTest, DefaultsAndKeys) {
  LogSettings d = Parse("store: x\n");
  EXPECT_EQ(d.level, LogLevel::kInfo);
  EXPECT_EQ(d.file, "");
  LogSettings s = Parse("log:\n  level: debug\n  file: dispatcher.log\n");
  EXPECT_EQ(s.level, LogLevel::kDebug);
  EXPECT_EQ(s.file, "/etc/kehrbote/dispatcher.log");  // relative to the config file
  EXPECT_EQ(Parse("log: {level: information}\n").level, LogLevel::kInfo);  // older agent name
}

TEST(LogSettingsTest, ErrorsNameFileLineAndKey) {
  const std::string bad_level = ErrorOf("store: x\nlog:\n  level: verbose\n");
  EXPECT_NE(bad_level.find("/etc/kehrbote/dispatcher.yaml:3:"), std::string::npos) << bad_level;
  EXPECT_NE(bad_level.find("log.level"), std::string::npos) << bad_level;
  const std::string typo = ErrorOf("log:\n  levle: debug\n");
  EXPECT_NE(typo.find("/etc/kehrbote/dispatcher.yaml:2:"), std::string::npos) << typo;
  EXPECT_NE(typo.find("log.levle"), std::string::npos) << typo;
}

TEST(LogSettingsTest, ApplySetsLevelUnlessPinned) {
  std::ostringstream out;
  Logger logger(std::make_shared<StreamLogSink>(out));
  ApplyLogSettings({LogLevel::kDebug, ""}, logger);
  EXPECT_EQ(logger.level(), LogLevel::kDebug);
  logger.PinLevel(LogLevel::kWarning);  // --log-level
  ApplyLogSettings({LogLevel::kDebug, ""}, logger);
  EXPECT_EQ(logger.level(), LogLevel::kWarning);
}

}  // namespace
}  // namespace kehrbote
