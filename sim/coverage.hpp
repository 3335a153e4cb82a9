// Coverage of the swarm: how often simulated runs exercised each message type, each actor
// handler, each session command and each oracle rule, and which of them they never exercised,
// so that a blind spot of the swarm shows before a bug hides in it (docs/simulation.md,
// "Coverage"). `parley sim --coverage` prints the report; ctest checks the seed range against
// tests/coverage_allow.txt.
//
// What exists (the universe) is read from the code: the handlers from the typed actor
// interfaces' signatures (actors/*.hpp, net/transport.hpp), the session commands from the two
// command tables (session_kind::command_names), the rules from the oracle (sim/oracle.hpp).
// What was exercised is counted while runs go: a world_observer sees every message an actor
// handles, and the connections' command tables tell a hook which command they dispatch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/world.hpp"

namespace parley::sim::coverage {

/// Counts by name in one category; ordered, so reports and sums are the same everywhere.
using tally = std::map<std::string, std::uint64_t>;

/// What runs exercised. Names never contain a newline.
struct counts {
  std::uint64_t runs = 0;
  /// "KIND <- TYPE": messages of TYPE an actor of KIND handled ("room <- post_line",
  /// "connection <- join_room_result", "listener <- down_msg"). KIND is "?" for an actor whose
  /// interface no message has told yet (see counter).
  tally messages;
  /// "KIND.TYPE": messages of TYPE, one of KIND's interface's own message types, that an actor
  /// of KIND handled; the universe is every such pair of the server's interfaces
  /// (handler_names()). The simulator's own actors (chaos) show under messages only.
  tally handlers;
  /// "line /join", "irc PRIVMSG": lines a session's command table handed to that command's
  /// handler (so not lines refused before it: an IRC command before registration or with too
  /// few parameters, a line-protocol command given an argument it does not take).
  tally commands;
  /// Oracle rule name -> how many things the rule checked (oracle_input::rule_checks).
  tally rules;

  void add(const counts& other);
};

/// A typed actor interface of the server: its kind (as counts name it) and message types.
struct interface_info {
  std::string kind;
  std::vector<std::string> inputs;  ///< the types its handlers take
  std::vector<std::string> replies; ///< the types its handlers answer with
  bool server = true;               ///< false: the simulator's own (no handler entries)
};

/// Every interface, derived at compile time from the typed actor handles.
const std::vector<interface_info>& interfaces();

/// The universe of each category, as counts name its entries, sorted.
std::vector<std::string> message_type_names(); ///< every input and reply type of the server's
std::vector<std::string> handler_names();      ///< "KIND.TYPE" of the server's interfaces
std::vector<std::string> command_names();      ///< "line /join", ..., "irc CAP", ...
std::vector<std::string> rule_names();         ///< the oracle's rules

/// Counts one run as it goes: install it as (or behind) the world's observer, and install its
/// command hook in the server's config before the world is made. Counting costs a lookup per
/// message; nothing is counted, nor paid for, in runs without a counter.
class counter : public world_observer {
public:
  counter();
  ~counter() override;
  counter(const counter&) = delete;
  counter& operator=(const counter&) = delete;

  /// Sets the command hook of every listener in `cfg` (line and IRC).
  void observe_commands(server_config& cfg);
  void on_step(vtime, std::uint64_t receiver, const std::string& content) override;
  /// Counts a command a session's table dispatched (what the hook calls).
  void on_command(const char* session, const char* command);
  /// The counts so far (messages, handlers, commands; runs and rules are the caller's).
  counts result() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The type name of a message as caf::to_string renders its content: "(post_line(...))" ->
/// "post_line"; "(down_msg(...))" -> "down_msg".
std::string_view message_type(std::string_view content);

/// The entries of each category's universe that `c` never exercised, by category
/// ("messages", "handlers", "commands", "rules"); messages by type name.
std::map<std::string, std::vector<std::string>> never_exercised(const counts& c);

/// The human report: per category a table of counts (the universe's entries at 0 included)
/// and the list of entries never exercised.
std::string report(const counts& c);

/// The report as JSON: {"runs":N,"messages":{...},...,"never":{"handlers":[...],...}}.
std::string report_json(const counts& c);

/// A machine-readable block for a swarm worker to hand its sums to the parent: one line per
/// entry, "cov CATEGORY COUNT NAME". parse_line adds one such line to `c`; false if the line is
/// not one.
std::string serialize(const counts& c);
bool parse_line(const std::string& line, counts& c);

/// Checks `c` against an allow-list (tests/coverage_allow.txt): every handler and session
/// command must have been exercised unless listed, and every listed entry must exist, carry a
/// reason and still be unexercised (the list may only shrink). One sentence per problem.
std::vector<std::string> check_allow_list(const counts& c, const std::string& allow_text);

} // namespace parley::sim::coverage
