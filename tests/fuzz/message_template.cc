// Fuzz target: MessageTemplate::Parse and Render. Input: the template text, then
// optionally a NUL byte and the value every placeholder gets. Contract checked
// (message_template.h): Parse accepts or throws TemplateError with a line and
// column inside the text; the placeholders it finds are known names; rendering
// with every value present succeeds; with none, it fails and lists exactly the
// placeholders used; with a fallback for each, it succeeds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shared/template/message_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kehrbote;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view text = input.substr(0, nul);
  std::string value = nul == std::string_view::npos ? "Wert" : std::string(input.substr(nul + 1));
  std::optional<MessageTemplate> t;
  try {
    t = MessageTemplate::Parse(text, "fuzz");
  } catch (const TemplateError& e) {
    if (e.line() < 1 || e.column() < 1) abort();
    return 0;
  }
  std::vector<std::string> used = t->Placeholders();
  const auto& known = KnownPlaceholders();
  TemplateValues all, none;
  std::map<std::string, std::string, std::less<>> fallbacks;
  for (const std::string& name : used) {
    if (std::find(known.begin(), known.end(), name) == known.end()) abort();
    all[name] = value;
    fallbacks[name] = value;
  }
  if (!t->Render(all, MissingValuePolicy::FailMessage()).ok) abort();
  RenderResult missing = t->Render(none, MissingValuePolicy::FailMessage());
  if (missing.missing != used || (missing.ok != used.empty())) abort();
  if (!t->Render(none, MissingValuePolicy::UseFallback(fallbacks)).ok) abort();
  return 0;
}
