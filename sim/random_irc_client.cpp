// Random IRC clients (see random_irc_client.hpp).
#include "sim/random_irc_client.hpp"

namespace parley::sim {

// --- Reading server lines ---

std::string irc_line::nick() const {
  auto bang = prefix.find('!');
  return bang == std::string::npos ? std::string{} : prefix.substr(0, bang);
}

const std::string& irc_line::param(std::size_t i) const {
  static const std::string none;
  return i < params.size() ? params[i] : none;
}

irc_line split_irc_line(const std::string& line) {
  irc_line m;
  std::size_t pos = 0;
  auto word = [&] {
    while (pos < line.size() && line[pos] == ' ')
      ++pos;
    auto end = line.find(' ', pos);
    if (end == std::string::npos)
      end = line.size();
    auto w = line.substr(pos, end - pos);
    pos = end;
    return w;
  };
  if (!line.empty() && line[0] == ':') {
    ++pos;
    m.prefix = word();
  }
  m.command = word();
  for (;;) {
    while (pos < line.size() && line[pos] == ' ')
      ++pos;
    if (pos >= line.size())
      break;
    if (line[pos] == ':') {
      m.params.push_back(line.substr(pos + 1));
      break;
    }
    m.params.push_back(word());
  }
  return m;
}

// --- The client ---

namespace {

std::string base64(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(chars[(buf >> bits) & 63]);
    }
  }
  if (bits > 0)
    out.push_back(chars[(buf << (6 - bits)) & 63]);
  while (out.size() % 4 != 0)
    out.push_back('=');
  return out;
}

} // namespace

std::string random_irc_client::sasl_plain(const std::string& account, const std::string& password) {
  return base64(std::string{"\0", 1} + account + std::string{"\0", 1} + password);
}

random_irc_client::random_irc_client(world& w, int index, prng rng, const client_mix& mix,
                                     fault_plan& faults)
  : w_(w), index_(index), rng_(rng), mix_(mix), faults_(faults) {}

void random_irc_client::start(vtime at, vtime until) {
  until_ = until;
  w_.events().at(at, [this] {
    new_session();
    schedule_tick();
  });
}

void random_irc_client::new_session() {
  session s;
  s.irc = true;
  s.endpoint = std::make_unique<client>(w_, "i" + std::to_string(index_) + "." +
                                              std::to_string(sessions_.size()));
  s.endpoint->connect(irc_endpoint);
  sessions_.push_back(std::move(s));
  started_ = registered_ = cap_open_ = stalled_ = false;
  sasl_ = sasl_step::none;
  nick_.clear();
  sasl_account_.clear();
  channels_.clear();
  sentinel_.clear();
  parting_.clear();
}

void random_irc_client::schedule_tick() {
  auto lo = static_cast<std::uint64_t>(mix_.min_think.count());
  auto hi = static_cast<std::uint64_t>(mix_.max_think.count());
  w_.events().at(w_.now() + vtime{static_cast<vtime::rep>(rng_.between(lo, hi))},
                 [this] { tick(); });
}

void random_irc_client::tick() {
  if (gone_)
    return;
  read_lines();
  auto& ep = *current().endpoint;
  bool accepted = ep.id() != 0 && w_.net().view(ep.id()).accepted;
  bool ended = ep.closed_by_server() || ep.refused() || !ep.connected();
  if (ended && (ep.refused() || accepted)) {
    // This session is over: maybe come back later as a new one.
    if (w_.now() < until_ && rng_.chance(700))
      new_session();
    else if (w_.now() >= until_) {
      gone_ = true;
      return;
    }
  } else if (w_.now() < until_ && !faults_tick()) {
    if (!started_ && accepted)
      begin_registration();
    else if (registered_ && sentinel_.empty())
      act();
  }
  if (w_.now() < until_)
    schedule_tick();
}

void random_irc_client::read_lines() {
  for (const auto& line : current().endpoint->take_new_lines())
    on_line(line);
}

bool random_irc_client::faults_tick() {
  return client_faults_tick(w_, current(), faults_, rng_, stalled_);
}

// --- Registration ---

