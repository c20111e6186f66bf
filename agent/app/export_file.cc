#include "agent/app/export_file.h"

#include <chrono>
#include <fstream>
#include <memory>
#include <streambuf>

#include "agent/app/appointment_pipe.h"
#include "shared/export/export_writer.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

// std::ostream onto an Env WritableFile, so the export file gets Env's private
// permissions. Buffers 1 MiB per Append.
class WritableFileBuf final : public std::streambuf {
 public:
  explicit WritableFileBuf(WritableFile& file) : file_(file), buf_(1 << 20) {
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  uint64_t written() const { return written_ + (pptr() - pbase()); }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    std::ptrdiff_t n = pptr() - pbase();
    if (n > 0) {
      try {
        file_.Append(std::string_view(pbase(), static_cast<size_t>(n)));
      } catch (const EnvError& e) {
        error_ = e.what();
        return -1;
      }
      written_ += static_cast<uint64_t>(n);
      setp(buf_.data(), buf_.data() + buf_.size());
    }
    return 0;
  }

 public:
  const std::string& error() const { return error_; }

 private:
  WritableFile& file_;
  std::vector<char> buf_;
  uint64_t written_ = 0;
  std::string error_;
};

}  // namespace

std::string ExportRun::Summary() const {
  return "export " + FormatLocalDate(first_day) + ".." + FormatLocalDate(last_day) + " from " +
         source + ": " + report.Summary() + " (" + std::to_string(bytes) + " bytes)";
}

void ExportWindow(const AgentConfig& config, Instant now, LocalTime* first_day,
                  LocalTime* last_day) {
  LocalTime today = std::chrono::floor<std::chrono::days>(ToLocal(now, config.firm.timezone));
  *first_day = today + std::chrono::days(config.window.start_days);
  *last_day = today + std::chrono::days(config.window.days_ahead);
}

ExportRun WriteExportFile(const AgentConfig& config, const Clock& clock, const std::string& path,
                          bool durable, Env& env) {
  ExportRun run;
  run.path = path;
  run.generated_at = clock.Now();
  ExportWindow(config, run.generated_at, &run.first_day, &run.last_day);

  // Open the source first: if it cannot be read, no file is created at all.
  std::unique_ptr<AppointmentSource> source =
      OpenSource(config.source, run.first_day, run.last_day);
  run.source = source->Describe();

  ExportHeader header;
  header.firm = config.firm;
  header.generated_at = run.generated_at;
  header.window_from = run.first_day;
  header.window_to = run.last_day;

  const std::string tmp = path + ".tmp";
  std::vector<SkippedRow> rejected;
  int64_t written = 0;
  try {
    std::unique_ptr<WritableFile> file = env.NewPrivateFile(tmp);
    WritableFileBuf buf(*file);
    std::ostream out(&buf);
    std::string name = path.substr(path.find_last_of("/\\") + 1);
    ExportWriter writer(out, header, name);
    {
      AppointmentPipe pipe(*source);
      while (const Appointment* a = pipe.Next()) {
        try {
          writer.Add(*a);
          ++written;
        } catch (const ExportError& e) {
          rejected.push_back({pipe.where(), a->id, e.reason()});
        }
      }
    }  // the reader thread has ended: source->report() is final
    writer.Finish();
    if (!buf.error().empty()) throw EnvError(buf.error());
    run.bytes = buf.written();
    if (durable) file->Sync();
    file->Close();
    env.RenameFile(tmp, path);
  } catch (...) {
    try {
      if (env.FileExists(tmp)) env.RemoveFile(tmp);
    } catch (const EnvError&) {
    }
    throw;
  }
  run.report = source->report();
  run.report.appointments = written;
  run.report.skipped.insert(run.report.skipped.end(), rejected.begin(), rejected.end());
  return run;
}

void MakeDurable(const std::string& path, Env& env) {
  const std::string tmp = path + ".sync.tmp";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EnvError(path + ": cannot open to sync");
  std::unique_ptr<WritableFile> out = env.NewPrivateFile(tmp);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) out->Append(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw EnvError(path + ": read error while syncing");
  // Closed before the rename: Windows refuses to replace a file that is still open.
  in.close();
  out->Sync();
  out->Close();
  env.RenameFile(tmp, path);
}

}  // namespace kehrbote
