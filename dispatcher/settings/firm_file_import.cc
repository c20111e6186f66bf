#include "dispatcher/settings/firm_file_import.h"

#include <filesystem>
#include <map>

#include "shared/env/env.h"

namespace kehrbote {

std::vector<FileImport> ImportFirmFiles(FirmSettingsStore& store, const std::string& dir,
                                        const FileImportOptions& options, Instant now) {
  std::vector<FileImport> out;
  std::map<std::string, std::string> file_of_firm;  // firms named so far
  for (const std::string& listed : ListFirmFiles(dir)) {
    const std::string file = std::filesystem::absolute(listed).lexically_normal().string();
    FileImport& r = out.emplace_back();
    r.file = file;
    try {
      r.text = Env::Default().ReadFile(file);
    } catch (const std::exception& e) {
      r.errors.push_back({"", 0, 0, e.what(), file + ": cannot read the file: " + e.what()});
      continue;
    }
    std::optional<std::string> known;
    if (options.known) known = options.known(file, r.text);
    if (known) {
      r.firm_id = *known;
      r.known = true;
    } else {
      SettingsCheck check = CheckFirmSettings(r.text, file);
      if (!check.ok()) {
        r.errors = std::move(check.errors);
        continue;
      }
      r.firm_id = check.firm->id();
    }
    if (auto [it, fresh] = file_of_firm.emplace(r.firm_id, file); !fresh) {
      const std::string message = "firm id '" + r.firm_id + "' is also used by " + it->second;
      r.errors.push_back({"id", 0, 0, message, file + ": key 'id': " + message});
      continue;
    }
    if (r.known) continue;
    SettingsSaveOutcome saved =
        ImportFirmFile(store, file, r.text, options.source, options.author, now);
    r.errors = std::move(saved.errors);
    r.saved = saved.saved;
    r.version = saved.version;
  }
  return out;
}

}  // namespace kehrbote