void random_irc_client::begin_registration() {
  started_ = true;
  auto& s = current();
  auto& ep = *s.endpoint;
  // Mostly a nick from the shared pool (taken, reserved or free); now and then an invalid one.
  nick_ = rng_.chance(30) ? std::string{"9bad"} : mix_.names[rng_.below(mix_.names.size())];
  s.name = nick_;
  bool cap = rng_.chance(500);
  bool sasl = rng_.chance(cap ? 600 : 100);
  bool echo = cap && rng_.chance(500);
  bool pass = !sasl && rng_.chance(100);
  if (cap) {
    ep.send_line(rng_.chance(500) ? "CAP LS 302" : "CAP LS");
    cap_open_ = true;
    std::string caps = sasl ? "sasl" : "";
    if (echo)
      caps += caps.empty() ? "echo-message" : " echo-message";
    if (rng_.chance(100))
      caps += caps.empty() ? "draft/no-such-cap" : " draft/no-such-cap"; // NAKed, all of it
    if (!caps.empty())
      ep.send_line("CAP REQ :" + caps);
  }
  if (sasl) {
    // Usually the account of the nick; sometimes another one (the nick is then not ours).
    sasl_account_ = rng_.chance(900) ? nick_ : mix_.names[rng_.below(mix_.names.size())];
    ep.send_line("AUTHENTICATE PLAIN");
    sasl_ = sasl_step::want_plus;
    // Without a CAP negotiation nothing holds registration back: the payload must come first.
    if (!cap || rng_.chance(500))
      send_sasl_payload();
  }
  if (pass)
    ep.send_line("PASS " + (rng_.chance(200) ? std::string{"wrong-password"}
                                             : random_client::password_for(nick_)));
  auto user = "USER " + nick_ + " 0 * :Random user " + std::to_string(index_);
  if (rng_.chance(500)) {
    ep.send_line("NICK " + nick_);
    ep.send_line(user);
  } else {
    ep.send_line(user);
    ep.send_line("NICK " + nick_);
  }
  if (cap && !sasl && rng_.chance(500))
    end_cap(); // pipelined; otherwise it follows the server's CAP LS reply
}

void random_irc_client::send_sasl_payload() {
  auto password = rng_.chance(100) ? std::string{"wrong-password"}
                                   : random_client::password_for(sasl_account_);
  current().endpoint->send_line("AUTHENTICATE " + sasl_plain(sasl_account_, password));
  sasl_ = sasl_step::sent_payload;
}

void random_irc_client::end_cap() {
  current().endpoint->send_line("CAP END");
  cap_open_ = false;
}

void random_irc_client::retry_nick(bool same) {
  auto& s = current();
  if (!same)
    nick_ = mix_.names[rng_.below(mix_.names.size())];
  s.name = nick_;
  s.endpoint->send_line("NICK " + nick_);
}

void random_irc_client::on_line(const std::string& line) {
  auto& s = current();
  auto m = split_irc_line(line);
  const auto& c = m.command;
  if (c == "001") {
    registered_ = s.logged_in = true;
    s.name = m.param(0);
    // An IRC client starts in no channel: join one (mostly the lobby).
    auto room = rng_.chance(700) ? std::string{"lobby"} : mix_.rooms[rng_.below(mix_.rooms.size())];
    membership("JOIN #" + room);
  } else if (c == "AUTHENTICATE" && m.param(0) == "+") {
    if (sasl_ == sasl_step::want_plus)
      send_sasl_payload();
  } else if (c == "903" || c == "904" || c == "906" || c == "907") {
    sasl_ = sasl_step::done;
    if (cap_open_ && !registered_)
      end_cap();
  } else if (c == "CAP" && m.param(1) == "LS") {
    if (cap_open_ && (sasl_ == sasl_step::none || sasl_ == sasl_step::done))
      end_cap();
  } else if ((c == "432" || c == "433") && !registered_) {
    retry_nick(false);
  } else if (c == "464" && !registered_) {
    s.endpoint->send_line("QUIT :wrong password");
  } else if (c == "FAIL") {
    // The server could not complete a request (an injected authentication or room fault).
    if (!registered_ && (m.param(0) == "NICK" || m.param(0) == "PASS"))
      retry_nick(true);
    else if (m.param(0) == "PART" && !parting_.empty()) {
      channels_.erase(parting_); // the connection forgot the channel before asking the room
      ++room_epoch_;
    }
  } else if ((c == "JOIN" || c == "PART") && registered_ && m.nick() == s.name) {
    auto channel = m.param(0);
    auto room = channel.size() > 1 && channel[0] == '#' ? channel.substr(1) : channel;
    if (c == "JOIN")
      channels_.insert(room);
    else
      channels_.erase(room);
    ++room_epoch_;
  } else if (c == "PING") {
    // The server checks an idle client is still there: answer like any client does.
    s.endpoint->send_line("PONG :" + m.param(0));
  } else if (c == "PONG") {
    if (!sentinel_.empty() && m.params.size() > 1 && m.params.back() == sentinel_) {
      sentinel_.clear();
      parting_.clear();
    }
  }
}

// --- After registration ---

std::string random_irc_client::pick_channel() {
  auto i = channels_.begin();
  std::advance(i, static_cast<std::ptrdiff_t>(rng_.below(channels_.size())));
  return *i;
}

void random_irc_client::probe(bool sentinel) {
  auto& s = current();
  auto token = (sentinel ? "j" : "p") + std::to_string(index_) + "." + std::to_string(next_tag_++);
  s.probes.push_back({s.endpoint->sent().size(), {}, room_epoch_, token});
  s.endpoint->send_line("PING " + token);
  if (sentinel)
    sentinel_ = token;
}

void random_irc_client::membership(const std::string& command) {
  current().endpoint->send_line(command);
  probe(true);
}

