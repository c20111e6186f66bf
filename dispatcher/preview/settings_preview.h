// PreviewFirmSettings: the Settings page's live preview, as JSON the web layer
// returns as is. Takes the firm's settings as edited (unsaved YAML), checks
// them with the loader's code and renders every template (template_preview.h)
// for the firm's next upcoming appointment in the store, or for a sample
// appointment when it has none.
//
// {"ok": true|false,                       false: the settings have errors
//  "errors": [{"key", "line", "column", "message"}],   each at its field
//  "appointment": {"sample": bool, "id", "kind", "start" (RFC 3339, firm's zone),
//                  "date" ("Dienstag, 24. November 2026")},
//  "currency": "EUR", "price_per_segment": 0.09,
//  "templates": [ToJson(TemplatePreview)...]}
// With errors the templates are still rendered when the rest of the settings
// parse (the bad keys at their defaults), so the preview keeps up while typing.
// The appointment's data is the firm's own; it is never logged.
// Thread-safe (reads the store).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "dispatcher/preview/template_preview.h"
#include "dispatcher/store/database.h"
#include "shared/time/clock.h"

namespace kehrbote {

nlohmann::json PreviewFirmSettings(Database& db, const SmsPrice& price,
                                   const std::string& firm_id, const std::string& yaml,
                                   Instant now);

}  // namespace kehrbote
