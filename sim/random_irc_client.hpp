// A random IRC client of a simulated run: the IRC counterpart of random_client, on the same
// names, rooms (channel #lobby is room lobby) and fault plan, with everything drawn from its own
// seeded stream. It registers (NICK/USER, sometimes with a CAP negotiation, SASL PLAIN or PASS,
// sometimes with a wrong password or a nick that is taken or reserved), joins and parts channels,
// talks to channels (PRIVMSG, CTCP ACTION, NOTICE) and nicks, sends bad input (over-long lines,
// unknown and malformed commands, commands out of place), probes with PING, quits, disconnects
// and comes back. Each connection is a session with its own transcript, for the oracle.
//
// Like the line client it keeps its own view of its channels exact: a JOIN or PART is followed by
// a PING "sentinel", and nothing else is sent until that PONG is in. The connection handles
// lines in order, so by then the JOIN or PART has had its answer (the echo, an error numeric, or
// nothing at all for a channel it is already in). Ordinary PING probes are pipelined.
#pragma once

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
  bool stalled_ = false;

  bool gone_ = false; ///< this client's last session ended and no new one is wanted
  std::uint64_t chat_lines_ = 0;
  std::uint64_t next_tag_ = 0;
};

} // namespace parley::sim
