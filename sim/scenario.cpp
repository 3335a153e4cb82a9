// Scenario files (see scenario.hpp and docs/scenarios.md). Three parts: the parser (tokens,
// directives, a `scenario` value), a scripted authenticator proxy for the exact `slow-auth` and
// `fail-auth` faults, and the runner (world, timed actions, expectations, invariant oracle).
#include "sim/scenario.hpp"
#include "trace/tracer.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <regex>
#include <stdexcept>
#include <vector>

#include "caf/all.hpp"

#include "sim/faults.hpp"
#include "sim/oracle.hpp"
#include "sim/random_client.hpp"
#include "sim/run.hpp"
#include "store/password_hasher.hpp"

namespace parley::sim {

namespace {

// ============================================================================================
// The scenario, as parsed
// ============================================================================================

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An exact line ("...") or a regular expression (~"...", std::regex_search).
struct pattern {
  std::string text;
  bool is_regex = false;
  std::regex re;

  bool matches(const std::string& line) const {
    return is_regex ? std::regex_search(line, re) : line == text;
  }
};

/// One `at` directive: a client action (`who` is a client index) or a fault (`who` is none).
struct timed_step {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  vtime t{0};
  int line = 0;
  std::size_t who = none;
  std::string verb;              ///< client action or fault kind
  std::vector<std::string> args; ///< texts, names, "on"/"off"
  vtime duration{0};             ///< slow-auth
  std::size_t repeat = 0;        ///< flood: how many lines
};

enum class expect_kind { seen, unseen, closed, refused, order, count };

struct expectation {
  int line = 0;
  std::string source; ///< the directive as written, for failure reports
  expect_kind kind = expect_kind::seen;
  std::size_t who = 0;
  std::vector<pattern> patterns;
  std::optional<vtime> after;
  std::optional<vtime> before;
  std::size_t count = 0;
  bool closed_in_time = false; ///< `closed before T`: observed by an event at T
};

struct scenario {
  std::string path;
  std::optional<std::uint64_t> seed;
  world_options world;
  std::vector<std::pair<std::string, std::string>> accounts;
  std::vector<std::string> clients;
  std::vector<bool> irc;               ///< per client: declared with irc-client
  std::vector<timed_step> steps;
  std::vector<expectation> expects;
  std::optional<vtime> run;
  std::set<std::string> fault_kinds; ///< for the oracle: which faults the scenario injects
  bool dump = false;                 ///< print every client's transcript (for authoring)

  std::size_t client_index(const std::string& label) const {
    for (std::size_t i = 0; i < clients.size(); ++i)
      if (clients[i] == label)
        return i;
    throw parse_error("unknown client '" + label + "' (declare it with: client " + label +
                      " or irc-client " + label + ")");
  }
};

// ============================================================================================
// Tokens: bare words, "quoted strings" with escapes, ~"regexes", '#' comments
// ============================================================================================

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

class tokens {
public:
  explicit tokens(std::string s) : s_(std::move(s)) {}

  /// True at the end of the line or at a comment.
  bool at_end() {
    skip_space();
    return pos_ >= s_.size() || s_[pos_] == '#';
  }

  bool next_is_quoted() {
    skip_space();
    return pos_ < s_.size() &&
           (s_[pos_] == '"' || (s_[pos_] == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '"'));
  }

  /// The next token, bare or quoted.
  std::string word(const std::string& what) {
    if (at_end())
      throw parse_error("missing " + what);
    if (s_[pos_] == '"')
      return quoted();
    auto start = pos_;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
    return s_.substr(start, pos_ - start);
  }

  /// The next bare word without consuming it (nothing at the end or before a quoted token).
  std::optional<std::string> peek_word() {
    if (at_end() || next_is_quoted())
      return std::nullopt;
    auto save = pos_;
    auto w = word("");
    pos_ = save;
    return w;
  }

