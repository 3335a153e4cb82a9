// The in-process live server shared by the live tests (tests/sessions/line/, tests/sessions/irc/):
// the real actors behind the real TCP transport, with both listeners (line protocol and IRC) on
// loopback, and the helpers that log clients in, register them and expect the exact lines the
// server sends.
//
// The live tests' rules: every test asserts the exact lines each client receives, in order.
// Synchronisation is only ever "wait (with a deadline) for the line that must come next"
// (usually the PONG of a PING sent last: sync); nothing sleeps. Where an event reaches a client
// through several rooms (NICK, QUIT, AWAY across shared channels), the tests ask each room
// something afterwards (NAMES, WHO), whose answer must come after anything that room sent. A test
// whose comment starts with "Bug:" was written to show a bug the suite found; all are fixed now.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/server.hpp"
#include "net/tcp_transport.hpp"
#include "protocol/irc_message.hpp"
#include "store/password_hasher.hpp"
#include "store/user_store.hpp"
#include "tests/support/tcp_client.hpp"

namespace parley::test::live {

using namespace std::chrono_literals;


inline const std::string pw = "secret-pw";
inline const std::string shutdown_reason = "the operator stopped the server";

struct fixture_options {
  std::uint64_t max_connections = 10000; ///< per listener
  /// The per-address limits: off, explicitly, since every client of the live tests comes from
  /// 127.0.0.1 and many tests open more than the public defaults allow (5 at once, 10 in a
  /// burst). The tests of the limits themselves set them (test_line_live.cpp, "per-address").
  parley::address_limits_config per_address = parley::no_address_limits();
  std::uint32_t login_timeout_ms = 60000;
  std::uint32_t failed_login_delay_ms = 50;
  std::vector<std::string> motd;
  bool irc_require_account = false;
  std::uint32_t ping_interval_ms = 120000;
  std::uint32_t ping_timeout_ms = 60000;
  /// Flood control (irc_flood_penalty_ms, irc_flood_burst_ms); the server's defaults.
  std::uint32_t flood_penalty_ms = parley::connection_config{}.irc_flood_penalty_ms;
  std::uint32_t flood_burst_ms = parley::connection_config{}.irc_flood_burst_ms;
  /// Accounts that may OPER (irc_operators), normalised names.
  std::vector<std::string> irc_operators;
  /// Unsent output after which the transport drops a connection (a slow reader).
  std::size_t max_output_bytes = 256 * 1024;
  std::uint32_t buffer_sweep_interval_ms = 2000; ///< the TCP transport's (tcp_transport_config)
};

/// One live server in this process with a line-protocol listener and an IRC listener, both on
/// 127.0.0.1 with ports the kernel picks, and in-memory accounts. The destructor shuts it down
/// the way app/serve.cpp does (both listeners, then the transport, then the other actors).
class live_server {
public:
  explicit live_server(fixture_options opts = {}) {
    cfg_.load<caf::io::middleman>();
    cfg_.set("scheduler.max-threads", std::size_t{2});
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    parley::server_config sc;
    sc.listener.max_connections = opts.max_connections;
    sc.per_address = opts.per_address;
    auto& conn = sc.listener.connection;
    conn.failed_login_delay_ms = opts.failed_login_delay_ms;
    conn.login_timeout_ms = opts.login_timeout_ms;
    conn.max_output_bytes = opts.max_output_bytes;
    { // Users see wall-clock time (TIME, server-time, topic and sign-on times): as
      // app/options.cpp sets it
      using namespace std::chrono;
      conn.wall_clock_offset_ms =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() -
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    }
    sc.irc_listener = sc.listener; // what app/options.cpp does, plus the IRC settings
    sc.irc_listener->connection.motd = opts.motd;
    sc.irc_listener->connection.irc_require_account = opts.irc_require_account;
    sc.irc_listener->connection.irc_ping_interval_ms = opts.ping_interval_ms;
    sc.irc_listener->connection.irc_ping_timeout_ms = opts.ping_timeout_ms;
    sc.irc_listener->connection.irc_flood_penalty_ms = opts.flood_penalty_ms;
    sc.irc_listener->connection.irc_flood_burst_ms = opts.flood_burst_ms;
    sc.irc_listener->connection.irc_operators = opts.irc_operators;
    auto accounts = accounts_;
    sc.auth.open_store = [accounts] { return parley::store::make_memory_user_store(accounts); };
    sc.auth.make_hasher = [] {
      return parley::store::make_argon2id_hasher(parley::store::hash_cost::minimal);
    };
    sc.auth.detached_workers = true;
    parley::net::tcp_transport_config tc;
    tc.buffer_sweep_interval_ms = opts.buffer_sweep_interval_ms;
    auto transport = parley::net::spawn_tcp_transport(*sys_, tc);
    handles_ = parley::spawn_server(*sys_, transport, std::move(sc));
    try {
      line_port_ = listen(handles_.listener);
      irc_port_ = listen(handles_.irc_listener);
    } catch (...) {
      shutdown();
      throw;
    }
  }

