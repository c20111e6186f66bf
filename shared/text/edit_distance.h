// Levenshtein distance, for "did you mean" hints on unknown config keys and
// template placeholders.
#pragma once

#include <cstddef>
#include <string_view>

namespace kehrbote {

// Insertions, deletions and substitutions (of bytes) to turn `a` into `b`.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace kehrbote
