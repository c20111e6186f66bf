#include "dispatcher/web/firm_directory.h"

namespace kehrbote {
namespace {

// The firms row `q` stands on: "SELECT id, name, timezone, country"; empty
// fields keep FirmInfo's defaults (the id for the name).
FirmInfo ReadFirm(const SqlStatement& q) {
  FirmInfo info;
  info.id = q.Text(0);
  info.name = q.TextView(1).empty() ? info.id : q.Text(1);
  if (!q.TextView(2).empty()) info.zone = q.Text(2);
  if (!q.TextView(3).empty()) info.country = q.Text(3);
  return info;
}

}  // namespace

std::vector<FirmInfo> ConfiguredFirms(const DispatcherConfig& config) {
  std::vector<FirmInfo> out;
  for (const FirmConfig& f : config.firms) {
    FirmInfo info;
    info.id = f.id();
    info.name = f.policy.firm_name.empty() ? f.id() : f.policy.firm_name;
    info.zone = f.policy.timezone;
    info.country = f.policy.country;
    info.quota_sms_per_month = f.quota_sms_per_month;
    out.push_back(info);
  }
  return out;
}

FirmDirectory::FirmDirectory(const std::vector<FirmInfo>& configured, Database& db) {
  for (const FirmInfo& f : configured) firms_[f.id] = f;
  PooledConnection c = db.Connect();
  SqlStatement q(*c, "SELECT id, name, timezone, country FROM firms");
  while (q.Step()) {
    FirmInfo info = ReadFirm(q);
    if (!firms_.count(info.id)) firms_[info.id] = std::move(info);
  }
}

}  // namespace kehrbote
