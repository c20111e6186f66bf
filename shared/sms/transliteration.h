// Turns text into something a handset shows correctly in the GSM 7-bit alphabet.
//
// Without this, one typographic quote pasted from a word processor makes a
// reminder fall into UCS-2 (70 instead of 160 characters per SMS, so 2-3 times the
// cost), or the gateway sends it as "?". Letters that ARE in the GSM basic table
// (ä ö ü Ä Ö Ü ß é è ù ì ò à É Ç Ø ø Å å Æ æ ñ Ñ) and the extension characters
// (€ [ ] { } | ~ ^ \) are always kept, unlike in the Autoflex table this follows
// for the rest.
//
// Two scopes:
//   kTypography  only what keeps the meaning exactly: typographic quotes and
//                apostrophes (" „ “ ” « » and ' ‚ ‘ ’ ‹ › ´ `), dashes and minus
//                (‐ ‑ ‒ – — ― −) to "-", "…" to "...", no-break/thin/other spaces
//                and tab to " ", line/paragraph separators to "\n", invisible
//                formatting characters (soft hyphen, zero-width characters,
//                variation selectors, BOM) removed, and a decomposed GSM letter
//                ("a" + U+0308) composed ("ä"). Control characters are dropped.
//   kGsm         kTypography plus letters with diacritics outside the GSM table to
//                their base letter (á â ã ç ê ë í î ï ó ô õ ú û ý č š ž ł ...;
//                Hungarian ő ű to ö ü), ligatures spelled out (œ -> oe, Þ -> Th),
//                the symbols of the Autoflex table (© -> (c), ½ -> 1/2, ° -> deg,
//                ...). Whatever is then still not GSM (emoji, other scripts, stray
//                combining marks are removed as diacritics) is dropped.
// After kGsm, the text is always representable in the GSM alphabet.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kehrbote {

enum class TransliterationScope { kTypography, kGsm };

struct TextChange {
  enum class Kind {
    kReplaced,  // by an equivalent; `replacement` may be empty for invisible characters
    kDropped,   // no sensible replacement: content is lost, callers should warn
  };
  Kind kind;
  std::size_t byte_offset;  // of `original` in the UTF-8 input
  std::string original;     // UTF-8; a base letter with its combining mark when composed
  std::string replacement;  // UTF-8
};

struct Transliteration {
  std::u32string text;
  std::vector<TextChange> changes;  // in input order

  bool HasDropped() const;
};

Transliteration Transliterate(std::u32string_view text, TransliterationScope scope);

}  // namespace kehrbote
