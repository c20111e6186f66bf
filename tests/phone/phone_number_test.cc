#include "shared/phone/phone_number.h"

#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace kehrbote {
namespace {

struct Case {
  const char* typed;
  const char* region;
  const char* e164;
  PhoneNumberType type;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.typed << " (" << c.region << ")"; }

class ValidNumberTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidNumberTest, NormalisesAndClassifies) {
  const Case& c = GetParam();
  PhoneNumber n = ParsePhoneNumber(c.typed, c.region);
  EXPECT_TRUE(n.valid()) << ToString(n.problem) << " " << n.reason;
  EXPECT_EQ(n.problem, PhoneNumberProblem::kNone);
  EXPECT_EQ(n.e164, c.e164);
  EXPECT_EQ(n.type, c.type) << ToString(n.type);
  EXPECT_EQ(n.typed, c.typed);
  EXPECT_EQ(n.sms_capable(), c.type == PhoneNumberType::kMobile);
  EXPECT_FALSE(n.mobile_uncertain);
  if (c.type == PhoneNumberType::kMobile) {
    EXPECT_EQ(n.reason, "");
  } else if (c.type == PhoneNumberType::kFixedLine) {
    EXPECT_EQ(n.reason, "Festnetz");
  }
}

constexpr auto kMobile = PhoneNumberType::kMobile;
constexpr auto kFixed = PhoneNumberType::kFixedLine;

INSTANTIATE_TEST_SUITE_P(
    Austria, ValidNumberTest,
    ::testing::Values(
        // The seed's Winchim example, typed with a slash.
        Case{"0666 / 15651324", "AT", "+4366615651324", kMobile},
        Case{"0664 1234567", "AT", "+436641234567", kMobile},
        Case{"0676/1234567", "AT", "+436761234567", kMobile},
        Case{"0699 12345678", "AT", "+4369912345678", kMobile},
        Case{"0660-1234567", "AT", "+436601234567", kMobile},
        Case{"0650 123 45 67", "AT", "+436501234567", kMobile},
        Case{"01 5123456", "AT", "+4315123456", kFixed},          // Wien
        Case{"07252 12345", "AT", "+43725212345", kFixed},        // Steyr
        Case{"07252/52 3 44", "AT", "+43725252344", kFixed},
        Case{"+43 664 1234567", "AT", "+436641234567", kMobile},
        Case{"0043 664 1234567", "AT", "+436641234567", kMobile},
        Case{"+43 (0) 664 1234567", "AT", "+436641234567", kMobile},
        Case{"  +436641234567  ", "AT", "+436641234567", kMobile}));

INSTANTIATE_TEST_SUITE_P(
    Germany, ValidNumberTest,
    ::testing::Values(Case{"0151 12345678", "DE", "+4915112345678", kMobile},
                      Case{"(0151) 123 456 78", "DE", "+4915112345678", kMobile},
                      Case{"0160 1234567", "DE", "+491601234567", kMobile},
                      Case{"0170 1234567", "DE", "+491701234567", kMobile},
                      Case{"0176 12345678", "DE", "+4917612345678", kMobile},
                      Case{"030 12345678", "DE", "+493012345678", kFixed},   // Berlin
                      Case{"089 1234567", "DE", "+49891234567", kFixed},     // München
                      Case{"+49 151 12345678", "DE", "+4915112345678", kMobile},
                      Case{"0049 30 12345678", "DE", "+493012345678", kFixed}));

INSTANTIATE_TEST_SUITE_P(
    AcrossTheBorder, ValidNumberTest,
    ::testing::Values(
        // A German customer of an Austrian firm and vice versa: the international
        // form wins over the firm's country.
        Case{"+49 151 12345678", "AT", "+4915112345678", kMobile},
        Case{"0049 151 12345678", "AT", "+4915112345678", kMobile},
        Case{"0043 664 1234567", "DE", "+436641234567", kMobile},
        Case{"+43 1 5123456", "DE", "+4315123456", kFixed},
        // The region is case-insensitive.
        Case{"0664 1234567", "at", "+436641234567", kMobile}));

