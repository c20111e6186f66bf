// TSan builds only (cmake/Sanitizers.cmake links it into every target).
//
// libstdc++ 12 waits with pthread_mutex_clocklock (std::timed_mutex::try_lock_for,
// Database's writer turn) and pthread_cond_clockwait (condition_variable::wait_for and
// wait_until on steady_clock). The TSan runtime of GCC 12 (and of LLVM before 18) does
// not intercept either (llvm/llvm-project#62623, google/sanitizers#1620): it misses the
// lock and reports "unlock of an unlocked mutex" and races that a mutex does prevent.
// These definitions take the place of glibc's and go through the timed variants TSan
// does intercept, with the deadline moved onto CLOCK_REALTIME. Test builds only: a jump
// of the wall clock during a wait would shift its deadline.
#include <pthread.h>
#include <time.h>

namespace {

timespec OnRealtime(clockid_t clock, const timespec* deadline) {
  if (clock == CLOCK_REALTIME) return *deadline;
  timespec now_clock{}, now_real{};
  clock_gettime(clock, &now_clock);
  clock_gettime(CLOCK_REALTIME, &now_real);
  constexpr long long kNs = 1000000000LL;
  const long long left =
      (deadline->tv_sec - now_clock.tv_sec) * kNs + (deadline->tv_nsec - now_clock.tv_nsec);
  const long long at = now_real.tv_sec * kNs + now_real.tv_nsec + left;
  timespec out{};
  out.tv_sec = static_cast<time_t>(at / kNs);
  out.tv_nsec = static_cast<long>(at % kNs);
  return out;
}

}  // namespace

extern "C" int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                       const timespec* deadline) noexcept {
  const timespec at = OnRealtime(clock, deadline);
  return pthread_mutex_timedlock(mutex, &at);
}

extern "C" int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                      const timespec* deadline) {
  const timespec at = OnRealtime(clock, deadline);
  return pthread_cond_timedwait(cond, mutex, &at);
}
