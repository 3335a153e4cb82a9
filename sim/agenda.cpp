// Durations for the simulator's command line and reports (see agenda.hpp).
#include "sim/agenda.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace parley::sim {

std::optional<vtime> parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  if (!std::isfinite(value) || value < 0) // stod reads "inf" and "nan" too
    return std::nullopt;
  auto unit = text.substr(used);
  double seconds;
  if (unit == "ns")
    seconds = value / 1e9;
  else if (unit == "us")
    seconds = value / 1e6;
  else if (unit == "ms")
    seconds = value / 1000;
  else if (unit == "s" || unit.empty())
    seconds = value;
  else if (unit == "m")
    seconds = value * 60;
  else if (unit == "h")
    seconds = value * 3600;
  else
    return std::nullopt;
  // vtime holds about 292 years; converting more would be undefined (found by fuzz_scenario).
  if (!(seconds * 1e9 < 9e18))
    return std::nullopt;
  return vtime{static_cast<vtime::rep>(seconds * 1e9)};
}

std::string format_vtime(vtime t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(t.count()) / 1e9);
  return buf;
}

} // namespace parley::sim
