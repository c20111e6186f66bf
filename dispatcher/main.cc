// kehrbote-dispatcher: command-line entry point.
#include <iostream>
#include <string>
#include <vector>

#include "dispatcher/cli/sms_info_command.h"
#include "shared/env/env.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: kehrbote-dispatcher sms-info [--unicode] TEXT\n"
         "  sms-info   show how a text is encoded and split into SMS parts (JSON)\n";
}

}  // namespace

int main(int argc, char** argv) {
  kehrbote::Env::Default().BlockTerminationSignals();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "sms-info") return kehrbote::RunSmsInfoCommand(args, std::cout, std::cerr);
  std::cerr << "kehrbote-dispatcher: unknown command '" << command << "'\n";
  PrintUsage(std::cerr);
  return 2;
}
