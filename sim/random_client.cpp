// Random clients (see random_client.hpp).
#include "sim/random_client.hpp"

#include <algorithm>

namespace parley::sim {

const std::vector<std::string>& chat_words() {
  static const std::vector<std::string> words{"hello",  "there",  "how",    "are",   "you",
                                              "fine",   "thanks", "parley", "actors", "seeds",
                                              "replay", "lobby",  "coffee", "ok",
                                              "\xc3\xa9t\xc3\xa9"};
  return words;
}

random_client::random_client(world& w, int index, prng rng, const client_mix& mix,
                             fault_plan& faults)
  : w_(w), index_(index), rng_(rng), mix_(mix), faults_(faults),
    weights_(mix.line_weights.empty() ? default_line_weights() : mix.line_weights) {}

void random_client::start(vtime at, vtime until) {
  until_ = until;
  w_.events().at(at, [this] {
    new_session();
    schedule_tick();
  });
}

void random_client::new_session() {
  session s;
  s.endpoint = std::make_unique<client>(w_, "c" + std::to_string(index_) + "." +
                                              std::to_string(sessions_.size()));
  s.endpoint->connect();
  sessions_.push_back(std::move(s));
  logged_in_ = probing_ = stalled_ = awaiting_membership_ = false;
  room_.clear();
}

void random_client::schedule_tick() {
  auto lo = static_cast<std::uint64_t>(mix_.min_think.count());
  auto hi = static_cast<std::uint64_t>(mix_.max_think.count());
  w_.events().at(w_.now() + vtime{static_cast<vtime::rep>(rng_.between(lo, hi))},
                 [this] { tick(); });
}

void random_client::tick() {
  if (gone_)
    return;
  read_lines();
  auto& ep = *current().endpoint;
  bool ended = ep.closed_by_server() || ep.refused() || !ep.connected();
  if (ended && ep.id() != 0 && (ep.refused() || w_.net().view(ep.id()).accepted)) {
    // This session is over: maybe come back later as a new one.
    if (w_.now() < until_ && rng_.chance(700))
      new_session();
    else if (w_.now() >= until_) {
      gone_ = true;
      return;
    }
  } else if (w_.now() < until_ && !faults_tick() && !probing_ && !awaiting_membership_) {
    act();
  }
  if (w_.now() < until_ || probing_)
    schedule_tick();
}

void random_client::read_lines() {
  for (const auto& line : current().endpoint->take_new_lines())
    on_line(line);
}

void random_client::on_line(const std::string& line) {
  auto& s = current();
  auto starts = [&](const char* p) { return line.rfind(p, 0) == 0; };
  learn_names(line);
  if (line == "*** Name?") {
    // Mostly a name from the pool; now and then an invalid one.
    s.name = mix_.names[rng_.below(mix_.names.size())];
    s.endpoint->send_line(rng_.chance(30) ? std::string{"9 bad name"} : s.name);
  } else if (starts("*** Password for ")) {
    s.endpoint->send_line(rng_.chance(100) ? std::string{"wrong-password"} : password_for(s.name));
  } else if (starts("*** New account ")) {
    s.endpoint->send_line(password_for(s.name));
  } else if (starts("*** Logged in as ")) {
    logged_in_ = s.logged_in = true;
    awaiting_membership_ = true; // the lobby join follows
  } else if (starts("*** You are in no room now.")) {
    room_.clear(); // removed without asking (kicked): no reply is awaited
    ++room_epoch_;
  } else if (starts("*** You are in ")) {
    auto rest = line.substr(15);
    room_ = rest.substr(0, rest.find(' '));
    ++room_epoch_;
    awaiting_membership_ = false;
  } else if (starts("*** You left ") || (starts("ERROR room ") && line.find(" failed;") != std::string::npos)) {
    room_.clear();
    ++room_epoch_;
    awaiting_membership_ = false;
  } else if (starts("*** You are already in ") || starts("ERROR cannot join") ||
             starts("ERROR invalid room name")) {
    awaiting_membership_ = false;
  } else if (starts("*** Members of ")) {
    probing_ = false;
  } else if (starts("ERROR")) {
    // A failure answering a probe or membership command (injected faults) ends the wait. "Not
    // in a room" answers a /who or a /part, never a /join: when a /join is awaited it answers a
    // chat line pipelined before it, and the join's own answer is still to come.
    if (line.find("could not complete") != std::string::npos)
      probing_ = awaiting_membership_ = false;
    else if (starts("ERROR you are not in a room")) {
      probing_ = false;
      if (awaiting_part_)
        awaiting_membership_ = false;
    }
  }
}

void random_client::membership(const std::string& command) {
  awaiting_membership_ = true;
  awaiting_part_ = command == "/part";
  current().endpoint->send_line(command);
}

bool client_faults_tick(world& w, session& s, const fault_plan& faults, prng& rng,
                        bool& stalled) {
  auto& ep = *s.endpoint;
  if (!faults.enabled)
    return false;
  if (rng.chance(faults.reset_per_mille)) {
    s.reset = true;
    ep.reset();
    return true;
  }
  if (rng.chance(faults.half_close_per_mille)) {
    s.reset = true;
    w.net().client_half_close(ep.id());
    return true;
  }
  if (rng.chance(faults.stall_per_mille)) {
    stalled = !stalled;
    ep.set_reading(!stalled);
  }
  return false;
}

bool random_client::faults_tick() {
  return client_faults_tick(w_, current(), faults_, rng_, stalled_);
}

void random_client::probe() {
  auto& s = current();
  s.probes.push_back({s.endpoint->sent().size(), room_, room_epoch_, {}});
  s.endpoint->send_line("/who");
  probing_ = true;
}

void random_client::chat(bool action) {
  auto tag = "m" + std::to_string(index_) + "." + std::to_string(next_tag_++);
  std::string text = tag;
  for (auto n = rng_.between(1, 6); n > 0; --n)
    text += " " + chat_words()[rng_.below(chat_words().size())];
  ++chat_lines_;
  auto& s = current();
  s.chats.push_back({s.endpoint->sent().size(), room_, room_epoch_, tag});
  s.endpoint->send_line(action ? "/me " + text : text);
}

void random_client::bad_input() {
  auto& ep = *current().endpoint;
  switch (rng_.below(5)) {
    case 0: ep.send_raw(std::string(600 + rng_.below(2000), 'x') + "\r\n"); break;
    case 1: ep.send_raw("bin\xff\xfe\x80 data\r\n"); break;
    case 2: ep.send_raw(std::string("nul\0byte\r\n", 10)); break;
    case 3: ep.send_raw("\r\n"); break;
    default: ep.send_raw("/nosuchcommand\r"); break;
  }
}

action_weights default_line_weights() {
  action_weights w(static_cast<std::size_t>(line_action::count_), 0);
  auto set = [&w](line_action a, std::uint32_t v) { w[static_cast<std::size_t>(a)] = v; };
  set(line_action::chat, 40);
  set(line_action::me, 4);
  set(line_action::who, 14);
  set(line_action::join, 8);
  set(line_action::part, 3);
  set(line_action::msg, 8);
  set(line_action::rooms, 3);
  set(line_action::bad_input, 4);
  set(line_action::burst, 8);
  set(line_action::help, 1);
  set(line_action::quit, 1);
  set(line_action::disconnect, 1);
  set(line_action::idle, 5);
  set(line_action::msg_live, 4);
  set(line_action::pipeline, 4);
  return w;
}

// Swarm testing: each kind of action is on in a run with probability 0.8, at a weight between
// a quarter of and twice its default (at least 1), so runs differ in what they stress while
// chat stays the bulk of what clients do, as in the IRC client's weights.
action_weights swarm_line_weights(prng& rng) {
  auto w = default_line_weights();
  for (auto& x : w) {
    auto lo = std::max<std::uint64_t>(1, x / 4);
    auto hi = std::max<std::uint64_t>(lo, 2 * std::uint64_t{x});
    x = rng.chance(800) ? static_cast<std::uint32_t>(rng.between(lo, hi)) : 0;
  }
  return w;
}

namespace {

bool needs_room(line_action a) {
  return a == line_action::chat || a == line_action::me || a == line_action::who ||
         a == line_action::part || a == line_action::burst;
}

} // namespace

line_action random_client::draw_action(bool in_room) {
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < weights_.size(); ++k)
    if (in_room || !needs_room(static_cast<line_action>(k)))
      total += weights_[k];
  if (total == 0)
    return line_action::idle;
  auto roll = rng_.below(total);
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    if (!in_room && needs_room(static_cast<line_action>(k)))
      continue;
    if (roll < weights_[k])
      return static_cast<line_action>(k);
    roll -= weights_[k];
  }
  return line_action::idle;
}

