// kehrbote-test-kannel: KannelServer (kannel_server.h) as a program, for tests
// written in Python (tests/web/browser_test.py), so that they use the same
// Kannel set-up as the C++ integration tests. Starts bearerbox, smsbox and the
// fake SMSC on loopback and prints one line
//   kannel: sendsms URL USERNAME PASSWORD
// then answers commands read from standard input, one per line:
//   wait N SECONDS  waits (bounded by SECONDS) until N messages reached the fake
//                   SMSC, then prints every message received so far as one JSON
//                   line each ({"from", "to", "text"}) and a line "end"
// End of input (the test closing the pipe or exiting) stops Kannel.
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/kannel_server.h"

int main() {
  try {
    kehrbote::test::KannelServer kannel;
    kannel.Start();
    std::cout << "kannel: sendsms " << kannel.SendsmsUrl() << " " << kannel.options().username
              << " " << kannel.options().password << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::string command;
      std::size_t count = 0;
      int seconds = 0;
      if (!(in >> command >> count >> seconds) || command != "wait") {
        std::cout << "error: expected 'wait N SECONDS'" << std::endl;
        continue;
      }
      for (const auto& m : kannel.WaitForReceived(count, std::chrono::seconds(seconds)))
        std::cout << nlohmann::json{{"from", m.from}, {"to", m.to}, {"text", m.text}}.dump()
                  << "\n";
      std::cout << "end" << std::endl;
    }
    kannel.Stop();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "kehrbote-test-kannel: " << e.what() << std::endl;
    return 1;
  }
}
