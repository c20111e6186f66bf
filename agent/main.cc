// kehrbote-agent: see agent/app/agent_application.h and docs/agent.md.
#include <iostream>

#include "agent/app/agent_application.h"
#include "shared/env/env.h"

int main(int argc, char** argv) {
  // Before any thread exists (Poco 1.11 threads do not block these themselves): the
  // stop signals then reach only the thread that waits for them.
  kehrbote::Env& env = kehrbote::Env::Default();
  env.BlockTerminationSignals();
  env.RestrictNewFilePermissions();
  try {
    kehrbote::AgentApplication app;
    return app.run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kehrbote-agent: " << e.what() << "\n";
    return 70;
  }
}