void random_client::learn_names(const std::string& line) {
  auto add = [this](const std::string& name) {
    auto i = std::lower_bound(seen_names_.begin(), seen_names_.end(), name);
    if (!name.empty() && (i == seen_names_.end() || *i != name))
      seen_names_.insert(i, name);
  };
  if (line.rfind("*** Members of ", 0) == 0) {
    auto colon = line.find("): ");
    for (std::size_t pos = colon == std::string::npos ? line.size() : colon + 3;
         pos < line.size();) {
      auto sp = std::min(line.find(' ', pos), line.size());
      add(line.substr(pos, sp - pos));
      pos = sp + 1;
    }
  } else if (line.size() > 3 && line[0] == '[' && line.find("] *** ") != std::string::npos &&
             line.compare(line.size() - 7, 7, " joined") == 0) {
    auto from = line.find("] *** ") + 6;
    add(line.substr(from, line.find(' ', from) - from));
  }
}

void random_client::message_live_name() {
  auto& s = current();
  std::vector<const std::string*> others;
  for (const auto& n : seen_names_)
    if (n != s.name)
      others.push_back(&n);
  auto to = others.empty() ? mix_.names[rng_.below(mix_.names.size())]
                           : *others[rng_.below(others.size())];
  s.endpoint->send_line("/msg " + to + " hi " + std::to_string(next_tag_++));
}

