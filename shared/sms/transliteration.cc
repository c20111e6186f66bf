#include "shared/sms/transliteration.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "shared/sms/gsm_alphabet.h"
#include "shared/text/utf8.h"

namespace kehrbote {
namespace {

struct Rule {
  char32_t from;
  std::u32string_view to;
  bool typography;  // true: meaning-preserving, applied in both scopes
};

constexpr bool kT = true;   // kTypography and kGsm
constexpr bool kG = false;  // kGsm only

// Sorted by code point (checked below). Characters of the GSM alphabet never
// appear here (checked by the tests).
constexpr Rule kRules[] = {
    {U'\t', U" ", kT},
    {U'`', U"'", kT},
    {U'\u0085', U"\n", kT},    // next line (C1 control)
    {U'\u00A0', U" ", kT},     // no-break space
    {U'\u00A2', U"C/", kG},    // ¢ (Autoflex)
    {U'\u00A6', U"|", kG},     // ¦
    {U'\u00A9', U"(c)", kG},   // ©
    {U'\u00AA', U"a", kG},     // ª
    {U'\u00AB', U"\"", kT},    // «
    {U'\u00AC', U"!", kG},     // ¬ (Autoflex)
    {U'\u00AD', U"", kT},      // soft hyphen
    {U'\u00AE', U"(r)", kG},   // ®
    {U'\u00AF', U"-", kG},     // ¯
    {U'\u00B0', U"deg", kG},   // ° (Autoflex)
    {U'\u00B1', U"+-", kG},    // ±
    {U'\u00B2', U"2", kG},     // ²
    {U'\u00B3', U"3", kG},     // ³
    {U'\u00B4', U"'", kT},     // ´
    {U'\u00B5', U"u", kG},     // µ (Autoflex)
    {U'\u00B6', U"P", kG},     // ¶
    {U'\u00B7', U".", kG},     // ·
    {U'\u00B8', U",", kG},     // ¸
    {U'\u00B9', U"1", kG},     // ¹
    {U'\u00BA', U"o", kG},     // º (Autoflex has "0", a typo for the ordinal)
    {U'\u00BB', U"\"", kT},    // »
    {U'\u00BC', U"1/4", kG},   // ¼
    {U'\u00BD', U"1/2", kG},   // ½
    {U'\u00BE', U"3/4", kG},   // ¾
    {U'\u00C0', U"A", kG},     // À
    {U'\u00C1', U"A", kG},     // Á
    {U'\u00C2', U"A", kG},     // Â
    {U'\u00C3', U"A", kG},     // Ã
    {U'\u00C8', U"E", kG},     // È
    {U'\u00CA', U"E", kG},     // Ê
    {U'\u00CB', U"E", kG},     // Ë
    {U'\u00CC', U"I", kG},     // Ì
    {U'\u00CD', U"I", kG},     // Í
    {U'\u00CE', U"I", kG},     // Î
    {U'\u00CF', U"I", kG},     // Ï
    {U'\u00D0', U"D", kG},     // Ð
    {U'\u00D2', U"O", kG},     // Ò
    {U'\u00D3', U"O", kG},     // Ó
    {U'\u00D4', U"O", kG},     // Ô
    {U'\u00D5', U"O", kG},     // Õ
    {U'\u00D7', U"x", kG},     // ×
    {U'\u00D9', U"U", kG},     // Ù
    {U'\u00DA', U"U", kG},     // Ú
    {U'\u00DB', U"U", kG},     // Û
    {U'\u00DD', U"Y", kG},     // Ý
    {U'\u00DE', U"Th", kG},    // Þ
    {U'\u00E1', U"a", kG},     // á
    {U'\u00E2', U"a", kG},     // â
    {U'\u00E3', U"a", kG},     // ã
    {U'\u00E7', U"c", kG},     // ç
    {U'\u00EA', U"e", kG},     // ê
    {U'\u00EB', U"e", kG},     // ë
    {U'\u00ED', U"i", kG},     // í
    {U'\u00EE', U"i", kG},     // î
    {U'\u00EF', U"i", kG},     // ï
    {U'\u00F0', U"d", kG},     // ð
    {U'\u00F3', U"o", kG},     // ó
    {U'\u00F4', U"o", kG},     // ô
    {U'\u00F5', U"o", kG},     // õ
    {U'\u00F7', U"/", kG},     // ÷
    {U'\u00FA', U"u", kG},     // ú
    {U'\u00FB', U"u", kG},     // û
    {U'\u00FD', U"y", kG},     // ý
    {U'\u00FE', U"th", kG},    // þ
    {U'\u00FF', U"y", kG},     // ÿ
    // Latin Extended-A: names from Central and Eastern Europe.
    {U'\u0100', U"A", kG}, {U'\u0101', U"a", kG}, {U'\u0102', U"A", kG}, {U'\u0103', U"a", kG},
    {U'\u0104', U"A", kG}, {U'\u0105', U"a", kG}, {U'\u0106', U"C", kG}, {U'\u0107', U"c", kG},
    {U'\u0108', U"C", kG}, {U'\u0109', U"c", kG}, {U'\u010A', U"C", kG}, {U'\u010B', U"c", kG},
    {U'\u010C', U"C", kG}, {U'\u010D', U"c", kG}, {U'\u010E', U"D", kG}, {U'\u010F', U"d", kG},
    {U'\u0110', U"D", kG}, {U'\u0111', U"d", kG}, {U'\u0112', U"E", kG}, {U'\u0113', U"e", kG},
    {U'\u0114', U"E", kG}, {U'\u0115', U"e", kG}, {U'\u0116', U"E", kG}, {U'\u0117', U"e", kG},
    {U'\u0118', U"E", kG}, {U'\u0119', U"e", kG}, {U'\u011A', U"E", kG}, {U'\u011B', U"e", kG},
    {U'\u011C', U"G", kG}, {U'\u011D', U"g", kG}, {U'\u011E', U"G", kG}, {U'\u011F', U"g", kG},
    {U'\u0120', U"G", kG}, {U'\u0121', U"g", kG}, {U'\u0122', U"G", kG}, {U'\u0123', U"g", kG},
    {U'\u0124', U"H", kG}, {U'\u0125', U"h", kG}, {U'\u0126', U"H", kG}, {U'\u0127', U"h", kG},
    {U'\u0128', U"I", kG}, {U'\u0129', U"i", kG}, {U'\u012A', U"I", kG}, {U'\u012B', U"i", kG},
    {U'\u012C', U"I", kG}, {U'\u012D', U"i", kG}, {U'\u012E', U"I", kG}, {U'\u012F', U"i", kG},
    {U'\u0130', U"I", kG}, {U'\u0131', U"i", kG}, {U'\u0132', U"IJ", kG}, {U'\u0133', U"ij", kG},
    {U'\u0134', U"J", kG}, {U'\u0135', U"j", kG}, {U'\u0136', U"K", kG}, {U'\u0137', U"k", kG},
    {U'\u0138', U"k", kG}, {U'\u0139', U"L", kG}, {U'\u013A', U"l", kG}, {U'\u013B', U"L", kG},
    {U'\u013C', U"l", kG}, {U'\u013D', U"L", kG}, {U'\u013E', U"l", kG}, {U'\u013F', U"L", kG},
    {U'\u0140', U"l", kG}, {U'\u0141', U"L", kG}, {U'\u0142', U"l", kG}, {U'\u0143', U"N", kG},
    {U'\u0144', U"n", kG}, {U'\u0145', U"N", kG}, {U'\u0146', U"n", kG}, {U'\u0147', U"N", kG},
    {U'\u0148', U"n", kG}, {U'\u0149', U"'n", kG}, {U'\u014A', U"N", kG}, {U'\u014B', U"n", kG},
    {U'\u014C', U"O", kG}, {U'\u014D', U"o", kG}, {U'\u014E', U"O", kG}, {U'\u014F', U"o", kG},
    {U'\u0150', U"\u00D6", kG},  // Ő: Hungarian long Ö
    {U'\u0151', U"\u00F6", kG},  // ő
    {U'\u0152', U"OE", kG}, {U'\u0153', U"oe", kG}, {U'\u0154', U"R", kG}, {U'\u0155', U"r", kG},
    {U'\u0156', U"R", kG}, {U'\u0157', U"r", kG}, {U'\u0158', U"R", kG}, {U'\u0159', U"r", kG},
    {U'\u015A', U"S", kG}, {U'\u015B', U"s", kG}, {U'\u015C', U"S", kG}, {U'\u015D', U"s", kG},
    {U'\u015E', U"S", kG}, {U'\u015F', U"s", kG}, {U'\u0160', U"S", kG}, {U'\u0161', U"s", kG},
    {U'\u0162', U"T", kG}, {U'\u0163', U"t", kG}, {U'\u0164', U"T", kG}, {U'\u0165', U"t", kG},
    {U'\u0166', U"T", kG}, {U'\u0167', U"t", kG}, {U'\u0168', U"U", kG}, {U'\u0169', U"u", kG},
    {U'\u016A', U"U", kG}, {U'\u016B', U"u", kG}, {U'\u016C', U"U", kG}, {U'\u016D', U"u", kG},
    {U'\u016E', U"U", kG}, {U'\u016F', U"u", kG},
    {U'\u0170', U"\u00DC", kG},  // Ű: Hungarian long Ü
    {U'\u0171', U"\u00FC", kG},  // ű
    {U'\u0172', U"U", kG}, {U'\u0173', U"u", kG}, {U'\u0174', U"W", kG}, {U'\u0175', U"w", kG},
    {U'\u0176', U"Y", kG}, {U'\u0177', U"y", kG}, {U'\u0178', U"Y", kG}, {U'\u0179', U"Z", kG},
    {U'\u017A', U"z", kG}, {U'\u017B', U"Z", kG}, {U'\u017C', U"z", kG}, {U'\u017D', U"Z", kG},
    {U'\u017E', U"z", kG}, {U'\u017F', U"s", kG},
    // Latin Extended-B: Romanian comma-below letters.
    {U'\u0218', U"S", kG}, {U'\u0219', U"s", kG}, {U'\u021A', U"T", kG}, {U'\u021B', U"t", kG},
    {U'\u02BC', U"'", kT},     // modifier letter apostrophe
    {U'\u1E9E', U"SS", kG},    // capital sharp s
    {U'\u2000', U" ", kT}, {U'\u2001', U" ", kT}, {U'\u2002', U" ", kT}, {U'\u2003', U" ", kT},
    {U'\u2004', U" ", kT}, {U'\u2005', U" ", kT}, {U'\u2006', U" ", kT}, {U'\u2007', U" ", kT},
    {U'\u2008', U" ", kT}, {U'\u2009', U" ", kT}, {U'\u200A', U" ", kT},
    {U'\u200B', U"", kT},      // zero-width space
    {U'\u200C', U"", kT},      // zero-width non-joiner
    {U'\u200D', U"", kT},      // zero-width joiner
    {U'\u200E', U"", kT},      // left-to-right mark
    {U'\u200F', U"", kT},      // right-to-left mark
    {U'\u2010', U"-", kT},     // hyphen
    {U'\u2011', U"-", kT},     // non-breaking hyphen
    {U'\u2012', U"-", kT},     // figure dash
    {U'\u2013', U"-", kT},     // en dash
    {U'\u2014', U"-", kT},     // em dash
    {U'\u2015', U"-", kT},     // horizontal bar
    {U'\u2018', U"'", kT},     // ‘
    {U'\u2019', U"'", kT},     // ’
    {U'\u201A', U"'", kT},     // ‚
    {U'\u201B', U"'", kT},     // ‛
    {U'\u201C', U"\"", kT},    // “
    {U'\u201D', U"\"", kT},    // ”
    {U'\u201E', U"\"", kT},    // „
    {U'\u201F', U"\"", kT},    // ‟
    {U'\u2022', U"-", kG},     // bullet
    {U'\u2026', U"...", kT},   // …
    {U'\u2028', U"\n", kT},    // line separator
    {U'\u2029', U"\n", kT},    // paragraph separator
    {U'\u202F', U" ", kT},     // narrow no-break space
    {U'\u2032', U"'", kT},     // prime
    {U'\u2033', U"\"", kT},    // double prime
    {U'\u2039', U"'", kT},     // ‹
    {U'\u203A', U"'", kT},     // ›
    {U'\u2044', U"/", kG},     // fraction slash
    {U'\u205F', U" ", kT},     // medium mathematical space
    {U'\u2060', U"", kT},      // word joiner
    {U'\u2116', U"Nr.", kG},   // №
    {U'\u2122', U"(TM)", kG},  // ™
    {U'\u2190', U"<-", kG},    // ←
    {U'\u2192', U"->", kG},    // →
    {U'\u21D2', U"=>", kG},    // ⇒
    {U'\u2212', U"-", kT},     // minus sign
    {U'\u3000', U" ", kT},     // ideographic space
    {U'\uFE0E', U"", kT},      // variation selector-15 (text style)
    {U'\uFE0F', U"", kT},      // variation selector-16 (emoji style)
    {U'\uFEFF', U"", kT},      // byte order mark / zero-width no-break space
};

static_assert(std::is_sorted(std::begin(kRules), std::end(kRules),
                             [](const Rule& a, const Rule& b) { return a.from < b.from; }),
              "kRules must be sorted by code point");

const Rule* FindRule(char32_t c) {
  auto it = std::lower_bound(std::begin(kRules), std::end(kRules), c,
                             [](const Rule& r, char32_t v) { return r.from < v; });
  return it != std::end(kRules) && it->from == c ? it : nullptr;
}

// A letter of the GSM basic table written decomposed (as macOS and some web
// forms do): base letter + combining mark.
struct Composition {
  char32_t base;
  char32_t mark;
  char32_t composed;
};
constexpr Composition kCompositions[] = {
    {U'A', U'\u0308', U'\u00C4'}, {U'A', U'\u030A', U'\u00C5'},
    {U'C', U'\u0327', U'\u00C7'}, {U'E', U'\u0301', U'\u00C9'}, {U'N', U'\u0303', U'\u00D1'},
    {U'O', U'\u0308', U'\u00D6'}, {U'U', U'\u0308', U'\u00DC'}, {U'a', U'\u0300', U'\u00E0'},
    {U'a', U'\u0308', U'\u00E4'}, {U'a', U'\u030A', U'\u00E5'}, {U'e', U'\u0300', U'\u00E8'},
    {U'e', U'\u0301', U'\u00E9'}, {U'i', U'\u0300', U'\u00EC'}, {U'n', U'\u0303', U'\u00F1'},
    {U'o', U'\u0300', U'\u00F2'}, {U'o', U'\u0308', U'\u00F6'}, {U'u', U'\u0300', U'\u00F9'},
    {U'u', U'\u0308', U'\u00FC'},
};

char32_t Compose(char32_t base, char32_t mark) {
  for (const Composition& c : kCompositions) {
    if (c.base == base && c.mark == mark) return c.composed;
  }
  return 0;
}

bool IsCombiningMark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

// C0 and C1 controls; those with a GSM code (LF, CR, FF) or a rule (tab, NEL) are
// handled before this is asked.
bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

std::size_t Utf8Length(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

}  // namespace

bool Transliteration::HasDropped() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const TextChange& c) { return c.kind == TextChange::Kind::kDropped; });
}

