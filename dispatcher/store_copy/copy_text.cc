#include "dispatcher/store_copy/copy_text.h"

namespace kehrbote {

void AppendCopyField(std::string& line, bool first, std::string_view value) {
  if (!first) line += '\t';
  for (char c : value) {
    switch (c) {
      case '\\':
        line += "\\\\";
        break;
      case '\t':
        line += "\\t";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      default:
        line += c;
    }
  }
}

void AppendCopyNull(std::string& line, bool first) {
  if (!first) line += '\t';
  line += "\\N";
}

}  // namespace kehrbote
