// Hand-made IRC transcripts for oracle tests: a simulated world with an IRC listener whose
// sessions the test drives by hand, playing the server's side of each connection itself (the
// real server only answers PINGs and refuses the rest with 451, lines the oracle skips). The
// oracle then judges the transcripts as it judges a swarm run's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/oracle.hpp"
#include "sim/run.hpp"

namespace parley::testing {

struct irc_transcripts {
  sim::world w{options()};
  std::vector<sim::session> sessions;
  std::map<std::string, std::uint64_t> counts; ///< the oracle's rule counts of verdict()

  irc_transcripts() { sessions.reserve(8); } // add() hands out references

  static sim::world_options options() {
    sim::world_options wo;
    wo.server.irc_listener = wo.server.listener;
    return wo;
  }

  /// Virtual time moves on only to the next event: an empty one marks the end of the pause.
  void pass(sim::vtime d) {
    auto until = w.now() + d;
    w.events().at(until, [] {});
    w.run_until(until);
  }

  /// An IRC session called `nick` (the test says its 001 when it wants one).
  sim::session& add(const std::string& label, const std::string& nick) {
    sim::session s;
    s.irc = true;
    s.name = nick;
    s.logged_in = true;
    s.endpoint = std::make_unique<sim::client>(w, label);
    s.endpoint->connect(sim::irc_endpoint);
    sessions.push_back(std::move(s));
    pass(std::chrono::milliseconds{100});
    return sessions.back();
  }

  void server_says(sim::session& s, const std::string& line) {
    w.net().server_write(s.endpoint->id(), shared_text{line + "\r\n"});
    pass(std::chrono::milliseconds{100});
  }

  void sends(sim::session& s, const std::string& line) {
    s.endpoint->send_line(line);
    pass(std::chrono::milliseconds{100});
  }

  std::vector<std::string> verdict() {
    sim::oracle_input in;
    for (auto& s : sessions)
      in.sessions.push_back(&s);
    in.max_output_bytes = 1 << 20;
    in.rule_checks = &counts;
    return sim::check_invariants(in);
  }
};

inline bool any_contains(const std::vector<std::string>& v, const std::string& part) {
  for (const auto& x : v)
    if (x.find(part) != std::string::npos)
      return true;
  return false;
}

} // namespace parley::testing
