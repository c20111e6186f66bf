// The text format of PostgreSQL's COPY FROM STDIN, as the store copy writes
// it: one line per row, fields separated by a tab, NULL as \N, and a
// backslash, tab, newline or carriage return inside a value escaped
// (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format").
#pragma once

#include <string>
#include <string_view>

namespace kehrbote {

// Appends `value` to `line`, escaped; a tab before it unless it is the first field.
void AppendCopyField(std::string& line, bool first, std::string_view value);
// Appends NULL (\N), likewise.
void AppendCopyNull(std::string& line, bool first);

}  // namespace kehrbote
