// What the fuzz targets share: FUZZ_CHECK, an assertion that holds in every build (the replay
// build is RelWithDebInfo, where assert() is compiled out), and the libFuzzer entry point's
// declaration. A failed check prints the condition and aborts, which libFuzzer reports as a
// crash and saves the input; replay_main.cpp, which runs the checked-in inputs under ctest,
// fails the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace parley::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

} // namespace parley::fuzz
