#include "dispatcher/store/postgres_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
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

int64_t ParseInt(const char* text) {
  if (text[0] == 't' && text[1] == 0) return 1;  // a boolean column
  if (text[0] == 'f' && text[1] == 0) return 0;
  return std::strtoll(text, nullptr, 10);
}

class PostgresPrepared : public PreparedStatement {
 public:
  PostgresPrepared(PostgresConnection& c, const std::string& sql, std::string name)
      : c_(c), sql_(sql), name_(std::move(name)) {
    int count = 0;
    const std::string numbered = NumberPlaceholders(sql, &count);
    values_.resize(count);
    null_.assign(count, true);
    if (c_.in_batch()) c_.Drain(true);  // PQprepare cannot run in pipeline mode
    Result r(PQprepare(c_.handle(), name_.c_str(), numbered.c_str(), count, nullptr));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) c_.Fail(sql_, r.get());
  }

  void BindText(int pos, std::string_view text) override {
    Slot(pos).assign(text.data(), text.size());
    null_[pos - 1] = false;
  }
  void BindInt(int pos, int64_t value) override {
    Slot(pos) = std::to_string(value);
    null_[pos - 1] = false;
  }
  void BindNull(int pos) override {
    Slot(pos).clear();
    null_[pos - 1] = true;
  }

  bool Step() override {
    if (!result_) {
      Execute(PGRES_TUPLES_OK);
      row_ = -1;
    }
    if (++row_ < PQntuples(result_.get())) return true;
    result_.reset();
    return false;
  }
  int64_t Run() override {
    if (c_.in_batch()) {
      Params();
      c_.Queue(name_, sql_, static_cast<int>(values_.size()), pointers_.data(), lengths_.data());
      return 0;
    }
    Execute(PGRES_COMMAND_OK);
    const int64_t changed = std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
    result_.reset();
    return changed;
  }

  int64_t Int(int col) const override {
    return Null(col) ? 0 : ParseInt(PQgetvalue(result_.get(), row_, col));
  }
  double Real(int col) const override {
    return Null(col) ? 0 : std::strtod(PQgetvalue(result_.get(), row_, col), nullptr);
  }
  std::string_view TextView(int col) const override {
    if (Null(col)) return {};
    return std::string_view(PQgetvalue(result_.get(), row_, col),
                            static_cast<size_t>(PQgetlength(result_.get(), row_, col)));
  }
  bool IsNull(int col) const override { return Null(col); }
  int Columns() const override { return result_ ? PQnfields(result_.get()) : 0; }
  void Reset() override {
    result_.reset();
    null_.assign(null_.size(), true);
  }

 private:
  std::string& Slot(int pos) {
    if (pos < 1 || pos > static_cast<int>(values_.size()))
      throw DatabaseError("postgresql bind: position " + std::to_string(pos) + " of " +
                          std::to_string(values_.size()) + " (in: " + sql_ + ")");
    return values_[pos - 1];
  }
  bool Null(int col) const {
    if (!result_ || row_ < 0 || row_ >= PQntuples(result_.get()) || col < 0 ||
        col >= PQnfields(result_.get()))
      throw DatabaseError("postgresql: no column " + std::to_string(col) + " here (in: " + sql_ +
                          ")");
    return PQgetisnull(result_.get(), row_, col);
  }
  void Params() {
    pointers_.resize(values_.size());
    lengths_.resize(values_.size());
    for (size_t i = 0; i < values_.size(); ++i) {
      pointers_[i] = null_[i] ? nullptr : values_[i].c_str();
      lengths_[i] = static_cast<int>(values_[i].size());
    }
  }
  // Runs the statement synchronously (after whatever the batch has queued).
  void Execute(ExecStatusType want) {
    if (c_.in_batch()) c_.Drain(true);
    Params();
    result_.reset(PQexecPrepared(c_.handle(), name_.c_str(), static_cast<int>(values_.size()),
                                 pointers_.data(), lengths_.data(), nullptr, 0));
    const ExecStatusType got = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
    if (got == PGRES_TUPLES_OK || got == PGRES_COMMAND_OK) return;
    (void)want;
    Result failed(result_.release());
    c_.Fail(sql_, failed.get());
  }

  PostgresConnection& c_;
  std::string sql_;
  std::string name_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  Result result_;
  int row_ = -1;
};

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
  if (in_batch_) Drain(true);
  std::vector<const char*> values;
  values.reserve(params.size());
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
  if (in_batch_) Drain(true);
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

