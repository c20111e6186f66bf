// CsvReader: splits a CSV byte stream into records (RFC 4180 and what office
// software writes): a configurable delimiter and quote character, quoted fields
// with embedded delimiters, doubled quotes ("" for ") and line breaks, CRLF or LF
// line ends, a UTF-8 byte order mark at the start skipped. Fields are returned as
// raw bytes; the caller converts the encoding (delimiter and quote are ASCII, so
// splitting before decoding is right for UTF-8, Windows-1252 and ISO-8859-15).
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace kehrbote {

class CsvReader {
 public:
  CsvReader(std::istream& in, char delimiter, char quote);

  // Reads the next non-empty record. Returns false at the end of the input.
  // `line` is the 1-based line on which the record starts. A quoted field still
  // open at the end of the input yields the record with `error` set.
  bool Next(std::vector<std::string>* fields, int64_t* line, std::string* error);

 private:
  int Get();   // next byte or -1
  int Peek();

  std::streambuf* buf_;
  char delimiter_, quote_;
  int64_t line_ = 1;
  bool first_ = true;
};

}  // namespace kehrbote
