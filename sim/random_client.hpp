// A random client of a simulated run: everything it does is drawn from its own seeded stream.
// It registers or logs in (sometimes with a wrong password or a name in use), joins and parts
// rooms, talks, sends private messages and bad input (long lines, binary, NUL, bare CRs),
// probes with /who, pipelines several commands, reads slowly, disconnects and comes back. Each
// run weights the kinds of action differently (swarm testing: client_mix::line_weights). Each connection is a session with
// its own transcript, which the oracle checks afterwards. The IRC counterpart, which speaks IRC
// on the same rooms, is in random_irc_client.hpp; both are `random_agent`s.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/client.hpp"
#include "sim/faults.hpp"

namespace parley::sim {

/// A chat line or /who probe a session sent, with the room it was in when it sent it.
/// Membership commands are synchronous (nothing else is sent until their reply), so the
/// client's own view of its room is the server's view when the line is handled.
struct sent_record {
  std::size_t sent_index; ///< into endpoint->sent()
  std::string room;       ///< IRC probes: empty (a PING is no room's)
  std::uint64_t room_epoch; ///< counts the session's membership changes
  std::string tag;          ///< chat lines: the unique first word; probes: the IRC PING token
                            ///< (empty for a /who)
};

/// One connection of a random client, as the oracle sees it.
struct session {
  std::unique_ptr<client> endpoint;
  std::string name;         ///< the name it logged in as (empty if it never did)
  bool logged_in = false;
  std::vector<sent_record> chats;
  std::vector<sent_record> probes;
  bool reset = false;       ///< ended by an injected fault (bytes in flight may be lost)
  bool irc = false;         ///< speaks IRC: its name is its nick, its probes are PINGs
};

/// The kinds of action a line-protocol random client draws from (docs/simulation.md).
enum class line_action : std::size_t {
  chat, me, who, join, part, msg, msg_live, rooms, bad_input, burst, pipeline, help, quit,
  disconnect, idle,
  count_ // the number of kinds
};

/// The weight of each line_action; 0 switches the kind off for the run.
using action_weights = std::vector<std::uint32_t>;

/// The fixed table of a run without swarm weights (the shares of docs/simulation.md).
action_weights default_line_weights();

/// Swarm testing: each kind is on with probability 0.8 and gets a weight from 1 to 10, drawn
/// once per run and shared by all its line clients, so that each seed stresses a different mix.
action_weights swarm_line_weights(prng& rng);

struct client_mix {
  std::vector<std::string> names; ///< shared pool: collisions give "already logged in"
  std::vector<std::string> rooms; ///< rooms to join besides the lobby
  vtime min_think = std::chrono::milliseconds{20};
  vtime max_think = std::chrono::milliseconds{800};
  /// Line clients' action weights, indexed by line_action; empty: default_line_weights().
  action_weights line_weights;
  /// IRC clients' action weights, one per irc_action (random_irc_client.hpp), drawn once per
  /// run from its seed (swarm testing); empty: the default shares.
  std::vector<unsigned> irc_weights;
  /// The accounts the run's IRC listener lets become server operators (OPER), from `names`.
  std::vector<std::string> irc_operators;
};

/// What a run needs of a random client, whichever protocol it speaks.
class random_agent {
public:
  virtual ~random_agent() = default;

  /// Starts acting at `at`; stops starting new actions after `until`.
  virtual void start(vtime at, vtime until) = 0;

  /// The end of the run: resume reading and send a final probe if logged in.
  virtual void finish() = 0;

  virtual std::vector<session>& sessions() = 0;
  virtual std::uint64_t chat_lines_sent() const = 0;
};

/// The words random chat lines are made of (one of them UTF-8).
const std::vector<std::string>& chat_words();

/// The client-side faults of one action, drawn for every random client (line or IRC) alike:
/// an abrupt reset, a half-close, or a toggle of a stalled reader. True if the session ended.
bool client_faults_tick(world& w, session& s, const fault_plan& faults, prng& rng, bool& stalled);

class random_client : public random_agent {
public:
  random_client(world& w, int index, prng rng, const client_mix& mix, fault_plan& faults);

  void start(vtime at, vtime until) override;

  /// The end of the run: resume reading and send a final /who probe if logged in.
  void finish() override;

  std::vector<session>& sessions() override { return sessions_; }
  static std::string password_for(const std::string& name) { return "pw-" + name + "-ok"; }
  std::uint64_t chat_lines_sent() const override { return chat_lines_; }

private:
  session& current() { return sessions_.back(); }
  void tick();
  void schedule_tick();
  void read_lines();
  void on_line(const std::string& line);
  void act();
  void chat(bool action);
  void bad_input();
  void new_session();
  void probe();
  line_action draw_action(bool in_room);
  void perform(line_action a);
  void pipeline();
  void message_live_name();
  void learn_names(const std::string& line);

  world& w_;
  int index_;
  prng rng_;
  const client_mix& mix_;
  fault_plan& faults_;
  std::vector<session> sessions_;
  vtime until_{0};
  bool faults_tick();
  void membership(const std::string& command);

  bool logged_in_ = false;
  bool probing_ = false;
  bool awaiting_membership_ = false;
  bool awaiting_part_ = false; ///< the membership command awaited is a /part
  std::string room_;        ///< the room this session believes it is in
  std::uint64_t room_epoch_ = 0;
  bool stalled_ = false;
  bool gone_ = false; ///< this session ended and no new one is wanted
  std::uint64_t chat_lines_ = 0;
  std::uint64_t next_tag_ = 0;
  action_weights weights_;
  /// Names this client saw in rooms (/who replies, joined notices): whom it sends private
  /// messages to, as a person writes to someone present. Sorted, for determinism.
  std::vector<std::string> seen_names_;
};

} // namespace parley::sim
