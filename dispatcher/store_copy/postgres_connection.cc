#include "dispatcher/store_copy/postgres_connection.h"

#include <libpq-fe.h>

#include <memory>
#include <regex>

namespace kehrbote {
namespace {

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

std::string Field(const PGresult* r, int code) {
  const char* v = r ? PQresultErrorField(r, code) : nullptr;
  return v ? v : "";
}

// "COPY messages, line 17, column recipient: ..." -> 17.
int64_t CopyLine(const std::string& context) {
  static const std::regex line(R"(COPY [^,]+, line (\d+))");
  std::smatch m;
  if (!std::regex_search(context, m, line)) return 0;
  return std::stoll(m[1].str());
}

}  // namespace

std::string MaskQuotedValues(std::string_view message,
                             const std::set<std::string, std::less<>>& known) {
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    const size_t open = message.find('"', pos);
    const size_t close = open == std::string_view::npos ? open : message.find('"', open + 1);
    if (close == std::string_view::npos) {
      out.append(message.substr(pos));
      break;
    }
    const std::string_view word = message.substr(open + 1, close - open - 1);
    out.append(message.substr(pos, open - pos));
    out += '"';
    out.append(known.count(word) ? word : "***");
    out += '"';
    pos = close + 1;
  }
  return out;
}

PostgresConnection::PostgresConnection(const std::string& conninfo, std::string description)
    : conn_(PQconnectdb(conninfo.c_str())), description_(std::move(description)) {
  if (!conn_) throw DatabaseError("cannot connect to '" + description_ + "': out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // libpq's connection errors name host and port, never the password.
    std::string why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw DatabaseError("cannot connect to '" + description_ + "': " + why);
  }
  Exec("SET client_min_messages TO WARNING");
  Exec("SET client_encoding TO 'UTF8'");  // SQLite's text is UTF-8
}

PostgresConnection::~PostgresConnection() {
  if (conn_) PQfinish(conn_);
}

std::vector<PostgresConnection::Row> PostgresConnection::Query(
    const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Fail(sql, r.get());
  std::vector<Row> rows(PQntuples(r.get()));
  const int columns = PQnfields(r.get());
  for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r.get(), i, c)) {
        rows[i].emplace_back();
      } else {
        rows[i].emplace_back(std::string(PQgetvalue(r.get(), i, c), PQgetlength(r.get(), i, c)));
      }
    }
  }
  return rows;
}

int64_t PostgresConnection::CopyIn(const std::string& copy_sql, std::string_view data) {
  Result start(PQexec(conn_, copy_sql.c_str()));
  if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) Fail(copy_sql, start.get());
  // A blocking connection: PQputCopyData returns 1 or -1, never 0.
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
      PQputCopyEnd(conn_, nullptr) != 1)
    Fail(copy_sql, nullptr);
  Result end(PQgetResult(conn_));
  for (Result more(PQgetResult(conn_)); more; more.reset(PQgetResult(conn_))) {
  }
  if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) Fail(copy_sql, end.get());
  return std::stoll(PQcmdTuples(end.get()));
}

void PostgresConnection::Fail(const std::string& what, const PGresult* r) const {
  std::string primary = Field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) {
    primary = PQerrorMessage(conn_);
    while (!primary.empty() && primary.back() == '\n') primary.pop_back();
  }
  // The names the server reports apart are the schema's, never a row's values.
  std::set<std::string, std::less<>> known = known_;
  for (int code :
       {PG_DIAG_TABLE_NAME, PG_DIAG_COLUMN_NAME, PG_DIAG_CONSTRAINT_NAME, PG_DIAG_DATATYPE_NAME})
    if (std::string name = Field(r, code); !name.empty()) known.insert(name);
  std::string message = MaskQuotedValues(primary, known);
  const std::string sqlstate = Field(r, PG_DIAG_SQLSTATE);
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  std::string statement = what.substr(0, what.find('('));  // "COPY messages"
  while (!statement.empty() && statement.back() == ' ') statement.pop_back();
  throw PostgresError("'" + description_ + "': " + statement + ": " + message, sqlstate,
                      CopyLine(Field(r, PG_DIAG_CONTEXT)));
}

}  // namespace kehrbote