  /// "exact line" or ~"regex".
  pattern line_pattern(const std::string& what) {
    if (!next_is_quoted())
      throw parse_error("expected " + what + " as \"LINE\" or ~\"REGEX\"");
    pattern p;
    p.is_regex = s_[pos_] == '~';
    pos_ += p.is_regex ? 1 : 0;
    p.text = quoted(p.is_regex);
    if (p.is_regex) {
      try {
        p.re = std::regex{p.text};
      } catch (const std::regex_error& e) {
        throw parse_error("bad regular expression \"" + p.text + "\": " + e.what());
      }
    }
    return p;
  }

  /// Everything after the current position, verbatim ('#' included), trailing spaces removed.
  std::string rest() {
    skip_space();
    auto r = s_.substr(pos_);
    while (!r.empty() && std::isspace(static_cast<unsigned char>(r.back())))
      r.pop_back();
    pos_ = s_.size();
    return r;
  }

  void finish() {
    if (!at_end())
      throw parse_error("unexpected '" + word("") + "' at the end of the line");
  }

  /// The line as far as it was read, without trailing spaces or comment.
  std::string consumed() const {
    auto r = s_.substr(0, pos_);
    while (!r.empty() && std::isspace(static_cast<unsigned char>(r.back())))
      r.pop_back();
    auto first = r.find_first_not_of(" \t");
    return first == std::string::npos ? r : r.substr(first);
  }

private:
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }

  // In a ~"regex" only \" is an escape of the file format; every other backslash is left to
  // std::regex (which knows \r \n \t \xNN itself, and \d, \., \* ...).
  std::string quoted(bool regex = false) {
    std::string out;
    for (++pos_; pos_ < s_.size(); ++pos_) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++pos_ >= s_.size())
        break;
      if (regex && s_[pos_] != '"')
        out += '\\';
      out += regex ? s_[pos_] : escape();
    }
    throw parse_error("unterminated quoted string");
  }

  char escape() {
    switch (s_[pos_]) {
      case 'r': return '\r';
      case 'n': return '\n';
      case 't': return '\t';
      case '\\': return '\\';
      case '"': return '"';
      case 'x': {
        int hi = pos_ + 1 < s_.size() ? hex_digit(s_[pos_ + 1]) : -1;
        int lo = pos_ + 2 < s_.size() ? hex_digit(s_[pos_ + 2]) : -1;
        if (hi < 0 || lo < 0)
          throw parse_error("\\x needs two hex digits");
        pos_ += 2;
        return static_cast<char>(hi * 16 + lo);
      }
      default:
        throw parse_error(std::string{"unknown escape \\"} + s_[pos_] +
                          " (use \\r \\n \\t \\\\ \\\" \\xNN)");
    }
  }

  std::string s_;
  std::size_t pos_ = 0;
};

// ============================================================================================
// Directives
// ============================================================================================

vtime duration_of(const std::string& text) {
  auto d = parse_duration(text);
  if (!d)
    throw parse_error("bad duration '" + text + "' (use e.g. 250ms, 2s, 1m)");
  return *d;
}

