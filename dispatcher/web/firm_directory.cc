#include "dispatcher/web/firm_directory.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "dispatcher/store/record_values.h"

namespace kehrbote {

FirmDirectory::FirmDirectory(const DispatcherConfig& config, Database& db) {
  for (const FirmConfig& f : config.firms) {
    FirmInfo info;
    info.id = f.id();
    info.name = f.policy.firm_name.empty() ? f.id() : f.policy.firm_name;
    info.zone = f.policy.timezone;
    info.country = f.policy.country;
    info.quota_sms_per_month = f.quota_sms_per_month;
    firms_[info.id] = info;
  }
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