TEST(PhoneNumberTest, RegionOfTheNumber) {
  EXPECT_EQ(ParsePhoneNumber("0043 664 1234567", "DE").region, "AT");
  EXPECT_EQ(ParsePhoneNumber("0151 12345678", "DE").region, "DE");
}

TEST(PhoneNumberTest, SameDigitsDependOnTheFirmsCountry) {
  // 0151 is a German mobile range but an Austrian landline area (Wien + 51...).
  PhoneNumber de = ParsePhoneNumber("0151 12345678", "DE");
  PhoneNumber at = ParsePhoneNumber("0151 12345678", "AT");
  EXPECT_EQ(de.e164, "+4915112345678");
  EXPECT_EQ(de.type, PhoneNumberType::kMobile);
  EXPECT_EQ(at.e164, "+4315112345678");
  EXPECT_NE(at.type, PhoneNumberType::kMobile);
}

struct BadCase {
  const char* typed;
  const char* region;
  PhoneNumberProblem problem;
  const char* reason;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << "'" << c.typed << "' (" << c.region << ")"; }

class InvalidNumberTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(InvalidNumberTest, IsRejectedWithAReason) {
  const BadCase& c = GetParam();
  PhoneNumber n = ParsePhoneNumber(c.typed, c.region);
  EXPECT_FALSE(n.valid());
  EXPECT_FALSE(n.sms_capable());
  EXPECT_EQ(n.type, PhoneNumberType::kInvalid);
  EXPECT_EQ(n.e164, "");
  EXPECT_EQ(n.problem, c.problem) << ToString(n.problem);
  EXPECT_EQ(n.reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Junk, InvalidNumberTest,
    ::testing::Values(
        BadCase{"", "AT", PhoneNumberProblem::kEmpty, "keine Nummer angegeben"},
        BadCase{"   ", "AT", PhoneNumberProblem::kEmpty, "keine Nummer angegeben"},
        BadCase{"keine", "AT", PhoneNumberProblem::kNotANumber, "keine Telefonnummer"},
        BadCase{"-", "DE", PhoneNumberProblem::kNotANumber, "keine Telefonnummer"},
        BadCase{"0664", "AT", PhoneNumberProblem::kTooShort, "zu kurz"},
        BadCase{"0664 12", "AT", PhoneNumberProblem::kTooShort, "zu kurz"},
        BadCase{"0151 1234", "DE", PhoneNumberProblem::kTooShort, "zu kurz"},
        BadCase{"0664 123456789012", "AT", PhoneNumberProblem::kTooLong, "zu lang"},
        BadCase{"06641234567890123", "AT", PhoneNumberProblem::kTooLong, "zu lang"},
        BadCase{"0999 1234567", "AT", PhoneNumberProblem::kInvalidNumber, "ungültige Nummer"},
        BadCase{"0200 12345678", "DE", PhoneNumberProblem::kInvalidNumber, "ungültige Nummer"},
        BadCase{"+999 12345678", "AT", PhoneNumberProblem::kUnknownCountryCode,
                "unbekannte Ländervorwahl"},
        // National form but the firm's country is not set: no way to tell.
        BadCase{"0664 1234567", "", PhoneNumberProblem::kMissingCountryCode,
                "Ländervorwahl fehlt"}));

TEST(PhoneNumberTest, ServiceNumbersAreValidButNotMobile) {
  for (const char* typed : {"0800 123456", "0720 123456"}) {  // toll-free, location-independent
    PhoneNumber n = ParsePhoneNumber(typed, "AT");
    EXPECT_TRUE(n.valid()) << typed;
    EXPECT_EQ(n.type, PhoneNumberType::kOther) << typed;
    EXPECT_FALSE(n.sms_capable());
    EXPECT_EQ(n.reason, "keine Mobilnummer");
  }
  EXPECT_EQ(ParsePhoneNumber("0180 1234567", "DE").type, PhoneNumberType::kOther);
}

TEST(PhoneNumberTest, FixedLineOrMobileCountsAsMobileButUncertain) {
  PhoneNumber n = ParsePhoneNumber("+1 212 555 0123", "AT");
  EXPECT_EQ(n.e164, "+12125550123");
  EXPECT_EQ(n.type, PhoneNumberType::kMobile);
  EXPECT_TRUE(n.mobile_uncertain);
  EXPECT_TRUE(n.sms_capable());
}

TEST(PhoneNumberTest, GatewayNumberGetsAPlusFirst) {
  // Read as typed with region DE, the gateway's digits become a landline in Germany.
  PhoneNumber wrong = ParsePhoneNumber("4915112345678", "DE");
  EXPECT_NE(wrong.e164, "+4915112345678");
  EXPECT_NE(wrong.type, PhoneNumberType::kMobile);

  PhoneNumber de = ParseGatewayNumber("4915112345678");
  EXPECT_EQ(de.e164, "+4915112345678");
  EXPECT_EQ(de.type, PhoneNumberType::kMobile);
  EXPECT_EQ(de.region, "DE");
  EXPECT_EQ(de.typed, "4915112345678");

  EXPECT_EQ(ParseGatewayNumber("436641234567").e164, "+436641234567");
  EXPECT_EQ(ParseGatewayNumber("+436641234567").e164, "+436641234567");
  EXPECT_EQ(ParseGatewayNumber("00436641234567").e164, "+436641234567");
  EXPECT_EQ(ParseGatewayNumber("4930123456").type, PhoneNumberType::kFixedLine);
  EXPECT_EQ(ParseGatewayNumber("999123").problem, PhoneNumberProblem::kUnknownCountryCode);
  EXPECT_EQ(ParseGatewayNumber("").problem, PhoneNumberProblem::kEmpty);
}

TEST(PhoneNumberTest, MaskKeepsCountryCodeAndLastTwoDigits) {
  EXPECT_EQ(MaskPhoneNumber("+436641234567"), "+43********67");
  EXPECT_EQ(MaskPhoneNumber("+4915112345678"), "+49*********78");
  EXPECT_EQ(MaskPhoneNumber("+12125550123"), "+1********23");
  EXPECT_EQ(MaskPhoneNumber("+4315123456"), "+43******56");
  // Length is kept, digits are not.
  std::string masked = MaskPhoneNumber("+4366615651324");
  EXPECT_EQ(masked.size(), 14u);
  EXPECT_EQ(masked.find("1565"), std::string::npos);
  // Not E.164: everything but the last 2 characters.
  EXPECT_EQ(MaskPhoneNumber("0664123456"), "********56");
  EXPECT_EQ(MaskPhoneNumber("12"), "**");
  EXPECT_EQ(MaskPhoneNumber(""), "");
}

TEST(PhoneNumberTest, CodesAreStable) {
  EXPECT_EQ(ToString(PhoneNumberType::kFixedLine), "fixed_line");
  EXPECT_EQ(ToString(PhoneNumberType::kMobile), "mobile");
  EXPECT_EQ(ToString(PhoneNumberProblem::kTooShort), "too_short");
  EXPECT_EQ(ToString(PhoneNumberProblem::kNone), "none");
}

}  // namespace
}  // namespace kehrbote

