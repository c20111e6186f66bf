#include "dispatcher/app/service_loop.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared/env/env.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::mutex log_mu;

}  // namespace

void ServiceLoop::Stop() {
  stop_ = true;
  std::lock_guard<std::mutex> lock(log_mu);
  if (wake_) wake_();
}

int ServiceLoop::Run(bool handle_signals) {
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);
  {
    std::lock_guard<std::mutex> lock(log_mu);
    wake_ = [&io] { boost::asio::post(io, [&io] { io.stop(); }); };
  }

  std::thread signals;
  std::atomic<bool> done{false};
  if (handle_signals) {
    signals = std::thread([this, &done] {
      // Wakes every 200 ms to see whether the loop ended without a signal.
      while (!done) {
        const int sig = Env::Default().WaitForTerminationSignal(std::chrono::milliseconds{200});
        if (sig > 0) {
          {
            std::lock_guard<std::mutex> lock(log_mu);
            log_ << "kehrbote-dispatcher: signal " << sig << ", stopping\n" << std::flush;
          }
          Stop();
          return;
        }
      }
    });
  }

  const auto interval = app_.config().poll_interval;
  Instant next_poll = clock_.Now();
  bool first = true;
  int status = 0;

  std::function<void()> tick = [&] {
    if (stop_) return;
    const Instant now = clock_.Now();
    const bool poll = now >= next_poll;
    try {
      bool changed = false;
      if (before_pass_) {
        std::lock_guard<std::mutex> lock(log_mu);  // the hook logs too
        changed = before_pass_();
      }
      PassResult r = app_.RunPass(now, first || changed, poll);
      first = false;
      ++passes_;
      for (const FirmProblem& f : r.failures) {
        std::lock_guard<std::mutex> lock(log_mu);
        log_ << FormatRfc3339Utc(now) << " " << f.message << "\n" << std::flush;
      }
      if (r.plan.planned || r.plan.cancelled || r.heartbeat.heartbeats || r.delivery.claimed ||
          !r.ingested.empty()) {
        std::lock_guard<std::mutex> lock(log_mu);
        log_ << FormatRfc3339Utc(now) << " pass: " << r.ingested.size() << " file(s), "
             << r.plan.planned << " planned, " << r.plan.cancelled << " cancelled, "
             << r.plan.skipped << " skipped, " << r.heartbeat.heartbeats << " heartbeat(s), "
             << r.delivery.claimed << " claimed, " << r.delivery.accepted << " accepted\n"
             << std::flush;
      }
    } catch (const std::exception& e) {
      // The store or a server may be down: log and try again at the next poll.
      std::lock_guard<std::mutex> lock(log_mu);
      log_ << FormatRfc3339Utc(now) << " pass failed: " << e.what() << "\n" << std::flush;
    }
    if (poll) next_poll = now + interval;
    Instant wake = next_poll;
    try {
      wake = app_.NextWake(now, next_poll);
    } catch (const std::exception&) {
    }
    auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(wake - now);
    if (wait < std::chrono::seconds{1}) wait = std::chrono::seconds{1};
    timer.expires_after(wait);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };
  boost::asio::post(io, tick);
  if (!stop_) io.run();

  {
    std::lock_guard<std::mutex> lock(log_mu);
    wake_ = nullptr;
  }
  done = true;
  if (signals.joinable()) signals.join();
  return status;
}

}  // namespace kehrbote
