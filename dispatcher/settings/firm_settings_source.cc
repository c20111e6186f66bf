#include "dispatcher/settings/firm_settings_source.h"

#include <algorithm>

#include "dispatcher/settings/firm_file_import.h"

namespace kehrbote {
FirmSettingsSource::FirmSettingsSource(Database& db, std::string firms_dir)
    : store_(db), firms_dir_(std::move(firms_dir)) {}

void FirmSettingsSource::ImportChangedFiles(Instant now, std::vector<FirmProblem>& out) {
  FileImportOptions options;
  options.source = "file";
  options.author = "firms_dir";
  options.known = [&](const std::string& file,
                      const std::string& text) -> std::optional<std::string> {
    auto seen = compared_.find(file);
    if (seen != compared_.end() && seen->second == text) return firm_of_path_[file];
    // Unchanged since its last import: what the portal saved since stays.
    if (std::optional<StoredSettings> last = store_.LastImportOf(file); last && last->yaml == text)
      return last->firm_id;
    return std::nullopt;
  };
  std::vector<FileImport> files;
  try {
    files = ImportFirmFiles(store_, firms_dir_, options, now);
  } catch (const ConfigError& e) {
    out.push_back({"", firms_dir_, 0, e.what()});
    return;
  }
  for (const FileImport& f : files) {
    if (!f.errors.empty()) {
      const std::string firm = f.firm_id.empty() ? firm_of_path_[f.file] : f.firm_id;
      out.push_back({firm, f.file, f.errors.front().line, f.errors.front().text});
      continue;
    }
    compared_[f.file] = f.text;
    firm_of_path_[f.file] = f.firm_id;
  }
}

FirmFiles FirmSettingsSource::Load(const std::vector<FirmConfig>& previous, Instant now) {
  FirmFiles out;
  if (!firms_dir_.empty()) ImportChangedFiles(now, out.problems);
  for (const SettingsVersion& v : store_.CurrentVersions()) {
    if (v.removed) continue;
    const std::string stamp = "v" + std::to_string(v.version);
    const auto last = std::find_if(previous.begin(), previous.end(),
                                   [&](const FirmConfig& f) { return f.id() == v.firm_id; });
    if (last != previous.end() && last->file_stamp == stamp) {
      out.firms.push_back(*last);
      continue;
    }
    const std::string name = "firm " + v.firm_id + " " + stamp + " (store)";
    std::optional<StoredSettings> stored = store_.Version(v.firm_id, v.version);
    SettingsCheck check = CheckFirmSettings(stored ? stored->yaml : "", name);
    if (!check.ok() || check.firm->id() != v.firm_id) {
      const std::string message =
          check.ok() ? name + ": key 'id': names firm '" + check.firm->id() + "'"
                     : check.errors.front().text;
      out.problems.push_back({v.firm_id, name, check.ok() ? 0 : check.errors.front().line, message});
      if (last != previous.end()) out.firms.push_back(*last);  // its last good config
      continue;
    }
    FirmConfig firm = std::move(*check.firm);
    firm.file = name;
    firm.file_stamp = stamp;
    out.firms.push_back(std::move(firm));
  }
  // CurrentVersions() is sorted by id, as config.firms must be.
  return out;
}

}  // namespace kehrbote