  ~live_server() {
    try {
      shutdown();
    } catch (...) {
      // A destructor must not throw; the actor system's own destructor still waits for all.
    }
    handles_ = {};
    sys_.reset();
  }

  live_server(const live_server&) = delete;
  live_server& operator=(const live_server&) = delete;

  std::uint16_t line_port() const { return line_port_; }
  std::uint16_t irc_port() const { return irc_port_; }

  std::shared_ptr<parley::store::memory_accounts> accounts() const { return accounts_; }

  /// The line-protocol listener's counts.
  parley::listener_stats_result stats() {
    parley::listener_stats_result out{};
    caf::scoped_actor self{*sys_};
    std::string err;
    self->request(handles_.listener, 5s, parley::listener_stats{})
      .receive([&](parley::listener_stats_result& r) { out = r; },
               [&](caf::error& e) { err = caf::to_string(e); });
    if (!err.empty())
      throw std::runtime_error("listener_stats failed: " + err);
    return out;
  }

  /// Adds an account to the in-memory store (as `parley user add` would).
  void add_account(const std::string& name, const std::string& password) {
    auto hasher = parley::store::make_argon2id_hasher(parley::store::hash_cost::minimal);
    auto store = parley::store::make_memory_user_store(accounts_);
    if (!store->add_user(name, hasher->hash(password)))
      throw std::runtime_error("account " + name + " exists already");
  }

  /// The graceful shutdown of app/serve.cpp: notify and close every connection, stop the
  /// transport, stop the remaining actors. Returns how many connections the two listeners
  /// closed. Idempotent (later calls return nothing).
  std::optional<std::uint64_t> shutdown(const std::string& reason = shutdown_reason) {
    if (stopped_)
      return std::nullopt;
    stopped_ = true;
    std::optional<std::uint64_t> closed;
    std::string err;
    {
      caf::scoped_actor self{*sys_};
      for (const auto& l : {handles_.listener, handles_.irc_listener})
        self->request(l, 5s, parley::shutdown_server{reason})
          .receive([&](parley::shutdown_server_result& r) {
                     closed = closed.value_or(0) + r.connections_closed;
                   },
                   [&](caf::error& e) { err = "shutdown_server: " + caf::to_string(e); });
      self->request(handles_.transport, 5s, parley::net::stop_transport{})
        .receive([](parley::net::stop_transport_result&) {},
                 [&](caf::error& e) {
                   if (err.empty())
                     err = "stop_transport: " + caf::to_string(e);
                 });
    }
    parley::stop_server_actors(*sys_, handles_);
    if (!err.empty())
      throw std::runtime_error("graceful shutdown failed: " + err);
    return closed;
  }

private:
  std::uint16_t listen(const parley::listener_actor& listener) {
    caf::scoped_actor self{*sys_};
    std::string err;
    std::vector<std::string> bound;
    self
      ->request(handles_.transport, 10s,
                parley::net::listen_on{{"127.0.0.1:0"},
                                       caf::actor_cast<parley::net::acceptor_actor>(listener)})
      .receive([&](parley::net::listen_on_result& r) { bound = std::move(r.bound); },
               [&](caf::error& e) { err = caf::to_string(e); });
    if (!err.empty())
      throw std::runtime_error("listen_on failed: " + err);
    const std::string prefix = "127.0.0.1:";
    if (bound.size() != 1 || bound[0].compare(0, prefix.size(), prefix) != 0)
      throw std::runtime_error("listen_on bound an unexpected endpoint");
    auto port = std::stoul(bound[0].substr(prefix.size()));
    if (port == 0 || port > 65535)
      throw std::runtime_error("unexpected bound address " + bound[0]);
    return static_cast<std::uint16_t>(port);
  }

