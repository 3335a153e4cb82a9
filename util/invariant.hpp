// PARLEY_INVARIANT(cond, "what broke"): a check of an invariant that stays on in every build
// (RelWithDebInfo defines NDEBUG, which turns assert() off). A broken invariant means the state
// can no longer be trusted, so it prints file:line and the message to stderr and aborts: the
// simulator then shows the seed that breaks it, and a live server stops instead of fanning out
// wrong lines. Keep the conditions cheap: they run in the live server.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace parley {

[[noreturn]] inline void invariant_failed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

} // namespace parley

#define PARLEY_INVARIANT(cond, what)                                                             \
  ((cond) ? static_cast<void>(0) : ::parley::invariant_failed(__FILE__, __LINE__, (what)))
