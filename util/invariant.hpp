// PARLEY_INVARIANT(cond, "what broke"): a check of an invariant that stays on in every build
// (RelWithDebInfo defines NDEBUG, which turns assert() off). A broken invariant means the state
// can no longer be trusted, so it prints file:line, the message and the condition to stderr and
// aborts: the simulator then shows the seed that breaks it, and a live server stops instead of
// fanning out wrong lines. Keep the conditions cheap: they run in the live server.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace parley {

/// Reports a failed PARLEY_INVARIANT and aborts. Out of line and cold, so that a check costs
/// the code that makes it one predicted branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void invariant_failed(const char* file, int line,
                                                                 const char* condition,
                                                                 const char* what) noexcept {
  std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", file, line, what, condition);
  std::fflush(stderr);
  std::abort();
}

} // namespace parley

#define PARLEY_INVARIANT(cond, what)                                                             \
  (__builtin_expect(static_cast<bool>(cond), 1)                                                  \
     ? static_cast<void>(0)                                                                      \
     : ::parley::invariant_failed(__FILE__, __LINE__, #cond, (what)))
