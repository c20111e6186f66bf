#include "dispatcher/ingest/snapshot_ingest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "dispatcher/ingest/known_appointments.h"
#include "dispatcher/ingest/reader_pipeline.h"
#include "dispatcher/ingest/refused_export.h"
#include "dispatcher/ingest/snapshot_applier.h"
#include "dispatcher/ingest/snapshot_writer.h"
#include "dispatcher/store/appointment_json.h"
#include "shared/export/export_reader.h"
#include "shared/text/hex.h"

namespace kehrbote {

std::string_view ToString(IngestOutcome o) {
  switch (o) {
    case IngestOutcome::kApplied: return "applied";
    case IngestOutcome::kIgnored: return "ignored";
    case IngestOutcome::kDuplicate: return "duplicate";
    case IngestOutcome::kRejected: return "rejected";
  }
  return "?";
}

std::string Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  // OpenSSL rather than Poco::SHA2Engine: uses the CPU's SHA extensions.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("cannot start SHA-256");
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

bool SnapshotIngest::AlreadyProcessed(std::string_view firm_id, const ExportFileInfo& file) {
  PooledConnection c = db_.Connect();
  return ProcessedBefore(*c, firm_id, file);
}

void SnapshotIngest::WithFirm(CommitGroup* group, std::string_view firm_id,
                              const std::function<void(SqlConnection&)>& fn) {
  if (group)
    group->WithFirmLock(firm_id, fn);
  else
    db_.WithFirmLock(firm_id, fn);
}

IngestResult SnapshotIngest::Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    const std::string& reason) {
  return Reject(inbox_firm_id, file, reason, nullptr);
}

IngestResult SnapshotIngest::Reject(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    const std::string& reason, CommitGroup* group) {
  IngestResult r;
  r.outcome = IngestOutcome::kRejected;
  r.firm_id = std::string(inbox_firm_id);
  r.file_name = file.name;
  r.sha256 = file.sha256;
  r.reason = reason;
  const Instant now_at = clock_.Now();
  try {
    WithFirm(group, inbox_firm_id,
             [&](SqlConnection& c) { RecordRejection(c, r.firm_id, file, reason, now_at); });
  } catch (const DatabaseError& e) {
    throw DatabaseError("store '" + db_.description() + "': recording refused file " + file.name +
                        ": " + e.what());
  }
  return r;
}

namespace {

// Runs `feed` on `applier` and finishes it. Returns the reason when the export
// is refused or ignored (the applier's writes are then still to be undone).
// Anything the reader or the source throws refuses the export; store failures
// pass on.
struct FeedOutcome {
  std::string refused, ignored;
};

FeedOutcome Feed(SnapshotApplier& applier, const ExportFileInfo& file,
                 const std::function<void(SnapshotApplier&)>& feed) {
  FeedOutcome out;
  try {
    try {
      feed(applier);
    } catch (const RefusedExport&) {
      throw;
    } catch (const IgnoredExport&) {
      throw;
    } catch (const DatabaseError&) {
      throw;  // the store failed
    } catch (const AppointmentJsonError&) {
      throw;
    } catch (const std::exception& e) {
      throw RefusedExport(e.what());  // the reader (ExportError) or the source refused the export
    }
    applier.Finish();
  } catch (const RefusedExport& e) {
    out.refused = *e.what() ? e.what() : file.name + ": refused";
  } catch (const IgnoredExport& e) {
    out.ignored = e.what();
  }
  if (!out.refused.empty() || !out.ignored.empty()) applier.Discard();
  return out;
}

}  // namespace