void random_irc_client::chat(const std::string& kind) {
  auto room = pick_channel();
  auto tag = "m" + std::to_string(index_) + "." + std::to_string(next_tag_++);
  std::string text = tag;
  for (auto n = rng_.between(1, 6); n > 0; --n)
    text += " " + chat_words()[rng_.below(chat_words().size())];
  ++chat_lines_;
  auto& s = current();
  s.chats.push_back({s.endpoint->sent().size(), room, room_epoch_, tag});
  if (kind == "action")
    s.endpoint->send_line("PRIVMSG #" + room + " :\x01" "ACTION " + text + "\x01");
  else if (kind == "notice")
    s.endpoint->send_line("NOTICE #" + room + " :" + text);
  else
    s.endpoint->send_line("PRIVMSG #" + room + " :" + text);
}

void random_irc_client::query() {
  auto& ep = *current().endpoint;
  auto channel = "#" + (channels_.empty() ? std::string{"lobby"} : pick_channel());
  auto nick = mix_.names[rng_.below(mix_.names.size())];
  switch (rng_.below(10)) {
    case 0: ep.send_line("NAMES " + channel); break;
    case 1: ep.send_line("WHO " + channel); break;
    case 2: ep.send_line("LIST"); break;
    case 3: ep.send_line("WHOIS " + nick); break;
    case 4: ep.send_line(rng_.chance(500) ? "AWAY :coffee" : "AWAY"); break;
    case 5: ep.send_line("MODE " + channel); break;
    case 6: ep.send_line("TOPIC " + channel); break;
    case 7: ep.send_line("MOTD"); break;
    case 8: ep.send_line("CAP LIST"); break;
    default: ep.send_line("VERSION"); break;
  }
}

void random_irc_client::bad_input() {
  auto& ep = *current().endpoint;
  switch (rng_.below(12)) {
    case 0: ep.send_raw("PRIVMSG #lobby :" + std::string(600 + rng_.below(2000), 'x') + "\r\n"); break;
    case 1: ep.send_line("FOOBAR baz"); break;             // 421
    case 2: ep.send_raw("12345 not a command\r\n"); break;  // ERROR :Malformed line
    case 3: ep.send_line("PRIVMSG"); break;                 // 411
    case 4: ep.send_line("PRIVMSG #nowhere :hello"); break; // 403 (no such channel)
    case 5: ep.send_raw(std::string("PING nul\0byte\r\n", 15)); break;
    case 6: ep.send_raw("\r\n"); break;
    case 7: ep.send_raw("VERSION\r"); break;                // a lone CR ends the line
    case 8: ep.send_line("NICK 9lives"); break;             // 432 (the oracle models no renames)
    case 9: ep.send_line("USER again 0 * :again"); break;   // 462
    case 10: ep.send_line("JOIN lobby"); break;             // 403: no '#'
    default: ep.send_line("PING"); break;                   // 461
  }
}

void random_irc_client::act() {
  auto& ep = *current().endpoint;
  bool in_room = !channels_.empty();
  auto roll = rng_.below(100);
  if (roll < 36 && in_room)
    chat("say");
  else if (roll < 40 && in_room)
    chat("action");
  else if (roll < 43 && in_room)
    chat("notice");
  else if (roll < 55 && in_room)
    probe(false);
  else if (roll < 63) {
    std::vector<std::string> out;
    for (const auto& r : mix_.rooms)
      if (!channels_.count(r))
        out.push_back(r);
    if (!out.empty()) {
      auto a = out[rng_.below(out.size())];
      auto b = out[rng_.below(out.size())];
      membership(rng_.chance(200) && a != b ? "JOIN #" + a + ",#" + b : "JOIN #" + a);
    }
  } else if (roll < 67 && in_room) {
    parting_ = pick_channel();
    membership(rng_.chance(500) ? "PART #" + parting_ : "PART #" + parting_ + " :see you");
  } else if (roll < 68 && in_room)
    membership("JOIN 0");
  else if (roll < 75) {
    auto nick = mix_.names[rng_.below(mix_.names.size())];
    ep.send_line((rng_.chance(800) ? "PRIVMSG " : "NOTICE ") + nick + " :psst " +
                 std::to_string(next_tag_++));
  } else if (roll < 78)
    query();
  else if (roll < 83)
    bad_input();
  else if (roll < 91 && in_room)
    for (auto n = rng_.between(2, 8); n > 0; --n) // a burst, pipelined
      chat("say");
  else if (roll < 92)
    ep.send_line(rng_.chance(500) ? "QUIT :bye" : "QUIT");
  else if (roll < 93)
    ep.disconnect();
  // else: stay quiet this time
}

void random_irc_client::finish() {
  if (gone_ || sessions_.empty())
    return;
  auto& ep = *current().endpoint;
  read_lines();
  if (stalled_) {
    stalled_ = false;
    ep.set_reading(true);
  }
  if (registered_ && ep.connected() && sentinel_.empty())
    probe(false);
}

} // namespace parley::sim
