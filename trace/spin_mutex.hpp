// A lock for the tracer's short critical sections (numbering an event and copying its line into
// the file, or one mailbox link in or out). Under contention std::mutex puts the waiter to sleep
// in the kernel at once, and the futex wait and wake around a section of a few hundred
// nanoseconds cost more than the section: with tracing on, 5% of the live server's time went
// there. This one spins briefly, then yields the core, so a holder that was preempted (or is
// taking a page fault on the trace file) still gets to run on a 2-core machine, and after many
// yields sleeps in short naps: the rare long section (mapping the next window of the trace
// file, or the write(2) fallback) must not keep waiters busy for milliseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace parley::trace {

class spin_mutex {
public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire))
      wait_until_free();
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
  void wait_until_free() const noexcept {
    for (int tries = 0; locked_.load(std::memory_order_relaxed); ++tries) {
      if (tries < max_spins)
        relax();
      else if (tries < max_spins + max_yields)
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(std::chrono::microseconds{50});
    }
  }
  static void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  // Spinning: 128 pauses are 0.5 to 5 microseconds, depending on the CPU: about what a section
  // takes, far less than a time slice. Then up to 64 yields before napping.
  static constexpr int max_spins = 128;
  static constexpr int max_yields = 64;
  std::atomic<bool> locked_{false};
};

} // namespace parley::trace
