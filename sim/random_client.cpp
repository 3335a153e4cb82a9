// Random clients (see random_client.hpp).
#include "sim/random_client.hpp"

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
  : w_(w), index_(index), rng_(rng), mix_(mix), faults_(faults) {}

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
  } else if (starts("*** You are in no room now")) { // an IRC operator kicked it
    room_.clear();
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
    // A failure answering a probe or membership command (injected faults) ends the wait.
    if (line.find("could not complete") != std::string::npos || starts("ERROR you are not in a room"))
      probing_ = awaiting_membership_ = false;
  }
}

void random_client::membership(const std::string& command) {
  awaiting_membership_ = true;
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

void random_client::act() {
  auto& ep = *current().endpoint;
  if (!logged_in_)
    return;
  bool in_room = !room_.empty();
  auto roll = rng_.below(100);
  if (roll < 40 && in_room)
    chat(false);
  else if (roll < 44 && in_room)
    chat(true);
  else if (roll < 58 && in_room)
    probe();
  else if (roll < 66)
    membership("/join " + mix_.rooms[rng_.below(mix_.rooms.size())]);
  else if (roll < 69 && in_room)
    membership("/part");
  else if (roll < 77)
    ep.send_line("/msg " + mix_.names[rng_.below(mix_.names.size())] + " psst " +
                 std::to_string(next_tag_++));
  else if (roll < 80)
    ep.send_line("/rooms");
  else if (roll < 84)
    bad_input();
  else if (roll < 92 && in_room)
    for (auto n = rng_.between(2, 8); n > 0; --n) // a burst, pipelined
      chat(false);
  else if (roll < 93)
    ep.send_line("/help");
  else if (roll < 94)
    ep.send_line("/quit bye");
  else if (roll < 95)
    ep.disconnect();
  // else: stay quiet this time
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
