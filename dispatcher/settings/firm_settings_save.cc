#include "dispatcher/settings/firm_settings_save.h"

namespace kehrbote {
namespace {

// Where a key sits in the text, for an error the loader did not raise.
SettingsError ErrorAtKey(const std::string& source, const std::string& key,
                         const std::string& message) {
  return {key, 0, 0, message, source + ": key '" + key + "': " + message};
}

// The keys a firm user may not change: they route the firm's data (inbox),
// limit its spending (quota) or forward its customers' replies (delivery).
void CheckPartnerKeys(const FirmConfig& edited, const FirmConfig& current,
                      const std::string& source, std::vector<SettingsError>& errors) {
  const std::string message = "only the service partner may change this";
  if (edited.inbox != current.inbox) errors.push_back(ErrorAtKey(source, "inbox", message));
  if (edited.quota_sms_per_month != current.quota_sms_per_month ||
      edited.quota_segments_per_month != current.quota_segments_per_month)
    errors.push_back(ErrorAtKey(source, "quota", message));
  if (edited.delivery.reply_to != current.delivery.reply_to)
    errors.push_back(ErrorAtKey(source, "delivery", message));
}

}  // namespace

SettingsSaveOutcome SaveFirmSettings(FirmSettingsStore& store, const SettingsEdit& edit,
                                     Instant now) {
  SettingsSaveOutcome out;
  const std::string source =
      edit.origin.empty() ? "firm " + edit.firm_id + " (settings)" : edit.origin;
  SettingsCheck check = CheckFirmSettings(edit.yaml, source);
  out.errors = std::move(check.errors);
  if (check.firm && check.firm->id() != edit.firm_id)
    out.errors.push_back(ErrorAtKey(source, "id",
                                    "expected the firm's own id '" + edit.firm_id + "', got '" +
                                        check.firm->id() + "'"));
  if (check.firm && edit.editor == SettingsEditor::kFirm) {
    std::optional<StoredSettings> current = store.Current(edit.firm_id);
    FirmConfig before;  // a firm without settings yet: the defaults
    if (current && !current->removed) {
      SettingsCheck old = CheckFirmSettings(current->yaml, source);
      if (old.firm) before = *old.firm;
    }
    CheckPartnerKeys(*check.firm, before, source, out.errors);
  }
  if (!out.errors.empty()) return out;
  SettingsSave save;
  save.firm_id = edit.firm_id;
  save.yaml = edit.yaml;
  save.source = edit.source;
  save.origin = edit.origin;
  save.author = edit.author;
  save.expected_version = edit.expected_version;
  const SaveResult r = store.Save(save, now);
  out.conflict = r.conflict;
  out.saved = r.saved;
  out.version = r.version;
  out.firm = std::move(check.firm);
  return out;
}

nlohmann::json ToJson(const SettingsSaveOutcome& outcome) {
  return {{"saved", outcome.saved},
          {"conflict", outcome.conflict},
          {"version", outcome.version},
          {"errors", ToJson(outcome.errors)}};
}

SettingsSaveOutcome ImportFirmFile(FirmSettingsStore& store, const std::string& path,
                                   const std::string& yaml, const std::string& source,
                                   const std::string& author, Instant now) {
  SettingsCheck check = CheckFirmSettings(yaml, path);
  if (!check.ok()) {
    SettingsSaveOutcome out;
    out.errors = std::move(check.errors);
    return out;
  }
  SettingsEdit edit;
  edit.firm_id = check.firm->id();
  edit.yaml = yaml;
  edit.author = author;
  edit.source = source;
  edit.origin = path;
  return SaveFirmSettings(store, edit, now);
}

}  // namespace kehrbote