std::uint64_t number_of(const std::string& text) {
  std::size_t used = 0;
  std::uint64_t n = 0;
  try {
    n = std::stoull(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-')
    throw parse_error("bad number '" + text + "'");
  return n;
}

bool on_off(const std::string& text, const char* yes, const char* no) {
  if (text == yes)
    return true;
  if (text == no)
    return false;
  throw parse_error("expected " + std::string{yes} + " or " + no + ", not '" + text + "'");
}

std::vector<std::string> split_on_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty())
      out.push_back(item);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

void parse_option(scenario& sc, tokens& tk) {
  auto name = tk.word("option name");
  auto value = tk.word("option value");
  auto& conn = sc.world.server.listener.connection;
  if (name == "allow_register")
    conn.allow_register = on_off(value, "true", "false");
  else if (name == "max_line_bytes")
    conn.max_line_bytes = number_of(value);
  else if (name == "max_output_bytes")
    conn.max_output_bytes = number_of(value);
  else if (name == "max_pending_lines")
    conn.max_pending_lines = number_of(value);
  else if (name == "max_failed_logins")
    conn.max_failed_logins = static_cast<std::uint32_t>(number_of(value));
  else if (name == "failed_login_delay_ms")
    conn.failed_login_delay_ms = static_cast<std::uint32_t>(number_of(value));
  else if (name == "login_timeout_ms")
    conn.login_timeout_ms = static_cast<std::uint32_t>(number_of(value));
  else if (name == "min_password_length")
    conn.min_password_length = number_of(value);
  else if (name == "max_connections")
    sc.world.server.listener.max_connections = number_of(value);
  // Per-address limits (off in scenarios, whose clients all come from the address "sim"
  // unless `network addresses N`): each option turns its part on.
  else if (name == "max_connections_per_address")
    sc.world.server.per_address.max_connections = static_cast<std::uint32_t>(number_of(value));
  else if (name == "connect_burst_per_address")
    sc.world.server.per_address.connect_burst = static_cast<std::uint32_t>(number_of(value));
  else if (name == "connect_interval_per_address_ms")
    sc.world.server.per_address.connect_interval_ms = static_cast<std::uint32_t>(number_of(value));
  else if (name == "irc_operators") // comma-separated account names
    conn.irc_operators = split_on_commas(value);
  else if (name == "irc_flood_penalty_ms")
    conn.irc_flood_penalty_ms = static_cast<std::uint32_t>(number_of(value));
  else if (name == "irc_flood_burst_ms")
    conn.irc_flood_burst_ms = static_cast<std::uint32_t>(number_of(value));
  else
    throw parse_error("unknown option '" + name + "'");
}

void parse_network(scenario& sc, tokens& tk) {
  auto what = tk.word("network setting");
  auto& net = sc.world.network;
  if (what == "latency") {
    net.min_latency = duration_of(tk.word("minimum latency"));
    net.max_latency = duration_of(tk.word("maximum latency"));
    if (net.max_latency < net.min_latency)
      throw parse_error("maximum latency below the minimum");
  } else if (what == "split") {
    auto how = tk.word("whole, bytewise or random");
    if (how != "whole" && how != "bytewise" && how != "random")
      throw parse_error("network split takes whole, bytewise or random, not '" + how + "'");
    net.split_bytewise_per_mille = how == "bytewise" ? 1000 : 0;
    net.split_random_per_mille = how == "random" ? 1000 : 0;
  } else if (what == "socket-buffer") {
    net.socket_buffer_bytes = number_of(tk.word("buffer size in bytes"));
  } else if (what == "addresses") {
    net.client_addresses = number_of(tk.word("number of client addresses"));
  } else {
    throw parse_error("unknown network setting '" + what +
                      "' (latency, split, socket-buffer, addresses)");
  }
}

void parse_fault(scenario& sc, tokens& tk, timed_step& st) {
  st.verb = tk.word("fault kind");
  if (st.verb == "crash-room" || st.verb == "crash-user") {
    st.args.push_back(tk.word(st.verb == "crash-room" ? "room name" : "user name"));
    sc.fault_kinds.insert(st.verb == "crash-room" ? "crash-room" : "crash-conn");
  } else if (st.verb == "refuse-connects" || st.verb == "fail-auth") {
    st.args.push_back(on_off(tk.word("on or off"), "on", "off") ? "on" : "off");
  } else if (st.verb == "slow-auth") {
    st.duration = duration_of(tk.word("delay"));
  } else {
    throw parse_error("unknown fault '" + st.verb +
                      "' (crash-room, crash-user, refuse-connects, slow-auth, fail-auth)");
  }
  if (st.verb == "slow-auth" || st.verb == "fail-auth")
    sc.fault_kinds.insert(st.verb);
}

void parse_action(tokens& tk, timed_step& st, bool irc) {
  st.verb = tk.word("action");
  if (irc && st.verb == "login")
    throw parse_error("login is for line-protocol clients; an irc-client registers with "
                      "send NICK ... and send USER ...");
  if (st.verb == "send") {
    st.args.push_back(tk.next_is_quoted() ? tk.word("text") : tk.rest());
  } else if (st.verb == "send-raw") {
    if (!tk.next_is_quoted())
      throw parse_error("send-raw takes one quoted string");
    st.args.push_back(tk.word("bytes"));
  } else if (st.verb == "flood") {
    st.repeat = number_of(tk.word("number of lines"));
    if (!tk.next_is_quoted())
      throw parse_error("flood takes a count and one quoted text");
    st.args.push_back(tk.word("text"));
  } else if (st.verb == "login") {
    st.args.push_back(tk.word("name"));
    st.args.push_back(tk.word("password"));
  } else if (st.verb != "connect" && st.verb != "pause-reading" && st.verb != "resume-reading" &&
             st.verb != "disconnect" && st.verb != "reset" && st.verb != "half-close") {
    throw parse_error("unknown action '" + st.verb +
                      "' (connect, send, send-raw, flood, login, pause-reading, "
                      "resume-reading, disconnect, reset, half-close)");
  }
}

void parse_at(scenario& sc, tokens& tk, int line) {
  timed_step st;
  st.line = line;
  st.t = duration_of(tk.word("time"));
  auto who = tk.word("client label or 'fault'");
  if (who == "fault") {
    parse_fault(sc, tk, st);
  } else {
    st.who = sc.client_index(who);
    parse_action(tk, st, sc.irc[st.who]);
  }
  tk.finish();
  sc.steps.push_back(std::move(st));
}

// [after T] [before T], in either order.
void parse_window(tokens& tk, expectation& e, bool after_allowed) {
  for (auto w = tk.peek_word(); w && (*w == "before" || (*w == "after" && after_allowed));
       w = tk.peek_word()) {
    tk.word(*w);
    (*w == "before" ? e.before : e.after) = duration_of(tk.word("time after '" + *w + "'"));
  }
  if (e.after && e.before && *e.before < *e.after)
    throw parse_error("'before' is earlier than 'after'");
}

void parse_expect(scenario& sc, tokens& tk, int line, bool negated) {
  expectation e;
  e.line = line;
  e.who = sc.client_index(tk.word("client label"));
  auto keyword = tk.peek_word();
  if (negated) {
    e.kind = expect_kind::unseen;
    e.patterns.push_back(tk.line_pattern("the line"));
    parse_window(tk, e, true);
  } else if (!keyword) {
    e.patterns.push_back(tk.line_pattern("the line"));
    parse_window(tk, e, true);
  } else if (tk.word("keyword"); *keyword == "closed") {
    e.kind = expect_kind::closed;
    parse_window(tk, e, false);
  } else if (*keyword == "refused") {
    e.kind = expect_kind::refused;
  } else if (*keyword == "order") {
    e.kind = expect_kind::order;
    while (tk.next_is_quoted())
      e.patterns.push_back(tk.line_pattern("each line"));
    if (e.patterns.size() < 2)
      throw parse_error("expect ... order needs at least two lines");
    parse_window(tk, e, false);
  } else if (*keyword == "count") {
    e.kind = expect_kind::count;
    e.count = number_of(tk.word("count"));
    e.patterns.push_back(tk.line_pattern("the line"));
  } else {
    throw parse_error("expected \"LINE\", ~\"REGEX\", closed, refused, order or count after "
                      "the client, not '" + *keyword + "'");
  }
  tk.finish();
  e.source = tk.consumed();
  sc.expects.push_back(std::move(e));
}

void parse_directive(scenario& sc, tokens& tk, int line) {
  auto d = tk.word("directive");
  if (d == "seed") {
    sc.seed = number_of(tk.word("seed"));
  } else if (d == "strategy") {
    auto name = tk.word("strategy");
    auto s = parse_strategy(name); // swarm is for seed ranges: a scenario names its strategy
    if (!s)
      throw parse_error("unknown strategy '" + name + "' (uniform, fifo, delay, pct, pct-delay)");
    sc.world.strategy = *s;
  } else if (d == "option") {
    parse_option(sc, tk);
  } else if (d == "network") {
    parse_network(sc, tk);
  } else if (d == "account") {
    auto name = tk.word("account name");
    sc.accounts.emplace_back(name, tk.word("password"));
  } else if (d == "client" || d == "irc-client") {
    auto label = tk.word("client label");
    if (label == "fault" || std::count(sc.clients.begin(), sc.clients.end(), label) != 0)
      throw parse_error("client label '" + label + "' is reserved or already declared");
    sc.clients.push_back(label);
    sc.irc.push_back(d == "irc-client"); // it connects to the IRC listener (sim::irc_endpoint)
  } else if (d == "at") {
    parse_at(sc, tk, line);
    return;
  } else if (d == "expect" || d == "expect-not") {
    parse_expect(sc, tk, line, d == "expect-not");
    return;
  } else if (d == "dump") {
    sc.dump = true;
  } else if (d == "run") {
    sc.run = duration_of(tk.word("run duration"));
  } else {
    throw parse_error("unknown directive '" + d + "'");
  }
  tk.finish();
}

/// Parses `path`; on an error prints "PATH:LINE: message" to `out` and returns nothing.
std::optional<scenario> parse_scenario_file(const std::string& path, std::ostream& out) {
  std::ifstream in{path};
  if (!in) {
    out << path << ": cannot open the scenario file\n";
    return std::nullopt;
  }
  scenario sc;
  sc.path = path;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    tokens tk{text};
    if (tk.at_end())
      continue;
    try {
      parse_directive(sc, tk, line);
    } catch (const parse_error& e) {
      out << path << ":" << line << ": " << e.what() << "\n";
      return std::nullopt;
    }
  }
  return sc;
}

