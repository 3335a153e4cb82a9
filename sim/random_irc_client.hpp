// A random IRC client of a simulated run: the IRC counterpart of random_client, on the same
// names, rooms (channel #lobby is room lobby) and fault plan, with everything drawn from its own
// seeded stream. It registers (NICK/USER, sometimes with a CAP negotiation, SASL PLAIN or PASS,
// sometimes with a wrong password or a nick that is taken or reserved), joins (sometimes with the
// run's channel key) and parts channels, talks to channels (PRIVMSG, CTCP ACTION, NOTICE) and to
// live nicks, changes its nick, and uses what a channel operator has: KICK, MODE (+o/-o, +v/-v,
// +m, +t, +n, +s, +i, +k, +l, +b and their removals), TOPIC and INVITE; it goes AWAY and back,
// becomes server operator (OPER, when its nick is one of the run's operator accounts; now and
// then with a wrong password or an account that is not one) and then KILLs nicks it has seen,
// pipelines several commands back to back, sends bad input (over-long lines, unknown and
// malformed commands, commands out of place), probes with PING, quits, disconnects and comes
// back. Which actions it takes, and how often, comes from the run's weights (irc_swarm_weights,
// drawn once per run from its seed and shared by all its IRC clients: swarm testing). Each
// connection is a session with its own transcript, for the oracle.
//
// Like the line client it keeps its own view of its channels exact: a JOIN, PART or NICK is
// followed by a PING "sentinel", and nothing else is sent until that PONG is in. The connection
// handles lines in order, so by then the command has had its answer (the echo, an error numeric,
// or nothing at all for a channel it is already in). Its name changes when its own NICK echo
// arrives; a KICK of itself (":op!u@h KICK #chan me :reason") takes it out of that channel at
// once, whenever it comes. Ordinary PING probes are pipelined.
#pragma once

#include <map>
#include <set>

#include "sim/random_client.hpp"

namespace parley::sim {

/// A line an IRC server sent, cut into its parts (the simulator's own reading, independent of
/// the server's parser): ":prefix COMMAND middle... :trailing".
struct irc_line {
  std::string prefix;              ///< without the ':'; empty if none
  std::string command;             ///< as sent (numerics are three digits)
  std::vector<std::string> params; ///< the trailing one without its ':'

  /// The nick of a "nick!user@host" prefix; empty for a server prefix.
  std::string nick() const;
  const std::string& param(std::size_t i) const;
};

irc_line split_irc_line(const std::string& line);

/// One channel mode change of a MODE line ("+o-v bob carol" gives +o bob, -v carol): the
/// letters that take an argument (o, v, b, k, and l when set) take the next one.
struct irc_mode_change {
  bool plus = true;
  char mode = 0;
  std::string arg;
};

/// The changes of ":nick MODE #chan letters args..." (params from index 1 on).
std::vector<irc_mode_change> split_irc_modes(const irc_line& m);

/// What a random IRC client may do at a step; each has a weight per run (client_mix::irc_weights).
enum class irc_action : unsigned {
  say, action, notice, probe, join, part, join_zero, private_msg, query, bad_input, burst, quit,
  disconnect, nick, kick, mode, topic, invite, away, pipeline, oper, kill, idle, count_
};

/// The name of an action kind, for reports and tests ("say", "kick", ...).
const char* irc_action_name(irc_action a);

/// The default share of each action (per mille of a step), as the docs' table lists them.
const std::vector<unsigned>& irc_default_weights();

/// The weights of one swarm run, from its seed: each kind is on with probability 0.8, with a
/// weight between 1 and twice its default; `idle` is always on, so a step can always do nothing.
std::vector<unsigned> irc_swarm_weights(std::uint64_t seed);

class random_irc_client : public random_agent {
public:
  random_irc_client(world& w, int index, prng rng, const client_mix& mix, fault_plan& faults);

  void start(vtime at, vtime until) override;

  /// The end of the run: resume reading and send a final PING probe if registered.
  void finish() override;

  std::vector<session>& sessions() override { return sessions_; }
  std::uint64_t chat_lines_sent() const override { return chat_lines_; }

  /// The SASL PLAIN payload (base64 of "\0account\0password"), as sent in AUTHENTICATE.
  static std::string sasl_plain(const std::string& account, const std::string& password);

private:
  session& current() { return sessions_.back(); }
  void new_session();
  void schedule_tick();
  void tick();
  void read_lines();
  void on_line(const std::string& line);
  bool faults_tick();
  void begin_registration();
  void send_sasl_payload();
  void end_cap();
  void retry_nick(bool same);
  void act();
  std::string pick_channel();
  void chat(const std::string& kind);
  void probe(bool sentinel);
  void membership(const std::string& command);
  void query();
  void bad_input();
  void perform(irc_action a);
  irc_action draw_action();
  void change_nick();
  void kick();
  void change_mode();
  std::pair<std::string, std::string> pick_mode_change(const std::string& room);
  void set_topic();
  void invite();
  void away();
  void private_message();
  void pipeline();
  void oper();
  void kill();
  void join_some_room();
  std::string other_member(const std::string& room);
  std::string managed_channel();
  bool flooding();
  void on_own_kick(const std::string& room);
  void track_members(const irc_line& m);

  world& w_;
  int index_;
  prng rng_;
  const client_mix& mix_;
  fault_plan& faults_;
  std::vector<session> sessions_;
  vtime until_{0};

  // Per session.
  bool started_ = false;      ///< the registration lines were sent
  bool registered_ = false;   ///< 001 received
  std::string nick_;          ///< the nick asked for last
  bool cap_open_ = false;     ///< a CAP negotiation is open (CAP END not sent yet)
  enum class sasl_step { none, want_plus, sent_payload, done } sasl_ = sasl_step::none;
  std::string sasl_account_;
  std::set<std::string> channels_; ///< rooms this session is in, from its JOIN/PART echoes
  std::uint64_t room_epoch_ = 0;
  std::string sentinel_;           ///< the PING token whose PONG ends a membership wait
  std::string parting_;            ///< the room of a PART in flight
  /// Best effort (not needed exact): who is in each of its channels, whether it is operator
  /// there, and the bans it saw set; used only to pick targets for KICK, MODE and INVITE.
  std::map<std::string, std::set<std::string>> members_;
  std::set<std::string> op_in_;
  std::map<std::string, std::set<std::string>> bans_;
  std::map<std::string, std::set<char>> modes_; ///< the flags, key and limit it believes set
  std::map<std::string, std::set<std::string>> status_; ///< "o" or "v" + nick, per channel
  vtime flood_clock_{0};         ///< its estimate of the server's flood-control clock for it
  std::size_t flood_counted_ = 0; ///< sent lines counted into flood_clock_
  bool stalled_ = false;
  bool oper_ = false;            ///< a server operator: 381 received, no "MODE me -o" since

  bool gone_ = false; ///< this client's last session ended and no new one is wanted
  std::uint64_t chat_lines_ = 0;
  std::uint64_t next_tag_ = 0;
};

} // namespace parley::sim
