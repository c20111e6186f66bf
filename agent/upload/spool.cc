#include "agent/upload/spool.h"

#include <date/date.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace kehrbote {
namespace {

constexpr std::string_view kPrefix = "export-";
constexpr std::string_view kSuffix = ".json";
constexpr size_t kStampLength = 16;  // yyyymmddThhmmssZ

bool ValidFirmId(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string FormatStamp(Instant t) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<std::chrono::seconds> hms(t - day);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<Instant> ParseStamp(std::string_view s) {
  if (s.size() != kStampLength || s[8] != 'T' || s[15] != 'Z' || !AllDigits(s.substr(0, 8)) ||
      !AllDigits(s.substr(9, 6)))
    return std::nullopt;
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(s.substr(pos, len))); };
  // Out-of-range fields carry over as timegm(3) did: month 13 is January of the next
  // year, day 32 the first of the next month, hour 24 the next day, month and day 00
  // the one before.
  const int month0 = num(4, 2) - 1;  // -1..98
  const int year = num(0, 4) + (month0 < 0 ? -1 : month0 / 12);
  const unsigned month = static_cast<unsigned>((month0 + 12) % 12 + 1);
  const date::year_month_day first{date::year{year}, date::month{month}, date::day{1}};
  return Instant(date::sys_days{first} + date::days{num(6, 2) - 1} + std::chrono::hours{num(9, 2)} +
                 std::chrono::minutes{num(11, 2)} + std::chrono::seconds{num(13, 2)});
}

// "export-<firm>-<stamp>-<seq>.json"; the firm id may contain '-', so parse from
// the right.
std::optional<SpooledExport> ParseName(const std::string& dir, const std::string& name) {
  std::string_view n(name);
  if (!n.starts_with(kPrefix) || !n.ends_with(kSuffix)) return std::nullopt;
  n.remove_prefix(kPrefix.size());
  n.remove_suffix(kSuffix.size());
  size_t dash = n.rfind('-');
  if (dash == std::string_view::npos || !AllDigits(n.substr(dash + 1)) ||
      n.size() - dash - 1 > 6)
    return std::nullopt;
  int seq = std::stoi(std::string(n.substr(dash + 1)));
  n = n.substr(0, dash);
  if (n.size() < kStampLength + 2 || n[n.size() - kStampLength - 1] != '-') return std::nullopt;
  std::optional<Instant> t = ParseStamp(n.substr(n.size() - kStampLength));
  std::string_view firm = n.substr(0, n.size() - kStampLength - 1);
  if (!t || !ValidFirmId(firm)) return std::nullopt;
  return SpooledExport{JoinPath(dir, name), name, std::string(firm), *t, seq};
}

}  // namespace

Spool::Spool(std::string dir, const Clock& clock, std::chrono::seconds retention, Env& env)
    : dir_(std::move(dir)), clock_(clock), retention_(retention), env_(env) {
  env_.CreatePrivateDirectory(dir_);
}

std::string Spool::Stem(const std::string& firm_id, Instant t) {
  return std::string(kPrefix) + firm_id + "-" + FormatStamp(t);
}

SpooledExport Spool::Reserve(const std::string& firm_id) const {
  if (!ValidFirmId(firm_id)) {
    throw std::invalid_argument("spool " + dir_ + ": firm id \"" + firm_id +
                                "\" is not of the form [a-z0-9-]+");
  }
  Instant now = clock_.Now();
  int seq = 1;
  for (const SpooledExport& e : Pending()) {
    if (e.firm_id == firm_id && e.spooled_at == now) seq = std::max(seq, e.seq + 1);
  }
  std::string name = Stem(firm_id, now) + "-" + std::to_string(seq) + std::string(kSuffix);
  return SpooledExport{JoinPath(dir_, name), name, firm_id, now, seq};
}

SpooledExport Spool::Add(const std::string& export_file, const std::string& firm_id) {
  SpooledExport e = Reserve(firm_id);
  std::ifstream in(export_file, std::ios::binary);
  if (!in) throw EnvError("spool: cannot open export file '" + export_file + "'");
  const std::string tmp = e.path + ".tmp";
  try {
    std::unique_ptr<WritableFile> out = env_.NewPrivateFile(tmp);
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (in.gcount() > 0) out->Append(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
    }
    if (in.bad()) throw EnvError("spool: reading export file '" + export_file + "' failed");
    out->Sync();
    out->Close();
    env_.RenameFile(tmp, e.path);
  } catch (...) {
    try {
      if (env_.FileExists(tmp)) env_.RemoveFile(tmp);
    } catch (const EnvError&) {
    }
    throw;
  }
  return e;
}

SpooledExport Spool::AddContent(std::string_view content, const std::string& firm_id) {
  SpooledExport e = Reserve(firm_id);
  env_.WritePrivateFileAtomically(e.path, content);
  return e;
}

std::vector<SpooledExport> Spool::Pending() const {
  std::vector<SpooledExport> out;
  for (const std::string& name : env_.ListFiles(dir_)) {
    if (auto e = ParseName(dir_, name)) out.push_back(std::move(*e));
  }
  std::sort(out.begin(), out.end(), [](const SpooledExport& a, const SpooledExport& b) {
    if (a.spooled_at != b.spooled_at) return a.spooled_at > b.spooled_at;
    if (a.seq != b.seq) return a.seq > b.seq;
    return a.name < b.name;
  });
  return out;
}

void Spool::Remove(const SpooledExport& e) { env_.RemoveFile(e.path); }

std::vector<std::string> Spool::Prune() {
  std::vector<std::string> removed;
  Instant cutoff = clock_.Now() - retention_;
  for (const SpooledExport& e : Pending()) {
    if (e.spooled_at < cutoff) {
      env_.RemoveFile(e.path);
      removed.push_back(e.name);
    }
  }
  return removed;
}

}  // namespace kehrbote
