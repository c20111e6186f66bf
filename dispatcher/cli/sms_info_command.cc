#include "dispatcher/cli/sms_info_command.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "shared/sms/segmented_text.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage = "usage: kehrbote-dispatcher sms-info [--unicode] [--] TEXT\n";

}  // namespace

int RunSmsInfoCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool unicode = false;
  bool options_done = false;
  const std::string* text = nullptr;
  for (const std::string& arg : args) {
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && arg == "--unicode") {
      unicode = true;
    } else if (!options_done && arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      err << "kehrbote-dispatcher sms-info: unknown option '" << arg << "'\n" << kUsage;
      return 2;
    } else if (text == nullptr) {
      text = &arg;
    } else {
      err << "kehrbote-dispatcher sms-info: expected one TEXT argument (quote the text)\n"
          << kUsage;
      return 2;
    }
  }
  if (text == nullptr) {
    err << "kehrbote-dispatcher sms-info: missing TEXT\n" << kUsage;
    return 2;
  }

  try {
    const SegmentedText sms(*text, unicode ? SmsPolicy::kAllowUcs2 : SmsPolicy::kGsm7Only);
    Poco::JSON::Object result(Poco::JSON_PRESERVE_KEY_ORDER);
    result.set("encoding", std::string(SmsEncodingName(sms.encoding())));
    result.set("segments", static_cast<Poco::UInt64>(sms.segment_count()));
    result.set("units", static_cast<Poco::UInt64>(sms.units()));
    result.set("text", sms.text());
    Poco::JSON::Array parts;
    for (const SmsPart& part : sms.parts()) parts.add(part.text);
    result.set("parts", parts);
    Poco::JSON::Array changes;
    for (const TextChange& change : sms.changes()) {
      Poco::JSON::Object c(Poco::JSON_PRESERVE_KEY_ORDER);
      c.set("from", change.original);
      c.set("to", change.replacement);
      c.set("dropped", change.kind == TextChange::Kind::kDropped);
      changes.add(c);
    }
    result.set("changes", changes);
    result.stringify(out);
    out << "\n";
  } catch (const InvalidUtf8Error& e) {
    err << "kehrbote-dispatcher sms-info: TEXT is not valid UTF-8: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace kehrbote
