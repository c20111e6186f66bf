#include "agent/source/csv_source.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <Poco/Glob.h>
#include <Poco/Latin9Encoding.h>
#include <Poco/TextConverter.h>
#include <Poco/UTF8Encoding.h>
#include <Poco/Windows1252Encoding.h>

namespace kehrbote {
namespace {

bool HasWildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

}  // namespace

CsvSource::CsvSource(const SourceConfig& config, LocalTime first_day, LocalTime last_day)
    : config_(config), first_day_(first_day), last_day_(last_day) {
  const std::string& path = config_.csv.path;
  if (HasWildcard(path)) {
    std::set<std::string> found;
    Poco::Glob::glob(path, found, Poco::Glob::GLOB_DOT_SPECIAL);
    for (const auto& f : found) {
      if (std::filesystem::is_regular_file(f)) files_.push_back(f);
    }
    if (files_.empty()) throw SourceError("csv " + path + ": no file matches");
  } else {
    files_.push_back(path);
  }
  switch (config_.csv.encoding) {
    case TextEncoding::kWindows1252: from_ = std::make_unique<Poco::Windows1252Encoding>(); break;
    case TextEncoding::kIso885915: from_ = std::make_unique<Poco::Latin9Encoding>(); break;
    default: from_ = std::make_unique<Poco::UTF8Encoding>(); break;
  }
  to_ = std::make_unique<Poco::UTF8Encoding>();
  converter_ = std::make_unique<Poco::TextConverter>(*from_, *to_);
  if (!OpenNextFile()) throw SourceError("csv " + path + ": no file to read");
}

CsvSource::~CsvSource() = default;

std::string CsvSource::Describe() const { return "csv " + config_.csv.path; }

bool CsvSource::Decode(const std::string& raw, std::string* out) {
  out->clear();
  bool ascii = true;
  for (char c : raw) {
    if (static_cast<unsigned char>(c) >= 0x80) { ascii = false; break; }
  }
  if (ascii) {
    *out = raw;
    return true;
  }
  int errors = converter_->convert(raw.data(), static_cast<int>(raw.size()), *out);
  return errors == 0;
}

bool CsvSource::OpenNextFile() {
  if (next_file_ >= files_.size()) return false;
  const std::string& file = files_[next_file_++];
  file_name_ = std::filesystem::path(file).filename().string();
  in_ = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*in_) {
    throw SourceError("csv " + file + ": cannot open: " + std::strerror(errno));
  }
  reader_ = std::make_unique<CsvReader>(*in_, config_.csv.delimiter, config_.csv.quote);
  std::vector<std::string> names;
  if (config_.csv.header) {
    int64_t line = 0;
    std::string error;
    if (!reader_->Next(&raw_, &line, &error)) {
      throw SourceError("csv " + file + ": empty file (expected a header row)");
    }
    for (const auto& r : raw_) {
      std::string name;
      if (!Decode(r, &name)) {
        throw SourceError("csv " + file + ": header is not valid text in the configured encoding");
      }
      names.push_back(std::move(name));
    }
  }
  // One mapper for all files of a glob, so that duplicate ids across files are found;
  // every file must therefore have the same header.
  if (!mapper_) {
    header_ = names;
    mapper_ = std::make_unique<RowMapper>(config_.columns, names, !config_.csv.header,
                                          first_day_, last_day_, "csv " + file);
  } else if (names != header_) {
    throw SourceError("csv " + file + ": header differs from that of " + files_.front());
  }
  return true;
}

bool CsvSource::Next(Appointment* out) {
  for (;;) {
    int64_t line = 0;
    std::string error;
    if (!reader_->Next(&raw_, &line, &error)) {
      if (in_->bad()) throw SourceError("csv " + files_[next_file_ - 1] + ": read error");
      if (!OpenNextFile()) return false;
      continue;
    }
    ++report_.rows_read;
    std::string where = file_name_ + ":" + std::to_string(line);
    if (!error.empty()) {
      report_.skipped.push_back({where, "", error});
      continue;
    }
    cells_.resize(raw_.size());
    bool bad = false;
    for (size_t i = 0; i < raw_.size(); ++i) {
      if (!Decode(raw_[i], &cells_[i].storage)) {
        bad = true;
        break;
      }
      cells_[i].SetOwnedText();
    }
    if (bad) {
      report_.skipped.push_back(
          {where, "", "not valid text in the configured encoding (source.encoding)"});
      continue;
    }
    if (mapper_->Map(cells_, where, out, &report_) == RowMapper::Result::kAppointment) {
      where_ = std::move(where);
      return true;
    }
  }
}

}  // namespace kehrbote
