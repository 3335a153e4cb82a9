// Invariant checks that stay on in every build, the live server's RelWithDebInfo included (it
// defines NDEBUG, which turns plain assert() off): a broken invariant prints where and what to
// stderr and aborts, rather than letting the server run on with state that no longer agrees.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace parley::util {

/// Reports a failed PARLEY_INVARIANT and aborts. Out of line and cold, so that a check costs
/// the code that makes it one predicted branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void invariant_failed(const char* file, int line,
                                                                 const char* condition,
                                                                 const char* what) noexcept {
  std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", file, line, what, condition);
  std::fflush(stderr);
  std::abort();
}

} // namespace parley::util

/// Checks `cond`; if it is false, prints file:line, `msg` (a string literal saying what broke)
/// and the condition to stderr and aborts. Keep conditions cheap: they run in release builds.
#define PARLEY_INVARIANT(cond, msg)                                                              \
  (__builtin_expect(static_cast<bool>(cond), 1)                                                 \
     ? static_cast<void>(0)                                                                      \
     : ::parley::util::invariant_failed(__FILE__, __LINE__, #cond, msg))