// ============================================================================================
// The scripted authenticator: exact delays and failures, switched by `at ... fault` steps
// ============================================================================================

struct auth_faults {
  vtime delay{0};
  bool fail = false;
};

// ============================================================================================
// The run
// ============================================================================================

std::string printable(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += std::string{"\\"} + static_cast<char>(c);
    else if (c >= 0x20 && c < 0x7F)
      out += static_cast<char>(c);
    else
      out += std::string{"\\x"} + hex[c >> 4] + hex[c & 15];
  }
  return out + "\"";
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class runner {
public:
  runner(scenario& sc, std::uint64_t seed, const std::string& trace_path)
    : sc_(sc), seed_(seed) {
    if (!trace_path.empty()) {
      tracer_ = std::make_unique<trace::tracer>(
        trace_path, [this] { return w_ ? w_->now().count() : 0; },
        "{\"clock\":\"virtual\",\"source\":\"scenario\",\"seed\":" + std::to_string(seed) +
          ",\"scenario\":" + trace::json_string(sc.path) + "}");
      sc_.world.server.tracer = tracer_.get();
    }
    if (!sc_.fault_kinds.count("slow-auth") && !sc_.fault_kinds.count("fail-auth"))
      return;
    sc_.world.server.decorate_auth = [this](caf::actor_system& sys, authenticator_actor a) {
      return spawn_faulty_auth(sys, a, [this] { return auth_decision{auth_.fail, auth_.delay}; },
                               tracer_.get());
    };
  }

  bool run(std::ostream& out);

private:
  vtime run_end() const;
  void add_accounts();
  void schedule(const timed_step& st);
  void act(const timed_step& st);
  void inject(const timed_step& st);
  std::optional<std::string> check(expectation& e);
  std::vector<std::string> check_oracle();
  std::string last_lines(client& c) const;
  void dump(std::ostream& out);

  scenario& sc_;
  std::uint64_t seed_;
  std::unique_ptr<trace::tracer> tracer_; ///< declared before the world: it outlives it
  std::uint64_t max_output_ = 0; ///< the connections' output bound, for the oracle
  auth_faults auth_; ///< what the scripted authenticator does now (outlives the world)
  std::unique_ptr<world> w_;
  std::vector<session> sessions_;
  chaos_actor chaos_;
  std::vector<std::string> runtime_errors_;
};

