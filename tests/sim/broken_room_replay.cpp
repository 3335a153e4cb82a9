// Replays one simulated run with the deliberately broken room of support/lossy_room.hpp:
// `broken_room_replay --seed N --clients K --duration D [--faults LIST]`, the command the bug
// hunt test prints. Exits 1 when the oracle reports a violation, as `parley sim` does.
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <string>

#include "sim/run.hpp"
#include "tests/support/lossy_room.hpp"

int main(int argc, char** argv) {
  parley::sim::run_options o;
  o.make_room = parley::testing::spawn_lossy_room;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--seed")
      o.seed = std::stoull(value);
    else if (key == "--clients")
      o.clients = std::stoul(value);
    else if (key == "--duration")
      o.duration = parley::sim::parse_duration(value).value_or(o.duration);
    else if (key == "--strategy")
      o.strategy = value;
    else if (key == "--activity")
      o.activity_per_minute = std::stod(value);
    else if (key == "--faults")
      for (std::size_t pos = 0; pos <= value.size();) {
        auto comma = std::min(value.find(',', pos), value.size());
        o.faults.push_back(value.substr(pos, comma - pos));
        pos = comma + 1;
      }
  }
  auto r = parley::sim::run_simulation(o);
  for (const auto& v : r.violations)
    std::printf("VIOLATION %s\n", v.c_str());
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(o.seed), r.ok() ? "ok" : "FAILED");
  return r.ok() ? 0 : 1;
}
