// A SQLite office database for the agent's integration tests and benchmark,
// generated with Poco::Data: `n` appointments spread over the 14 days after
// `first_day` (YYYY-MM-DD), each with a customer, two phone numbers with consent
// ticks, an e-mail and a "Nur HK" flag, Umlauts included.
#pragma once

#include <string>

namespace kehrbote::test {

// Creates (replaces) `path`. Appointment ids are "T000000", "T000001", ...;
// the phone number of appointment i is "0664 / 1<i, 6 digits>".
void MakeOfficeDb(const std::string& path, int n, const std::string& first_day);

// The agent config `source:` section that reads that database.
std::string OfficeDbSourceYaml(const std::string& path);

}  // namespace kehrbote::test