vtime runner::run_end() const {
  if (sc_.run)
    return *sc_.run;
  vtime last{0};
  for (const auto& st : sc_.steps)
    last = std::max(last, st.t);
  for (const auto& e : sc_.expects)
    if (e.before)
      last = std::max(last, *e.before);
  return last + std::chrono::seconds{30};
}

// Pre-registered accounts go straight into the world's store, hashed like a registration.
void runner::add_accounts() {
  auto hasher = store::make_seeded_argon2id_hasher(seed_);
  auto& accounts = w_->accounts();
  std::lock_guard<std::mutex> guard{accounts.mtx};
  for (const auto& [name, password] : sc_.accounts)
    accounts.hashes[lower(name)] = hasher->hash(password);
}

void runner::schedule(const timed_step& st) {
  w_->events().at(st.t, [this, &st] {
    if (st.who == timed_step::none)
      inject(st);
    else
      act(st);
  });
}

void runner::act(const timed_step& st) {
  auto& s = sessions_[st.who];
  auto& c = *s.endpoint;
  if (st.verb == "connect") {
    if (c.id() != 0)
      runtime_errors_.push_back("line " + std::to_string(st.line) + ": " + c.label() +
                                " connects a second time (use another client)");
    else
      c.connect(sc_.irc[st.who] ? irc_endpoint : std::string{});
    return;
  }
  if (c.id() == 0) {
    runtime_errors_.push_back("line " + std::to_string(st.line) + ": " + c.label() + " " +
                              st.verb + " before it connected");
    return;
  }
  if (st.verb == "send") {
    c.send_line(st.args[0]);
  } else if (st.verb == "flood") {
    for (std::size_t n = 1; n <= st.repeat; ++n) {
      auto text = st.args[0];
      for (auto at = text.find("{n}"); at != std::string::npos; at = text.find("{n}", at))
        text.replace(at, 3, std::to_string(n));
      c.send_line(text);
    }
  } else if (st.verb == "send-raw") {
    c.send_raw(st.args[0]);
  } else if (st.verb == "login") {
    s.name = lower(st.args[0]);
    c.send_line(st.args[0]); // the server queues the password behind the name
    c.send_line(st.args[1]);
  } else if (st.verb == "pause-reading" || st.verb == "resume-reading") {
    c.set_reading(st.verb == "resume-reading");
  } else if (st.verb == "disconnect") {
    c.disconnect();
  } else if (st.verb == "reset" || st.verb == "half-close") {
    s.reset = true; // bytes in flight may be lost: the oracle owes it no delivery
    if (st.verb == "reset")
      c.reset();
    else
      w_->net().client_half_close(c.id());
  }
}