// Several commands back to back without waiting, as a person pasting or a fast client does:
// talk, private messages and queries, then maybe one command that waits (a /who or a
// membership change), which comes last so that the client's view of its room stays exact.
void random_client::pipeline() {
  bool in_room = !room_.empty();
  auto& ep = *current().endpoint;
  for (auto n = rng_.between(2, 5); n > 0; --n) {
    switch (rng_.below(in_room ? 5 : 3)) {
      case 0: message_live_name(); break;
      case 1: ep.send_line("/rooms"); break;
      case 2: ep.send_line("/help"); break;
      case 3: chat(false); break;
      default: chat(true); break;
    }
  }
  switch (rng_.below(4)) {
    case 0: if (in_room) probe(); break;
    case 1: membership("/join " + mix_.rooms[rng_.below(mix_.rooms.size())]); break;
    case 2: if (in_room) membership("/part"); break;
    default: break;
  }
}

void random_client::perform(line_action a) {
  auto& ep = *current().endpoint;
  switch (a) {
    case line_action::chat: chat(false); break;
    case line_action::me: chat(true); break;
    case line_action::who: probe(); break;
    case line_action::join: membership("/join " + mix_.rooms[rng_.below(mix_.rooms.size())]); break;
    case line_action::part: membership("/part"); break;
    case line_action::msg:
      ep.send_line("/msg " + mix_.names[rng_.below(mix_.names.size())] + " psst " +
                   std::to_string(next_tag_++));
      break;
    case line_action::msg_live: message_live_name(); break;
    case line_action::rooms: ep.send_line("/rooms"); break;
    case line_action::bad_input: bad_input(); break;
    case line_action::burst:
      // A burst of chat, pipelined; one in twenty is a flood of more lines than a connection
      // queues (32), so that the server pauses reading it (back-pressure) and resumes.
      for (auto n = rng_.chance(50) ? rng_.between(33, 64) : rng_.between(2, 8); n > 0; --n)
        chat(false);
      break;
    case line_action::pipeline: pipeline(); break;
    case line_action::help: ep.send_line("/help"); break;
    case line_action::quit: ep.send_line("/quit bye"); break;
    case line_action::disconnect: ep.disconnect(); break;
    default: break; // stay quiet this time
  }
}

void random_client::act() {
  if (!logged_in_)
    return;
  perform(draw_action(!room_.empty()));
}

void random_client::finish() {
  if (gone_ || sessions_.empty())
    return;
  auto& ep = *current().endpoint;
  read_lines();
  if (stalled_) {
    stalled_ = false;
    ep.set_reading(true);
  }
  if (logged_in_ && ep.connected() && !probing_ && !awaiting_membership_ && !room_.empty())
    probe();
}

} // namespace parley::sim
