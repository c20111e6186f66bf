// Fuzz target: the strict YAML configs (ConfigNode) and what reads them. Input: the
// first byte chooses the reader (agent config, firm config, dispatcher config),
// the rest is the YAML text. Contract checked (config_node.h and the readers):
// any text is a config or a ConfigError, never another exception or a crash.
// The dispatcher config is read from a file (its reader takes a path).
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/config/agent_config.h"
#include "dispatcher/config/dispatcher_config.h"
#include "shared/config/config_node.h"
#include "tests/fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  static fuzz::ScratchFile file("dispatcher.yaml");
  if (size == 0) return 0;
  std::string yaml(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        ParseAgentConfig(yaml, "agent.yaml");
        break;
      case 1:
        ParseFirmConfig(ConfigNode::LoadString(yaml, "firm.yaml"));
        break;
      default:
        LoadDispatcherConfig(file.Write(data + 1, size - 1));
        break;
    }
  } catch (const ConfigError&) {
  }
  return 0;
}