  // Order matters: handles go before the system, the system before its config.
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  parley::server_handles handles_;
  std::shared_ptr<parley::store::memory_accounts> accounts_ =
    std::make_shared<parley::store::memory_accounts>();
  std::uint16_t line_port_ = 0;
  std::uint16_t irc_port_ = 0;
  bool stopped_ = false;
};

// --- IRC helpers ---

/// A line from the server: ":parley.local " + rest.
inline std::string S(const std::string& rest) { return ":parley.local " + rest; }

/// A last parameter as format_irc writes it: with ':' only when it is empty, holds a space or
/// starts with ':' (a one-word trailing parameter goes without, which IRC allows).
inline std::string T(const std::string& last) {
  bool colon = last.empty() || last.find(' ') != std::string::npos || last[0] == ':';
  return colon ? ":" + last : last;
}

/// The prefix of a user's messages.
inline std::string M(const std::string& nick) { return ":" + nick + "!" + nick + "@parley"; }

inline const std::string isupport_tokens =
  "NETWORK=Parley NICKLEN=32 CHANNELLEN=33 TOPICLEN=307 CASEMAPPING=rfc1459 CHANTYPES=# "
  "CHANMODES=b,k,l,imnst PREFIX=(ov)@+ MODES=4 AWAYLEN=200";

/// The answer to CAP LS 302: every capability, with SASL's mechanism.
inline const std::string cap_ls_302 =
  S("CAP * LS :account-tag away-notify echo-message message-tags multi-prefix sasl=PLAIN "
    "server-time");

/// The LUSERS replies (251, 252 when operators are on, 254, 255), whatever the counts.
inline void expect_lusers(tcp_client& c, const std::string& nick) {
  auto number = std::string{"[0-9]+"};
  auto pre = std::string{":parley\\.local "};
  auto check = [&](const std::string& line, const std::string& pattern) {
    INFO(line);
    REQUIRE(std::regex_match(line, std::regex{pattern}));
  };
  check(c.read_line(), pre + "251 " + nick + " :There are " + number +
                         " users and 0 invisible on 1 servers");
  auto next = c.read_line();
  if (next.find(" 252 ") != std::string::npos) {
    check(next, pre + "252 " + nick + " " + number + " :operator\\(s\\) online");
    next = c.read_line();
  }
  check(next, pre + "254 " + nick + " " + number + " :channels formed");
  check(c.read_line(), pre + "255 " + nick + " :I have " + number + " clients and 0 servers");
}

/// The lines of the welcome burst after LUSERS: the MOTD (or 422).
inline std::vector<std::string> motd_burst(const std::string& nick,
                                    const std::vector<std::string>& motd = {}) {
  std::vector<std::string> v;
  if (motd.empty()) {
    v.push_back(S("422 " + nick + " :MOTD File is missing"));
  } else {
    v.push_back(S("375 " + nick + " :- parley.local Message of the day -"));
    for (const auto& l : motd)
      v.push_back(S("372 " + nick + " :- " + l));
    v.push_back(S("376 " + nick + " :End of /MOTD command."));
  }
  return v;
}

inline void expect_lines(tcp_client& c, const std::vector<std::string>& lines) {
  for (const auto& l : lines)
    c.expect_line(l);
}

inline void expect_welcome(tcp_client& c, const std::string& nick,
                    const std::vector<std::string>& motd = {}) {
  expect_lines(c, {
    S("001 " + nick + " :Welcome to the Parley IRC network " + nick + "!" + nick + "@parley"),
    S("002 " + nick + " :Your host is parley.local, running Parley"),
    S("003 " + nick + " :This server was started by its operator"),
    S("004 " + nick + " parley.local parley-0.1 io biklmnostv"),
    S("005 " + nick + " " + isupport_tokens + " :are supported by this server"),
  });
  expect_lusers(c, nick);
  expect_lines(c, motd_burst(nick, motd));
}

/// NICK and USER, then the whole welcome burst.
inline void irc_register(tcp_client& c, const std::string& nick) {
  c.send_line("NICK " + nick);
  c.send_line("USER " + nick + " 0 * :Real Name");
  expect_welcome(c, nick);
}

/// A PING whose PONG must be the very next line: proves nothing else was sent before it.
inline void sync(tcp_client& c, const std::string& token = "sync") {
  c.send_line("PING " + token);
  c.expect_line(S("PONG parley.local " + token));
}

/// The lines a client gets for its own JOIN of `channel` (no topic, the names list).
inline void expect_join(tcp_client& c, const std::string& nick, const std::string& channel,
                 const std::string& names) {
  c.expect_line(M(nick) + " JOIN " + channel);
  c.expect_line(S("331 " + nick + " " + channel + " :No topic is set"));
  c.expect_line(S("353 " + nick + " = " + channel + " " + T(names)));
  c.expect_line(S("366 " + nick + " " + channel + " :End of /NAMES list"));
}

inline void join(tcp_client& c, const std::string& nick, const std::string& channel,
          const std::string& names) {
  c.send_line("JOIN " + channel);
  expect_join(c, nick, channel, names);
}

inline std::string base64(const std::string& in) {
  static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {chars[(v >> 18) & 63], chars[(v >> 12) & 63], chars[(v >> 6) & 63], chars[v & 63]};
  }
  if (in.size() - i == 1) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {chars[(v >> 18) & 63], chars[(v >> 12) & 63], '=', '='};
  } else if (in.size() - i == 2) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {chars[(v >> 18) & 63], chars[(v >> 12) & 63], chars[(v >> 6) & 63], '='};
  }
  return out;
}

