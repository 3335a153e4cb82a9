// Scenario files, the parser half (see scenario_parse.hpp and docs/scenarios.md): tokens (bare
// words, "quoted strings" with escapes, ~"regexes", '#' comments) and one function per directive.
#include "sim/scenario_parse.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <istream>
#include <ostream>

namespace parley::sim::scenario_file {

namespace {

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
  auto& conn = sc.listener.connection;
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
    sc.listener.max_connections = number_of(value);
  // Per-address limits (off in scenarios, whose clients all come from the address "sim"
  // unless `network addresses N`): each option turns its part on.
  else if (name == "max_connections_per_address")
    sc.listener.per_address.max_connections = static_cast<std::uint32_t>(number_of(value));
  else if (name == "connect_burst_per_address")
    sc.listener.per_address.connect_burst = static_cast<std::uint32_t>(number_of(value));
  else if (name == "connect_interval_per_address_ms")
    sc.listener.per_address.connect_interval_ms = static_cast<std::uint32_t>(number_of(value));
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
  auto& net = sc.network;
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
    sc.strategy = *s;
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

} // namespace

std::optional<scenario> parse_scenario(std::istream& in, const std::string& path,
                                       std::ostream& out) {
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

std::optional<scenario> parse_scenario_file(const std::string& path, std::ostream& out) {
  std::ifstream in{path};
  if (!in) {
    out << path << ": cannot open the scenario file\n";
    return std::nullopt;
  }
  return parse_scenario(in, path, out);
}

} // namespace parley::sim::scenario_file
