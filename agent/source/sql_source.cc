#include "agent/source/sql_source.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <regex>

#include <Poco/Data/Column.h>
#include <Poco/Data/Date.h>
#include <Poco/Data/MetaColumn.h>
#ifndef KEHRBOTE_NO_ODBC
#include <Poco/Data/ODBC/Connector.h>
#endif
#ifndef KEHRBOTE_NO_POSTGRESQL
#include <Poco/Data/PostgreSQL/Connector.h>
#endif
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Data/Time.h>
#include <Poco/DateTime.h>
#include <Poco/Exception.h>
#include <date/date.h>

namespace kehrbote {
namespace {

using Poco::Data::MetaColumn;
using namespace Poco::Data::Keywords;

void RegisterConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
#ifndef KEHRBOTE_NO_POSTGRESQL
    Poco::Data::PostgreSQL::Connector::registerConnector();
#endif
#ifndef KEHRBOTE_NO_ODBC
    Poco::Data::ODBC::Connector::registerConnector();
#endif
  });
}

std::string ConnectorKey(SourceType t) {
  switch (t) {
    case SourceType::kSqlite: return Poco::Data::SQLite::Connector::KEY;
    case SourceType::kPostgresql:
#ifndef KEHRBOTE_NO_POSTGRESQL
      return Poco::Data::PostgreSQL::Connector::KEY;
#else
      // The Windows agent has no libpq; PostgreSQL is reached there through its ODBC
      // driver (psqlODBC), like every other office database.
      throw SourceError("postgresql: this build of kehrbote-agent reaches PostgreSQL through "
                        "ODBC only (type: odbc, with the psqlODBC driver)");
#endif
    case SourceType::kOdbc:
#ifndef KEHRBOTE_NO_ODBC
      return Poco::Data::ODBC::Connector::KEY;
#else
      throw SourceError("odbc: this build of kehrbote-agent has no ODBC support");
#endif
    default: throw SourceError("not a SQL source");
  }
}

std::chrono::year_month_day Ymd(LocalTime t) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(t));
}

}  // namespace

