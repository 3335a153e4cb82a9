// The simulator's only source of randomness: a small seeded generator with its own arithmetic
// (std distributions differ between standard libraries, which would break replay across builds).
#pragma once

#include <cstdint>

#include <cstddef>

namespace parley::sim {

/// Fuzzing the whole server (fuzz/fuzz_sim.cpp, docs/fuzzing.md): while a tape is installed,
/// every generator draws from its bytes first, in the order the run draws, and from its own
/// stream once they are used up. So a fuzzer's input decides the run's first choices (the
/// strategy, faults, client mix, the first actions and delays) and coverage guidance steers
/// them. Never installed outside fuzz targets; one run at a time.
struct entropy_tape {
  const unsigned char* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;

  bool left() const { return pos < size; }

  /// The next `n` bytes (fewer at the end), big-endian.
  std::uint64_t take(std::size_t n) {
    std::uint64_t v = 0;
    for (; n > 0 && pos < size; --n)
      v = (v << 8) | data[pos++];
    return v;
  }
};

/// The installed tape, or null (the only case outside fuzz targets).
inline entropy_tape*& installed_tape() {
  static entropy_tape* tape = nullptr;
  return tape;
}

class prng {
public:
  explicit prng(std::uint64_t seed) : state_(seed) {}

  /// splitmix64: fast, and every seed (0 included) gives a good stream.
  std::uint64_t next() {
    if (auto* tape = installed_tape(); tape && tape->left())
      return tape->take(8);
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, n); n > 0. The modulo bias is irrelevant for the small n used here.
  std::uint64_t below(std::uint64_t n) {
    if (auto* tape = installed_tape(); tape && tape->left()) // one byte per choice of <= 256
      return tape->take(n <= 256 ? 1 : n <= 65536 ? 2 : 8) % n;
    return next() % n;
  }

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