void runner::inject(const timed_step& st) {
  if (st.verb == "crash-room")
    caf::anon_send(chaos_, crash_room{st.args[0]});
  else if (st.verb == "crash-user")
    caf::anon_send(chaos_, crash_user{lower(st.args[0])});
  else if (st.verb == "refuse-connects")
    w_->net().options().refuse_per_mille = st.args[0] == "on" ? 1000 : 0;
  else if (st.verb == "fail-auth")
    auth_.fail = st.args[0] == "on";
  else if (st.verb == "slow-auth")
    auth_.delay = st.duration;
}

std::string runner::last_lines(client& c) const {
  const auto& got = c.received();
  if (got.empty())
    return "nothing received";
  std::string s = "last lines:";
  for (auto i = got.size() > 5 ? got.size() - 5 : 0; i < got.size(); ++i)
    s += " " + format_vtime(got[i].t) + " " + printable(got[i].text) + (i + 1 < got.size() ? "," : "");
  return s;
}

void runner::dump(std::ostream& out) {
  for (auto& s : sessions_) {
    auto& c = *s.endpoint;
    out << "--- " << c.label() << (c.refused() ? " (refused)" : "")
        << (c.closed_by_server() ? " (closed by the server)" : "") << "\n";
    for (const auto& l : c.received())
      out << "  " << format_vtime(l.t) << " " << printable(l.text) << "\n";
  }
}

