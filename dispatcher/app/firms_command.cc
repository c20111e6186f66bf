#include "dispatcher/app/firms_command.h"

#include <filesystem>
#include <iomanip>
#include <memory>

#include <Poco/Exception.h>

#include "dispatcher/config/dispatcher_config.h"
#include "dispatcher/preview/settings_preview.h"
#include "dispatcher/settings/firm_file_import.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/store/database.h"
#include "dispatcher/store/store_schema.h"
#include "shared/env/env.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage =
    "usage: kehrbote-dispatcher --config FILE firms import DIR | export DIR | list |\n"
    "       history ID | show ID [--version N] | remove ID | preview ID [FILE]\n";

int Import(FirmSettingsStore& store, const std::string& dir, Instant now, std::ostream& out,
           std::ostream& err) {
  int saved = 0, unchanged = 0, refused = 0;
  for (const FileImport& f : ImportFirmFiles(store, dir, FileImportOptions{}, now)) {
    if (!f.errors.empty()) {
      ++refused;
      for (const SettingsError& e : f.errors) err << e.text << "\n";
      err << f.file << ": not imported\n";
    } else if (f.saved) {
      ++saved;
      out << f.firm_id << ": version " << f.version << " from " << f.file << "\n";
    } else {
      ++unchanged;
      out << f.firm_id << ": unchanged (version " << f.version << ")\n";
    }
  }
  out << "firms import: " << saved << " imported, " << unchanged << " unchanged, " << refused
      << " refused\n";
  return refused > 0 ? 1 : 0;
}

int Export(FirmSettingsStore& store, const std::string& dir, std::ostream& out) {
  Env::Default().CreatePrivateDirectory(dir);
  int n = 0;
  for (const SettingsVersion& v : store.CurrentVersions()) {
    if (v.removed) continue;
    std::optional<StoredSettings> s = store.Version(v.firm_id, v.version);
    if (!s) continue;
    const std::string file = JoinPath(dir, v.firm_id + ".yaml");
    Env::Default().WritePrivateFileAtomically(file, s->yaml);
    out << v.firm_id << ": version " << v.version << " to " << file << "\n";
    ++n;
  }
  out << "firms export: " << n << " firm(s)\n";
  return 0;
}

void PrintVersion(const StoredSettings& s, std::ostream& out) {
  out << std::left << std::setw(20) << s.firm_id << " v" << std::setw(5) << s.version << " "
      << FormatRfc3339Utc(s.saved_at) << "  " << std::setw(7) << s.source << " "
      << (s.removed ? "removed " : "") << s.author;
  if (!s.origin.empty()) out << " (" << s.origin << ")";
  out << "\n";
}

// The Settings page's preview JSON for FILE (default: the firm's current version).
int Preview(Database& db, const DispatcherConfig& config, const std::vector<std::string>& args,
            Instant now, std::ostream& out, std::ostream& err) {
  std::string yaml;
  if (args.size() == 3) {
    yaml = Env::Default().ReadFile(args[2]);
  } else if (std::optional<StoredSettings> s = FirmSettingsStore(db).Current(args[1])) {
    yaml = s->yaml;
  } else {
    err << "kehrbote-dispatcher firms preview: no firm '" << args[1] << "' in the store\n";
    return 1;
  }
  const SmsPrice price{config.delivery.price_per_segment, config.delivery.currency};
  out << PreviewFirmSettings(db, price, args[1], yaml, now).dump(2) << "\n";
  return 0;
}

int Run(Database& db, const DispatcherConfig& config, const std::vector<std::string>& args,
        Instant now, std::ostream& out, std::ostream& err) {
  FirmSettingsStore store(db);
  const std::string& sub = args[0];
  if (sub == "preview" && (args.size() == 2 || args.size() == 3))
    return Preview(db, config, args, now, out, err);
  if ((sub == "import" || sub == "export") && args.size() == 2) {
    const std::string dir = std::filesystem::absolute(args[1]).lexically_normal().string();
    return sub == "import" ? Import(store, dir, now, out, err) : Export(store, dir, out);
  }
  if (sub == "list" && args.size() == 1) {
    for (const SettingsVersion& v : store.CurrentVersions())
      if (auto s = store.Version(v.firm_id, v.version)) PrintVersion(*s, out);
    return 0;
  }
  if ((sub == "history" || sub == "remove") && args.size() == 2) {
    std::vector<StoredSettings> versions = store.History(args[1]);
    if (versions.empty()) {
      err << "kehrbote-dispatcher firms " << sub << ": no firm '" << args[1] << "' in the store\n";
      return 1;
    }
    if (sub == "history") {
      for (const StoredSettings& s : versions) PrintVersion(s, out);
      return 0;
    }
    SettingsSave removal;
    removal.firm_id = args[1];
    removal.removed = true;
    removal.author = "firms remove";
    const SaveResult r = store.Save(removal, now);
    out << args[1] << ": " << (r.saved ? "removed as version " : "already removed, version ")
        << r.version << "\n";
    return 0;
  }
  if (sub == "show" && (args.size() == 2 || (args.size() == 4 && args[2] == "--version"))) {
    std::optional<StoredSettings> s;
    if (args.size() == 2) {
      s = store.Current(args[1]);
    } else {
      try {
        s = store.Version(args[1], std::stoll(args[3]));
      } catch (const std::exception&) {
        err << "kehrbote-dispatcher firms show: --version expects a number, got '" << args[3]
            << "'\n";
        return 2;
      }
    }
    if (!s) {
      err << "kehrbote-dispatcher firms show: no such firm or version\n";
      return 1;
    }
    out << s->yaml;
    return 0;
  }
  err << kUsage;
  return 2;
}

}  // namespace

int RunFirmsCommand(const std::string& config_path, const std::vector<std::string>& args,
                    const Clock& clock, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  try {
    const DispatcherConfig config = LoadDispatcherConfig(config_path);
    std::unique_ptr<Database> db = Database::Open(config.store_url);
    MigrateStore(*db);
    FirmSettingsStore(*db).Migrate();
    return Run(*db, config, args, clock.Now(), out, err);
  } catch (const Poco::Exception& e) {
    err << "kehrbote-dispatcher firms: " << e.displayText() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "kehrbote-dispatcher firms: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace kehrbote
