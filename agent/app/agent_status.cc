#include "agent/app/agent_status.h"

#include <sstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

Instant TimeAt(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  auto t = ParseRfc3339(o->getValue<std::string>(key));
  if (!t) throw Poco::DataFormatException("'" + key + "' is not an RFC 3339 time");
  return *t;
}

}  // namespace

AgentStatus AgentStatus::Load(const std::string& path, std::string* warning, Env& env) {
  AgentStatus s;
  warning->clear();
  if (!env.FileExists(path)) return s;
  try {
    std::string text = env.ReadFile(path);
    Poco::JSON::Parser parser;
    Poco::JSON::Object::Ptr root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    if (root->has("last_success")) {
      Poco::JSON::Object::Ptr o = root->getObject("last_success");
      AgentSuccess ok;
      ok.time = TimeAt(o, "time");
      ok.file = o->optValue<std::string>("file", "");
      ok.remote_name = o->optValue<std::string>("remote_name", "");
      ok.rows_read = o->optValue<int64_t>("rows_read", 0);
      ok.appointments = o->optValue<int64_t>("appointments", 0);
      ok.skipped = o->optValue<int64_t>("skipped", 0);
      s.last_success = ok;
    }
    if (root->has("last_error")) {
      Poco::JSON::Object::Ptr o = root->getObject("last_error");
      s.last_error = AgentFailure{TimeAt(o, "time"), o->optValue<std::string>("message", "")};
    }
    if (root->has("last_attempt")) s.last_attempt = TimeAt(root, "last_attempt");
  } catch (const Poco::Exception& e) {
    *warning = "status file " + path + " ignored: " + e.displayText();
    return AgentStatus{};
  } catch (const std::exception& e) {
    *warning = "status file " + path + " ignored: " + e.what();
    return AgentStatus{};
  }
  return s;
}

void AgentStatus::Save(const std::string& path, const std::string& zone, Env& env) const {
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  if (last_success) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("time", FormatRfc3339(last_success->time, zone));
    o.set("file", last_success->file);
    o.set("remote_name", last_success->remote_name);
    o.set("rows_read", last_success->rows_read);
    o.set("appointments", last_success->appointments);
    o.set("skipped", last_success->skipped);
    root.set("last_success", o);
  }
  if (last_error) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("time", FormatRfc3339(last_error->time, zone));
    o.set("message", last_error->message);
    root.set("last_error", o);
  }
  if (last_attempt) root.set("last_attempt", FormatRfc3339(*last_attempt, zone));
  std::ostringstream out;
  root.stringify(out, 2);
  out << "\n";
  env.WritePrivateFileAtomically(path, out.str());
}

}  // namespace kehrbote