/// The AUTHENTICATE payload of SASL PLAIN: authzid \0 authcid \0 password.
inline std::string sasl_plain(const std::string& user, const std::string& password) {
  return base64(user + std::string(1, '\0') + user + std::string(1, '\0') + password);
}

/// A SASL PLAIN attempt: AUTHENTICATE PLAIN, the server's "AUTHENTICATE +", then `payload`
/// (base64, or "*" to abort). The caller expects the answer.
inline void authenticate(tcp_client& c, const std::string& payload) {
  c.send_line("AUTHENTICATE PLAIN");
  c.expect_line("AUTHENTICATE +");
  c.send_line("AUTHENTICATE " + payload);
}

/// CAP REQ for `caps`, then NICK, USER and CAP END: the welcome burst.
inline void register_with_caps(tcp_client& c, const std::string& nick, const std::string& caps) {
  c.send_line("CAP REQ :" + caps);
  c.expect_line(S("CAP * ACK " + T(caps)));
  c.send_line("NICK " + nick);
  c.send_line("USER " + nick + " 0 * :" + nick);
  c.send_line("CAP END");
  expect_welcome(c, nick);
}

/// As register_with_caps, authenticated with SASL PLAIN as `nick` (an existing account).
inline void register_with_sasl(tcp_client& c, const std::string& nick,
                               const std::string& caps) {
  auto all = "sasl " + caps;
  c.send_line("CAP REQ :" + all);
  c.expect_line(S("CAP * ACK :" + all));
  c.send_line("NICK " + nick);
  c.send_line("USER " + nick + " 0 * :" + nick);
  authenticate(c, sasl_plain(nick, pw));
  c.expect_line(S("900 " + nick + " " + nick + "!" + nick + "@parley " + nick +
                  " :You are now logged in as " + nick));
  c.expect_line(S("903 " + nick + " :SASL authentication successful"));
  c.send_line("CAP END");
  expect_welcome(c, nick);
}

/// irc_user's ways to register other than plain NICK and USER:
struct with_caps { ///< register_with_caps
  std::string caps;
};
struct with_sasl { ///< register_with_sasl as the nick's account (password pw)
  std::string caps;
};
struct with_pass {}; ///< PASS pw for the nick's account, then irc_register

/// An IRC client of `srv`, registered as `nick` as it is constructed (NICK, USER and the whole
/// welcome burst, or one of the ways above); its label is the nick. A non-zero
/// `receive_buffer_bytes` shrinks its socket's receive buffer (tcp_client).
class irc_user : public tcp_client {
public:
  irc_user(live_server& srv, const std::string& nick, int receive_buffer_bytes = 0)
    : tcp_client(srv.irc_port(), nick, receive_buffer_bytes) {
    irc_register(*this, nick);
  }
  irc_user(live_server& srv, const std::string& nick, const with_caps& how)
    : tcp_client(srv.irc_port(), nick) {
    register_with_caps(*this, nick, how.caps);
  }
  irc_user(live_server& srv, const std::string& nick, const with_sasl& how)
    : tcp_client(srv.irc_port(), nick) {
    register_with_sasl(*this, nick, how.caps);
  }
  irc_user(live_server& srv, const std::string& nick, with_pass)
    : tcp_client(srv.irc_port(), nick) {
    send_line("PASS " + pw);
    irc_register(*this, nick);
  }
};

