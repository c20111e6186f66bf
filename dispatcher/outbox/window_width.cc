#include "dispatcher/outbox/window_width.h"

#include <algorithm>

namespace kehrbote {

WindowWidth::WindowWidth(std::size_t start, std::size_t max)
    : max_(std::max<std::size_t>(1, max)),
      width_(std::clamp<std::size_t>(start, 1, max_)),
      previous_(width_) {
  growing_ = width_ < max_;
}

void WindowWidth::Observe(std::size_t finished, std::size_t transient,
                          std::chrono::nanoseconds elapsed, bool limited) {
  finished_ += finished;
  transient_ += transient;
  elapsed_ += elapsed;
  limited_ = limited_ || limited;
  // A transient failure is news at once: the next requests would meet it too.
  if (transient_ > 0 || finished_ >= std::max(width_, kMinRound)) EndRound();
}

void WindowWidth::SetWidth(std::size_t width) {
  const std::size_t ceiling = limit_ > 1 ? std::min(max_, limit_ - 1) : max_;
  width_ = std::clamp<std::size_t>(width, 1, ceiling);
}

void WindowWidth::EndRound() {
  const std::size_t finished = finished_, transient = transient_;
  const bool limited = limited_;
  const double seconds = std::chrono::duration<double>(elapsed_).count();
  finished_ = transient_ = 0;
  elapsed_ = std::chrono::nanoseconds{0};
  limited_ = false;
  ++rounds_;

  if (transient > 0) {
    const bool all_failed = transient >= finished;
    if (!all_failed) limit_ = width_;  // overloaded at this width
    clean_ = 0;
    SetWidth(width_ / 2);
    previous_ = width_;
    growing_ = all_failed;  // down: grow again from here once it answers
    probing_ = false;
    reference_ = 0;  // measured again at the new width
    hold_ = 0;
    return;
  }
  if (limit_ > 0 && ++clean_ >= kForgetRounds) limit_ = 0;
  if (limited || seconds <= 0) return;
  const double rate = static_cast<double>(finished) / seconds;

  if (growing_) {
    if (reference_ == 0 || rate >= reference_ * kGain) {
      reference_ = rate;
      previous_ = width_;
      SetWidth(width_ * 2);
      growing_ = width_ > previous_;  // at the maximum (or the limit): hold
    } else {
      SetWidth(previous_);  // the doubling did not pay
      growing_ = false;
      hold_ = 0;
    }
    return;
  }
  if (probing_) {
    probing_ = false;
    hold_ = 0;
    if (rate >= reference_ * kGain) {
      reference_ = rate;  // the probe paid: kept, and without a limit grow on
      previous_ = width_;
      if (limit_ == 0) {
        SetWidth(width_ * 2);
        growing_ = width_ > previous_;
      }
    } else {
      SetWidth(previous_);
    }
    return;
  }
  reference_ = reference_ == 0 ? rate : 0.75 * reference_ + 0.25 * rate;
  if (++hold_ >= kHoldRounds) {
    hold_ = 0;
    previous_ = width_;
    SetWidth(width_ + std::max<std::size_t>(1, width_ / 4));
    probing_ = width_ > previous_;  // no room below the maximum or the limit: no probe
  }
}

}  // namespace kehrbote