IngestResult SnapshotIngest::Run(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                 const std::function<void(SnapshotApplier&)>& feed,
                                 CommitGroup* group) {
  IngestResult r;
  r.firm_id = std::string(inbox_firm_id);
  r.file_name = file.name;
  r.sha256 = file.sha256;
  const Instant now_at = clock_.Now();
  try {
    WithFirm(group, inbox_firm_id, [&](SqlConnection& c) {
      IngestResult work = r;  // copied out only when the transaction commits
      if (ProcessedBefore(c, work.firm_id, file)) {
        work.outcome = IngestOutcome::kDuplicate;
        work.reason = file.name + ": processed before (same name or same content)";
        r = std::move(work);
        return;
      }
      // A refused or ignored export is undone to the savepoint and recorded in the
      // same transaction, still under the firm lock: another dispatcher waiting for
      // the lock then finds the file processed.
      c.Execute("SAVEPOINT snapshot");
      FeedOutcome outcome;
      {
        SnapshotApplier applier(c, work, file, now_at);
        outcome = Feed(applier, file, feed);
      }
      if (outcome.refused.empty() && outcome.ignored.empty()) {
        c.Execute("RELEASE SAVEPOINT snapshot");
        r = std::move(work);
        return;
      }
      c.Execute("ROLLBACK TO SAVEPOINT snapshot");
      c.Execute("RELEASE SAVEPOINT snapshot");
      IngestResult out;
      out.firm_id = r.firm_id;
      out.file_name = file.name;
      out.sha256 = file.sha256;
      out.generated_at = work.generated_at;
      if (!outcome.refused.empty()) {
        RecordRejection(c, r.firm_id, file, outcome.refused, now_at);
        out.outcome = IngestOutcome::kRejected;
        out.reason = outcome.refused;
      } else {
        RecordProcessed(c, r.firm_id, file, "ignored", outcome.ignored, work.generated_at, now_at);
        out.outcome = IngestOutcome::kIgnored;
        out.reason = outcome.ignored;
      }
      r = std::move(out);
    });
  } catch (const AppointmentJsonError& e) {
    throw DatabaseError("store '" + db_.description() + "': " + e.what());
  }
  return r;
}

namespace {

// Reads `in` on a ReaderPipeline into `applier`, stepping over `known`.
void StreamInto(SnapshotApplier& applier, std::istream& in, const std::string& name,
                const KnownRawDigests& known) {
  // Joined (cancelled if need be) on every way out, before `known` goes.
  ReaderPipeline pipeline(in, name, &known);
  auto header = pipeline.Header();
  if (!header) {
    pipeline.Rethrow();
    throw RefusedExport(name + ": no header");
  }
  applier.Begin(*header);
  ExportItem item;
  while (pipeline.Next(item)) applier.Add(item);
  pipeline.Rethrow();
}

// True if every appointment `p` stepped over is, under the firm's lock, still
// the current version read from those bytes (`known`: the store's digests now).
bool SkipsStillHold(const PreparedExport& p, const KnownRawDigests& known) {
  for (const ExportItem& item : p.appointments) {
    if (!item.known) continue;
    const auto it = known.find(item.raw_digest);
    if (it == known.end() || it->second != item.appointment.id) return false;
  }
  return true;
}

bool SkippedAny(const PreparedExport& p) {
  return std::any_of(p.appointments.begin(), p.appointments.end(),
                     [](const ExportItem& item) { return item.known; });
}

// What the reader got before a failure is replayed in file order, so the
// outcome and its reason are those of reading the file in the transaction.
void Replay(SnapshotApplier& applier, const PreparedExport& p) {
  if (!p.header) {
    if (p.error) std::rethrow_exception(p.error);
    throw RefusedExport(p.file.name + ": no header");
  }
  applier.Begin(*p.header);
  for (const ExportItem& item : p.appointments) applier.Add(item);
  if (p.error) std::rethrow_exception(p.error);
}

// Replays `p` into `applier`; if an appointment it stepped over is no longer
// the store's (the firm changed since the digests were taken), reads the file
// again with the store's digests now instead.
void ReplayOrReread(SnapshotApplier& applier, const PreparedExport& p) {
  if (!SkippedAny(p)) {
    Replay(applier, p);
    return;
  }
  const KnownRawDigests& now_known = applier.LoadKnown();
  if (SkipsStillHold(p, now_known)) {
    Replay(applier, p);
    return;
  }
  std::ifstream in(p.local_path, std::ios::binary);
  if (!in) throw RefusedExport(p.file.name + ": cannot read the downloaded copy " + p.local_path);
  StreamInto(applier, in, p.file.name, now_known);
}

}  // namespace

