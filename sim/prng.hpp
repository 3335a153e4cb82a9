// The simulator's only source of randomness: a small seeded generator with its own arithmetic
// (std distributions differ between standard libraries, which would break replay across builds).
#pragma once

#include <cstdint>

namespace parley::sim {

class prng {
public:
  explicit prng(std::uint64_t seed) : state_(seed) {}

  /// splitmix64: fast, and every seed (0 included) gives a good stream.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, n); n > 0. The modulo bias is irrelevant for the small n used here.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

  /// Uniform in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }

  /// True with probability `per_mille` / 1000.
  bool chance(std::uint64_t per_mille) { return below(1000) < per_mille; }

  /// A child generator for an independent stream (one per client, one for the network, ...).
  prng fork() { return prng{next()}; }

private:
  std::uint64_t state_;
};

} // namespace parley::sim
