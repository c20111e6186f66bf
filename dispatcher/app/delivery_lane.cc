#include "dispatcher/app/delivery_lane.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <boost/asio/post.hpp>

namespace kehrbote {
namespace {

// The store could not be asked: try again after this long.
constexpr std::chrono::seconds kRetryWake{10};

}  // namespace

DeliveryLane::DeliveryLane(DispatcherApp& app, const Clock& clock, VirtualClock* virtual_clock,
                           ErrorLog log_error)
    : app_(app),
      clock_(clock),
      virtual_clock_(virtual_clock),
      log_error_(std::move(log_error)),
      io_(std::make_shared<boost::asio::io_context>()),
      timer_(*io_),
      keep_running_(boost::asio::make_work_guard(*io_)) {}

DeliveryLane::~DeliveryLane() { Stop(); }

void DeliveryLane::Start() {
  thread_ = std::thread([this] { io_->run(); });
  PostWake();
}

void DeliveryLane::Poke() {
  PostWake();
}

void DeliveryLane::PostWake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (virtual_clock_ && alarm_ != 0) virtual_clock_->Cancel(alarm_);
    alarm_ = 0;
    if (poked_) return;  // a Wake is queued already
    poked_ = true;
  }
  boost::asio::post(*io_, [this] {
    timer_.cancel();  // the Wake below arms it again
    Wake();
  });
}

void DeliveryLane::Stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(*io_, [this] {
    timer_.cancel();
    std::lock_guard<std::mutex> lock(mu_);
    if (virtual_clock_ && alarm_ != 0) virtual_clock_->Cancel(alarm_);
    alarm_ = 0;
    io_->stop();
  });
  thread_.join();
}

void DeliveryLane::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = false;
  }
  const Instant now = clock_.Now();
  try {
    app_.SendDue(now);
    ++wakes_;
  } catch (const std::exception& e) {
    // The store or the gateway may be down: the next wake-up tries again.
    log_error_(now, std::string("send failed: ") + e.what());
  }
  Arm(now);
}

// Messages due after `sent_at` (what fell due while sending included) set the
// next wake-up; one already due makes it now. Nothing planned: the lane waits
// for a poke (the planning lane pokes after every pass, so also every poll
// interval, which covers messages another dispatcher planned and left).
void DeliveryLane::Arm(Instant sent_at) {
  std::optional<Instant> wake;
  try {
    wake = app_.NextSendDue(sent_at);
  } catch (const std::exception& e) {
    log_error_(sent_at, std::string("cannot read the next due message: ") + e.what());
    wake = sent_at + kRetryWake;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (poked_) return;  // the queued Wake arms again
  if (virtual_clock_) {
    // Waiting for a poke counts as an alarm at the end of time: the lane is idle.
    std::weak_ptr<boost::asio::io_context> weak_io = io_;
    alarm_ = virtual_clock_->RingAt(wake.value_or(Instant::max()), [this, weak_io] {
      if (auto live = weak_io.lock()) boost::asio::post(*live, [this] { Wake(); });
    });
    return;
  }
  if (!wake) return;
  timer_.expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(clock_.Until(*wake)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Wake();
  });
}

}  // namespace kehrbote
