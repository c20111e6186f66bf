// `kehrbote-dispatcher --config FILE user add NAME --role partner_admin|firm_user [--firm ID]`
// `kehrbote-dispatcher --config FILE user passwd NAME`
// `kehrbote-dispatcher --config FILE user disable NAME`
//
// Portal accounts in the store (account_store.h). The password of add and
// passwd is the first line of `in` (standard input: pipe it, or type it at
// the "Password:" prompt, not echoed on a terminal), never an argument (argv
// is visible to every user of the machine); it must have at least 10
// characters. Every change goes to the audit log with actor
// "cli". Exit 0, 2 on bad arguments, 1 on config/store/account errors.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "dispatcher/web/password_hash.h"

namespace kehrbote {

int RunUserCommand(const std::string& config_path, const std::vector<std::string>& args,
                   std::istream& in, std::ostream& out, std::ostream& err);

// The same on an open store (tests; `cost` lets them hash fast).
int RunUserCommandOn(const std::string& store_url, const std::vector<std::string>& args,
                     std::istream& in, std::ostream& out, std::ostream& err,
                     PasswordCost cost = InteractivePasswordCost());

inline constexpr std::size_t kMinPasswordLength = 10;

}  // namespace kehrbote
