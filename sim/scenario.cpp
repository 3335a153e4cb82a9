// Scenario files (see scenario.hpp and docs/scenarios.md). The parser is in scenario_parse.cpp;
// here: a scripted authenticator proxy for the exact `slow-auth` and `fail-auth` faults, and the
// runner (world, timed actions, expectations, invariant oracle).
#include "sim/scenario.hpp"
#include "sim/scenario_parse.hpp"
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

using namespace scenario_file;

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
    opts_.server.listener = sc_.listener;
    opts_.server.per_address = sc_.listener.per_address; // spawn_server gives it to both
    opts_.network = sc_.network;
    opts_.strategy = sc_.strategy;
    if (!trace_path.empty()) {
      tracer_ = std::make_unique<trace::tracer>(
        trace_path, [this] { return w_ ? w_->now().count() : 0; },
        "{\"clock\":\"virtual\",\"source\":\"scenario\",\"seed\":" + std::to_string(seed) +
          ",\"scenario\":" + trace::json_string(sc.path) + "}");
      opts_.server.tracer = tracer_.get();
    }
    if (!sc_.fault_kinds.count("slow-auth") && !sc_.fault_kinds.count("fail-auth"))
      return;
    opts_.server.decorate_auth = [this](caf::actor_system& sys, authenticator_actor a) {
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
  world_options opts_; ///< the scenario's settings, then the seed, tracer and auth proxy
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
  max_output_ = opts_.server.listener.connection.max_output_bytes;
  opts_.seed = seed_;
  // Any irc-client: the server opens its IRC listener too, with the line listener's settings
  // (spawn_server makes it speak IRC, with IRC's 510-byte lines).
  if (std::count(sc_.irc.begin(), sc_.irc.end(), true) > 0)
    opts_.server.irc_listener = opts_.server.listener;
  w_ = std::make_unique<world>(std::move(opts_));
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
