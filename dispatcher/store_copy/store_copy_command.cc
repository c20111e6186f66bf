#include "dispatcher/store_copy/store_copy_command.h"

#include <iomanip>

#include <Poco/Exception.h>

#include "dispatcher/store/store_url.h"
#include "dispatcher/store_copy/store_copy.h"

namespace kehrbote {
namespace {

constexpr const char* kUsage =
    "usage: kehrbote-dispatcher store copy --from sqlite:/path/dispatcher.db "
    "--to postgresql:... [--migrate-source] [--batch ROWS]\n";

// Fills `options` from the words after "copy"; false with `error` set on a bad one.
bool ParseCopyArgs(const std::vector<std::string>& args, StoreCopyOptions& options,
                   std::string& error) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--migrate-source") {
      options.migrate_source = true;
      continue;
    }
    if (a != "--from" && a != "--to" && a != "--batch") {
      error = "unknown argument '" + a + "'";
      return false;
    }
    if (i + 1 >= args.size()) {
      error = a + " needs a value";
      return false;
    }
    const std::string& v = args[++i];
    if (a == "--from") options.from = v;
    if (a == "--to") options.to = v;
    if (a == "--batch") {
      if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(v) == 0) {
        error = "--batch expects a number of rows (1-9999999), got '" + v + "'";
        return false;
      }
      options.rows_per_batch = std::stoul(v);
    }
  }
  if (options.from.empty() || options.to.empty()) {
    error = "--from and --to are required";
    return false;
  }
  return true;
}

void PrintTable(const TableCopied& t, std::ostream& out) {
  out << "  " << std::left << std::setw(24) << t.table << std::right << std::setw(10) << t.rows
      << " rows " << std::fixed << std::setprecision(2) << std::setw(8) << t.seconds << " s\n"
      << std::flush;
}

void PrintSummary(const StoreCopyResult& r, std::ostream& out) {
  out << "copied " << r.tables.size() << " tables, " << r.rows << " rows in " << std::fixed
      << std::setprecision(1) << r.seconds << " s; every table's row count matches the source\n";
  if (r.sequences.empty()) return;
  out << "new ids continue at:";
  for (size_t i = 0; i < r.sequences.size(); ++i)
    out << (i ? ", " : " ") << r.sequences[i].table << "." << r.sequences[i].column << " "
        << r.sequences[i].next;
  out << "\n";
}

}  // namespace

int RunStoreCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "copy") {
    err << "kehrbote-dispatcher store: unknown subcommand"
        << (args.empty() ? "" : " '" + args[0] + "'") << "\n"
        << kUsage;
    return 2;
  }
  StoreCopyOptions options;
  std::string error;
  if (!ParseCopyArgs(args, options, error)) {
    err << "kehrbote-dispatcher store copy: " << error << "\n" << kUsage;
    return 2;
  }
  options.on_table = [&out](const TableCopied& t) { PrintTable(t, out); };
  out << "store copy: " << MaskStoreUrl(options.from) << " -> " << MaskStoreUrl(options.to) << "\n"
      << std::flush;
  try {
    PrintSummary(CopyStore(options), out);
    return 0;
  } catch (const Poco::Exception& e) {
    // what() of a Poco exception is its class name alone.
    error = e.displayText();
  } catch (const std::exception& e) {
    error = e.what();
  }
  err << "kehrbote-dispatcher store copy: " << error << "\nno row of the copy was committed\n";
  return 1;
}

}  // namespace kehrbote