std::string RewriteDayPlaceholders(const std::string& sql, bool dollar, std::vector<bool>* order) {
  std::string out;
  out.reserve(sql.size());
  order->clear();
  char in_quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (in_quote) {
      if (c == in_quote) in_quote = 0;
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      in_quote = c;
      out.push_back(c);
      continue;
    }
    // "::" is a PostgreSQL cast ("x::date"), not a placeholder.
    if (c == ':' && (i == 0 || sql[i - 1] != ':')) {
      for (const auto& [name, last] : {std::pair{"first_day", false}, std::pair{"last_day", true}}) {
        size_t n = std::char_traits<char>::length(name);
        if (sql.compare(i + 1, n, name) == 0 &&
            (i + 1 + n >= sql.size() ||
             !(std::isalnum(static_cast<unsigned char>(sql[i + 1 + n])) || sql[i + 1 + n] == '_'))) {
          order->push_back(last);
          out += dollar ? "$" + std::to_string(order->size()) : "?";
          i += n;
          c = 0;
          break;
        }
      }
      if (c == 0) continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string MaskConnectionString(const std::string& connection) {
  static const std::regex re(R"(((?:password|pwd)\s*=\s*)('[^']*'|\{[^}]*\}|[^;\s]*))",
                             std::regex::icase);
  return std::regex_replace(connection, re, "$1***");
}

struct SqlSource::ColumnAccess {
  const Poco::Data::Column<std::deque<std::string>>* text = nullptr;
  const Poco::Data::Column<std::deque<Poco::Int64>>* int64 = nullptr;
  const Poco::Data::Column<std::deque<Poco::Int32>>* int32 = nullptr;
};

SqlSource::SqlSource(const SourceConfig& config, LocalTime first_day, LocalTime last_day)
    : config_(config), first_day_(first_day), last_day_(last_day) {
  RegisterConnectors();
  try {
    session_ = std::make_unique<Poco::Data::Session>(ConnectorKey(config_.type),
                                                     config_.sql.connection);
  } catch (const Poco::Exception& e) {
    Fail("cannot connect", e.displayText());
  }
  std::vector<bool> order;
  std::string sql = RewriteDayPlaceholders(
      config_.sql.query, config_.type == SourceType::kPostgresql, &order);
  try {
    statement_ = std::make_unique<Poco::Data::Statement>(*session_);
    *statement_ << sql;
    for (bool last : order) {
      LocalTime day = last ? last_day_ : first_day_;
      if (config_.sql.bind_as_text) {
        *statement_, bind(FormatLocalDate(day));
      } else {
        auto ymd = Ymd(day);
        *statement_, bind(Poco::Data::Date(static_cast<int>(ymd.year()),
                                           static_cast<int>(static_cast<unsigned>(ymd.month())),
                                           static_cast<int>(static_cast<unsigned>(ymd.day()))));
      }
    }
    *statement_, limit(kBatchRows);
  } catch (const Poco::Exception& e) {
    Fail("cannot prepare the query", e.displayText());
  }
  if (!FetchBatch() && !batch_) Fail("query returned no result", "");
}

SqlSource::~SqlSource() = default;

std::string SqlSource::Describe() const {
  return std::string(ToString(config_.type)) + " " + MaskConnectionString(config_.sql.connection);
}

void SqlSource::Fail(const std::string& what, const std::string& reason) const {
  throw SourceError(Describe() + ": " + what + (reason.empty() ? "" : ": " + reason));
}

bool SqlSource::FetchBatch() {
  if (exhausted_) return false;
  try {
    if (statement_->done() && batch_) {
      exhausted_ = true;
      return false;
    }
    statement_->execute();
    batch_ = std::make_unique<Poco::Data::RecordSet>(*statement_);
    batch_rows_ = batch_->rowCount();
    batch_pos_ = 0;
    if (!mapper_) {
      std::vector<std::string> names;
      for (size_t i = 0; i < batch_->columnCount(); ++i) names.push_back(batch_->columnName(i));
      mapper_ = std::make_unique<RowMapper>(config_.columns, names, false, first_day_, last_day_,
                                            Describe());
      cells_.resize(std::min(mapper_->width(), batch_->columnCount()));
    }
    access_.assign(cells_.size(), ColumnAccess{});
    for (size_t col = 0; col < cells_.size(); ++col) {
      switch (batch_->columnType(col)) {
        case MetaColumn::FDT_STRING:
          try {
            access_[col].text = &batch_->column<std::deque<std::string>>(col);
          } catch (const Poco::BadCastException&) {
          }
          break;
        case MetaColumn::FDT_INT64:
          try {
            access_[col].int64 = &batch_->column<std::deque<Poco::Int64>>(col);
          } catch (const Poco::BadCastException&) {
          }
          break;
        case MetaColumn::FDT_INT32:
          try {
            access_[col].int32 = &batch_->column<std::deque<Poco::Int32>>(col);
          } catch (const Poco::BadCastException&) {
          }
          break;
        default:
          break;
      }
    }
  } catch (const SourceError&) {
    throw;
  } catch (const Poco::Exception& e) {
    Fail("query failed", e.displayText());
  }
  if (batch_rows_ == 0 && statement_->done()) exhausted_ = true;
  return batch_rows_ > 0;
}

bool SqlSource::Next(Appointment* out) {
  for (;;) {
    while (batch_pos_ >= batch_rows_) {
      if (!FetchBatch()) return false;
    }
    size_t row = batch_pos_++;
    ++report_.rows_read;
    try {
      for (size_t col = 0; col < cells_.size(); ++col) {
        Cell& cell = cells_[col];
        if (batch_->isNull(col, row)) {
          cell.SetNull();
          continue;
        }
        const ColumnAccess& acc = access_[col];
        if (acc.text) {
          cell.SetTextRef(acc.text->value(row));  // valid for this batch
          continue;
        }
        if (acc.int64 || acc.int32) {
          cell.SetText(std::to_string(acc.int64 ? acc.int64->value(row) : acc.int32->value(row)));
          continue;
        }
        Poco::Dynamic::Var v = batch_->value(col, row);
        if (v.type() == typeid(std::string)) {
          cell.SetText(v.extract<std::string>());
        } else if (v.type() == typeid(Poco::Data::Date)) {
          const auto& d = v.extract<Poco::Data::Date>();
          cell.type = Cell::Type::kDate;
          cell.datetime = LocalTime(std::chrono::local_days(std::chrono::year(d.year()) / d.month() / d.day()));
        } else if (v.type() == typeid(Poco::DateTime)) {
          const auto& d = v.extract<Poco::DateTime>();
          cell.type = Cell::Type::kDateTime;
          cell.datetime = LocalTime(std::chrono::local_days(std::chrono::year(d.year()) / d.month() / d.day())) +
                          std::chrono::hours(d.hour()) + std::chrono::minutes(d.minute()) +
                          std::chrono::seconds(d.second());
        } else if (v.type() == typeid(Poco::Data::Time)) {
          const auto& t = v.extract<Poco::Data::Time>();
          cell.type = Cell::Type::kTime;
          cell.time = std::chrono::hours(t.hour()) + std::chrono::minutes(t.minute());
        } else {
          cell.SetText(v.convert<std::string>());
        }
      }
    } catch (const Poco::Exception& e) {
      report_.skipped.push_back({"row " + std::to_string(report_.rows_read), "",
                                 "unreadable value: " + e.displayText()});
      continue;
    }
    std::string where = "row " + std::to_string(report_.rows_read);
    if (mapper_->Map(cells_, where, out, &report_) == RowMapper::Result::kAppointment) {
      where_ = std::move(where);
      return true;
    }
  }
}

}  // namespace kehrbote