bool PostgresConnection::Reusable() const {
  return !in_batch_ && PQstatus(conn_) == CONNECTION_OK &&
         PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

void PostgresConnection::Execute(std::string_view sql) {
  if (in_batch_) Drain(true);
  const std::string text(sql);
  Result r(PQexec(conn_, text.c_str()));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Fail(text, r.get());
}

std::unique_ptr<PreparedStatement> PostgresConnection::Take(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end())
    return std::make_unique<PostgresPrepared>(*this, sql, "k" + std::to_string(++next_name_));
  std::unique_ptr<PreparedStatement> st = std::move(it->second);
  cache_.erase(it);
  return st;
}

void PostgresConnection::Give(const std::string& sql, std::unique_ptr<PreparedStatement> st) {
  // The server keeps a dropped statement prepared until the connection ends;
  // SQL built per call (IN lists) is rare and its count bounded per pass.
  if (cache_.size() < kCachedStatements) cache_.emplace(sql, std::move(st));
}

void PostgresConnection::BeginBatch() {
  if (in_batch_) throw DatabaseError("'" + description_ + "': batch already open");
  in_batch_ = true;
  batch_changed_ = 0;
}

int64_t PostgresConnection::EndBatch() {
  if (!in_batch_) return 0;
  try {
    Drain(true);
  } catch (...) {
    in_batch_ = false;
    throw;
  }
  in_batch_ = false;
  return batch_changed_;
}

void PostgresConnection::Queue(const std::string& name, const std::string& sql, int count,
                               const char* const* values, const int* lengths) {
  if (!pipeline_) {
    if (PQenterPipelineMode(conn_) != 1) Fail("enter pipeline mode", nullptr);
    pipeline_ = true;
  }
  if (PQsendQueryPrepared(conn_, name.c_str(), count, values, lengths, nullptr, 0) != 1)
    Fail(sql, nullptr);
  if (queued_++ == 0) queued_sql_ = sql;
  if (queued_ >= kPipelineChunk) Drain(false);
}

void PostgresConnection::Drain(bool leave) {
  if (pipeline_ && queued_ > 0) {
    if (PQpipelineSync(conn_) != 1) Fail(queued_sql_, nullptr);
    std::optional<PostgresError> error;
    int ends = 0;  // one NULL result ends each queued statement's answer
    for (bool synced = false; !synced;) {
      Result r(PQgetResult(conn_));
      if (!r) {
        if (++ends > queued_ || PQstatus(conn_) != CONNECTION_OK) Fail(queued_sql_, nullptr);
        continue;
      }
      switch (PQresultStatus(r.get())) {
        case PGRES_PIPELINE_SYNC:
          synced = true;
          break;
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
          batch_changed_ += std::strtoll(PQcmdTuples(r.get()), nullptr, 10);
          break;
        case PGRES_PIPELINE_ABORTED:  // skipped after an earlier error
          break;
        default:
          if (!error) error = MakeError(queued_sql_, r.get());
      }
    }
    queued_ = 0;
    if (error) {
      if (leave && PQexitPipelineMode(conn_) == 1) pipeline_ = false;
      throw *error;
    }
  }
  if (leave && pipeline_) {
    if (PQexitPipelineMode(conn_) != 1) Fail("exit pipeline mode", nullptr);
    pipeline_ = false;
  }
}

PostgresError PostgresConnection::MakeError(const std::string& what, const PGresult* r) const {
  std::string primary = Field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) {
    primary = PQerrorMessage(conn_);
    while (!primary.empty() && primary.back() == '\n') primary.pop_back();
  }
  // The names the server reports apart are the schema's, never a row's values.
  std::set<std::string, std::less<>> known = known_;
  // PG_DIAG_* are plain chars ('t', 'c', ...), never negative.
  for (int code : {int{PG_DIAG_TABLE_NAME}, int{PG_DIAG_COLUMN_NAME}, int{PG_DIAG_CONSTRAINT_NAME},
                   int{PG_DIAG_DATATYPE_NAME}})
    if (std::string name = Field(r, code); !name.empty()) known.insert(name);
  std::string message = MaskQuotedValues(primary, known);
  const std::string sqlstate = Field(r, PG_DIAG_SQLSTATE);
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  std::string statement = what.substr(0, what.find('('));  // "COPY messages"
  while (!statement.empty() && statement.back() == ' ') statement.pop_back();
  return PostgresError("'" + description_ + "': " + statement + ": " + message, sqlstate,
                       CopyLine(Field(r, PG_DIAG_CONTEXT)));
}

void PostgresConnection::Fail(const std::string& what, const PGresult* r) const {
  throw MakeError(what, r);
}

}  // namespace kehrbote