// Nothing if `e` held; otherwise why not.
std::optional<std::string> runner::check(expectation& e) {
  auto& c = *sessions_[e.who].endpoint;
  const auto& got = c.received();
  auto first_match = [&](std::size_t from, const pattern& p) {
    while (from < got.size() && !p.matches(got[from].text))
      ++from;
    return from;
  };
  switch (e.kind) {
    case expect_kind::seen: {
      auto i = first_match(0, e.patterns[0]);
      if (i == got.size())
        return std::string{"not received"};
      for (auto k = i; k < got.size(); k = first_match(k + 1, e.patterns[0]))
        if ((!e.after || got[k].t >= *e.after) && (!e.before || got[k].t <= *e.before))
          return std::nullopt;
      return "received only at " + format_vtime(got[i].t) + (e.after ? " (first)" : "");
    }
    case expect_kind::unseen:
      for (auto k = first_match(0, e.patterns[0]); k < got.size(); k = first_match(k + 1, e.patterns[0]))
        if ((!e.after || got[k].t >= *e.after) && (!e.before || got[k].t <= *e.before))
          return "received at " + format_vtime(got[k].t) + ": " + printable(got[k].text);
      return std::nullopt;
    case expect_kind::closed:
      if (e.before ? e.closed_in_time : c.closed_by_server())
        return std::nullopt;
      return std::string{c.closed_by_server() ? "closed by the server only later"
                                              : "not closed by the server"};
    case expect_kind::refused:
      if (c.refused())
        return std::nullopt;
      return std::string{c.id() == 0 ? "never connected" : "the connection was not refused"};
    case expect_kind::order: {
      std::size_t at = 0;
      for (std::size_t k = 0; k < e.patterns.size(); ++k, ++at) {
        at = first_match(at, e.patterns[k]);
        if (at == got.size())
          return printable(e.patterns[k].text) + " not received" +
                 (k == 0 ? std::string{} : " after " + printable(e.patterns[k - 1].text));
      }
      if (e.before && got[at - 1].t > *e.before)
        return "the last line came only at " + format_vtime(got[at - 1].t);
      return std::nullopt;
    }
    case expect_kind::count: {
      std::size_t n = 0;
      for (const auto& l : got)
        n += e.patterns[0].matches(l.text) ? 1 : 0;
      if (n == e.count)
        return std::nullopt;
      return "matched " + std::to_string(n) + " line(s)";
    }
  }
  return std::nullopt;
}