// ParsePhoneNumber reads plain AT/DE/CH forms without libphonenumber's Parse();
// whatever it returns must be exactly what the full path returns. Numbers are
// generated around real ranges (mobile, landline, service, too short/long) in
// every form offices type, with punctuation and some input the shortcut must
// leave to libphonenumber (letters, extensions, "(0)", other countries).
namespace kehrbote {
namespace {

std::string Describe(const PhoneNumber& n) {
  return "e164=" + n.e164 + " region=" + n.region + " type=" + std::string(ToString(n.type)) +
         " problem=" + std::string(ToString(n.problem)) + " reason=" + n.reason +
         " uncertain=" + (n.mobile_uncertain ? "1" : "0");
}

TEST(PhoneNumberShortcutTest, AgreesWithLibphonenumberParseOnGeneratedNumbers) {
  std::mt19937 rng(20261124);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
    return s;
  };
  const std::vector<std::string> regions = {"AT", "DE", "CH", "at", "IT", "ZZ"};
  const std::vector<std::string> codes = {"43", "49", "41", "39", "1", "44", "420", "999"};
  const std::vector<std::string> prefixes = {
      "664", "676", "699", "650", "660", "680", "688", "1", "316", "512", "662", "732", "800",
      "900", "151", "152", "160", "170", "176", "179", "30", "89", "40", "221", "180", "700",
      "79", "76", "78", "44", "22", "31", "3", "0", "06", ""};
  const std::vector<std::string> seps = {"", " ", " ", "/", " / ", "-", ".", "  "};
  int shortcut_forms = 0, valid = 0;
  for (int i = 0; i < 30000; ++i) {
    const std::string region = pick(regions);
    std::string nsn = pick(prefixes) + digits(static_cast<int>(rng() % 12));
    std::string typed;
    switch (rng() % 6) {
      case 0:
      case 1: typed = "0" + nsn; break;
      case 2: typed = "+" + pick(codes) + " " + nsn; break;
      case 3: typed = "00" + pick(codes) + nsn; break;
      case 4: typed = "+" + pick(codes) + " (0) " + nsn; break;
      case 5: typed = nsn; break;
    }
    // Punctuation between digit groups, sometimes parentheses around the area code.
    std::string punctuated;
    for (size_t k = 0; k < typed.size(); ++k) {
      punctuated += typed[k];
      if (k + 1 < typed.size() && rng() % 5 == 0) punctuated += pick(seps);
    }
    if (rng() % 10 == 0 && punctuated.size() > 5 && punctuated[0] == '0')
      punctuated = "(" + punctuated.substr(0, 4) + ") " + punctuated.substr(4);
    switch (rng() % 40) {
      case 0: punctuated += " ext. 12"; break;
      case 1: punctuated += " DW 3"; break;
      case 2: punctuated = " " + punctuated + " "; break;
      case 3: punctuated = "++" + punctuated; break;
      default: break;
    }
    if (punctuated[0] == '0' || punctuated[0] == '+') ++shortcut_forms;
    const PhoneNumber fast = ParsePhoneNumber(punctuated, region);
    const PhoneNumber full = ParsePhoneNumberWithoutShortcut(punctuated, region);
    ASSERT_EQ(Describe(fast), Describe(full)) << "typed \"" << punctuated << "\" in " << region;
    ASSERT_EQ(fast.typed, full.typed);
    valid += fast.valid();
  }
  EXPECT_GT(shortcut_forms, 20000);  // the generator did reach the shortcut's forms
  EXPECT_GT(valid, 5000) << "valid numbers generated";  // ... and made many valid ones
  std::cout << valid << " of 30000 generated numbers valid\n";
}

TEST(PhoneNumberShortcutTest, ValidNumbersComeOutTheSameThroughBothPaths) {
  for (const char* typed : {"0664 1234567", "+43 664 1234567", "0043 664 1234567",
                            "(0151) 123 456 78", "0666 / 15651324", "+49 30 1234567",
                            "0041 79 123 45 67", "079 123 45 67", "01 5123456"}) {
    for (const char* region : {"AT", "DE", "CH"}) {
      const PhoneNumber fast = ParsePhoneNumber(typed, region);
      EXPECT_EQ(Describe(fast), Describe(ParsePhoneNumberWithoutShortcut(typed, region)))
          << typed << " in " << region;
    }
  }
  EXPECT_EQ(ParsePhoneNumber("0664 1234567", "AT").e164, "+436641234567");
  EXPECT_EQ(ParsePhoneNumber("0049 151 12345678", "AT").e164, "+4915112345678");
  EXPECT_EQ(ParsePhoneNumber("079 123 45 67", "CH").type, PhoneNumberType::kMobile);
}

}  // namespace
}  // namespace kehrbote
