#include "dispatcher/web/firm_directory.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "dispatcher/store/record_values.h"

namespace kehrbote {

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
  Poco::Data::Session s = db.GetSession();
  Poco::Data::Statement st(s);
  st << "SELECT id, name, timezone, country FROM firms";
  st.execute();
  Poco::Data::RecordSet rs(st);
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    std::string id = StringAt(rs, 0, r);
    if (firms_.count(id)) continue;
    FirmInfo info;
    info.id = id;
    info.name = StringAt(rs, 1, r).empty() ? id : StringAt(rs, 1, r);
    if (!StringAt(rs, 2, r).empty()) info.zone = StringAt(rs, 2, r);
    if (!StringAt(rs, 3, r).empty()) info.country = StringAt(rs, 3, r);
    firms_[id] = info;
  }
}

}  // namespace kehrbote
