// WindowWidth: how many requests the send window keeps open, adapted to what
// the gateway does with them, between 1 and a fixed maximum.
//
// Why: the width a gateway needs differs by a factor of ten. Kannel answers a
// plain sendsms in ~1 ms, and 16 open requests saturate it; with delivery
// receipts requested it answers each after 20-200 ms, and 16 open requests
// reach a tenth of what it accepts, 256 all of it. A gateway that is overloaded
// (503, timeouts) or down must not be handed hundreds of requests at once. The
// maximum stays the crash bound (docs/delivery.md).
//
// Where it starts: the outbox starts at the maximum (OutboxOptions). Starting
// narrow and growing by the rate rule below was tried (2026-12-07, send_bench
// with receipts, load 11-12): the rate of a round swung so much on the shared
// machine that growth stopped at 77-95 of 256, at 0.26-0.42 of wrk's rate;
// started at 256, runs beside them reached 0.84-1.05 (docs/delivery.md). So the
// width narrows only on failures, a clear signal, and the rate rule only widens
// it again afterwards.
//
// The rule (throughput-based, like TCP's slow start and AIMD), decided once per
// round (at least max(width, 64) finished requests, about one round trip):
//   - A round with a transient failure (503, refused, timeout) halves the width
//     (at least 1). If only some requests failed, the gateway is overloaded:
//     the width that failed becomes a limit that growth stays below for the
//     next 32 rounds without failure, and growing ends. If every request
//     failed, the gateway is down or refuses all, which says nothing about a
//     width: growing starts again from the halved width once it answers.
//   - A round in which the window was not kept full (nothing more to send)
//     says nothing about the gateway and is dropped.
//   - Growing (from the start): the width doubles as long as each doubling
//     raised the rate of finished requests by at least 10 %; once one did not,
//     the width goes back to the one before it and holds.
//   - Holding: the reference rate follows the measured one (a gateway that got
//     slower lowers it); every 4 rounds a probe tries a quarter more (below the
//     limit, if one is known). A probe that raised the rate by 10 % is kept and,
//     without a limit, starts growing again; else the width goes back.
// A pure state machine: Observe() takes counts and elapsed time, so tests run it
// in virtual time. Not thread-safe (the SendWindow's caller thread owns it).
#pragma once

#include <chrono>
#include <cstddef>

namespace kehrbote {

class WindowWidth {
 public:
  // `start` and `max` are clamped to at least 1; `start` to at most `max`.
  WindowWidth(std::size_t start, std::size_t max);

  std::size_t current() const { return width_; }
  std::size_t max() const { return max_; }

  // Requests finished since the last call: `finished` of them, `transient` of
  // those a transient failure; `elapsed` the time since the last call (or since
  // the window left idle); `limited`: the window was not full when they were
  // taken (the caller had nothing more to send). May change current().
  void Observe(std::size_t finished, std::size_t transient, std::chrono::nanoseconds elapsed,
               bool limited);

  // Rounds decided so far (for tests and logs).
  std::size_t rounds() const { return rounds_; }

 private:
  void EndRound();
  void SetWidth(std::size_t width);

  static constexpr std::size_t kMinRound = 64;      // finished requests per round, at least
  static constexpr double kGain = 1.10;             // a change that pays: +10 % rate
  static constexpr std::size_t kHoldRounds = 4;     // rounds between probes
  static constexpr std::size_t kForgetRounds = 32;  // rounds without failure: limit forgotten

  const std::size_t max_;
  std::size_t width_;
  std::size_t previous_;  // width before the last doubling or probe
  bool growing_ = true;
  bool probing_ = false;
  double reference_ = 0;   // requests per second at previous_ (0: none yet)
  std::size_t hold_ = 0;   // rounds held since the last probe
  std::size_t limit_ = 0;  // a width at which the gateway failed requests (0: none known)
  std::size_t clean_ = 0;  // rounds since that failure
  std::size_t rounds_ = 0;
  // The round so far.
  std::size_t finished_ = 0, transient_ = 0;
  std::chrono::nanoseconds elapsed_{0};
  bool limited_ = false;
};

}  // namespace kehrbote