Transliteration Transliterate(std::u32string_view text, TransliterationScope scope) {
  const bool gsm = scope == TransliterationScope::kGsm;
  Transliteration out;
  out.text.reserve(text.size());
  std::size_t offset = 0;  // UTF-8 byte offset of text[i]
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    const std::size_t here = offset;
    offset += Utf8Length(c);
    auto report = [&](TextChange::Kind kind, std::u32string_view original,
                      std::u32string_view replacement) {
      out.changes.push_back({kind, here, EncodeUtf8(original), EncodeUtf8(replacement)});
    };

    if (i + 1 < text.size() && IsCombiningMark(text[i + 1])) {
      if (char32_t composed = Compose(c, text[i + 1])) {
        out.text.push_back(composed);
        report(TextChange::Kind::kReplaced, text.substr(i, 2), std::u32string_view(&composed, 1));
        offset += Utf8Length(text[i + 1]);
        ++i;
        continue;
      }
    }
    if (IsGsmCharacter(c)) {
      out.text.push_back(c);
    } else if (const Rule* rule = FindRule(c); rule && (gsm || rule->typography)) {
      out.text.append(rule->to);
      report(TextChange::Kind::kReplaced, text.substr(i, 1), rule->to);
    } else if (IsControl(c)) {
      report(TextChange::Kind::kDropped, text.substr(i, 1), U"");
    } else if (!gsm) {
      out.text.push_back(c);
    } else if (IsCombiningMark(c)) {
      // A diacritic on a letter outside the GSM table: the base letter stays.
      report(TextChange::Kind::kReplaced, text.substr(i, 1), U"");
    } else {
      report(TextChange::Kind::kDropped, text.substr(i, 1), U"");
    }
  }
  assert(!gsm || IsGsmText(out.text));
  return out;
}

}  // namespace kehrbote