/// A server with operator account "root" (password pw) in its irc_operators.
inline fixture_options with_operator() {
  fixture_options o;
  o.irc_operators = {"root"};
  return o;
}

/// OPER as "root" (see with_operator): 381 and the user mode +o.
inline void become_operator(tcp_client& c, const std::string& nick) {
  c.send_line("OPER root " + pw);
  c.expect_line(S("381 " + nick + " :You are now an IRC operator"));
  c.expect_line(":" + nick + " MODE " + nick + " :+o");
}

/// Joins `channel` as its first member, which makes `nick` its operator.
inline void create(tcp_client& c, const std::string& nick, const std::string& channel) {
  join(c, nick, channel, "@" + nick);
}

/// `c` joins `channel` (whose names list is then `names`); each of `members` sees the JOIN, and
/// each of `line_members` (line-protocol users in the room) its "*** nick joined".
inline void join_seen(tcp_client& c, const std::string& nick, const std::string& channel,
                      const std::string& names, std::initializer_list<tcp_client*> members,
                      std::initializer_list<tcp_client*> line_members = {}) {
  join(c, nick, channel, names);
  for (auto* m : members)
    m->expect_line(M(nick) + " JOIN " + channel);
  for (auto* m : line_members)
    m->expect_line("[" + channel.substr(1) + "] *** " + nick + " joined");
}

/// `by` (nick `nick`) sends `command`, a change (MODE, TOPIC, KICK, PART, NICK) that comes back
/// to it and then to each of `members` unchanged, from its mask: ":nick!nick@parley " + command.
inline void change_seen(tcp_client& by, const std::string& nick, const std::string& command,
                        std::initializer_list<tcp_client*> members) {
  by.send_line(command);
  by.expect_line(M(nick) + " " + command);
  for (auto* m : members)
    m->expect_line(M(nick) + " " + command);
}

/// NAMES `channel`: one 353 with `list` (`symbol` '=' public, '@' secret), then 366.
inline void names(tcp_client& c, const std::string& nick, const std::string& channel,
                  const std::string& list, const std::string& symbol = "=") {
  c.send_line("NAMES " + channel);
  c.expect_line(S("353 " + nick + " " + symbol + " " + channel + " " + T(list)));
  c.expect_line(S("366 " + nick + " " + channel + " :End of /NAMES list"));
}

/// A member in a WHO reply: its nick and flags ("H@", "G", "H+").
struct who_entry {
  std::string nick;
  std::string flags;
};

/// WHO `channel`: a 352 per entry, in order, then 315.
inline void who(tcp_client& c, const std::string& me, const std::string& channel,
                std::initializer_list<who_entry> members) {
  c.send_line("WHO " + channel);
  for (const auto& m : members)
    c.expect_line(S("352 " + me + " " + channel + " " + m.nick + " parley parley.local " + m.nick +
                    " " + m.flags + " :0 " + m.nick));
  c.expect_line(S("315 " + me + " " + channel + " :End of WHO list"));
}

/// A channel in a LIST reply.
struct list_entry {
  std::string channel;
  int users;
  std::string topic;
};

/// LIST: 321, a 322 per channel, in order, then 323.
inline void list(tcp_client& c, const std::string& me, std::initializer_list<list_entry> channels) {
  c.send_line("LIST");
  c.expect_line(S("321 " + me + " Channel :Users  Name"));
  for (const auto& ch : channels)
    c.expect_line(S("322 " + me + " " + ch.channel + " " + std::to_string(ch.users) + " " +
                    T(ch.topic)));
  c.expect_line(S("323 " + me + " :End of /LIST"));
}

/// Seconds since the Unix epoch, now (the clock of 333's set-at time).
inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// WHOIS's 317: at most `max_idle` seconds idle, signed on (wall clock) in the last minute.
inline void expect_whois_idle(tcp_client& c, const std::string& me, const std::string& nick,
                              std::int64_t max_idle) {
  auto line = c.read_line();
  INFO(line);
  std::smatch m;
  REQUIRE(std::regex_match(line, m,
                           std::regex{":parley\\.local 317 " + me + " " + nick +
                                      " ([0-9]+) ([0-9]+) :seconds idle, signon time"}));
  CHECK(std::stoll(m[1]) <= max_idle);
  CHECK(std::stoll(m[2]) <= unix_now());
  CHECK(std::stoll(m[2]) >= unix_now() - 60);
}

