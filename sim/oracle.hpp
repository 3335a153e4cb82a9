// The invariant oracle: checks a finished simulated run from what the clients saw. Each check is
// a property the server promises (docs/simulation.md lists them):
//   room order   every member of a room receives its messages in one total order
//   no strays    no room line reaches a client that is not in that room, and none arrives twice
//   no loss      a line reaches every member that stays connected and in the room
//   sync order   once the sender has the reply to a later /who (IRC: PONG), every member
//                receives the line before the reply to anything it sends from then on (the
//                ordering guarantee)
//   logins       names appear in rooms only after that name logged in; an IRC nick that is
//                an account is registered (or renamed to) only with its password (SASL or PASS)
//   sender attribution  every copy of a line names its sender as it was called when it sent
//                it (an IRC rename applies to the lines sent after its NICK echo)
//   queue bound  what waits for a slow reader never exceeds its bound
//   liveness     once faults stop, every final /who probe (IRC: PING) is answered
//   no echo      a session never gets its own chat line back (IRC echo-message: exactly once)
//   login / name progress
//                a right password for a name no live session holds logs in; a nick whose
//                holder ended is free again (no "already logged in" / 433 without a holder)
//   membership agreement
//                a /who reply lists every live session that believes it is in the room
//                throughout, and only names whose session was (or may have been) there
//   topic agreement  an IRC topic answer (332/331 to a JOIN or TOPIC query) is the topic a
//                member in the channel throughout had when it was asked
//   away reply   a PRIVMSG to a nick gets one 301 with its holder's away message if that
//                session is away, none if not (when both were settled)
// Line-protocol and IRC sessions are checked by the same rules (docs/simulation.md).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/faults.hpp"
#include "sim/random_client.hpp"

namespace parley::sim {

struct oracle_input {
  std::vector<session*> sessions;
  const fault_plan* faults = nullptr;
  std::uint64_t max_output_bytes = 0;
  std::uint64_t max_unflushed_seen = 0;
  vtime end_of_run{0};
  /// Accounts that exist from the start, with their passwords (scenario files). Any other
  /// account's password is random_client::password_for(name).
  std::map<std::string, std::string> accounts;
  /// If set, how often each rule checked something, by the rule's stable name ("no-echo",
  /// "login-progress", "room-order", ...; docs/simulation.md lists them). Added to, not reset.
  std::map<std::string, std::uint64_t>* rule_checks = nullptr;
};

/// The stable names of every rule check_invariants counts in oracle_input::rule_checks.
const std::vector<std::string>& oracle_rule_names();

/// Every violation found, each a readable sentence with the virtual time it concerns.
std::vector<std::string> check_invariants(const oracle_input& in);

} // namespace parley::sim
