#include "tests/support/wine_prefix.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/temp_dir.h"

namespace kehrbote::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWine = "/usr/lib/wine/wine64";
constexpr const char* kWineServer = "/usr/lib/wine/wineserver";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

WinePrefix::WinePrefix(std::string dir, bool own_server)
    : dir_(std::move(dir)), own_server_(own_server) {
  if (!fs::exists(fs::path(dir_) / "system.reg")) Boot();
  TempDir log("kehrbote-wineserver-");
  ChildOptions o;
  o.argv = {kWineServer, "-p"};
  o.env = Environment({});
  o.output_file = log.Sub("out.txt");
  ChildProcess server = ChildProcess::Spawn(o);
  // `wineserver -p` returns at once if a server runs, else after it has forked off.
  if (!server.Wait(std::chrono::seconds(60))) {
    throw std::runtime_error("wineserver -p did not return within 60 s");
  }
}

WinePrefix::~WinePrefix() {
  if (own_server_) {
    try {
      Shutdown();
    } catch (...) {
    }
  }
}

void WinePrefix::Boot() {
  fs::create_directories(dir_);
  CommandResult r = Run({"wineboot", "-i"}, std::chrono::seconds(300));
  if (r.exit_code != 0) throw std::runtime_error("wineboot -i failed: " + r.output);
}

std::vector<std::string> WinePrefix::Environment(const std::vector<std::string>& extra) const {
  std::vector<std::string> env = {"WINEPREFIX=" + dir_, "WINEDEBUG=-all",
                                  "WINEDLLOVERRIDES=mscoree,mshtml="};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

CommandResult WinePrefix::Run(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout,
                              const std::vector<std::string>& env) {
  TempDir out("kehrbote-wine-out-");
  ChildOptions o;
  o.argv = {kWine};
  o.argv.insert(o.argv.end(), argv.begin(), argv.end());
  o.env = Environment(env);
  o.output_file = out.Sub("output.txt");
  ChildProcess child = ChildProcess::Spawn(o);
  std::optional<int> status = child.Wait(timeout);
  if (!status) {
    child.Stop(std::chrono::seconds(2));
    throw std::runtime_error("wine " + Join(argv) + " did not finish within " +
                             std::to_string(timeout.count()) + " ms; output: " +
                             ReadAll(o.output_file));
  }
  return CommandResult{*status, ReadAll(o.output_file)};
}

void WinePrefix::Shutdown() {
  ChildOptions o;
  o.argv = {kWineServer, "-k"};
  o.env = Environment({});
  ChildProcess kill = ChildProcess::Spawn(o);
  kill.Wait(std::chrono::seconds(30));
  ChildOptions w = o;
  w.argv = {kWineServer, "-w"};
  ChildProcess wait = ChildProcess::Spawn(w);
  if (!wait.Wait(std::chrono::seconds(30))) wait.Stop();
}

std::string WinePrefix::WindowsPath(const std::string& unix_path) {
  std::string out = "Z:";
  for (char c : fs::absolute(unix_path).lexically_normal().string()) out += (c == '/' ? '\\' : c);
  return out;
}

std::string WinePrefix::HostPath(const std::string& windows_path) const {
  if (windows_path.size() < 2 || windows_path[1] != ':' ||
      (windows_path[0] != 'C' && windows_path[0] != 'c')) {
    throw std::invalid_argument("not a path on drive C: " + windows_path);
  }
  std::string rest = windows_path.substr(2);
  for (char& c : rest) if (c == '\\') c = '/';
  return dir_ + "/drive_c" + rest;
}

}  // namespace kehrbote::test
