#include "agent/source/csv_reader.h"

namespace kehrbote {

CsvReader::CsvReader(std::istream& in, char delimiter, char quote)
    : buf_(in.rdbuf()), delimiter_(delimiter), quote_(quote) {}

int CsvReader::Get() {
  int c = buf_->sbumpc();
  return c == std::char_traits<char>::eof() ? -1 : static_cast<unsigned char>(c);
}

int CsvReader::Peek() {
  int c = buf_->sgetc();
  return c == std::char_traits<char>::eof() ? -1 : static_cast<unsigned char>(c);
}

bool CsvReader::Next(std::vector<std::string>* fields, int64_t* line, std::string* error) {
  if (first_) {
    first_ = false;
    // UTF-8 byte order mark (Excel and many Windows programs write one).
    if (Peek() == 0xEF) {
      Get();
      if (Peek() == 0xBB) {
        Get();
        if (Peek() == 0xBF) Get();
      }
    }
  }
  error->clear();
  for (;;) {
    fields->clear();
    *line = line_;
    int c = Peek();
    if (c == -1) return false;
    // Skip empty lines.
    if (c == '\n') { Get(); ++line_; continue; }
    if (c == '\r') {
      Get();
      if (Peek() == '\n') Get();
      ++line_;
      continue;
    }
    std::string field;
    bool quoted = false;     // inside a quoted section
    bool was_quoted = false;
    for (;;) {
      c = Get();
      if (c == -1) {
        if (quoted) *error = "quoted field not closed before the end of the file";
        fields->push_back(std::move(field));
        return true;
      }
      if (quoted) {
        if (c == quote_) {
          if (Peek() == quote_) {
            Get();
            field.push_back(static_cast<char>(c));
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line_;
          field.push_back(static_cast<char>(c));
        }
        continue;
      }
      if (c == delimiter_) {
        fields->push_back(std::move(field));
        field.clear();
        was_quoted = false;
        continue;
      }
      if (c == '\r' || c == '\n') {
        if (c == '\r' && Peek() == '\n') Get();
        ++line_;
        fields->push_back(std::move(field));
        return true;
      }
      if (c == quote_ && field.empty() && !was_quoted) {
        quoted = was_quoted = true;
        continue;
      }
      field.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace kehrbote