/// 333 RPL_TOPICWHOTIME: who set the topic, and a time within [earliest, latest] (seconds).
inline void expect_topic_whotime(tcp_client& c, const std::string& nick,
                                 const std::string& channel, const std::string& setter,
                                 std::int64_t earliest, std::int64_t latest) {
  auto line = c.read_line();
  auto head = S("333 " + nick + " " + channel + " " + setter + " ");
  INFO(c.label() << " got: " << line);
  REQUIRE(line.compare(0, head.size(), head) == 0);
  auto digits = line.substr(head.size());
  REQUIRE(!digits.empty());
  REQUIRE(std::all_of(digits.begin(), digits.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; }));
  auto t = std::stoll(digits);
  CHECK(t >= earliest);
  CHECK(t <= latest);
}

// --- Line-protocol helpers ---

inline const std::string greeting = "*** Welcome to Parley. Type /help after logging in.";
inline const std::string name_prompt = "*** Name?";

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline std::string new_account_prompt(const std::string& name) {
  return "*** New account " + name + ". Choose a password (at least 6 characters)?";
}

/// Logs `c` in from a fresh connection: greeting, name prompt, then the password of an existing
/// account or the registration of a new one, up to the "*** You are in lobby (...)" line, which
/// it returns. The server names the account in lower case.
inline std::string line_login(tcp_client& c, const std::string& name, const std::string& password) {
  const auto n = lower(name);
  c.expect_line(greeting);
  c.expect_line(name_prompt);
  c.send_line(name);
  auto line = c.read_line();
  if (line == "*** Password for " + n + "?") {
    c.send_line(password);
  } else if (line == new_account_prompt(n)) {
    c.send_line(password);
    c.expect_line("*** Account " + n + " registered.");
  } else {
    throw parley::test::tcp_client_error(c.label() + ": unexpected answer to the name: \"" +
                                         parley::test::printable(line) + "\"");
  }
  c.expect_line("*** Logged in as " + n + ".");
  auto lobby = c.read_line();
  const std::string prefix = "*** You are in lobby (";
  if (lobby.compare(0, prefix.size(), prefix) != 0)
    throw parley::test::tcp_client_error(c.label() + ": expected the lobby line, got \"" +
                                         parley::test::printable(lobby) + "\"");
  return lobby;
}

/// A line-protocol client of `srv`, logged in as `name` (registered if new, password pw) as it is
/// constructed; its label is the name. Each of `in_lobby`, clients already in the lobby, then
/// sees it join. A non-zero `receive_buffer_bytes` shrinks its socket's receive buffer.
class line_user : public tcp_client {
public:
  line_user(live_server& srv, const std::string& name,
            std::initializer_list<tcp_client*> in_lobby = {}, int receive_buffer_bytes = 0)
    : tcp_client(srv.line_port(), name, receive_buffer_bytes) {
    lobby = line_login(*this, name, pw);
    for (auto* c : in_lobby)
      c->expect_line("[lobby] *** " + lower(name) + " joined");
  }

  std::string lobby; ///< its "*** You are in lobby (...)" line
};

/// The greeting and the name prompt of a new connection.
inline void expect_name_prompt(tcp_client& c) {
  c.expect_line(greeting);
  c.expect_line(name_prompt);
}

/// From the name prompt on: `name`, the password prompt of its account, `password`, and the
/// answer `error`.
inline void login_refused(tcp_client& c, const std::string& name, const std::string& password,
                          const std::string& error) {
  c.send_line(name);
  c.expect_line("*** Password for " + lower(name) + "?");
  c.send_line(password);
  c.expect_line(error);
}

/// Registers the new account `name` (lower case) with `password` from the name prompt on: the
/// new-account prompt, the registration, the login and the lobby line `lobby`.
inline void line_register(tcp_client& c, const std::string& name, const std::string& password,
                          const std::string& lobby) {
  c.send_line(name);
  c.expect_line(new_account_prompt(name));
  c.send_line(password);
  c.expect_line("*** Account " + name + " registered.");
  c.expect_line("*** Logged in as " + name + ".");
  c.expect_line(lobby);
}

} // namespace parley::test::live
