// DeliveryLane: the `run` loop's second lane. It hands each planned message to
// the sender when it falls due, beside the lane that pulls and plans.
//
// Why a lane of its own: a pass (pull, ingest and planning of 1,000 firms) takes
// seconds; a message that falls due meanwhile must not wait for it. The lane
// sleeps until the earliest planned message is due (DispatcherApp::NextSendDue),
// sends what is due (DispatcherApp::SendDue) and sleeps again. The planning lane
// calls Poke() after each pass: what it planned may be due now, or sooner than
// the lane's wake-up.
//
// Time: on a real Clock the lane waits on a steady_timer armed with
// Clock::Until, so it wakes at the due second itself, not up to a second later.
// On a VirtualClock it keeps exactly one alarm pending while it waits (at the
// end of time when nothing is planned) and none while it works: Poke cancels the alarm before it returns, so a test that
// awaits the loop's two alarms (VirtualClock::AwaitAlarm(timeout, 2)) knows that
// both lanes have done their work.
//
// Threads: sends run on the lane's own thread, one at a time. Start, Poke and
// Stop may be called from any thread; Stop lets a send in progress finish.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dispatcher/app/dispatcher_app.h"
#include "shared/time/clock.h"
#include "shared/time/virtual_clock.h"

namespace kehrbote {

class DeliveryLane {
 public:
  // Told of a send or a store query that failed; the lane tries again later.
  using ErrorLog = std::function<void(Instant now, const std::string& what)>;

  // `virtual_clock`: null for real time, else the same clock as `clock`.
  DeliveryLane(DispatcherApp& app, const Clock& clock, VirtualClock* virtual_clock,
               ErrorLog log_error);
  ~DeliveryLane();
  DeliveryLane(const DeliveryLane&) = delete;
  DeliveryLane& operator=(const DeliveryLane&) = delete;

  // Starts the lane's thread; its first wake sends what is due already.
  void Start();
  // Something was planned: send what is due now and sleep until the next one.
  void Poke();
  // Stops and joins the lane's thread. Idempotent.
  void Stop();

  // How often the lane sent (woke and handed what was due to the sender).
  int wakes() const { return wakes_.load(); }

 private:
  // Lane thread: sends what is due, then arms the next wake-up.
  void Wake();
  void Arm(Instant sent_at);
  // Wake() on the lane's thread, from any thread.
  void PostWake();

  DispatcherApp& app_;
  const Clock& clock_;
  VirtualClock* virtual_clock_;
  ErrorLog log_error_;
  // Shared so that a virtual alarm rung after the lane stopped finds it gone.
  std::shared_ptr<boost::asio::io_context> io_;
  boost::asio::steady_timer timer_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
  std::thread thread_;
  std::mutex mu_;
  bool poked_ = false;                  // guarded by mu_: a Wake is queued
  VirtualClock::AlarmId alarm_ = 0;     // guarded by mu_
  std::atomic<int> wakes_{0};
};

}  // namespace kehrbote