std::vector<std::string> runner::check_oracle() {
  fault_plan plan;
  plan.active = sc_.fault_kinds;
  oracle_input in;
  for (auto& s : sessions_) {
    for (const auto& l : s.endpoint->received()) {
      if (!s.irc && l.text.rfind("*** Logged in as ", 0) == 0 && l.text.size() > 18) {
        s.name = l.text.substr(17, l.text.size() - 18);
        s.logged_in = true;
      }
      // IRC: ":server 001 NICK :Welcome ..." registers NICK.
      auto sp = l.text.find(' ');
      if (s.irc && !s.logged_in && l.text.size() > 1 && l.text[0] == ':' &&
          l.text.compare(sp + 1, 4, "001 ") == 0) {
        auto nick = l.text.substr(sp + 5);
        s.name = nick.substr(0, nick.find(' '));
        s.logged_in = true;
      }
    }
    in.sessions.push_back(&s);
  }
  for (const auto& [name, password] : sc_.accounts)
    in.accounts[lower(name)] = password;
  in.faults = &plan;
  in.max_output_bytes = max_output_;
  in.max_unflushed_seen = w_->net().max_unflushed_seen();
  in.end_of_run = w_->now();
  return check_invariants(in);
}

bool runner::run(std::ostream& out) {
  auto end = run_end();
  max_output_ = sc_.world.server.listener.connection.max_output_bytes;
  sc_.world.seed = seed_;
  // Any irc-client: the server opens its IRC listener too, with the line listener's settings
  // (spawn_server makes it speak IRC, with IRC's 510-byte lines).
  if (std::count(sc_.irc.begin(), sc_.irc.end(), true) > 0)
    sc_.world.server.irc_listener = sc_.world.server.listener;
  w_ = std::make_unique<world>(std::move(sc_.world));
  add_accounts();
  sessions_.resize(sc_.clients.size());
  for (std::size_t i = 0; i < sc_.clients.size(); ++i) {
    sessions_[i].endpoint = std::make_unique<client>(*w_, sc_.clients[i]);
    sessions_[i].irc = sc_.irc[i];
  }
  chaos_ = spawn_chaos(w_->system(), w_->server().directory, tracer_.get());
  for (const auto& st : sc_.steps)
    schedule(st);
  for (auto& e : sc_.expects) // `closed before T` is observed at T
    if (e.kind == expect_kind::closed && e.before)
      w_->events().at(*e.before + vtime{1}, [this, &e] {
        e.closed_in_time = sessions_[e.who].endpoint->closed_by_server();
      });
  w_->run_until(end);
  if (const auto& stuck = w_->livelock())
    runtime_errors_.push_back(livelock_violation(*stuck));
  if (sc_.dump)
    dump(out);
  std::size_t failed = 0;
  for (auto& e : sc_.expects)
    if (auto why = check(e)) {
      ++failed;
      out << "FAIL line " << e.line << ": " << e.source << ": " << *why << " ("
          << last_lines(*sessions_[e.who].endpoint) << ")\n";
    }
  for (const auto& r : runtime_errors_)
    out << "FAIL " << r << "\n";
  auto violations = check_oracle();
  for (const auto& v : violations)
    out << "FAIL invariant: " << v << "\n";
  caf::anon_send_exit(chaos_, caf::exit_reason::user_shutdown);
  w_->shutdown();
  bool ok = failed == 0 && runtime_errors_.empty() && violations.empty();
  out << "scenario " << sc_.path << ": " << (ok ? "ok" : "FAILED") << " (" << sc_.expects.size()
      << " expectations, seed " << seed_ << ", virtual " << format_vtime(end) << ")\n";
  return ok;
}

} // namespace

bool replay_scenario_file(const std::string& path, std::uint64_t seed, std::ostream& out,
                          const std::string& trace_path) {
  auto sc = parse_scenario_file(path, out);
  if (!sc)
    return false;
  if (sc->expects.empty()) {
    out << path << ": no expectations: a scenario must check something\n";
    return false;
  }
  for (const auto& e : sc->expects)
    if (sc->run && ((e.before && *e.before > *sc->run) || (e.after && *e.after > *sc->run))) {
      out << path << ":" << e.line << ": the expectation looks past the end of the run ("
          << format_vtime(*sc->run) << ")\n";
      return false;
    }
  if (seed == 0)
    seed = sc->seed.value_or(1);
  runner r{*sc, seed, trace_path};
  return r.run(out);
}

} // namespace parley::sim
