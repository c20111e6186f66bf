#include "dispatcher/app/service_loop.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "shared/env/env.h"
#include "shared/time/zoned_time.h"

namespace kehrbote {
namespace {

std::mutex wake_mu;  // ServiceLoop::wake_

// What a pass did, for the log; empty if it did nothing worth a line.
std::string Describe(Instant now, const PassResult& r) {
  // Sends are the delivery lane's; DeliveryRuntime logs them.
  if (!(r.plan.planned || r.plan.cancelled || r.heartbeat.heartbeats || !r.ingested.empty()))
    return "";
  return "pass at " + FormatRfc3339Utc(now) + ": " + std::to_string(r.ingested.size()) +
         " file(s), " + std::to_string(r.plan.planned) + " planned, " +
         std::to_string(r.plan.cancelled) + " cancelled, " + std::to_string(r.plan.skipped) +
         " skipped, " + std::to_string(r.heartbeat.heartbeats) + " heartbeat(s)";
}

}  // namespace

ServiceLoop::ServiceLoop(DispatcherApp& app, const Clock& clock, VirtualClock* virtual_clock,
                         Logger& logger)
    : app_(app),
      clock_(clock),
      virtual_clock_(virtual_clock),
      log_("service", logger),
      lane_(app, clock, virtual_clock, [this](Instant now, const std::string& what) {
        log_.Error("delivery lane at " + FormatRfc3339Utc(now) + ": " + what);
      }) {}

void ServiceLoop::Stop() {
  stop_ = true;
  std::lock_guard<std::mutex> lock(wake_mu);
  if (wake_) wake_();
}

void ServiceLoop::Pass(Instant now, bool poll) {
  try {
    const bool changed = before_pass_ && before_pass_();
    PassResult r = app_.RunPass(now, first_pass_ || changed, poll, /*send=*/false);
    first_pass_ = false;
    ++passes_;
    for (const FirmProblem& f : r.failures) log_.ForFirm(f.firm_id).Error(f.message);
    if (std::string done = Describe(now, r); !done.empty()) log_.Info(done);
    if (after_pass_) after_pass_(r);
  } catch (const std::exception& e) {
    // The store or a server may be down: log and try again at the next poll.
    log_.Error("pass at " + FormatRfc3339Utc(now) + " failed: " + e.what());
  }
}

Instant ServiceLoop::NextWake(Instant now, Instant next_poll) {
  Instant wake = next_poll;
  try {
    wake = app_.NextPassDue(now, next_poll);
  } catch (const std::exception&) {
    // The store is down: the next poll retries.
  }
  // At least a second apart: a heartbeat that cannot be planned must not spin.
  return std::max(wake, now + std::chrono::seconds{1});
}

std::thread ServiceLoop::StartSignalThread(const std::atomic<bool>& done) {
  return std::thread([this, &done] {
    // Wakes every 200 ms to see whether the loop ended without a signal.
    while (!done) {
      const int sig = Env::Default().WaitForTerminationSignal(std::chrono::milliseconds{200});
      if (sig > 0) {
        log_.Info("signal " + std::to_string(sig) + ", stopping");
        Stop();
        return;
      }
    }
  });
}

int ServiceLoop::Run(bool handle_signals) {
  // Shared so that an alarm a virtual clock rings after Run returned finds it
  // gone (weak_ptr) instead of posting into a destroyed io_context.
  auto io = std::make_shared<boost::asio::io_context>();
  std::weak_ptr<boost::asio::io_context> weak_io = io;
  boost::asio::steady_timer timer(*io);
  // A virtual wake-up is no work the io_context knows of: without the guard, run()
  // would return while the loop waits for its clock. Stop() still ends it.
  auto keep_running = boost::asio::make_work_guard(*io);
  {
    std::lock_guard<std::mutex> lock(wake_mu);
    wake_ = [&io = *io] { boost::asio::post(io, [&io] { io.stop(); }); };
  }
  std::atomic<bool> done{false};
  std::thread signals;
  if (handle_signals) signals = StartSignalThread(done);
  lane_.Start();

  first_pass_ = true;
  const auto interval = app_.config().poll_interval;
  Instant next_poll = clock_.Now();
  std::function<void()> tick = [&] {
    if (stop_) return;
    const Instant now = clock_.Now();
    const bool poll = now >= next_poll;
    Pass(now, poll);
    lane_.Poke();  // before this lane's alarm: see DeliveryLane on virtual time
    if (poll) next_poll = now + interval;
    const Instant wake = NextWake(now, next_poll);
    // The clock rings a virtual wake-up (tests); the steady timer waits a real one.
    auto ring = [weak_io, &tick] {
      if (auto live = weak_io.lock()) boost::asio::post(*live, [&tick] { tick(); });
    };
    if (virtual_clock_) {
      virtual_clock_->RingAt(wake, ring);
      return;
    }
    // Armed now, after the pass, for the instant itself: a long pass must not
    // make the wake-up late by its own length.
    timer.expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(clock_.Until(wake)));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };
  boost::asio::post(*io, tick);
  if (!stop_) io->run();
  lane_.Stop();

  {
    std::lock_guard<std::mutex> lock(wake_mu);
    wake_ = nullptr;
  }
  done = true;
  if (signals.joinable()) signals.join();
  return 0;
}

}  // namespace kehrbote