IngestResult SnapshotIngest::Apply(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                   const ExportHeader& header, const AppointmentSource& next) {
  return Run(inbox_firm_id, file, [&](SnapshotApplier& applier) {
    applier.Begin(header);
    Appointment a;
    for (;;) {
      a = Appointment{};
      if (!next(a)) break;
      applier.Add(a);
    }
  });
}

IngestResult SnapshotIngest::ApplyStream(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                         std::istream& in) {
  return Stream(inbox_firm_id, file, in, nullptr);
}

IngestResult SnapshotIngest::Stream(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                    std::istream& in, CommitGroup* group) {
  return Run(
      inbox_firm_id, file,
      [&](SnapshotApplier& applier) { StreamInto(applier, in, file.name, applier.LoadKnown()); },
      group);
}

KnownRawDigests SnapshotIngest::KnownDigests(std::string_view firm_id) {
  PooledConnection c = db_.Connect();
  return LoadKnownRawDigests(*c, firm_id);
}

PreparedExport SnapshotIngest::Prepare(const ExportFileInfo& file, const std::string& local_path,
                                       const KnownRawDigests* known) {
  PreparedExport p;
  p.file = file;
  p.local_path = local_path;
  std::ifstream in(local_path, std::ios::binary);
  if (!in) {
    p.unreadable = true;
    return p;
  }
  std::error_code size_error;
  const auto size = std::filesystem::file_size(local_path, size_error);
  if (size_error || size > kReadAheadBytes) {
    p.streamed = true;
    return p;
  }
  try {
    ExportReader reader(in, file.name);
    reader.ReadItems([&](const ExportHeader& h) { p.header = h; },
                     [&](ExportItem&& item) { p.appointments.push_back(std::move(item)); }, known);
  } catch (...) {
    p.error = std::current_exception();
  }
  return p;
}

IngestResult SnapshotIngest::ApplyPrepared(std::string_view inbox_firm_id, PreparedExport& p,
                                           CommitGroup* group) {
  const ExportFileInfo& file = p.file;
  if (p.unreadable)
    return Reject(inbox_firm_id, file, file.name + ": cannot read the downloaded copy " + p.local_path,
                  group);
  if (p.streamed) {
    std::ifstream in(p.local_path, std::ios::binary);
    if (!in)
      return Reject(inbox_firm_id, file,
                    file.name + ": cannot read the downloaded copy " + p.local_path, group);
    return Stream(inbox_firm_id, file, in, group);
  }
  return Run(
      inbox_firm_id, file, [&](SnapshotApplier& applier) { ReplayOrReread(applier, p); }, group);
}

IngestResult SnapshotIngest::ApplyFile(std::string_view inbox_firm_id, const ExportFileInfo& file,
                                       const std::string& local_path) {
  const KnownRawDigests known = KnownDigests(inbox_firm_id);
  PreparedExport p = Prepare(file, local_path, &known);
  return ApplyPrepared(inbox_firm_id, p);
}

namespace {
// Stops ExportReader after the header.
struct HeaderOnly {};
}  // namespace

std::optional<ExportHeader> ReadExportHeader(std::istream& in, const std::string& source_name) {
  std::optional<ExportHeader> header;
  try {
    ExportReader reader(in, source_name);
    reader.Read(
        [&](const ExportHeader& h) {
          header = h;
          throw HeaderOnly{};
        },
        [](Appointment&&) {});
  } catch (const HeaderOnly&) {
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return header;
}

}  // namespace kehrbote
