// upload_bench: SFTP upload of a large file to a loopback OpenSSH sshd. Our
// SftpSession (libssh2 1.10) against OpenSSH's `sftp -b`, alternating, in the same
// run. Goal: >= 0.9x sftp's throughput.
//
//   upload_bench [--mb 100] [--rounds 3]
//
// Per round (each includes connect and login):
//   atomic   UploadFileAtomically: .part, fsync@openssh.com, stat, rename (the agent)
//   plain    Upload: streaming write only
//   put      sftp -b with "put FILE"      (no fsync)
//   put -f   sftp -b with "put -f FILE"   (fsync@openssh.com, like atomic)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "shared/sftp/sftp_session.h"
#include "tests/support/child_process.h"
#include "tests/support/sshd_server.h"
#include "tests/support/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// User+system CPU seconds of this process (RUSAGE_SELF) or of its reaped children
// (RUSAGE_CHILDREN). On a loaded machine wall time is noisy; client CPU is steadier.
double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void WriteRandomFile(const std::string& path, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buf(1 << 20);
  uint64_t x = 88172645463325252ull;
  for (size_t done = 0; done < bytes; done += buf.size()) {
    for (size_t i = 0; i < buf.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(buf.data() + i, &x, 8);
    }
    out.write(buf.data(), static_cast<std::streamsize>(std::min(buf.size(), bytes - done)));
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 100;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0) mb = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::stoi(argv[i + 1]);
  }
  const size_t bytes = mb << 20;

  kehrbote::test::SshdServer server;
  server.Start();
  std::filesystem::create_directories(server.data_root() + "/inbox");
  std::filesystem::create_directories(server.data_root() + "/sftp");
  kehrbote::test::TempDir tmp("kehrbote-bench-");
  const std::string file = tmp.Sub("payload.bin");
  WriteRandomFile(file, bytes);
  const std::string batch = tmp.Sub("batch");
  const std::string batch_fsync = tmp.Sub("batch_fsync");
  std::ofstream(batch) << "put " << file << " " << server.RemotePath("sftp/put.bin") << "\n";
  std::ofstream(batch_fsync) << "put -f " << file << " " << server.RemotePath("sftp/putf.bin")
                             << "\n";

  auto run_sftp = [&](const std::string& batch_file) {
    kehrbote::test::CommandResult c = kehrbote::test::RunCommand(
        {"sftp", "-q", "-b", batch_file, "-i", server.client_key_path(), "-P",
         std::to_string(server.port()), "-o", "UserKnownHostsFile=" + server.known_hosts_path(),
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
         server.user() + "@" + server.host()},
        std::chrono::minutes(5));
    if (c.exit_code != 0) {
      std::fprintf(stderr, "sftp failed: %s\n", c.output.c_str());
      std::exit(1);
    }
  };

  std::vector<double> atomic, plain, put, putf, atomic_cpu, put_cpu;
  for (int r = 0; r < rounds; ++r) {
    double cpu0 = CpuSeconds(RUSAGE_SELF);
    auto t0 = Clock::now();
    auto session = kehrbote::SftpSession::Connect(server.Endpoint());
    kehrbote::AtomicUploadResult res = session->UploadFileAtomically(
        file, server.RemotePath("inbox"), "export-bench-20261123T190000Z", ".json");
    session.reset();
    atomic.push_back(Seconds(Clock::now() - t0));
    atomic_cpu.push_back(CpuSeconds(RUSAGE_SELF) - cpu0);
    if (res.bytes != bytes) {
      std::fprintf(stderr, "short upload: %llu\n", static_cast<unsigned long long>(res.bytes));
      return 1;
    }
    std::filesystem::remove(server.data_root() + "/inbox/" + res.final_name);

    t0 = Clock::now();
    session = kehrbote::SftpSession::Connect(server.Endpoint());
    {
      std::ifstream in(file, std::ios::binary);
      session->Upload(in, server.RemotePath("sftp/plain.bin"));
    }
    session.reset();
    plain.push_back(Seconds(Clock::now() - t0));

    double child_cpu0 = CpuSeconds(RUSAGE_CHILDREN);
    t0 = Clock::now();
    run_sftp(batch);
    put.push_back(Seconds(Clock::now() - t0));
    put_cpu.push_back(CpuSeconds(RUSAGE_CHILDREN) - child_cpu0);  // sftp + its ssh

    t0 = Clock::now();
    run_sftp(batch_fsync);
    putf.push_back(Seconds(Clock::now() - t0));

    std::printf("round %d: atomic %.2f s  plain %.2f s  put %.2f s  put -f %.2f s   "
                "client CPU atomic %.2f s, sftp+ssh put %.2f s\n",
                r + 1, atomic.back(), plain.back(), put.back(), putf.back(), atomic_cpu.back(),
                put_cpu.back());
  }
  double a = Median(atomic), p = Median(plain), t = Median(put), tf = Median(putf);
  std::printf("median of %d rounds, %zu MiB (goal >= 0.90x):\n"
              "  atomic (.part+fsync+rename) %6.1f MiB/s = %.2fx sftp put -f, %.2fx sftp put\n"
              "  plain upload                %6.1f MiB/s = %.2fx sftp put\n"
              "  sftp put                    %6.1f MiB/s\n"
              "  sftp put -f                 %6.1f MiB/s\n"
              "  client CPU per upload: kehrbote atomic %.2f s, sftp+ssh put %.2f s\n",
              rounds, mb, mb / a, tf / a, t / a, mb / p, t / p, mb / t, mb / tf, Median(atomic_cpu),
              Median(put_cpu));
  // The fastest round of each is the least disturbed by other load on the machine.
  a = Best(atomic), p = Best(plain), t = Best(put), tf = Best(putf);
  std::printf("best of %d rounds: atomic %.1f MiB/s (%.2fx put -f, %.2fx put), plain %.1f MiB/s "
              "(%.2fx put), sftp put %.1f MiB/s, put -f %.1f MiB/s\n",
              rounds, mb / a, tf / a, t / a, mb / p, t / p, mb / t, mb / tf);
  return 0;
}
